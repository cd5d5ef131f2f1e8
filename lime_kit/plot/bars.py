"""Horizontal bar chart of an explanation's feature weights, with their confidence intervals."""

from __future__ import annotations

import math

import numpy as np

from lime_kit.explanation import Explanation
from lime_kit.plot.colors import NEGATIVE, POSITIVE
from lime_kit.plot.ties import shown_ties, tie_word

__all__ = ["plot_weights", "TIE_GID"]

TIE_GID = "lime_kit-tie"  # the gid of a tie bracket's line and label (also their id in SVG output)


def plot_weights(
    explanation: Explanation,
    label: int | None = None,
    num_features: int | None = None,
    ax=None,
    level: float = 0.95,
):
    """Draw the top weights of one label as horizontal bars, with confidence intervals when known.

    A ``method="anchors"`` explanation is a rule, not weights (its
    coefficients are the precision each feature added): it is drawn by
    :func:`lime_kit.plot.anchors.plot_anchor` instead, the precision and
    coverage as the rule grew (``ax`` is then a pair of Axes).

    Bars whose order the samples do not resolve (a tie group, see
    :meth:`Explanation.ties`) are joined by a bracket at the right edge,
    labelled "tied": read them as a group that matters about equally.

    Parameters
    ----------
    explanation : Explanation
    label : int, optional
        One of ``explanation.labels``; defaults to the first.
    num_features : int, optional
        Show at most this many features (largest ``|weight|`` first).
    ax : matplotlib Axes, optional
        Draw into it instead of a new figure.
    level : float, default=0.95
        Coverage of the error bars drawn from ``explanation.coefficient_std``
        (see :meth:`Explanation.confidence_intervals`); explanations without
        standard errors get no error bars.

    Returns
    -------
    matplotlib.figure.Figure
        An :class:`~lime_kit.plot.figure.ExplanationFigure` (shows itself in
        Jupyter), or ``ax.figure`` when ``ax`` was given.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> fig = plot_weights(exp)
    >>> fig.axes[0].get_xlabel().startswith("effect on the prediction")
    True
    """
    if explanation.method == "anchors":
        from lime_kit.plot.anchors import plot_anchor

        return plot_anchor(explanation, label=label, ax=ax)
    label = explanation.resolve_label(label)
    pairs = explanation.as_list(label)[:num_features]
    if ax is None:
        from lime_kit.plot.figure import ExplanationFigure

        fig = ExplanationFigure(figsize=(7, 0.45 * max(len(pairs), 2) + 1.4), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    names = [name for name, _ in reversed(pairs)]
    weights = np.array([weight for _, weight in reversed(pairs)], dtype=float)
    colors = [POSITIVE if w > 0 else NEGATIVE for w in weights]
    positions = np.arange(len(pairs))
    ax.barh(positions, weights, color=colors)
    kind = "Shapley value" if explanation.method == "kernel_shap" else "surrogate weight"
    xlabel = f"effect on {_output_name(explanation, label)} ({kind})"
    intervals = _error_bars(explanation, label, level, len(pairs))
    if intervals is not None:
        below, above = intervals[::-1].T  # bars run bottom-up, the list top-down
        drawn = np.isfinite(below) & np.isfinite(above)
        ax.errorbar(
            weights[drawn], positions[drawn], xerr=np.vstack([below[drawn], above[drawn]]),
            fmt="none", ecolor="0.25", elinewidth=1.2, capsize=4,
        )
        xlabel += f"\nlines: {level:.0%} confidence intervals"
    ties = shown_ties(explanation, label, len(pairs))
    if ties:
        _bracket_ties(ax, ties, len(pairs))
        xlabel += "\nbrackets: tied ranks (order within sampling noise)"
    ax.set_yticks(positions, names)
    ax.axvline(0, color="0.4", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(f"{_title(explanation, label)}\n{_scale(explanation, label)}", fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _bracket_ties(ax, ties, count: int) -> None:
    """A bracket beside each tie group's bars, just right of the axes, with the word "tied".

    Drawn in axes coordinates across and data coordinates along the bars,
    outside the plotting area, so it never covers a bar or an error bar
    whatever the weights' signs.
    """
    from matplotlib.transforms import blended_transform_factory

    along = blended_transform_factory(ax.transAxes, ax.transData)
    x_open, x_spine = 1.012, 1.03
    for tie in ties:
        top, bottom = count - 1 - tie.first + 0.36, count - 1 - tie.last - 0.36
        xs, ys = [x_open, x_spine, x_spine], [top, top, bottom]
        if tie.hidden:  # the group goes on below the last bar shown: leave the bracket open
            ys[-1] = count - 1 - tie.last - 0.5
        else:
            xs.append(x_open)
            ys.append(bottom)
        ax.plot(xs, ys, color="0.3", linewidth=1.3, transform=along, clip_on=False, solid_capstyle="butt", gid=TIE_GID)
        ax.text(
            x_spine + 0.012, (top + bottom) / 2, tie_word(tie), transform=along, va="center", ha="left",
            fontsize=9, color="0.2", clip_on=False, gid=TIE_GID,
        )


def _error_bars(explanation: Explanation, label: int, level: float, count: int) -> np.ndarray | None:
    """``(count, 2)`` distances from each weight to its interval's ends, or None without standard errors."""
    if not explanation.coefficient_std.get(label):
        return None
    rows = explanation.confidence_intervals(label, level)[:count]
    weights = [w for _, w in explanation.coefficients[label][:count]]
    spans = np.array([(w - low, high - w) for w, (_, low, high) in zip(weights, rows)], dtype=float)
    return spans if np.isfinite(spans).any() else None


def _output_name(explanation: Explanation, label: int) -> str:
    if explanation.mode == "regression":
        return "the prediction"
    return f"p({explanation.label_name(label)})"


def _title(explanation: Explanation, label: int) -> str:
    name = explanation.label_name(label)
    prediction = explanation.prediction[label]
    shapley = explanation.method == "kernel_shap"
    fit = f"{'KernelSHAP, fit' if shapley else 'surrogate'} R² = {explanation.score[label]:.2f}"
    heldout = explanation.heldout_score.get(label)
    if not shapley and isinstance(heldout, float) and math.isfinite(heldout):  # KernelSHAP's is not cross-fitted
        fit += f", held-out {heldout:.2f}"
    if explanation.mode == "regression":
        return f"prediction = {prediction:.4g}   ({fit})"
    return f"class {name!r}: p = {prediction:.3f}   ({fit})"


def _scale(explanation: Explanation, label: int) -> str:
    """The surrogate's value at the instance as intercept plus features: what the bars add up to."""
    intercept, local = explanation.intercept.get(label), explanation.local_pred.get(label)
    if intercept is None or local is None:
        return ""
    sign = "+" if local >= intercept else "−"
    if explanation.method == "kernel_shap":
        return f"prediction {local:.4g} = base value {intercept:.4g} {sign} Shapley values {abs(local - intercept):.4g}"
    return f"surrogate at this instance {local:.4g} = intercept {intercept:.4g} {sign} features {abs(local - intercept):.4g}"
