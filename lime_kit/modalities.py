"""What the set, the renderers, the evaluation module and the CLI need to know about each modality.

A modality declares itself once, here: its name (``Explanation.modality``),
its explainer class and its notebook HTML renderer, both as
``"module:attribute"`` strings so that nothing is imported until it is used
and no module here imports an explainer. ``explanation_html``,
:mod:`lime_kit.evaluation` and ``explain_many`` find a modality only through
:func:`get_modality` and :func:`modality_of`; an unknown one is a clear error
that names the known ones. A new modality calls :func:`register_modality`
and needs no edit anywhere else.

Examples
--------
>>> sorted(registered_modalities())[:3]
['image', 'tabular', 'text']
>>> get_modality("tabular").instance_is_row
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import numpy as np

__all__ = ["Modality", "get_modality", "modality_of", "register_modality", "registered_modalities", "resolve",
           "split_instances", "unregister_modality"]


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
    """One modality's declaration: everything lime_kit needs to know about it outside its own package.

    Parameters
    ----------
    name : str
        ``Explanation.modality`` of its explanations.
    explainer : str or type
        Its explainer class, or ``"module:Class"`` (imported only on use).
    html : str or callable
        ``html(explanation, label=None) -> str``, the notebook fragment, or
        ``"module:function"``.
    instance_is_row : bool, default=False
        One instance is a 1-D row, so ``explain_many`` refuses a 1-D array
        or a Series as "many instances".
    instance : str, default="instance"
        The name of ``explain``'s first parameter (``"instance"``, ``"text"``, ``"image"``).
    split : callable instances -> (sliceable, count)
        How ``explain_many`` splits a batch into instances (refusing a batch
        that reads as one instance).
    """

    name: str
    explainer: str | type
    html: str | Callable[..., str]
    instance_is_row: bool = False
    instance: str = "instance"
    split: Callable[[Any], tuple[Any, int]] = field(default=None)

    def __post_init__(self):
        if self.split is None:
            object.__setattr__(self, "split", split_instances)

    @property
    def renderer(self) -> str | Callable[..., str]:
        """The HTML renderer as declared (same as ``html``)."""
        return self.html

    def explainer_class(self) -> type:
        return resolve(self.explainer)

    def html_renderer(self) -> Callable[..., str]:
        return resolve(self.html)


def resolve(target: str | Any) -> Any:
    """``"module:attribute"`` imported; anything else returned as it is."""
    if not isinstance(target, str):
        return target
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


_MODALITIES: dict[str, Modality] = {}


def register_modality(modality: Modality) -> Modality:
    """Declare ``modality`` (replacing one of the same name, e.g. the built-in string declaration by the
    explainer class that declares itself when it is defined); return it."""
    if not isinstance(modality, Modality):
        raise TypeError(f"register a lime_kit.modalities.Modality, got {type(modality).__name__}")
    _MODALITIES[modality.name] = modality
    return modality


def unregister_modality(name: str) -> None:
    """Forget modality ``name`` (a plugin unloading, a test cleaning up); unknown names are ignored."""
    _MODALITIES.pop(name, None)


def registered_modalities() -> tuple[str, ...]:
    """Names of the declared modalities, in declaration order."""
    return tuple(_MODALITIES)


def get_modality(name: str) -> Modality:
    """The declaration of modality ``name``; a ValueError naming the known ones when there is none.

    Examples
    --------
    >>> get_modality("audio")
    Traceback (most recent call last):
    ...
    ValueError: unknown modality 'audio'; the known modalities are ['tabular', 'text', 'image']. A new modality \
declares itself with lime_kit.modalities.register_modality(Modality(...))
    """
    try:
        return _MODALITIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown modality {name!r}; the known modalities are {list(_MODALITIES)}. A new modality declares "
            "itself with lime_kit.modalities.register_modality(Modality(...))"
        ) from None


def modality_of(explainer: Any) -> Modality | None:
    """The declaration whose explainer class ``explainer`` is an instance of, or None.

    Classes are compared by ``"module:Class"`` along the MRO, so no explainer
    module is imported to answer.
    """
    for cls in type(explainer).__mro__:
        path = f"{cls.__module__}:{cls.__qualname__}"
        for modality in _MODALITIES.values():
            if modality.explainer is cls or modality.explainer == path:
                return modality
    return None


register_modality(Modality("tabular", "lime_kit.tabular.explainer:TabularExplainer", "lime_kit.plot.html:tabular_html",
                           instance_is_row=True))
register_modality(Modality("text", "lime_kit.text.explainer:TextExplainer", "lime_kit.plot.text:text_html"))
register_modality(Modality("image", "lime_kit.image.explainer:ImageExplainer", "lime_kit.plot.image:image_html"))
