"""HTML pieces for a set of rules (``method="anchors"``): the summary, the rules side by side, the features named.

A set of weights is summarised by how large each feature's weight is on
average; a set of rules has no weights to average. What a reader of many
rules wants to know is which rules were found, how far to trust each
(precision and its bounds, whether it reached the threshold), how much each
speaks for (coverage, and how many of the other explained instances it
applies to), and which features the rules keep naming. The set report and
the set's notebook fragment (:mod:`lime_kit.plot.report`) are built from
these pieces; the single rule's view stays in :mod:`lime_kit.plot.anchors`.
"""

from __future__ import annotations

from html import escape

import numpy as np

from lime_kit.explanation import Explanation
from lime_kit.matrices import explained_label, present
from lime_kit.plot.anchors import _bounds, _number, _percent, _reached, predicates
from lime_kit.plot.html import BAR_PX, _table

__all__ = ["rules_in", "rule_cell", "rules_summary_html", "rules_table_html", "rule_features_html", "instance_counts"]

#: Rules listed in the table before the rest are counted (the full list is ``quality_frame()``).
TABLE_ROWS = 100

RULES_STYLE = """
<style>
.lk table.lk-t > tbody > tr > td.lk-rc { white-space: normal; min-width: 20em; max-width: 46em; line-height: 1.9; }
.lk table.lk-t > tbody > tr > td.lk-rc .lk-pred { font-size: 12px; }
.lk table.lk-t > tbody > tr.lk-head > td { border-bottom: 1px solid rgba(128, 128, 128, 0.45); }
.lk table.lk-t > tbody > tr.lk-row > td { border-bottom: 1px solid rgba(128, 128, 128, 0.18); }
.lk table.lk-t > tbody > tr > td.lk-cov { white-space: normal; min-width: 5em; }
.lk .lk-scroll { max-width: 100%; overflow-x: auto; }
.lk .lk-rules { min-width: 0; max-width: 100%; }
.lk .lk-miss-word { font-weight: 600; white-space: nowrap; }
</style>
"""


def rules_in(explanation_set, label=None) -> tuple[list[int], list[Explanation]]:
    """Positions and explanations of the rules for ``label`` (None: every rule)."""
    positions, found = present(explanation_set)
    kept = [(int(p), exp) for p, exp in zip(positions, found) if explained_label(exp, label) is not None]
    return [p for p, _ in kept], [exp for _, exp in kept]


def rule_cell(explanation: Explanation) -> str:
    """The rule in a table cell: ``IF p1 AND p2 THEN class``, each predicate a pill that never breaks inside."""
    shown = predicates(explanation)
    name = escape(explanation.label_name(explanation.labels[0]))
    if not shown:
        return f"<span class='lk-kw'>ALWAYS</span> <span class='lk-then'>{name}</span>"
    terms = " <span class='lk-kw'>AND</span> ".join(f"<span class='lk-pred'>{escape(p)}</span>" for p in shown)
    return f"<span class='lk-kw'>IF</span> {terms} <span class='lk-kw'>THEN</span> <span class='lk-then'>{name}</span>"


def instance_counts(explanation_set, label=None) -> dict[int, tuple[int, int]] | None:
    """Per rule position, ``(instances it covers, instances it applies to)`` among the explained ones.

    None for rules about images, whose segments no other image has.
    """
    from lime_kit.pick import rule_matches

    try:
        applies, covers, rule_positions, _ = rule_matches(explanation_set, label)
    except ValueError:
        return None
    return {
        int(p): (int(c), int(a)) for p, c, a in zip(rule_positions, covers.sum(axis=1), applies.sum(axis=1))
    }


def _threshold_words(rules: list[Explanation]) -> str:
    thresholds = {exp.payload.get("threshold") for exp in rules}
    if len(thresholds) == 1 and None not in thresholds:
        return f"the threshold {next(iter(thresholds)):.2f}"
    return "their threshold"


def rules_summary_html(explanation_set, label=None, heading: str = "Rules over the set") -> str:
    """How many rules, how many reach the threshold, and the median and range of their figures."""
    positions, rules = rules_in(explanation_set, label)
    total, failed = len(explanation_set), len(getattr(explanation_set, "failures", []))
    reached = sum(_reached(exp) for exp in rules)
    warned = sum(bool(exp.warnings) for exp in rules)
    counts = (
        f"<div class='muted'>{total} instances · {len(rules)} rules · {reached} of {len(rules)} reach "
        f"{_threshold_words(rules)} · {warned} with warnings{f' · {failed} failed' if failed else ''}</div>"
    )
    if not rules:
        return f"<div><div class='lk-h'>{escape(heading)}</div>{counts}</div>"
    precision = np.array([exp.precision for exp in rules], dtype=float)
    low = np.array([(exp.precision_bounds or (np.nan, np.nan))[0] for exp in rules], dtype=float)
    coverage = np.array([exp.coverage for exp in rules], dtype=float)
    length = np.array([len(exp.anchor_features) for exp in rules], dtype=float)
    rows = [
        "<tr class='lk-head'><td><b>figure</b></td><td class='num'><b>median</b></td>"
        "<td class='num'><b>lowest – highest</b></td></tr>"
    ]
    for name, values, fmt in (
        ("precision", precision, _number),
        ("precision, lower bound", low, _number),
        ("coverage", coverage, _percent),
        ("rule length (predicates)", length, lambda v: f"{v:.0f}" if np.isfinite(v) else "–"),
    ):
        if not np.isfinite(values).any():
            continue
        rows.append(
            f"<tr><td>{name}</td><td class='num'>{fmt(float(np.nanmedian(values)))}</td>"
            f"<td class='num'>{fmt(float(np.nanmin(values)))} – {fmt(float(np.nanmax(values)))}</td></tr>"
        )
    return f"<div><div class='lk-h'>{escape(heading)}</div>{counts}{_table(rows)}</div>"


