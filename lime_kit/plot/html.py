"""Notebook HTML for explanations: no JavaScript, inline CSS, light and dark themes, any host page.

Text colour is inherited from the notebook theme; only the signed bars carry
fixed colours, chosen to read on both light and dark backgrounds. Every
string that came from data is escaped.

Host pages style tables themselves (JupyterLab and classic Notebook
right-align every cell and stripe rows; VS Code has its own rules), so every
table rule here is scoped as ``.lk table.lk-t > tbody > tr > td``: more
specific than those hosts' rules, and it sets alignment, padding, borders and
backgrounds explicitly instead of trusting the defaults. Row colours sit on
cells, never on ``tr``, whose background hosts stripe. Headings are ``div``
elements, so hosts neither restyle them nor add anchor links.
"""

from __future__ import annotations

import math
from html import escape

from lime_kit.explanation import Explanation
from lime_kit.plot.anchors import ANCHOR_STYLE, anchor_parts, examples_html
from lime_kit.plot.colors import GREY, NEGATIVE, POSITIVE, WARNING, rgba
from lime_kit.plot.ties import TIE_MEANING, shown_ties, tie_word

__all__ = [
    "tabular_html",
    "probabilities_html",
    "weights_html",
    "quality_html",
    "warnings_html",
    "notes_html",
    "tie_cells",
    "label_heading",
    "legend_words",
    "scale_html",
    "wrap",
    "STYLE",
]

BAR_PX = 120  # the longest bar; each side of the zero line is this wide

_CELL = ".lk table.lk-t > tbody > tr > td"

STYLE = f"""
<style>
.lk {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; line-height: 1.4;
       color: inherit; text-align: left; display: flex; flex-wrap: wrap; gap: 12px 28px;
       align-items: flex-start; padding: 4px 0; }}
.lk .lk-h {{ margin: 0 0 6px 0; padding: 0; font-size: 13px; font-weight: 600; }}
.lk .lk-wide {{ flex-basis: 100%; }}
.lk table.lk-t {{ border-collapse: collapse; border-spacing: 0; border: none; margin: 0; width: auto;
                 table-layout: auto; font-size: inherit; color: inherit; background: transparent; }}
.lk table.lk-t > tbody > tr {{ background: transparent; border: none; }}
{_CELL} {{ padding: 2px 6px; margin: 0; text-align: left; vertical-align: middle; white-space: nowrap;
          line-height: 18px; max-width: none; border: none; background: transparent; color: inherit; }}
{_CELL}.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
{_CELL}.lk-zero-left {{ padding: 0; width: {BAR_PX}px; min-width: {BAR_PX}px; text-align: right;
                       border-right: 1px solid rgba(128, 128, 128, 0.75); }}
{_CELL}.lk-zero-right {{ padding: 0; width: {BAR_PX}px; min-width: {BAR_PX}px; text-align: left; }}
{_CELL}.lk-bar {{ padding: 0 6px 0 0; text-align: left; }}
{_CELL}.hl-pos {{ background: {rgba(POSITIVE, 0.25)}; }}
{_CELL}.hl-neg {{ background: {rgba(NEGATIVE, 0.25)}; }}
.lk .bar {{ height: 14px; display: inline-block; vertical-align: middle; margin: 0; padding: 0; }}
.lk .pos {{ background: {POSITIVE}; }}
.lk .neg {{ background: {NEGATIVE}; }}
.lk .prob {{ background: {rgba(POSITIVE, 0.55)}; }}
.lk .muted {{ opacity: 0.75; font-size: 12px; margin: 2px 0; }}
.lk .lk-q {{ font-size: 12px; margin-top: 6px; opacity: 0.85; max-width: 44em; }}
.lk .lk-note {{ max-width: 44em; }}
.lk .lk-warn {{ flex-basis: 100%; box-sizing: border-box; max-width: 72em; margin: 0; padding: 6px 10px;
               border-left: 4px solid {WARNING}; border-radius: 3px; background: {rgba(WARNING, 0.16)};
               color: inherit; }}
.lk .lk-warn ul, .lk .lk-notes ul {{ margin: 2px 0 0 0; padding: 0 0 0 18px; list-style: disc; }}
.lk .lk-warn li, .lk .lk-notes li {{ margin: 0; padding: 0; text-align: left; }}
.lk .lk-notes {{ flex-basis: 100%; box-sizing: border-box; max-width: 72em; margin: 0; padding: 4px 10px;
                border-left: 3px solid {GREY}; background: rgba(128, 128, 128, 0.08); font-size: 12px;
                color: inherit; }}
{_CELL}.lk-tie {{ padding: 0 8px 0 14px; font-size: 12px; font-style: italic;
                 background: linear-gradient({GREY}, {GREY}) left 0 top 4px / 8px 2px no-repeat,
                             linear-gradient({GREY}, {GREY}) left 6px top 4px / 2px calc(100% - 8px) no-repeat,
                             linear-gradient({GREY}, {GREY}) left 0 bottom 4px / 8px 2px no-repeat; }}
{_CELL}.lk-tie.lk-open {{ background: linear-gradient({GREY}, {GREY}) left 0 top 4px / 8px 2px no-repeat,
                                     linear-gradient({GREY}, {GREY}) left 6px top 4px / 2px calc(100% - 4px) no-repeat; }}
</style>
"""


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _table(rows: list[str]) -> str:
    return f"<table class='lk-t'><tbody>{''.join(rows)}</tbody></table>"


