"""The modality declaration, as the core sees it: re-exported from :mod:`lime_kit.modalities`.

There is one registry. An explainer class that subclasses
:class:`~lime_kit.core.explainer.Explainer` declares its modality when it is
defined (replacing the built-in declaration of the same name, which names it
by string so that nothing is imported early).
"""

from lime_kit.modalities import (
    Modality,
    get_modality,
    modality_of,
    register_modality,
    registered_modalities,
    split_instances,
    unregister_modality,
)

__all__ = [
    "Modality",
    "get_modality",
    "modality_of",
    "register_modality",
    "registered_modalities",
    "split_instances",
    "unregister_modality",
]
