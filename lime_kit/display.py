"""Where the data classes find their notebook renderers, without importing :mod:`lime_kit.plot`.

``Explanation`` and ``ExplanationSet`` are data; the pictures live in
``lime_kit.plot``, which imports them. So that neither side imports the other,
the renderers register here when ``lime_kit.plot`` is imported (``import
lime_kit`` does that), and ``_repr_html_`` looks them up.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["register_renderer", "renderer"]

_RENDERERS: dict[str, Callable[..., str]] = {}


def register_renderer(kind: str, render: Callable[..., str]) -> None:
    """Make ``render(obj)`` the notebook HTML of ``kind`` (``"explanation"`` or ``"explanation_set"``)."""
    _RENDERERS[kind] = render


def renderer(kind: str) -> Callable[..., str] | None:
    """The registered HTML renderer of ``kind``, or None when none is registered."""
    return _RENDERERS.get(kind)