def label_heading(explanation: Explanation, label: int, what: str) -> str:
    """``"Why approved: <what>"``; in regression, where the label is the prediction, ``"<What> on the prediction"``."""
    if explanation.mode == "regression":
        return f"<div class='lk-h'>{escape(what.capitalize())} on the prediction</div>"
    return f"<div class='lk-h'>Why {escape(explanation.label_name(label))}: {escape(what)}</div>"


def probabilities_html(explanation: Explanation) -> str:
    """Table of the model output at the instance (class probabilities or the value)."""
    if explanation.mode == "regression":
        return (
            f"<div><div class='lk-h'>Prediction</div>"
            f"<div class='num' style='font-size: 18px'>{explanation.model_output[0]:.4g}</div></div>"
        )
    rows = []
    order = sorted(range(len(explanation.model_output)), key=lambda k: -explanation.model_output[k])
    for k in order[:8]:
        p = explanation.model_output[k]
        rows.append(
            f"<tr><td>{escape(explanation.label_name(k))}</td>"
            f"<td class='lk-bar' style='width:{BAR_PX}px'><span class='bar prob' style='width:{min(max(p, 0), 1) * BAR_PX:.0f}px'></span></td>"
            f"<td class='num'>{p:.3f}</td></tr>"
        )
    return f"<div><div class='lk-h'>Prediction probabilities</div>{_table(rows)}</div>"


def legend_words(explanation: Explanation, label: int) -> tuple[str, str]:
    """What the two colours mean for this label: ``(positive, negative)``."""
    if explanation.mode == "regression":
        return "raises the prediction", "lowers it"
    name = explanation.label_name(label)
    return f"for {name}", f"against {name}"


def scale_html(explanation: Explanation, label: int) -> str:
    """The unit of the bars: the model's value, and the surrogate's intercept plus weights at the instance.

    The weights are in the units of the model output (a probability in
    classification), so stating the prediction beside the surrogate's
    intercept and its value at the instance says how large a bar is.
    """
    prediction = explanation.prediction.get(label, float("nan"))
    local = explanation.local_pred.get(label, float("nan"))
    intercept = explanation.intercept.get(label, float("nan"))
    what = "prediction" if explanation.mode == "regression" else f"p({explanation.label_name(label)})"
    lines = [f"model {escape(what)} = {prediction:.4g}"]
    sign = "+" if local >= intercept else "−"
    if _finite(local) and _finite(intercept) and explanation.method == "kernel_shap":
        lines[0] += f" = base value {intercept:.4g} {sign} Shapley values {abs(local - intercept):.4g}"
    elif _finite(local) and _finite(intercept):
        lines[0] += f" · surrogate {local:.4g} = intercept {intercept:.4g} {sign} features {abs(local - intercept):.4g}"
    unit = "units of the prediction" if explanation.mode == "regression" else "probability"
    lines.append(f"weights are contributions to {escape(what)}, in {unit}")
    return f"<div class='muted lk-note'>{'<br>'.join(lines)}</div>"


