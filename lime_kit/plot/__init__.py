"""Renderers: pictures and HTML made from an `Explanation` (the only place matplotlib is imported).

`explanation_html` picks the HTML renderer of the explanation's modality;
modalities register theirs in ``_HTML_RENDERERS`` as ``"module:function"`` so
that importing this package stays light. Every figure is an
:class:`~lime_kit.plot.figure.ExplanationFigure`, a matplotlib Figure that
shows itself in Jupyter without pyplot.
"""

from __future__ import annotations

from importlib import import_module

from lime_kit.explanation import Explanation

__all__ = ["explanation_html", "plot_curves", "plot_weights", "save_explanation"]

_HTML_RENDERERS = {
    "tabular": "lime_kit.plot.html:tabular_html",
    "text": "lime_kit.plot.text:text_html",
    "image": "lime_kit.plot.image:image_html",
}


def explanation_html(explanation: Explanation, label: int | None = None) -> str:
    """Return the notebook HTML fragment for ``explanation`` (no JavaScript)."""
    target = _HTML_RENDERERS.get(explanation.modality, "lime_kit.plot.html:tabular_html")
    module, name = target.split(":")
    return getattr(import_module(module), name)(explanation, label=label)


def plot_weights(*args, **kwargs):
    """Horizontal bar chart of the weights; see :func:`lime_kit.plot.bars.plot_weights`."""
    from lime_kit.plot.bars import plot_weights as _plot_weights

    return _plot_weights(*args, **kwargs)


def plot_curves(*args, **kwargs):
    """Deletion or insertion curve against random orders; see :func:`lime_kit.plot.curves.plot_curves`."""
    from lime_kit.plot.curves import plot_curves as _plot_curves

    return _plot_curves(*args, **kwargs)


def save_explanation(*args, **kwargs):
    """Write PNG and HTML files; see :func:`lime_kit.plot.save.save_explanation`."""
    from lime_kit.plot.save import save_explanation as _save

    return _save(*args, **kwargs)
