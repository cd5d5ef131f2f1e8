"""Notebook HTML for explanations: no JavaScript, inline CSS, light and dark themes.

Text colour is inherited from the notebook theme; only the signed bars carry
fixed colours, chosen to read on both light and dark backgrounds. Every
string that came from data is escaped.
"""

from __future__ import annotations

from html import escape

from lime_kit.explanation import Explanation
from lime_kit.plot.colors import NEGATIVE, POSITIVE, rgba

__all__ = ["tabular_html", "probabilities_html", "weights_html", "quality_html", "STYLE"]

STYLE = f"""
<style>
.lk {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; color: inherit;
       display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }}
.lk h4 {{ margin: 0 0 6px 0; font-size: 13px; font-weight: 600; }}
.lk table {{ border-collapse: collapse; }}
.lk td {{ padding: 2px 6px; vertical-align: middle; white-space: nowrap; }}
.lk .bar {{ height: 14px; display: inline-block; vertical-align: middle; }}
.lk .pos {{ background: {POSITIVE}; }}
.lk .neg {{ background: {NEGATIVE}; }}
.lk .prob {{ background: {rgba(POSITIVE, 0.55)}; }}
.lk .num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.lk .hl-pos {{ background: {rgba(POSITIVE, 0.25)}; }}
.lk .hl-neg {{ background: {rgba(NEGATIVE, 0.25)}; }}
.lk .muted {{ opacity: 0.7; font-size: 12px; }}
</style>
"""

BAR_PX = 120


def probabilities_html(explanation: Explanation) -> str:
    """Table of the model output at the instance (class probabilities or the value)."""
    if explanation.mode == "regression":
        return f"<div><h4>Prediction</h4><div class='num'>{explanation.model_output[0]:.4g}</div></div>"
    rows = []
    order = sorted(range(len(explanation.model_output)), key=lambda k: -explanation.model_output[k])
    for k in order[:8]:
        p = explanation.model_output[k]
        rows.append(
            f"<tr><td>{escape(explanation.label_name(k))}</td>"
            f"<td><span class='bar prob' style='width:{max(p, 0) * BAR_PX:.0f}px'></span></td>"
            f"<td class='num'>{p:.3f}</td></tr>"
        )
    return f"<div><h4>Prediction probabilities</h4><table>{''.join(rows)}</table></div>"


def weights_html(explanation: Explanation, label: int) -> str:
    """Signed bars of the surrogate weights, centred on zero."""
    pairs = explanation.as_list(label)
    largest = max((abs(w) for _, w in pairs), default=1.0) or 1.0
    rows = []
    for description, weight in pairs:
        width = abs(weight) / largest * BAR_PX
        bar = f"<span class='bar {'pos' if weight > 0 else 'neg'}' style='width:{width:.0f}px'></span>"
        left, right = ("", bar) if weight > 0 else (bar, "")
        rows.append(
            f"<tr><td class='num'>{left}</td><td>{right}</td>"
            f"<td class='num'>{weight:+.3g}</td><td>{escape(description)}</td></tr>"
        )
    name = escape(explanation.label_name(label))
    return (
        f"<div><h4>Why {name}: local weights</h4>"
        f"<div class='muted'><span class='bar pos' style='width:10px'></span> for {name} &nbsp; "
        f"<span class='bar neg' style='width:10px'></span> against</div>"
        f"<table>{''.join(rows)}</table>{quality_html(explanation, label)}</div>"
    )


def quality_html(explanation: Explanation, label: int) -> str:
    """One muted line with the fit's honest quality figures."""
    stability = explanation.stability.get(label)
    stable = "" if stability is None else f" · top-5 stability {stability:.2f}"
    return (
        f"<div class='muted'>surrogate R² {explanation.score[label]:.3f} · "
        f"{explanation.num_samples} samples (effective {explanation.effective_sample_size:.0f}) · "
        f"seed {escape(str(explanation.random_state))}{stable}</div>"
    )


def _feature_values_html(explanation: Explanation, label: int) -> str:
    weights = dict(explanation.coefficients[label])
    rows = []
    for j, (name, value) in enumerate(zip(explanation.feature_names, explanation.instance)):
        weight = weights.get(j, 0.0)
        css = "hl-pos" if weight > 0 else "hl-neg" if weight < 0 else ""
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        rows.append(f"<tr class='{css}'><td>{escape(name)}</td><td class='num'>{escape(shown)}</td></tr>")
    return f"<div><h4>Feature values</h4><table>{''.join(rows)}</table></div>"


def tabular_html(explanation: Explanation, label: int | None = None) -> str:
    """HTML fragment for a tabular explanation: probabilities, weights, feature values.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> "Feature values" in tabular_html(exp)
    True
    """
    labels = explanation.labels if label is None else (explanation._check_label(label),)
    parts = [probabilities_html(explanation)]
    parts += [weights_html(explanation, k) for k in labels]
    parts.append(_feature_values_html(explanation, labels[0]))
    return STYLE + f"<div class='lk'>{''.join(parts)}</div>"