def tie_cells(explanation: Explanation, label: int, count: int) -> list[str]:
    """The last cell of each of the first ``count`` weight rows: a bracket saying "tied" beside each tie group.

    A group's first row gets one cell spanning the group's rows (a bracket
    drawn as its background, and the word); the group's other rows get none,
    and rows outside any group an empty cell. All ``""`` when nothing is tied,
    so untied tables keep their columns.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(300, 4))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> exp = explainer.explain(X[0], lambda rows: 4 * rows[:, 0] + rows[:, 1] + rows[:, 2] + 0.2 * rows[:, 3])
    >>> [cell[:25] for cell in tie_cells(exp, 0, 4)]
    ['<td></td>', "<td class='lk-tie' rowspa", '', '<td></td>']
    """
    ties = shown_ties(explanation, label, count)
    if not ties:
        return [""] * count
    cells = ["<td></td>"] * count
    for tie in ties:
        cells[tie.first] = (
            f"<td class='lk-tie{' lk-open' if tie.hidden else ''}' rowspan='{tie.last - tie.first + 1}' "
            f"title='{escape(TIE_MEANING)}'>{escape(tie_word(tie))}</td>"
        )
        cells[tie.first + 1 : tie.last + 1] = [""] * (tie.last - tie.first)
    return cells


def weights_html(explanation: Explanation, label: int) -> str:
    """Signed bars of the surrogate weights on both sides of a zero line, with the scale and quality figures.

    A bracket marked "tied" joins rows whose order the samples do not resolve.
    """
    pairs = explanation.as_list(label)
    largest = max((abs(w) for _, w in pairs), default=1.0) or 1.0
    rows = []
    for (description, weight), tie in zip(pairs, tie_cells(explanation, label, len(pairs))):
        width = abs(weight) / largest * BAR_PX
        bar = f"<span class='bar {'pos' if weight > 0 else 'neg'}' style='width:{width:.0f}px'></span>"
        left, right = ("", bar) if weight > 0 else (bar, "")
        rows.append(
            f"<tr><td class='lk-zero-left'>{left}</td><td class='lk-zero-right'>{right}</td>"
            f"<td class='num'>{weight:+.3g}</td><td>{escape(description)}</td>{tie}</tr>"
        )
    pro, contra = (escape(words) for words in legend_words(explanation, label))
    return (
        f"<div>{label_heading(explanation, label, 'Shapley values' if explanation.method == 'kernel_shap' else 'local weights')}"
        f"<div class='muted'><span class='bar pos' style='width:10px'></span> {pro} &nbsp; "
        f"<span class='bar neg' style='width:10px'></span> {contra}</div>"
        f"{_table(rows)}{scale_html(explanation, label)}{quality_html(explanation, label)}</div>"
    )


def _figure(name: str, value: str, meaning: str) -> str:
    return f"<span title='{escape(meaning)}'>{escape(name)} <b>{escape(value)}</b></span>"


def quality_html(explanation: Explanation, label: int) -> str:
    """The fit's honest quality figures for ``label``; figures the explanation lacks are left out.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> "effective" in quality_html(exp, 0)
    True
    """
    figures = []
    score = explanation.score.get(label)
    if _finite(score):
        figures.append(_figure("fit R²", f"{score:.3f}", "weighted R² of the surrogate on the samples it was fitted on"))
    heldout = explanation.heldout_score.get(label)
    if _finite(heldout):
        figures.append(
            _figure("held-out R²", f"{heldout:.3f}", "weighted R² of the surrogate on samples it was not fitted on")
        )
    gap = explanation.local_gap.get(label)
    if _finite(gap):
        figures.append(_figure("local gap", f"{gap:.3g}", "|surrogate - model| at the explained instance"))
    stability = explanation.stability.get(label)
    if _finite(stability):
        figures.append(
            _figure("stability", f"{stability:.2f}", "expected top-5 overlap with a rerun under another seed (1 = same top features)")
        )
    settled = explanation.settled_stability.get(label)
    if _finite(settled):
        figures.append(
            _figure(
                "settled stability", f"{settled:.2f}",
                "expected rerun agreement on the settled top 5: the top 5 less any tie group crossing rank 5",
            )
        )
    counts = [f"{explanation.num_samples} samples"]
    if _finite(explanation.effective_sample_size) and explanation.effective_sample_size > 0:
        counts.append(f"effective {explanation.effective_sample_size:.0f}")
    if explanation.rounds:
        counts.append(f"{len(explanation.rounds)} rounds")
    sampling = f"{escape(', '.join(counts))} · seed {escape(str(explanation.random_state))}"
    return f"<div class='lk-q'>{' · '.join(figures)}<br>{sampling}</div>" if figures else f"<div class='lk-q'>{sampling}</div>"


