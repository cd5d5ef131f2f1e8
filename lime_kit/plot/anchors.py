"""The pieces every modality shows for a rule (``method="anchors"``): the rule, its figures, how it grew.

An anchors explanation is not a list of weights: it is a rule ("IF
credit_score > 702 AND income > 71.85 THEN approved") with a precision and a
coverage, each with its confidence bounds, and the same figures after each
predicate was added (the partial anchors). The modality renderers
(:func:`~lime_kit.plot.html.tabular_html`, :func:`~lime_kit.plot.text.text_html`,
:func:`~lime_kit.plot.image.image_html`) put these pieces beside their own
view of the instance (the row's values, the document with the rule's words
marked, the image with everything but the rule's segments greyed).
:func:`plot_anchor` is the matplotlib picture of the partial anchors, which
:func:`~lime_kit.plot.plot_weights` draws for a rule: an added precision is
not an effect on the output, and a bar chart of it would read as one.

This module depends on the colours only, so every renderer can import it.
"""

from __future__ import annotations

import math
import textwrap
from html import escape

from lime_kit.explanation import Explanation
from lime_kit.plot.colors import GREY, POSITIVE, WARNING, rgba

__all__ = [
    "ANCHOR_STYLE",
    "anchor_parts",
    "check_anchors",
    "predicates",
    "rule_text",
    "plot_anchor",
    "not_for_anchors",
]

TRACK_PX = 110  # the width of a 0..1 precision or coverage bar

ANCHOR_STYLE = f"""
<style>
.lk .lk-rule {{ font-size: 15px; line-height: 2.0; max-width: 72em; }}
.lk .lk-kw {{ font-weight: 700; font-size: 12px; letter-spacing: 0.06em; opacity: 0.8; margin: 0 4px; }}
.lk .lk-pred {{ border: 1px solid {rgba(POSITIVE, 0.8)}; background: {rgba(POSITIVE, 0.16)}; border-radius: 4px;
               padding: 1px 6px; white-space: nowrap; }}
.lk .lk-then {{ font-weight: 700; }}
.lk .lk-scroll {{ max-width: 100%; overflow-x: auto; }}
.lk > div {{ min-width: 0; max-width: 100%; }}
.lk .lk-badge {{ font-size: 12px; border-radius: 10px; padding: 1px 8px; margin-left: 8px; white-space: nowrap;
                border: 1px solid {GREY}; }}
.lk .lk-badge.lk-miss {{ border-color: {WARNING}; background: {rgba(WARNING, 0.18)}; }}
.lk .lk-figs {{ font-size: 13px; margin-top: 4px; }}
.lk .lk-figs .lk-big {{ font-size: 16px; font-weight: 600; }}
.lk .lk-track {{ position: relative; display: inline-block; width: {TRACK_PX}px; height: 12px; margin: 0;
                vertical-align: middle; background: rgba(128, 128, 128, 0.2); border-radius: 2px; }}
.lk .lk-fill {{ position: absolute; left: 0; top: 0; bottom: 0; background: {rgba(POSITIVE, 0.6)}; }}
.lk .lk-ci {{ position: absolute; top: 5px; height: 2px; background: currentColor; }}
.lk .lk-thr {{ position: absolute; top: -3px; bottom: -3px; width: 0; border-left: 2px dashed {WARNING}; }}
.lk table.lk-t > tbody > tr > td.lk-ex {{ text-align: center; }}
.lk .lk-figs .lk-q {{ max-width: 60em; }}
.lk table.lk-t > tbody > tr > td.lk-pp {{ white-space: normal; min-width: 10em; max-width: 22em; }}
</style>
"""


def check_anchors(explanation: Explanation) -> None:
    """Refuse an explanation of weights where a rule is needed."""
    if explanation.method != "anchors":
        raise ValueError(
            f"this is a method={explanation.method!r} explanation; rule views need one made with method='anchors'"
        )


def not_for_anchors(explanation: Explanation, what: str, instead: str) -> None:
    """Refuse a rule where a picture of weights is asked for, and say what to draw instead."""
    if explanation.method == "anchors":
        raise ValueError(
            f"{what} draws weights, and this is a method='anchors' explanation: a rule, whose coefficients are the "
            f"precision each feature added, not effects on the output. Draw {instead} instead"
        )


# ------------------------------------------------------------------ words


