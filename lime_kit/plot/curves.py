"""Deletion and insertion curves: how fast the model's output moves when the top features go (or come).

A deletion curve removes features in the explanation's order of importance
and records the model's output for the label at each step; a faithful
explanation makes it fall fast (small area under the curve). An insertion
curve adds them to an empty input; it should rise fast (large area). The
same curve for random orders is drawn as the baseline the explanation must
beat.
"""

from __future__ import annotations

import math

import numpy as np

from lime_kit.plot.colors import GREY, NEGATIVE, POSITIVE

__all__ = ["plot_curves"]

_KINDS = {"deletion": "removed", "insertion": "added"}


def _field(result, name: str):
    """Read a field from a ``CurveResult`` (attributes) or a plain dict with the same keys."""
    if isinstance(result, dict):
        if name not in result:
            raise ValueError(f"the curve result has no {name!r}; pass a CurveResult from lime_kit.evaluation")
        return result[name]
    if not hasattr(result, name):
        raise ValueError(f"the curve result has no {name!r}; pass a CurveResult from lime_kit.evaluation")
    return getattr(result, name)


def plot_curves(result, ax=None):
    """Plot a deletion or insertion curve against its random-order baseline.

    Parameters
    ----------
    result : CurveResult
        From :mod:`lime_kit.evaluation` (a dict with the same keys works):
        ``kind`` (``"deletion"`` or ``"insertion"``), ``fractions`` (share of
        features removed or added at each step, 0 to 1), ``values`` (model
        output for the label at each step, explanation's order),
        ``random_values`` (mean over random orders), ``auc``, ``random_auc``,
        ``label`` and ``label_name``.
    ax : matplotlib Axes, optional
        Draw into it instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        An :class:`~lime_kit.plot.figure.ExplanationFigure`, or ``ax.figure``
        when ``ax`` was given.

    Examples
    --------
    >>> result = dict(kind="deletion", fractions=[0, 0.5, 1], values=[0.9, 0.3, 0.1],
    ...               random_values=[0.9, 0.6, 0.1], auc=0.4, random_auc=0.55, label=1, label_name="cat")
    >>> fig = plot_curves(result)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['explanation order (AUC 0.400)', 'random order (AUC 0.550)']
    """
    kind = str(_field(result, "kind"))
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'deletion' or 'insertion', got {kind!r}")
    fractions = np.asarray(_field(result, "fractions"), dtype=float)
    values = np.asarray(_field(result, "values"), dtype=float)
    random_values = np.asarray(_field(result, "random_values"), dtype=float)
    if not len(fractions) == len(values) == len(random_values):
        raise ValueError(
            f"fractions, values and random_values must have one entry per step; got lengths "
            f"{len(fractions)}, {len(values)} and {len(random_values)}"
        )
    auc, random_auc = float(_field(result, "auc")), float(_field(result, "random_auc"))
    if ax is None:
        from lime_kit.plot.figure import ExplanationFigure

        fig = ExplanationFigure(figsize=(5.5, 3.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    color = NEGATIVE if kind == "deletion" else POSITIVE
    ax.plot(fractions, values, color=color, linewidth=2, marker="o", markersize=3, label=f"explanation order (AUC {auc:.3f})")
    ax.fill_between(fractions, values, alpha=0.15, color=color, linewidth=0)
    ax.plot(fractions, random_values, color=GREY, linewidth=1.5, linestyle="--", label=f"random order (AUC {random_auc:.3f})")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"fraction of features {_KINDS[kind]} (most important first)")
    ax.set_ylabel(f"model output for {_field(result, 'label_name')}")
    better = auc < random_auc if kind == "deletion" else auc > random_auc
    verdict = "" if math.isnan(auc) or math.isnan(random_auc) else (
        "beats random order" if better else "does not beat random order"
    )
    goal = "lower AUC is better" if kind == "deletion" else "higher AUC is better"
    ax.set_title(f"{kind} curve: {verdict} ({goal})" if verdict else f"{kind} curve ({goal})", fontsize=10, loc="left")
    ax.legend(frameon=False, fontsize=9, loc="upper right" if kind == "deletion" else "lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return fig
