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

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

__all__ = ["Modality", "get_modality", "modality_of", "register_modality", "registered_modalities", "resolve",
           "unregister_modality"]


@dataclass(frozen=True)
class Modality:
    """One modality's declaration, as the set, renderer, evaluation and CLI side reads it.

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
    """

    name: str
    explainer: str | type
    html: str | Callable[..., str]
    instance_is_row: bool = False

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
    """Declare ``modality`` (replacing one of the same name); return it."""
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
