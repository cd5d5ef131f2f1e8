"""Renderers: pictures and HTML made from an `Explanation` (the only place matplotlib is imported).

`explanation_html` picks the HTML renderer the explanation's modality
declared in :mod:`lime_kit.modalities` (as ``"module:function"``, so that
importing this package stays light). Importing this package registers the
notebook renderers of ``Explanation`` and ``ExplanationSet`` in
:mod:`lime_kit.display`, so the data classes never import it. Every figure is an
:class:`~lime_kit.plot.figure.ExplanationFigure`, a matplotlib Figure that
shows itself in Jupyter without pyplot.
"""

from __future__ import annotations

from importlib import import_module

from lime_kit import display
from lime_kit.plot.renderers import explanation_html

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


def _set_html(explanation_set) -> str:
    try:
        from lime_kit.plot.report import set_html
    except ImportError as error:
        if "lime_kit.plot.report" not in str(error) and getattr(error, "name", None) != "lime_kit.plot.report":
            raise
        # The report module is optional here: a plain table still says what the set holds.
        return explanation_set._plain_html()
    return set_html(explanation_set)


display.register_renderer("explanation", explanation_html)
display.register_renderer("explanation_set", _set_html)


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