def rules_table_html(explanation_set, label=None, limit: int = TABLE_ROWS) -> str:
    """Every rule beside its instance: the rule, precision with bounds, coverage, threshold, instances it covers."""
    positions, rules = rules_in(explanation_set, label)
    if not rules:
        return ""
    counts = instance_counts(explanation_set, label)
    explained = sum(exp is not None for exp in explanation_set)
    level = rules[0].payload.get("delta")
    level = f"{(1 - level) * 100:.0f} % bounds" if isinstance(level, float) else "bounds"
    head = (
        "<tr class='lk-head'><td><b>instance</b></td><td><b>rule</b></td><td class='num'><b>precision</b></td>"
        f"<td class='num'><b>{level}</b></td><td class='num'><b>coverage</b></td><td><b>threshold</b></td>"
        + ("<td class='num'><b>covers</b></td>" if counts is not None else "")
        + "</tr>"
    )
    rows = [head]
    for position, exp in list(zip(positions, rules))[:limit]:
        status = "✓ reached" if _reached(exp) else "<span class='lk-miss-word'>✗ not reached</span>"
        cells = (
            f"<td class='num'>{position}</td><td class='lk-rc'>{rule_cell(exp)}</td>"
            f"<td class='num'>{_number(exp.precision)}</td>"
            f"<td class='num'>{_bounds(exp.precision_bounds, _number)}</td>"
            f"<td class='num'>{_percent(exp.coverage)}</td><td>{status}</td>"
        )
        if counts is not None:
            covered, applies = counts[position]
            against = applies - covered
            extra = f" <span class='lk-miss-word'>+{against} against</span>" if against else ""
            cells += f"<td class='num lk-cov'>{covered} of {explained}{extra}</td>"
        rows.append(f"<tr class='lk-row'>{cells}</tr>")
    more = (
        f"<div class='muted'>… and {len(rules) - limit} more rules: every rule's figures are in "
        "quality_frame()</div>" if len(rules) > limit else ""
    )
    notes = [
        "precision: the share of perturbed inputs satisfying the rule on which the model keeps the class; "
        "coverage: the share of perturbed inputs the rule applies to"
    ]
    if counts is not None:
        notes.append(
            "covers: the explained instances that satisfy the rule and on which the model predicted its class "
            "(the instance itself included); '+k against': k more satisfy it but the model predicted another class"
        )
    legend = "".join(f"<div class='muted'>{escape(n)}</div>" for n in notes)
    # A narrow window scrolls the table, not the page.
    table = f"<div class='lk-scroll'>{_table(rows)}</div>"
    return f"<div class='lk-wide lk-rules'><div class='lk-h'>The rules</div>{legend}{table}{more}</div>"


def rule_features_html(explanation_set, label=None, rows: int = 15) -> str:
    """How often each feature is named by the rules: a bar of the share, the count and the precision it added."""
    frame = explanation_set.global_importance(label=label)
    frame = frame[frame["rules"] > 0].head(rows)
    _, rules = rules_in(explanation_set, label)
    body = [
        "<tr class='lk-head'><td><b>feature</b></td><td></td><td class='num'><b>in rules</b></td>"
        "<td class='num'><b>mean precision added</b></td></tr>"
    ]
    for name, share, count, added in zip(frame.index, frame["in_rules"], frame["rules"], frame["mean_added_precision"]):
        width = float(share) * BAR_PX
        body.append(
            f"<tr><td>{escape(str(name))}</td><td class='lk-bar' style='width:{BAR_PX}px'>"
            f"<span class='bar pos' style='width:{width:.0f}px'></span></td>"
            f"<td class='num'>{int(count)} of {len(rules)} ({float(share):.0%})</td>"
            f"<td class='num'>{float(added):+.3f}</td></tr>"
        )
    if len(body) == 1:
        return (
            "<div><div class='lk-h'>Features the rules name</div>"
            "<div class='muted'>no rule names a feature: every prediction holds whatever the features do</div></div>"
        )
    note = (
        "<div class='muted'>the share of the rules that hold each feature; precision added: how much precision "
        "the feature added where a rule took it, on average</div>"
    )
    return f"<div><div class='lk-h'>Features the rules name</div>{note}{_table(body)}</div>"
