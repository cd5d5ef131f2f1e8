"""Figures of many explanations at once: global importance bars and a grid of picked explanations."""

from __future__ import annotations

import math
import numbers

import numpy as np

from lime_kit.explanation import Explanation
from lime_kit.matrices import explained_label, global_importance, present
from lime_kit.pick import coverage

__all__ = ["plot_global_importance", "plot_picks"]

NEUTRAL = "#5b6b7a"  # importance has no sign, so neither signed colour fits


def _label_phrase(explained: list[Explanation], label) -> str:
    """How the title names the label: one class name, or that each explanation's first label was read."""
    if not explained or explained[0].mode == "regression":
        return ""
    first = explained[0]
    if label is None and len({exp.labels[0] for exp in explained}) > 1:
        return " (each explanation's first label)"
    return f" for {first.label_name(first.resolve_label(label))!r}"


def _importance_frame(explanation_set, label) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(names, mean |weight|, share selected)``, largest importance first."""
    # An ExplanationSet (or anything like it) is asked; a plain list is summarised the same way.
    summarise = getattr(explanation_set, "global_importance", None)
    frame = summarise(label) if summarise is not None else global_importance(explanation_set, label)
    return [str(n) for n in frame.index], frame["importance"].to_numpy(float), frame["selected"].to_numpy(float)


def plot_global_importance(explanation_set, label: int | str | None = None, num_features: int = 15, ax=None):
    """Draw each feature's mean ``|weight|`` over many explanations, with how often it was selected.

    Parameters
    ----------
    explanation_set : ExplanationSet or sequence of Explanation or None
        An object with ``global_importance(label)`` (an ``ExplanationSet``) is
        asked for its figures; a plain list is summarised the same way by
        :func:`lime_kit.matrices.global_importance` (None entries skipped).
    label : int or str, optional
        Output column or class name; None reads each explanation's first
        label. Explanations that did not explain it are left out.
    num_features : int, default=15
        Show the features with the largest mean ``|weight|``, at most this
        many; features that no explanation selected are left out.
    ax : matplotlib Axes, optional
        Draw into it instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        An :class:`~lime_kit.plot.figure.ExplanationFigure` (shows itself in
        Jupyter), or ``ax.figure`` when ``ax`` was given.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, feature_names=["a", "b", "c"], mode="regression",
    ...                              discretize_continuous=False, random_state=0)
    >>> exps = [explainer.explain(row, lambda r: 3 * r[:, 0] + r[:, 1], num_samples=300, num_features=2)
    ...         for row in X[:3]]
    >>> fig = plot_global_importance(exps)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]  # top to bottom
    ['a', 'b']
    """
    num_features = _positive_int(num_features, "num_features")
    _, found = present(explanation_set)
    explained = [exp for exp in found if explained_label(exp, label) is not None]
    names, importance, selected = _importance_frame(explanation_set, label)
    shown = np.flatnonzero(importance > 0)[:num_features]  # a feature no explanation selected says nothing
    names, importance, selected = [names[j] for j in shown], importance[shown], selected[shown]
    if ax is None:
        from lime_kit.plot.figure import ExplanationFigure

        fig = ExplanationFigure(figsize=(7, 0.4 * max(len(names), 2) + 1.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    positions = np.arange(len(names))[::-1]  # largest at the top
    ax.barh(positions, importance, color=NEUTRAL)
    count = len(explained)
    top = float(importance.max()) if len(importance) else 1.0
    for y, value, share in zip(positions, importance, selected):
        chosen = round(share * count)
        ax.text(value + 0.02 * top, y, f"in {chosen}/{count} ({share:.0%})", va="center", fontsize=8, color="0.3")
    ax.set_xlim(0, 1.3 * top if top > 0 else 1.0)
    ax.set_yticks(positions, names)
    ax.set_xlabel("mean |surrogate weight| (0 where not selected)")
    ax.set_title(
        f"global importance over {count} explanation{'s' * (count != 1)}{_label_phrase(explained, label)}\n"
        "text: how many explanations selected the feature",
        fontsize=10, loc="left",
    )
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_picks(
    explanation_set,
    picks: list[int],
    label: int | str | None = None,
    num_features: int = 6,
    columns: int = 2,
):
    """Draw the picked explanations side by side: one signed bar chart per pick, in a grid.

    Parameters
    ----------
    explanation_set : ExplanationSet or sequence of Explanation or None
        The explanations ``picks`` index into.
    picks : list of int
        Positions in ``explanation_set``, e.g. from
        :func:`lime_kit.pick.submodular_pick`; drawn in this order, row by row.
    label : int or str, optional
        Output column or class name; None draws each explanation's first label.
    num_features : int, default=6
        Bars per chart (largest ``|weight|`` first).
    columns : int, default=2
        Charts per row of the grid.

    Returns
    -------
    matplotlib.figure.Figure
        An :class:`~lime_kit.plot.figure.ExplanationFigure` with one Axes per
        pick, each titled with the pick's position, and a heading that says
        how much of lime's coverage (global importance) the picks reach.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> from lime_kit.pick import submodular_pick
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> exps = [explainer.explain(row, lambda r: 2 * r[:, 0] - r[:, 1], num_samples=300, num_features=2)
    ...         for row in X[:4]]
    >>> fig = plot_picks(exps, submodular_pick(exps, budget=3))
    >>> len(fig.axes)
    3
    """
    from lime_kit.plot.bars import plot_weights
    from lime_kit.plot.figure import ExplanationFigure

    num_features = _positive_int(num_features, "num_features")
    columns = _positive_int(columns, "columns")
    items = list(getattr(explanation_set, "explanations", explanation_set))
    picks = list(picks)
    if not picks:
        raise ValueError("picks is empty; pass positions to draw, e.g. picks=submodular_pick(explanations, budget=4)")
    for pick in picks:
        if isinstance(pick, bool) or not isinstance(pick, numbers.Integral) or not 0 <= pick < len(items):
            raise ValueError(f"picks must be positions between 0 and {len(items) - 1}, got {pick!r}")
        if items[pick] is None:
            raise ValueError(f"the instance at position {pick} has no explanation (it failed); pick another")
    columns = min(columns, len(picks))
    rows = math.ceil(len(picks) / columns)
    fig = ExplanationFigure(figsize=(7.5 * columns, rows * (0.42 * num_features + 2.0) + 0.4), layout="constrained")
    grid = fig.add_gridspec(rows, columns)
    for k, pick in enumerate(picks):
        ax = fig.add_subplot(grid[k // columns, k % columns])
        plot_weights(items[pick], label=label, num_features=num_features, ax=ax)
        ax.set_title(f"instance {pick}\n{ax.get_title(loc='left')}", fontsize=8.5, loc="left")
    reached, best = coverage(items, picks, label), coverage(items, range(len(items)), label)
    share = f"{reached / best:.0%}" if best > 0 else "none"
    explained = sum(e is not None and explained_label(e, label) is not None for e in items)
    fig.suptitle(
        f"{len(picks)} picked explanation{'s' * (len(picks) != 1)} of {explained}: "
        f"they cover {share} of the global importance (lime's SP coverage)",
        fontsize=11,
    )
    return fig


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
