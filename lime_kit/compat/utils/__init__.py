"""lime's ``lime.utils`` package (see :mod:`.generic_utils`)."""

from lime_kit.compat.utils import generic_utils

__all__ = ["generic_utils"]