def warnings_html(explanation: Explanation) -> str:
    """A visible box listing the explanation's warnings; empty when there are none."""
    items = [str(w) for w in (explanation.warnings or []) if str(w).strip()]
    if not items:
        return ""
    body = "".join(f"<li>{escape(w)}</li>" for w in items)
    noun = "Warning" if len(items) == 1 else "Warnings"
    return f"<div class='lk-warn' role='note'><b>⚠ {noun} about this explanation</b><ul>{body}</ul></div>"


def notes_html(explanation: Explanation) -> str:
    """A quiet box listing the explanation's notes (ties, a moderate fit); empty when there are none.

    Notes are facts to read the explanation by, not alarms: a grey rule and
    tint, unlike the amber warnings box.
    """
    items = [str(note) for note in (getattr(explanation, "notes", None) or []) if str(note).strip()]
    if not items:
        return ""
    body = "".join(f"<li>{escape(note)}</li>" for note in items)
    return f"<div class='lk-notes' role='note'><b>Notes</b><ul>{body}</ul></div>"


def _feature_values_html(explanation: Explanation, label: int) -> str:
    weights = dict(explanation.coefficients[label])
    rows = []
    for j, (name, value) in enumerate(zip(explanation.feature_names, explanation.instance)):
        weight = weights.get(j, 0.0)
        css = " hl-pos" if weight > 0 else " hl-neg" if weight < 0 else ""
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        rows.append(f"<tr><td class='{css.strip()}'>{escape(name)}</td><td class='num{css}'>{escape(shown)}</td></tr>")
    return f"<div><div class='lk-h'>Feature values</div>{_table(rows)}</div>"


def _anchor_values_html(explanation: Explanation) -> str:
    """The row's values, the rule's features tinted and marked with their place in the rule."""
    place = {feature: k for k, feature in enumerate(explanation.anchor_features, start=1)}
    rows = []
    for j, (name, value) in enumerate(zip(explanation.feature_names, explanation.instance)):
        css = "hl-pos" if j in place else ""
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        mark = f"rule #{place[j]}" if j in place else ""
        rows.append(
            f"<tr><td class='{css}'>{escape(name)}</td><td class='num {css}'>{escape(shown)}</td>"
            f"<td class='muted'>{mark}</td></tr>"
        )
    return f"<div><div class='lk-h'>Feature values</div>{_table(rows)}</div>"


def wrap(parts: list[str], explanation: Explanation, extra_style: str = "") -> str:
    """The outer ``.lk`` block every modality returns: style, warnings first, then ``parts``, then the notes."""
    return (
        STYLE + extra_style
        + f"<div class='lk'>{warnings_html(explanation)}{''.join(parts)}{notes_html(explanation)}</div>"
    )


def tabular_html(explanation: Explanation, label: int | None = None) -> str:
    """HTML fragment for a tabular explanation: warnings, probabilities, weights, feature values, notes.

    A ``method="anchors"`` explanation shows its rule instead of weights: the
    rule, its precision and coverage with their bounds, the partial anchors,
    the row's values with the rule's features marked, and a few perturbed
    rows that satisfy the rule (see :mod:`lime_kit.plot.anchors`).

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> "Feature values" in tabular_html(exp)
    True
    """
    if explanation.method == "anchors":
        parts = [*anchor_parts(explanation, label), probabilities_html(explanation), _anchor_values_html(explanation)]
        return wrap([*parts, examples_html(explanation)], explanation, ANCHOR_STYLE)
    labels = explanation.labels if label is None else (explanation.resolve_label(label),)
    parts = [probabilities_html(explanation)]
    parts += [weights_html(explanation, k) for k in labels]
    parts.append(_feature_values_html(explanation, labels[0]))
    return wrap(parts, explanation)
