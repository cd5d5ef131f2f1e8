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

__all__ = [
    "explanation_html",
    "plot_comparison",
    "plot_curves",
    "plot_global_importance",
    "plot_picks",
    "plot_weights",
    "save_explanation",
    "save_report",
]

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


# Renderers load on first use, so that importing lime_kit.plot does not import matplotlib.
_LAZY = {
    "plot_weights": "lime_kit.plot.bars",
    "plot_curves": "lime_kit.plot.curves",
    "plot_comparison": "lime_kit.plot.compare",
    "save_explanation": "lime_kit.plot.save",
    "plot_global_importance": "lime_kit.plot.many",
    "plot_picks": "lime_kit.plot.many",
    "save_report": "lime_kit.plot.report",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lime_kit.plot' has no attribute {name!r}")
