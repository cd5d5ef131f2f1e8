"""Figures of many explanations at once: global importance bars and a grid of picked explanations.

A set of rules (``method="anchors"``) has no weights to average, so its
figures speak of rules: :func:`plot_rules` shows how often each feature is
named by the rules and every rule's precision against its coverage, and
:func:`plot_picks` draws each picked rule as it grew. The weight figures
hand a set of rules to them rather than drawing added precision as bars.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from lime_kit.explanation import Explanation
from lime_kit.matrices import explained_label, global_importance, present, rule_importance, set_kind
from lime_kit.pick import coverage

__all__ = ["plot_global_importance", "plot_picks", "plot_rule_features", "plot_rules"]

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

    A set of rules (``method="anchors"``) is drawn by :func:`plot_rules`
    (into ``ax``: :func:`plot_rule_features`), since the precision a
    feature added to a rule is not a weight.
    """
    num_features = _positive_int(num_features, "num_features")
    if _kind(explanation_set) == "rules":
        if ax is not None:
            return plot_rule_features(explanation_set, label=label, num_features=num_features, ax=ax)
        return plot_rules(explanation_set, label=label, num_features=num_features)
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
        Rules (``method="anchors"``) are drawn as
        :func:`~lime_kit.plot.anchors.plot_anchor` draws one (two Axes per
        pick, ``num_features`` unused), under a heading that says how many
        explained instances the picked rules cover.

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
    if _kind(items) == "rules":
        return _plot_rule_picks(items, picks, label, columns)
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


def _kind(explanation_set) -> str:
    """``set_kind``, refusing a mix: one figure cannot draw weights and rules on one scale."""
    kind = set_kind(explanation_set)
    if kind == "mixed":
        _, found = present(explanation_set)
        methods = ", ".join(sorted({exp.method for exp in found}))
        raise ValueError(
            f"these explanations mix methods ({methods}): weights and rules do not share a scale. Draw each "
            "apart, e.g. plot_global_importance(explanation_set.with_method('anchors'))"
        )
    return kind


def _rule_explanations(explanation_set, label) -> tuple[list[int], list[Explanation]]:
    positions, found = present(explanation_set)
    kept = [(int(p), exp) for p, exp in zip(positions, found) if explained_label(exp, label) is not None]
    if label is not None and not kept:
        raise ValueError(f"label {label!r} was not explained by any rule; pass a class the rules keep, or label=None")
    return [p for p, _ in kept], [exp for _, exp in kept]


def _rule_frame(explanation_set, label):
    summarise = getattr(explanation_set, "global_importance", None)
    return summarise(label) if summarise is not None else rule_importance(explanation_set, label)