def predicates(explanation: Explanation) -> list[str]:
    """The rule's predicates as a reader says them, in the order they were added.

    Tables keep the explainer's wording (``"income > 71.85"``); a word must
    appear in the text (``'"adored" in the text'``); a segment must be shown.
    """
    check_anchors(explanation)
    if explanation.modality == "text":
        return [f"“{word}” in the text" for word in explanation.anchor]
    if explanation.modality == "image":
        return [f"{segment} shown" for segment in explanation.anchor]
    return [str(p) for p in explanation.anchor]


def _class_name(explanation: Explanation) -> str:
    return explanation.label_name(explanation.labels[0])


def rule_text(explanation: Explanation) -> str:
    """The rule in one line: ``"IF p1 AND p2 THEN class"``; the empty rule is ``"ALWAYS class"``.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).uniform(size=(500, 3))
    >>> explainer = TabularExplainer(X, discretizer="quartile", class_names=["low", "high"], random_state=0)
    >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
    >>> rule_text(explainer.explain(np.array([0.9, 0.5, 0.5]), predict, method="anchors"))
    'IF x0 > 0.79 THEN high'
    """
    shown = predicates(explanation)
    if not shown:
        return f"ALWAYS {_class_name(explanation)}"
    return f"IF {' AND '.join(shown)} THEN {_class_name(explanation)}"


def _percent(value: float) -> str:
    if not _finite(value):
        return "–"
    if value == 0:
        return "0 %"
    # Below 1 % two decimals: 10,000 coverage samples resolve 0.01 %.
    return f"{value * 100:.1f} %" if value >= 0.01 else f"{value * 100:.2f} %"


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _level(explanation: Explanation) -> str:
    delta = explanation.payload.get("delta")
    return f"{(1 - delta) * 100:.0f} %" if _finite(delta) else "confidence"


def _reached(explanation: Explanation) -> bool:
    reached = explanation.payload.get("reached")
    if reached is None:  # no record: judge by the figures
        threshold = explanation.payload.get("threshold", 0.95)
        return explanation.precision is not None and explanation.precision >= threshold
    return bool(reached)


# ------------------------------------------------------------------ HTML


def _track(value: float, bounds=None, threshold: float | None = None, title: str = "") -> str:
    """A 0..1 bar: the value filled, its bounds as a line across it, the threshold as a dashed mark."""
    inner = f"<span class='lk-fill' style='width:{_px(value)}px'></span>"
    if bounds is not None and all(_finite(b) for b in bounds):
        low, high = _px(bounds[0]), _px(bounds[1])
        inner += f"<span class='lk-ci' style='left:{low}px; width:{max(high - low, 1)}px'></span>"
    if threshold is not None and _finite(threshold):
        inner += f"<span class='lk-thr' style='left:{_px(threshold) - 1}px'></span>"
    return f"<span class='lk-track' title='{escape(title)}'>{inner}</span>"


def _px(value: float) -> int:
    return round(min(max(value, 0.0), 1.0) * TRACK_PX) if _finite(value) else 0


def _bounds(bounds, fmt) -> str:
    if bounds is None or not all(_finite(b) for b in bounds):
        return "–"
    return f"{fmt(bounds[0])} – {fmt(bounds[1])}"


def _table(rows: list[str]) -> str:
    # A wide table (many features, long predicates) scrolls inside its own box instead of widening the page.
    return f"<div class='lk-scroll'><table class='lk-t'><tbody>{''.join(rows)}</tbody></table></div>"


def rule_html(explanation: Explanation) -> str:
    """The rule as ``IF p1 AND p2 THEN class``, with a badge saying whether it reached the threshold."""
    shown = predicates(explanation)
    name = escape(_class_name(explanation))
    if shown:
        # Spaces between the spans: the only places a long rule may wrap (a predicate never breaks inside).
        terms = " <span class='lk-kw'>AND</span> ".join(f"<span class='lk-pred'>{escape(p)}</span>" for p in shown)
        rule = f"<span class='lk-kw'>IF</span> {terms} <span class='lk-kw'>THEN</span> <span class='lk-then'>{name}</span>"
    else:
        rule = (
            f"<span class='lk-kw'>ALWAYS</span><span class='lk-then'>{name}</span> "
            "<span class='muted'>(the empty rule: nothing needs to hold)</span>"
        )
    threshold = explanation.payload.get("threshold")
    limit = f"{threshold:.2f}" if _finite(threshold) else "the threshold"
    if _reached(explanation):
        badge = f"<span class='lk-badge' title='precision reached the threshold'>✓ precision ≥ {limit} reached</span>"
    else:
        badge = (
            f"<span class='lk-badge lk-miss' title='no rule reached the threshold; this is the best found'>"
            f"✗ threshold {limit} not reached</span>"
        )
    return f"<div class='lk-rule'>{rule} {badge}</div>"


