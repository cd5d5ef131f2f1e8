"""What a modality declares about itself: its name, explainer, renderer and how a batch splits into instances.

Renderers, ``explain_many`` and the command line look a modality up by
``exp.modality`` (or an explainer's ``modality.name``) here instead of
branching on the name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Modality", "get_modality", "register_modality", "registered_modalities", "split_instances"]

#: Modalities shipped with lime_kit, by the module that declares each (imported on first look-up).
_BUILTIN = {"tabular": "lime_kit.tabular.explainer", "text": "lime_kit.text.explainer", "image": "lime_kit.image.explainer"}
_REGISTRY: dict[str, Modality] = {}


def split_instances(instances) -> tuple[Any, int]:
    """Return ``(instances in a sliceable form, their number)`` without copying the user's data.

    >>> split_instances(["a text", "another"])
    (['a text', 'another'], 2)
    """
    if isinstance(instances, (str, bytes)):
        raise ValueError(
            "instances is a single string; pass a list of texts (explain_many([text], ...)) or use explain() for one"
        )
    if type(instances).__module__.startswith("pandas") and hasattr(instances, "iloc"):
        return instances, len(instances)
    if hasattr(instances, "tocsr") and hasattr(instances, "shape"):  # scipy.sparse: slice by rows
        return instances.tocsr(), instances.shape[0]
    if isinstance(instances, np.ndarray):
        if instances.ndim == 0:
            raise ValueError(f"instances has shape {instances.shape}; pass one instance per item or row")
        return instances, len(instances)
    if isinstance(instances, Sequence):
        return instances, len(instances)
    if isinstance(instances, Iterable):
        items = list(instances)
        return items, len(items)
    raise TypeError(
        f"instances must be a 2-D array or DataFrame of rows, a list of texts or a list or array of images, "
        f"got {type(instances).__name__}"
    )


@dataclass(frozen=True)
class Modality:
    """One modality's declaration.

    Attributes
    ----------
    name : str
        What ``exp.modality`` says (``"tabular"``, ``"text"``, ``"image"``).
    explainer : type
        Its explainer class.
    instance : str
        The name of ``explain``'s first parameter (``"instance"``, ``"text"``, ``"image"``).
    renderer : str
        ``"module:function"`` of its HTML renderer (``function(exp, label=None) -> str``).
    split : callable instances -> (sliceable, count)
        How ``explain_many`` splits a batch into instances (refusing a batch
        that reads as one instance).
    """

    name: str
    explainer: type
    instance: str
    renderer: str
    split: Callable[[Any], tuple[Any, int]] = split_instances


def register_modality(modality: Modality) -> Modality:
    """Make ``modality`` known to :func:`get_modality` (an explainer class registers its own when defined)."""
    _REGISTRY[modality.name] = modality
    return modality


def _load_builtins() -> None:
    for name, module in _BUILTIN.items():
        if name not in _REGISTRY:
            importlib.import_module(module)


def registered_modalities() -> tuple[str, ...]:
    """Names of every known modality.

    >>> registered_modalities()
    ('tabular', 'text', 'image')
    """
    _load_builtins()
    return tuple(sorted(_REGISTRY, key=lambda name: list(_BUILTIN).index(name) if name in _BUILTIN else len(_BUILTIN)))


def get_modality(name: str) -> Modality:
    """The declaration of modality ``name``.

    >>> get_modality("text").instance
    'text'
    """
    if name not in _REGISTRY:
        _load_builtins()
    if name not in _REGISTRY:
        raise ValueError(f"unknown modality {name!r}; known modalities are {', '.join(registered_modalities())}")
    return _REGISTRY[name]