def plot_rule_features(explanation_set, label: int | str | None = None, num_features: int = 15, ax=None):
    """Draw how often each feature is named by the rules of a set of anchors explanations.

    One bar per feature: the share of the rules that name it, labelled with
    the count and the precision it added to those rules on average (from
    :meth:`~lime_kit.ExplanationSet.global_importance`). Features that no
    rule names are left out.

    Parameters
    ----------
    explanation_set : ExplanationSet or sequence of Explanation or None
        Explanations made with ``method="anchors"``.
    label : int or str, optional
        Count the rules for this class only; None counts every rule.
    num_features : int, default=15
        Show the most named features, at most this many.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).uniform(size=(500, 3))
    >>> explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
    >>> fig = plot_rule_features(explainer.explain_many(X[:3], predict, method="anchors"))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['x0']
    """
    num_features = _positive_int(num_features, "num_features")
    if _kind(explanation_set) != "rules":
        raise ValueError("plot_rule_features draws rules: pass explanations made with method='anchors'")
    _, rules = _rule_explanations(explanation_set, label)
    frame = _rule_frame(explanation_set, label)
    frame = frame[frame["rules"] > 0].head(num_features)
    names = [str(n) for n in frame.index]
    if ax is None:
        from lime_kit.plot.figure import ExplanationFigure

        fig = ExplanationFigure(figsize=(7, 0.4 * max(len(names), 2) + 1.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    positions = np.arange(len(names))[::-1]
    share = frame["in_rules"].to_numpy(float)
    ax.barh(positions, share, color=NEUTRAL)
    for y, value, count, added in zip(positions, share, frame["rules"], frame["mean_added_precision"]):
        ax.text(value + 0.02, y, f"in {int(count)}/{len(rules)} · adds {added:+.2f}", va="center", fontsize=8,
                color="0.3")
    ax.set_xlim(0, 1.45)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25 %", "50 %", "75 %", "100 %"])
    ax.set_yticks(positions, names)
    # A few features keep the height of a few bars instead of stretching one bar over the panel.
    pad = max(0.0, (4 - len(names)) / 2)
    ax.set_ylim(-0.6 - pad, len(names) - 0.4 + pad)
    ax.set_xlabel("share of the rules that name the feature\n(text: how many; mean precision it added there)")
    ax.set_title(f"features the {len(rules)} rule{'s' * (len(rules) != 1)}{_rule_class_phrase(rules, label)} name",
                 fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_rules(explanation_set, label: int | str | None = None, num_features: int = 15):
    """Draw a set of rules: how often each feature is named, and each rule's precision against its coverage.

    Left, :func:`plot_rule_features`. Right, one point per rule: its
    coverage (the share of perturbed inputs it applies to) across, its
    precision up, with the precision's confidence bounds as a line and the
    threshold dashed; a hollow point marks a rule that did not reach the
    threshold. Points are labelled with the instance's position and coloured
    by the class the rule keeps. The good rules sit top right: precise and
    general.

    Parameters
    ----------
    explanation_set : ExplanationSet or sequence of Explanation or None
        Explanations made with ``method="anchors"``.
    label : int or str, optional
        Draw the rules for this class only; None draws every rule.
    num_features : int, default=15
        Features shown in the left panel, most named first.

    Returns
    -------
    matplotlib.figure.Figure
        An :class:`~lime_kit.plot.figure.ExplanationFigure` with two Axes.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).uniform(size=(500, 3))
    >>> explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
    >>> fig = plot_rules(explainer.explain_many(X[:3], predict, method="anchors"))
    >>> fig.axes[1].get_xlabel().splitlines()[0], fig.axes[1].get_ylabel().splitlines()[0]
    ('coverage: share of perturbed inputs the rule applies to', 'precision')
    """
    from lime_kit.plot.figure import ExplanationFigure

    num_features = _positive_int(num_features, "num_features")
    if _kind(explanation_set) != "rules":
        raise ValueError("plot_rules draws rules: pass explanations made with method='anchors'")
    positions, rules = _rule_explanations(explanation_set, label)
    shown = int(min(num_features, max((_rule_frame(explanation_set, label)["rules"] > 0).sum(), 1)))
    fig = ExplanationFigure(figsize=(12, max(0.4 * shown + 1.9, 4.6)), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.15])
    plot_rule_features(explanation_set, label=label, num_features=num_features, ax=left)
    _precision_coverage(right, positions, rules)
    thresholds = {exp.payload.get("threshold") for exp in rules}
    reached = sum(_reached(exp) for exp in rules)
    limit = f" {next(iter(thresholds)):.2f}" if len(thresholds) == 1 and None not in thresholds else ""
    fig.suptitle(
        f"{len(rules)} rule{'s' * (len(rules) != 1)} (anchors){_rule_class_phrase(rules, label)}: "
        f"{reached} reach the precision threshold{limit}",
        fontsize=11, x=0.01, horizontalalignment="left",
    )
    return fig


def _rule_class_phrase(rules: list[Explanation], label) -> str:
    """`` for 'approved'`` when every rule keeps one class; empty when they keep several (the legend says which)."""
    names = {exp.label_name(exp.labels[0]) for exp in rules}
    return f" for {next(iter(names))!r}" if len(names) == 1 else ""


def _reached(exp: Explanation) -> bool:
    from lime_kit.plot.anchors import _reached as reached

    return reached(exp)


def _precision_coverage(ax, positions: list[int], rules: list[Explanation]) -> None:
    """The scatter of :func:`plot_rules`: coverage across, precision up, one point per rule."""
    from matplotlib.ticker import FuncFormatter

    from lime_kit.plot.anchors import _percent

    coverage = np.array([exp.coverage for exp in rules], dtype=float)
    precision = np.array([exp.precision for exp in rules], dtype=float)
    bounds = np.array([exp.precision_bounds or (p, p) for exp, p in zip(rules, precision)], dtype=float)
    spans = np.clip(np.stack([precision - bounds[:, 0], bounds[:, 1] - precision]), 0, None)
    reached = np.array([_reached(exp) for exp in rules], dtype=bool)
    classes = [exp.labels[0] for exp in rules]
    palette = ["#1f78b4", "#e66101", "#33a02c", "#6a3d9a", "#b15928", "#a6761d"]
    order = list(dict.fromkeys(classes))
    # Coverage runs over decades (a rule for a rare case applies to 0.1 %): a log axis keeps them apart.
    positive = coverage[coverage > 0]
    log = len(positive) > 1 and positive.max() / positive.min() > 30
    if log:
        ax.set_xscale("log")
        coverage = np.maximum(coverage, positive.min() / 2 if len(positive) else 1e-4)
    for k, label in enumerate(order):
        color = palette[k % len(palette)]
        mine = np.array([c == label for c in classes])
        name = rules[classes.index(label)].label_name(label)
        ax.errorbar(coverage[mine], precision[mine], yerr=spans[:, mine], fmt="none", ecolor=color, alpha=0.6,
                    elinewidth=1.2, capsize=3)
        for hit, marker_face, suffix in ((True, color, ""), (False, "white", ", threshold not reached")):
            chosen = mine & (reached == hit)
            if chosen.any():
                ax.scatter(coverage[chosen], precision[chosen], s=46, facecolors=marker_face, edgecolors=color,
                           linewidths=1.6, zorder=3, label=f"rules for {name}{suffix}")
    thresholds = sorted({exp.payload.get("threshold") for exp in rules} - {None})
    for k, threshold in enumerate(thresholds):
        # Named in the legend: a word on the line would sit under the points gathered at the threshold.
        ax.axhline(threshold, color="#d08c00", linestyle="--", linewidth=1.3, zorder=1,
                   label=f"threshold {threshold:.2f}" if len(thresholds) == 1 else ("thresholds" if k == 0 else None))
    low = float(np.nanmin([*bounds[:, 0], *precision, *thresholds])) if len(rules) else 0.0
    ax.set_ylim(max(0.0, low - 0.04), 1.015)
    if not log:
        ax.set_xlim(0, max(float(np.nanmax(coverage)) * 1.15, 0.05) if len(rules) else 1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _percent(value)))
    if len(rules) <= 40:
        _label_points(ax, coverage, precision, positions)
    ax.set_xlabel("coverage: share of perturbed inputs the rule applies to" + ("\n(log scale)" if log else ""))
    ax.set_ylabel("precision\n(lines: confidence bounds)")
    ax.set_title("each rule: precise (up) and general (right) is best; labels: instance", fontsize=10, loc="left")
    ax.legend(fontsize=8, loc="best", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def _label_points(ax, x: np.ndarray, y: np.ndarray, positions: list[int]) -> None:
    """Name each point by its instance; points whose labels would overprint share one label ("0, 2")."""
    # Measured in points on the page (the axes' limits are set), so a log axis and a linear one group alike.
    at = ax.transData.transform(np.column_stack([x, y])) * 72 / ax.figure.dpi
    groups: list[list[int]] = []
    for k in range(len(x)):
        near = [g for g in groups if abs(at[g[0], 0] - at[k, 0]) < 28 and abs(at[g[0], 1] - at[k, 1]) < 8]
        if near:
            near[0].append(k)
        else:
            groups.append([k])
    for members in groups:
        names = [str(positions[k]) for k in members]
        text = ", ".join(names[:4]) + (f" +{len(names) - 4}" if len(names) > 4 else "")
        # Beside the group's rightmost point, above the others' markers.
        right = max(members, key=lambda k: (at[k, 0], at[k, 1]))
        ax.annotate(text, (x[right], y[right]), xytext=(5, 3), textcoords="offset points", fontsize=7.5, color="0.3",
                    zorder=4)


def _plot_rule_picks(items: list, picks: list[int], label, columns: int):
    """``plot_picks`` for rules: each picked rule as it grew, and how many instances the picks cover."""
    from lime_kit.plot.anchors import partial_rows, plot_anchor
    from lime_kit.plot.figure import ExplanationFigure

    columns = min(columns, len(picks))
    rows = math.ceil(len(picks) / columns)
    tallest = max(len(partial_rows(items[p])) for p in picks)
    fig = ExplanationFigure(figsize=(9 * columns, rows * (0.5 * tallest + 2.4) + 0.5), layout="constrained")
    panels = np.atleast_1d(fig.subfigures(rows, columns)).ravel()
    for panel, pick in zip(panels, picks):
        plot_anchor(items[pick], label=label, ax=panel.subplots(1, 2, sharey=True, width_ratios=[3, 2]))
        heading = panel._suptitle.get_text() if panel._suptitle is not None else ""
        panel.suptitle(f"instance {pick}: {heading}", fontsize=9, x=0.01, horizontalalignment="left")
    for panel in panels[len(picks):]:
        panel.set_visible(False)
    explained = sum(e is not None for e in items)
    try:
        reached = f"they cover {coverage(items, picks, label):.0f} of the {explained} explained instances"
    except ValueError:  # rules about images cannot be matched to other images
        reached = "rules about images apply to their own image only"
    fig.suptitle(f"{len(picks)} picked rule{'s' * (len(picks) != 1)} of {explained}: {reached}", fontsize=11)
    return fig


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