def figures_html(explanation: Explanation) -> str:
    """Precision and coverage with their bounds and bars, and how the search was set and ended."""
    level = _level(explanation)
    payload = explanation.payload
    threshold = payload.get("threshold")
    precision, coverage = explanation.precision, explanation.coverage
    name = _class_name(explanation)
    precision_meaning = f"share of perturbed inputs satisfying the rule on which the model still predicts {name}"
    coverage_meaning = "share of all perturbed inputs that satisfy the rule"
    lines = [
        f"<span title='{escape(precision_meaning)}'>precision <span class='lk-big'>{_number(precision)}</span> "
        f"{_track(precision, explanation.precision_bounds, threshold, precision_meaning)} "
        f"<span class='muted'>{level} bounds {_bounds(explanation.precision_bounds, _number)}</span></span>",
        f"<span title='{escape(coverage_meaning)}'>coverage <span class='lk-big'>{_percent(coverage)}</span> "
        f"{_track(coverage, explanation.coverage_bounds, None, coverage_meaning)} "
        f"<span class='muted'>{level} bounds {_bounds(explanation.coverage_bounds, _percent)}</span></span>",
    ]
    meaning = (
        f"The model keeps {escape(name)} on {_percent(precision)} of perturbed inputs that satisfy the rule; "
        f"the rule holds for {_percent(coverage)} of all perturbed inputs."
    )
    search = []
    if _finite(threshold):
        search.append(f"threshold {threshold:.2f}")
    if _finite(payload.get("tolerance")):
        search.append(f"tolerance {payload['tolerance']:.2f}")
    if _finite(payload.get("delta")):
        search.append(f"delta {payload['delta']:.2f}")
    if payload.get("beam_size") is not None:
        search.append(f"beam {escape(str(payload['beam_size']))}")
    if payload.get("model_rows") is not None:
        search.append(f"{int(payload['model_rows']):,} model rows")
    if payload.get("stopped"):
        search.append(f"stopped: {escape(str(payload['stopped']))}")
    search.append(f"seed {escape(str(explanation.random_state))}")
    return (
        f"<div class='lk-figs'>{'<br>'.join(lines)}<div class='muted lk-note'>{meaning}</div>"
        f"<div class='lk-q'>{' · '.join(search)}</div></div>"
    )


def _number(value) -> str:
    return f"{value:.3f}" if _finite(value) else "–"


def partial_rows(explanation: Explanation) -> list[dict]:
    """The partial anchors with the empty rule first: ``{"predicate", "precision", ..., "samples"}`` per step.

    The empty rule's precision is the first step's precision less its added
    precision (it has no bounds recorded); its coverage is 1. A step with
    ``samples == 0`` was not measured on its own (None in ``samples``).
    """
    check_anchors(explanation)
    shown = predicates(explanation)
    steps = explanation.partial_anchors or []
    if steps:
        empty = steps[0]["precision"] - steps[0]["added_precision"]
    else:
        empty = explanation.precision
    rows = [{"predicate": None, "precision": empty, "precision_bounds": None if steps else explanation.precision_bounds,
             "coverage": 1.0, "coverage_bounds": None, "samples": None, "added_precision": None}]
    for predicate, step in zip(shown, steps):
        rows.append({**step, "predicate": predicate, "samples": step.get("samples") or None})
    return rows


def partial_html(explanation: Explanation) -> str:
    """The rule as it grew: precision and coverage (bars with their bounds) after each predicate was added."""
    threshold = explanation.payload.get("threshold")
    level = _level(explanation)
    head = (
        "<tr><td><b>after adding</b></td><td class='num'><b>precision</b></td><td></td>"
        f"<td class='num'><b>{level} bounds</b></td><td class='num'><b>coverage</b></td><td></td>"
        f"<td class='num'><b>{level} bounds</b></td><td class='num'><b>samples</b></td></tr>"
    )
    rows = [head]
    for step in partial_rows(explanation):
        what = "(nothing held)" if step["predicate"] is None else f"+ {step['predicate']}"
        samples = "–" if step["samples"] is None else f"{int(step['samples']):,}"
        rows.append(
            f"<tr><td class='lk-pp'>{escape(what)}</td><td class='num'>{_number(step['precision'])}</td>"
            f"<td class='lk-bar'>{_track(step['precision'], step['precision_bounds'], threshold, 'precision')}</td>"
            f"<td class='num'>{_bounds(step['precision_bounds'], _number)}</td>"
            f"<td class='num'>{_percent(step['coverage'])}</td>"
            f"<td class='lk-bar'>{_track(step['coverage'], step['coverage_bounds'], None, 'coverage')}</td>"
            f"<td class='num'>{_bounds(step['coverage_bounds'], _percent)}</td><td class='num'>{samples}</td></tr>"
        )
    legend = (
        "<div class='muted'>bar: the value · line: its bounds · "
        f"<span style='border-left: 2px dashed {WARNING}; padding-left: 3px'>dashed</span>: the threshold</div>"
    )
    return f"<div><div class='lk-h'>The rule as it grew</div>{legend}{_table(rows)}</div>"


