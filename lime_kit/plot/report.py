"""Standalone HTML reports: one self-contained page per explanation or explanation set.

A report is the file a user opens in a browser or mails to a colleague, so
it must stand on its own: no JavaScript, no external files (every figure is
an inline base64 PNG), and readable on light and dark pages (the page
follows ``prefers-color-scheme``; figures sit on white cards, where their
dark axis text stays legible). The notebook fragments already say most of
what a page needs (:func:`lime_kit.plot.explanation_html`: prediction,
weights, quality figures, warnings), so a report is those fragments plus the
weights with their confidence intervals and, for a set, the global summary
and the SP-LIME picks. :func:`set_html` is the set's notebook fragment.

A set of rules (``method="anchors"``) speaks of rules, not weights: its
summary is the rules side by side, the features they name and their
precision against their coverage (:mod:`lime_kit.plot.rule_sets`), and its
picks are the rules that together apply to the most instances. A set that
mixes rules and weights says so and summarises each apart.
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

from lime_kit.explanation import Explanation
from lime_kit.plot.html import BAR_PX, STYLE, _finite, _table, tie_cells

__all__ = ["explanation_report", "set_report", "set_html", "save_report", "intervals_html"]

REPORT_STYLE = """
<style>
.lk-report { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; max-width: 78em; }
.lk-report .lk-meta { opacity: 0.8; margin: -4px 0 14px 0; }
.lk-report .lk-section { margin: 22px 0 6px 0; font-size: 15px; font-weight: 600;
                          border-bottom: 1px solid rgba(128, 128, 128, 0.45); padding-bottom: 3px; }
.lk-report .lk-card { display: inline-block; background: #ffffff; border-radius: 6px; padding: 8px;
                      margin: 6px 0; border: 1px solid rgba(128, 128, 128, 0.35); max-width: 100%;
                      box-sizing: border-box; }
