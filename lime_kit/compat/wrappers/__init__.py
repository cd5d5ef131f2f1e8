"""lime's ``lime.wrappers`` package (see :mod:`.scikit_image`)."""

from lime_kit.compat.wrappers import scikit_image

__all__ = ["scikit_image"]