def anchor_parts(explanation: Explanation, label=None) -> list[str]:
    """The rule block (wide) and the partial anchors table: what every modality's fragment shows for a rule."""
    check_anchors(explanation)
    explanation.resolve_label(label)  # a label not explained is an error, as for weights
    heading = f"<div class='lk-h'>Why {escape(_class_name(explanation))}: a rule that keeps the prediction</div>"
    return [
        f"<div class='lk-wide'>{heading}{rule_html(explanation)}{figures_html(explanation)}</div>",
        partial_html(explanation),
    ]


def example_rows(explanation: Explanation) -> list[tuple[str, list[int], list | None]]:
    """The scored examples as ``(outcome, features agreeing with the instance, the input's values or None)``."""
    examples = explanation.anchor_examples or {}
    rows = []
    for outcome in ("kept", "changed"):
        values = examples.get(f"{outcome}_inputs")
        for position, row in enumerate(examples.get(outcome, [])):
            shown = values[position] if isinstance(values, list) and position < len(values) else None
            rows.append((outcome, list(row), shown if isinstance(shown, list) else None))
    return rows


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def examples_html(explanation: Explanation) -> str:
    """Perturbed inputs that satisfy the rule, as a grid of their values (or ● the instance's, ○ another); and the outcome.

    The rule's features come first; a value outside the instance's bin or
    category is shown faint. An input whose prediction changed shows where
    the rule's precision falls short of 1.
    """
    rows = example_rows(explanation)
    if not rows:
        return ""
    held = list(explanation.anchor_features)
    others = [i for i in range(len(explanation.feature_names)) if i not in held]
    order = held + others
    name = escape(_class_name(explanation))
    head = "".join(
        f"<td class='lk-ex' title='{escape(str(explanation.feature_names[i]))}'>"
        f"{'<b>' if i in held else ''}{escape(_short(explanation.feature_names[i]))}{'</b>' if i in held else ''}</td>"
        for i in order
    )
    body = [f"<tr><td><b>prediction</b></td>{head}</tr>"]
    with_values = all(values is not None and len(values) == len(explanation.feature_names) for _, _, values in rows)
    for outcome, agreeing, values in rows:
        same = set(agreeing)
        word = f"keeps {name}" if outcome == "kept" else "changes"
        if with_values:
            cells = "".join(
                f"<td class='lk-ex'>{escape(_cell(values[i]))}</td>" if i in same
                else f"<td class='lk-ex muted'><i>{escape(_cell(values[i]))}</i></td>"
                for i in order
            )
        else:
            cells = "".join(f"<td class='lk-ex'>{'●' if i in same else '○'}</td>" for i in order)
        body.append(f"<tr><td>{word}</td>{cells}</tr>")
    legend = (
        "plain: in the instance's bin or category · <i>faint</i>: drawn elsewhere; the rule's features first, in bold"
        if with_values
        else "● as in the instance (the same bin or category) · ○ drawn anew; the rule's features first, in bold"
    )
    return (
        f"<div><div class='lk-h'>Perturbed inputs that satisfy the rule</div>"
        f"<div class='muted'>{legend}</div>"
        f"{_table(body)}</div>"
    )


def _short(name, width: int = 14) -> str:
    name = str(name)
    return name if len(name) <= width else name[: width - 1] + "…"


# ------------------------------------------------------------------ matplotlib