.lk-report .lk-card img { display: block; max-width: 100%; height: auto; }
.lk-report .lk-unsure { opacity: 0.8; font-style: italic; }
.lk-report .lk-foot { margin-top: 28px; font-size: 11px; opacity: 0.65; }
.lk-report details.lk-warn > summary { cursor: pointer; }
.lk-report .lk-instance { margin: 14px 0 4px 0; font-weight: 600; }
</style>
"""


def _number(value, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if _finite(value) else "–"


def _figure_card(fig, alt: str) -> str:
    """A figure as an inline PNG on a white card (its dark text needs a light background)."""
    buffer = io.BytesIO()
    # A tight box: long titles and tick labels that overhang the canvas stay in the picture.
    fig.savefig(buffer, format="png", dpi=100, facecolor="white", bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<div class='lk-card'><img alt='{escape(alt)}' src='data:image/png;base64,{data}'></div>"


SURROGATE_FOOT = (
    "A local surrogate explains the model near this instance only; the intervals, held-out R² and stability say "
    "how far to trust it."
)
SET_RULE_FOOT = (
    "Each anchor is a rule tested on perturbed copies of its own instance; its precision bounds say how far to "
    "trust it, its coverage how much of that neighbourhood it speaks for, and 'covers' how many of the other "
    "explained instances it applies to."
)
RULE_FOOT = (
    "An anchor is a rule tested on perturbed copies of this instance only; its precision bounds say how far to "
    "trust it, and its coverage how much of that neighbourhood it speaks for."
)


def _page(body: str, title: str, foot_text: str = SURROGATE_FOOT) -> str:
    from lime_kit._version import __version__
    from lime_kit.plot.save import standalone_html

    foot = f"<div class='lk-foot'>Made by lime_kit {escape(__version__)}. {escape(foot_text)}</div>"
    return standalone_html(f"{STYLE}{REPORT_STYLE}<div class='lk-report'>{body}{foot}</div>", title)


def _prediction_words(explanation: Explanation) -> str:
    if explanation.mode == "regression":
        return f"prediction {explanation.model_output[0]:.4g}"
    output = explanation.model_output
    best = max(range(len(output)), key=lambda k: output[k])
    return f"predicted {explanation.label_name(best)} (p = {output[best]:.3f})"


def intervals_html(explanation: Explanation, label: int, level: float = 0.95) -> str:
    """Table of one label's weights with their ``level`` confidence intervals.

    An interval that contains 0 leaves even the weight's sign open, which the
    fourth column says in words; a bracket marked "tied" joins rows whose
    order the samples do not resolve.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> "95 % interval" in intervals_html(exp, 0)
    True
    """
    percent = f"{level * 100:.0f} % interval"
    listed = explanation.as_list(label, intervals=True, level=level)
    ties = tie_cells(explanation, label, len(listed))
    rows = [f"<tr><td><b>feature</b></td><td class='num'><b>weight</b></td><td><b>{percent}</b></td><td></td></tr>"]
    for (description, weight, low, high), tie in zip(listed, ties):
        known = _finite(low) and _finite(high)
        interval = f"[{low:+.3g}, {high:+.3g}]" if known else "not computed"
        note = "sign uncertain" if known and low <= 0 <= high else ""
        rows.append(
            f"<tr><td>{escape(description)}</td><td class='num'>{weight:+.3g}</td>"
            f"<td class='num'>{interval}</td><td class='lk-unsure'>{note}</td>{tie}</tr>"
        )
    return _table(rows)


def _label_heading(explanation: Explanation, label: int) -> str:
    if explanation.mode == "regression":
        return "Weights on the prediction, with 95 % confidence intervals"
    return f"Weights for {escape(explanation.label_name(label))}, with 95 % confidence intervals"


def _rule_body(explanation: Explanation, label=None) -> str:
    """The fragment (with its examples, where the modality shows them), then the partial anchors as a chart."""
    from lime_kit.plot.anchors import plot_anchor
    from lime_kit.plot.renderers import explanation_html

    parts = [explanation_html(explanation, label=label)]
    parts.append("<div class='lk-section'>Precision and coverage as the rule grew</div>")
    parts.append(_figure_card(plot_anchor(explanation, label=label), "precision and coverage after each predicate"))
    return "".join(parts)


def _explanation_body(explanation: Explanation, label=None) -> str:
    """The fragment, then the weights with intervals as a table and as a bar chart per label."""
    from lime_kit.plot.bars import plot_weights
    from lime_kit.plot.renderers import explanation_html

    if explanation.method == "anchors":
        return _rule_body(explanation, label)
    labels = explanation.labels if label is None else (explanation.resolve_label(label),)
    parts = [explanation_html(explanation, label=label)]
    for k in labels:
        parts.append(f"<div class='lk-section'>{_label_heading(explanation, k)}</div>")
        parts.append(f"<div class='lk'>{intervals_html(explanation, k)}</div>")
        parts.append(_figure_card(plot_weights(explanation, label=k), f"bar chart of the weights for label {k}"))
    return "".join(parts)


def explanation_report(explanation: Explanation, title: str | None = None) -> str:
    """Return a complete standalone HTML page for one explanation.

    The page shows the warnings, the prediction, the weights (as signed bars,
    as a table with confidence intervals and as a chart with error bars), the
    quality figures (fit and held-out R², stability, samples) and the
    modality's own view (the row's values, the highlighted document or the
    image panel). No JavaScript; figures are inline PNGs.

    A ``method="anchors"`` explanation shows its rule instead of weights: the
    rule, its precision and coverage with their bounds, the partial anchors
    as a table and as :func:`~lime_kit.plot.anchors.plot_anchor`, the
    modality's view (the row with the rule's features marked, the document
    with the rule's words marked, the image with everything else greyed)
    and, for rows and documents, a few perturbed inputs that satisfy the rule.

    Parameters
    ----------
    explanation : Explanation
    title : str, optional
        Page title and heading; default ``"lime_kit <modality> explanation"``.

    Returns
    -------
    str
        The HTML page.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> page = explanation_report(exp, title="Row 0")
    >>> page.startswith("<!DOCTYPE html>") and "<script" not in page and "<title>Row 0</title>" in page
    True
    """
    if not isinstance(explanation, Explanation):
        raise TypeError(
            f"explanation_report takes an Explanation, got {type(explanation).__name__}; "
            "use set_report for an ExplanationSet"
        )
    title = title or f"lime_kit {explanation.modality} explanation"
    rule = explanation.method == "anchors"
    counted = f"{explanation.num_samples:,} model rows · anchors" if rule else f"{explanation.num_samples} samples"
    meta = (
        f"<div class='lk-meta'>{escape(explanation.modality)} · {escape(explanation.mode)} · "
        f"{escape(_prediction_words(explanation))} · {counted} · "
        f"seed {escape(str(explanation.random_state))}</div>"
    )
    return _page(meta + _explanation_body(explanation), title, RULE_FOOT if rule else SURROGATE_FOOT)


# ------------------------------------------------------------------ sets


def _quality_summary_html(explanation_set, heading: str = "Quality over the set") -> str:
    """Median and lowest of each quality figure over the set, and how many explanations warn, note or failed."""
    frame = explanation_set.quality_frame()
    valid = frame.dropna(subset=["score"]) if "score" in frame else frame
    rows = ["<tr><td><b>figure</b></td><td class='num'><b>median</b></td><td class='num'><b>lowest</b></td></tr>"]
    figures = (
        ("score", "fit R²"), ("heldout_score", "held-out R²"), ("stability", "stability"),
        ("settled_stability", "settled stability"),
    )
    for column, name in figures:
        values = valid[column].astype(float) if column in valid else None
        if values is None or not values.notna().any():
            continue
        rows.append(
            f"<tr><td>{name}</td><td class='num'>{_number(float(values.median()))}</td>"
            f"<td class='num'>{_number(float(values.min()))}</td></tr>"
        )
    total = len(explanation_set)
    failed = len(explanation_set.failures)
    explained = sum(exp is not None for exp in explanation_set)
    warned = int((valid["warnings"].fillna(0) > 0).sum()) if "warnings" in valid else 0
    noted = int((valid["notes"].fillna(0) > 0).sum()) if "notes" in valid else 0
    counts = (
        f"<div class='muted'>{total} instances · {explained} explained · {warned} with warnings"
        f"{f' · {failed} failed' if failed else ''}"
        f"{f' · {noted} with notes (ties, a moderate fit)' if noted else ''}</div>"
    )
    table = _table(rows) if len(rows) > 1 else ""
    return f"<div><div class='lk-h'>{escape(heading)}</div>{counts}{table}</div>"


def _global_importance_html(explanation_set, label=None, rows: int = 15) -> str:
    frame = explanation_set.global_importance(label=label).head(rows)
    largest = float(frame["importance"].max()) if len(frame) else 1.0
    largest = largest if _finite(largest) and largest > 0 else 1.0
    body = ["<tr><td><b>feature</b></td><td></td><td class='num'><b>mean |weight|</b></td>"
            "<td class='num'><b>selected</b></td></tr>"]
    for name, importance, selected in zip(frame.index, frame["importance"], frame["selected"]):
        width = float(importance) / largest * BAR_PX if _finite(float(importance)) else 0.0
        body.append(
            f"<tr><td>{escape(str(name))}</td><td class='lk-bar' style='width:{BAR_PX}px'>"
            f"<span class='bar pos' style='width:{width:.0f}px'></span></td>"
            f"<td class='num'>{float(importance):.3g}</td><td class='num'>{float(selected):.0%}</td></tr>"
        )
    note = "<div class='muted'>mean |weight| over the explanations (0 where a feature was not selected)</div>"
    return f"<div><div class='lk-h'>Global importance</div>{note}{_table(body)}</div>"


def _rules_html(explanation_set, label=None, heading: str = "Rules over the set") -> str:
    from lime_kit.plot.rule_sets import rule_features_html, rules_summary_html, rules_table_html

    return "".join(
        [
            rules_summary_html(explanation_set, label, heading),
            rule_features_html(explanation_set, label),
            rules_table_html(explanation_set, label),
        ]
    )


def _mixed_notice(explanation_set) -> str:
    counts: dict[str, int] = {}
    for exp in explanation_set:
        if exp is not None:
            counts[exp.method] = counts.get(exp.method, 0) + 1
    listed = ", ".join(f"{n} made with {escape(method)}" for method, n in counts.items())
    return (
        "<div class='lk-warn' role='note'><b>This set mixes methods</b> "
        f"({listed}). Weights and rules answer different questions and do not share a scale, so each is "
        "summarised apart below; explain every instance with one method to compare them.</div>"
    )


def _weights_part(explanation_set):
    from lime_kit.explanation_set import ExplanationSet

    kept = [exp if exp is not None and exp.method != "anchors" else None for exp in explanation_set]
    return ExplanationSet(kept, explanation_set.failures)


def set_html(explanation_set, label=None) -> str:
    """Return the notebook fragment of an ExplanationSet: quality summary and global importance.

    No JavaScript and no images, so it stays light in a notebook; the full
    page with charts and the SP-LIME picks is :func:`set_report`.

    A set of rules (``method="anchors"``) shows instead how many rules reach
    the threshold with the median and range of their precision, coverage and
    length, the features the rules name (how often, and the precision they
    added) and the rules side by side (precision with bounds, coverage,
    threshold and how many explained instances each covers). A set mixing
    rules and weights says so and shows each part apart.

    Parameters
    ----------
    explanation_set : ExplanationSet
    label : int or str, optional
        The label whose weights make the global importance; default each
        explanation's first explained label.

    Returns
    -------
    str
    """
    from lime_kit.matrices import set_kind
    from lime_kit.plot.anchors import ANCHOR_STYLE
    from lime_kit.plot.rule_sets import RULES_STYLE

    kind = set_kind(explanation_set)
    if kind == "rules":
        return STYLE + ANCHOR_STYLE + RULES_STYLE + f"<div class='lk'>{_rules_html(explanation_set, label)}</div>"
    if kind == "mixed":
        weights = _weights_part(explanation_set)
        rules = explanation_set.with_method("anchors")
        parts = [
            _mixed_notice(explanation_set),
            _quality_summary_html(weights, f"Weights ({', '.join(sorted({e.method for e in weights if e}))}): quality"),
            _global_importance_html(weights, label),
            _rules_html(rules, label, "Rules (anchors)"),
        ]
        return STYLE + ANCHOR_STYLE + RULES_STYLE + f"<div class='lk'>{''.join(parts)}</div>"
    parts = [_quality_summary_html(explanation_set)]
    if any(exp is not None for exp in explanation_set):
        parts.append(_global_importance_html(explanation_set, label))
    return STYLE + f"<div class='lk'>{''.join(parts)}</div>"


def _set_warnings_html(explanation_set, limit: int = 200, shown_open: int = 3) -> str:
    """Every warning and failure in the set, by position.

    A long list would bury the page, so beyond ``shown_open`` instances it
    sits in a ``<details>`` element (HTML, no script): the count stays in
    view and the list opens on a click.
    """
    items = [
        (position, exp.warnings) for position, exp in enumerate(explanation_set) if exp is not None and exp.warnings
    ]
    failures = list(explanation_set.failures)
    if not items and not failures:
        return "<div class='muted'>No explanation in the set carries a warning.</div>"
    lines = []
    for position, notes in items[:limit]:
        lines += [f"<li>instance {position}: {escape(str(note))}</li>" for note in notes]
    if len(items) > limit:
        lines.append(f"<li>… and {len(items) - limit} more instances with warnings</li>")
    lines += [f"<li>instance {position} failed: {escape(str(message))}</li>" for position, message in failures]
    noun = "explanation" if len(items) == 1 else "explanations"
    heading = f"⚠ {len(items)} of {len(explanation_set)} {noun} with warnings" + (
        f", {len(failures)} failed" if failures else ""
    )
    expanded = len(items) + len(failures) <= shown_open
    summary = f"<summary><b>{heading}</b>{'' if expanded else ' (click to list them)'}</summary>"
    return (
        f"<div class='lk'><details class='lk-warn' role='note'{' open' if expanded else ''}>"
        f"{summary}<ul>{''.join(lines)}</ul></details></div>"
    )


def _default_picks(explanation_set, label) -> list[int]:
    from lime_kit.plot.rule_sets import rules_in

    explained = sum(exp is not None for exp in explanation_set)
    if explained == 0:
        return []
    first = next(exp for exp in explanation_set if exp is not None)
    if first.method == "anchors":
        # Picking stops once the rules cover every instance they can: a further rule would add nothing.
        from lime_kit.pick import coverage

        candidates = len(rules_in(explanation_set, label)[0])
        picks = explanation_set.submodular_pick(min(4, candidates), label=label, random_state=0)
        best = coverage(explanation_set, picks, label)
        return [p for k, p in enumerate(picks) if k == 0 or coverage(explanation_set, picks[:k], label) < best]
    return list(explanation_set.submodular_pick(min(4, explained), label=label, random_state=0))


def _instance_html(explanation_set, position: int, label) -> str:
    from lime_kit.plot.renderers import explanation_html

    exp = explanation_set[position]
    shown = exp.resolve_label(label) if label is not None else None
    return (
        f"<div class='lk-instance'>Instance {position}: {escape(_prediction_words(exp))}</div>"
        f"{explanation_html(exp, label=shown)}"
    )


def _rule_picks_html(explanation_set, label, picks) -> str:
    from lime_kit.pick import coverage

    first = next(exp for exp in explanation_set if exp is not None)
    heading = "<div class='lk-section'>Representative rules (submodular pick)</div>"
    if first.modality == "image":
        return heading + (
            "<div class='muted'>Rules about images are not picked: each rule keeps segments of its own image, "
            "which no other image has, so no rule can be said to apply to another instance.</div>"
        )
    picks = _default_picks(explanation_set, label) if picks is None else [int(p) for p in picks]
    if not picks:
        return ""
    explained = sum(exp is not None for exp in explanation_set)
    reached = coverage(explanation_set, picks, label)
    parts = [
        heading,
        "<div class='muted'>chosen as in the Anchors paper: the fewest rules that together apply to the most "
        "explained instances (an instance counts where it satisfies the rule and the model predicted the rule's "
        f"class); these {len(picks)} cover {reached:.0f} of the {explained} explained instances</div>",
    ]
    parts += [_instance_html(explanation_set, position, label) for position in picks if explanation_set[position]]
    return "".join(parts)


def _rule_set_body(explanation_set, label, picks) -> list[str]:
    from lime_kit.plot.many import plot_rules

    parts = [f"<div class='lk-section'>Summary</div>{set_html(explanation_set, label)}"]
    parts.append(_figure_card(plot_rules(explanation_set, label=label), "features in the rules; precision against coverage"))
    parts.append(_rule_picks_html(explanation_set, label, picks))
    return parts


def _mixed_set_body(explanation_set, label) -> list[str]:
    from lime_kit.plot.many import plot_global_importance, plot_rules

    parts = [f"<div class='lk-section'>Summary</div>{set_html(explanation_set, label)}"]
    weights, rules = _weights_part(explanation_set), explanation_set.with_method("anchors")
    parts.append(_figure_card(plot_global_importance(weights, label=label), "global importance of the weights"))
    parts.append(_figure_card(plot_rules(rules, label=label), "features in the rules; precision against coverage"))
    parts.append(
        "<div class='lk-section'>Representative explanations</div><div class='muted'>Not picked: weights are "
        "picked by the features they cover and rules by the instances they apply to, which do not add up. Pick "
        "within one method, e.g. <code>explanation_set.with_method('anchors').submodular_pick(4)</code>.</div>"
    )
    return parts


def set_report(explanation_set, label=None, picks=None, title: str | None = None) -> str:
    """Return a complete standalone HTML page for an ExplanationSet.

    The page shows the quality over the set, the global importance (table and
    :func:`lime_kit.plot.many.plot_global_importance`), the SP-LIME picks
    (:func:`lime_kit.plot.many.plot_picks` and each picked explanation in
    full) and every warning and failure. No JavaScript; figures are inline PNGs.

    A set of rules (``method="anchors"``) shows the rules instead (see
    :func:`set_html`), :func:`lime_kit.plot.many.plot_rules`, and as picks
    the rules that together apply to the most explained instances, each in
    the single rule's view (images: not picked, as a segment belongs to its
    own image); by default picking stops early once a further rule would
    cover no new instance. A set mixing rules and weights says so,
    summarises each part apart and picks none.

    Parameters
    ----------
    explanation_set : ExplanationSet
    label : int or str, optional
        The label to summarize; default each explanation's first explained label.
    picks : list of int, optional
        Positions of the explanations to show in full; default
        ``explanation_set.submodular_pick(min(4, n), label=label, random_state=0)``.
    title : str, optional
        Default ``"lime_kit explanations of <n> instances"``.

    Returns
    -------
    str
    """
    from lime_kit.matrices import set_kind
    from lime_kit.plot.many import plot_global_importance, plot_picks

    title = title or f"lime_kit explanations of {len(explanation_set)} instances"
    first = next((exp for exp in explanation_set if exp is not None), None)
    kind = set_kind(explanation_set)
    parts = []
    if first is not None:
        what = {"rules": " · rules (anchors)", "mixed": " · weights and rules"}.get(kind, "")
        parts.append(f"<div class='lk-meta'>{escape(first.modality)} · {escape(first.mode)}{what}</div>")
    if kind in ("rules", "mixed"):
        body = _rule_set_body(explanation_set, label, picks) if kind == "rules" else _mixed_set_body(explanation_set, label)
        parts += body
        parts.append(f"<div class='lk-section'>Warnings</div>{_set_warnings_html(explanation_set)}")
        foot = SET_RULE_FOOT if kind == "rules" else f"{SURROGATE_FOOT} {SET_RULE_FOOT}"
        return _page("".join(parts), title, foot)
    parts.append(f"<div class='lk-section'>Summary</div>{set_html(explanation_set, label)}")
    if first is not None:
        parts.append(_figure_card(plot_global_importance(explanation_set, label=label), "global importance chart"))
    picks = _default_picks(explanation_set, label) if picks is None else [int(p) for p in picks]
    if picks:
        parts.append(
            "<div class='lk-section'>Representative explanations (SP-LIME picks)</div>"
            "<div class='muted'>chosen to cover the important features with few explanations</div>"
        )
        parts.append(_figure_card(plot_picks(explanation_set, picks, label=label), "SP-LIME picks"))
        for position in picks:
            if explanation_set[position] is not None:
                parts.append(_instance_html(explanation_set, position, label))
    parts.append(f"<div class='lk-section'>Warnings</div>{_set_warnings_html(explanation_set)}")
    return _page("".join(parts), title)


def save_report(obj, path) -> Path:
    """Write the report of an Explanation or an ExplanationSet to ``path`` and return it.

    Parameters
    ----------
    obj : Explanation or ExplanationSet
    path : str or Path
        The HTML file to write (its folder is created); an existing folder
        receives ``report.html``.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> save_report(exp, Path(tempfile.mkdtemp()) / "row0.html").name
    'row0.html'
    """
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    if isinstance(obj, Explanation):
        page = explanation_report(obj)
    elif hasattr(obj, "global_importance") and hasattr(obj, "quality_frame"):
        page = set_report(obj)
    else:
        raise TypeError(f"save_report takes an Explanation or an ExplanationSet, got {type(obj).__name__}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