def plot_anchor(explanation: Explanation, label=None, ax=None):
    """Draw the rule as it grew: precision (with bounds and the threshold) and coverage after each predicate.

    One row per step, the empty rule at the top: the precision as a dot with
    its confidence bounds, and the coverage as a bar with its bounds. The
    title is the rule.

    Parameters
    ----------
    explanation : Explanation
        Made with ``method="anchors"``.
    label : int or str, optional
        The explained label (an anchor explains one); checked, not chosen.
    ax : pair of matplotlib Axes, optional
        Draw the precision into ``ax[0]`` and the coverage into ``ax[1]``.

    Returns
    -------
    matplotlib.figure.Figure
        An :class:`~lime_kit.plot.figure.ExplanationFigure` (shows itself in
        Jupyter), or the axes' figure when ``ax`` was given.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).uniform(size=(500, 3))
    >>> explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
    >>> fig = plot_anchor(explainer.explain(np.array([0.9, 0.5, 0.5]), predict, method="anchors"))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['(nothing held)', '+ x0 > 0.79']
    """
    import numpy as np

    check_anchors(explanation)
    explanation.resolve_label(label)
    steps = partial_rows(explanation)
    names = ["(nothing held)"] + [_wrap(f"+ {s['predicate']}", 40) for s in steps[1:]]
    extra = sum(name.count("\n") for name in names)
    if ax is None:
        from lime_kit.plot.figure import ExplanationFigure

        fig = ExplanationFigure(figsize=(9, 0.45 * len(steps) + 0.16 * extra + 1.9), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    else:
        axes = list(ax)
        if len(axes) != 2:
            raise ValueError(f"ax must be two matplotlib Axes (precision, coverage), got {len(axes)}")
        fig = axes[0].figure
    positions = np.arange(len(steps))[::-1]
    precision = np.array([s["precision"] for s in steps], dtype=float)
    coverage = np.array([s["coverage"] for s in steps], dtype=float)

    def spans(key, values):
        out = np.zeros((2, len(steps)))
        for j, step in enumerate(steps):
            bounds = step[key]
            if bounds is not None and all(_finite(b) for b in bounds):
                out[:, j] = values[j] - bounds[0], bounds[1] - values[j]
        return np.clip(out, 0, None)

    threshold = explanation.payload.get("threshold")
    left, right = axes
    left.errorbar(precision, positions, xerr=spans("precision_bounds", precision), fmt="o", color=POSITIVE,
                  ecolor="0.25", elinewidth=1.2, capsize=4, markersize=7)
    if _finite(threshold):
        from matplotlib.transforms import blended_transform_factory

        left.axvline(threshold, color=WARNING, linestyle="--", linewidth=1.5)
        # Named above the plot, where no dot or interval can sit under the words.
        left.text(threshold, 1.01, f"threshold {threshold:.2f}", transform=blended_transform_factory(
            left.transData, left.transAxes), ha="center", va="bottom", fontsize=8, color=WARNING)
    for position, value in zip(positions, precision):
        if _finite(value):
            left.annotate(f"{value:.3f}", (value, position), xytext=(0, 7), textcoords="offset points",
                          ha="center", fontsize=8, color="0.25")
    low = np.nanmin([*precision, *(s["precision_bounds"][0] for s in steps if s["precision_bounds"])])
    left.set_xlim(max(0.0, min(low, threshold if _finite(threshold) else 1.0) - 0.05), 1.01)
    left.set_yticks(positions, names)
    left.set_xlabel(f"precision: share of inputs satisfying the rule\nthat keep {_class_name(explanation)} "
                    f"(lines: {_level(explanation)} bounds)", fontsize=9)
    right.barh(positions, coverage, color=rgba_tuple(POSITIVE, 0.6))
    right.errorbar(coverage, positions, xerr=spans("coverage_bounds", coverage), fmt="none", ecolor="0.25",
                   elinewidth=1.2, capsize=3)
    for position, value in zip(positions, coverage):
        right.annotate(_percent(value), (value, position), xytext=(4, 0), textcoords="offset points",
                       va="center", fontsize=8, color="0.25")
    right.set_xlim(0, 1.18)
    right.set_xlabel("coverage: share of all perturbed inputs\nthat satisfy the rule", fontsize=9)
    right.tick_params(labelleft=False)
    for axis in axes:
        axis.spines[["top", "right"]].set_visible(False)
        axis.set_ylim(-0.6, len(steps) - 0.4)
    status = "reached" if _reached(explanation) else "NOT reached"
    title = _wrap(rule_text(explanation), 110)
    fig.suptitle(
        f"{title}\nprecision {_number(explanation.precision)}, coverage {_percent(explanation.coverage)}; "
        f"threshold {status}", fontsize=10, x=0.01, horizontalalignment="left",
    )
    return fig


def rgba_tuple(color: str, alpha: float) -> tuple[float, float, float, float]:
    return (*(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)), alpha)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text
