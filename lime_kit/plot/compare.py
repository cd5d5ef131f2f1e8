"""Two explanations of one prediction side by side: aligned bar charts, disagreements hatched."""

from __future__ import annotations

import textwrap

import numpy as np

from lime_kit.comparison import Comparison, _description, compare
from lime_kit.explanation import Explanation
from lime_kit.plot.colors import NEGATIVE, POSITIVE

__all__ = ["plot_comparison"]

METHOD_TITLES = {"lime": "LIME", "kernel_shap": "KernelSHAP"}
SIGN_HATCH = "xxx"  # opposite signs: the stronger mark, it also covers "top k of one only"
TOP_K_HATCH = "///"
EDGE = "0.15"
NOISE_ALPHA = 0.35  # bars of weights inside the noise are drawn faded
# Longer feature descriptions wrap onto more lines, so that they do not squeeze the two charts.
LABEL_CHARS = 32
# Axis labels and the summary wrap too: the charts are narrow beside long feature names.
AXIS_LABEL_CHARS = 44
SUMMARY_CHARS = 140


def plot_comparison(
    exp_a: Explanation,
    exp_b: Explanation,
    k: int = 5,
    label: int | str | None = None,
    axes=None,
):
    """Draw two explanations of one prediction as aligned bar charts, their disagreements hatched.

    The rows are the features in either explanation's top ``k``, in one order
    for both charts (by the larger of the two relative weights, see
    :attr:`Comparison.features`). Each chart keeps its own scale: LIME
    weights and Shapley values are different quantities. Bars of features
    with opposite signs are cross-hatched, bars of features in only one top
    ``k`` are striped, bars of weights inside the noise (see
    :func:`lime_kit.compare`) are faded, and "not weighed" marks a feature an
    explanation did not select. Feature descriptions longer than 32
    characters wrap onto more lines.

    Parameters
    ----------
    exp_a, exp_b : Explanation
        Two explanations of the same instance and label (see
        :func:`lime_kit.compare`); ``exp_a`` is drawn on the left.
    k : int, default=5
        Size of the top sets compared.
        A rule (``method="anchors"``) has no weights to draw: a ValueError
        points to :func:`lime_kit.compare` and :func:`plot_weights`.
    label : int or str, optional
        Output column or class name explained in both; defaults to
        ``exp_a``'s first label.
    axes : pair of matplotlib Axes, optional
        Draw into them instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        An :class:`~lime_kit.plot.figure.ExplanationFigure` (shows itself in
        Jupyter) with two axes, or the axes' figure when ``axes`` was given.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, feature_names=["a", "b", "c"], mode="regression",
    ...                              discretize_continuous=False, random_state=0)
    >>> a = explainer.explain(X[0], lambda r: 3 * r[:, 0] + r[:, 1], num_samples=300, random_state=1)
    >>> b = explainer.explain(X[0], lambda r: 3 * r[:, 0] + r[:, 1], num_samples=300, random_state=2)
    >>> fig = plot_comparison(a, b, k=2)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]  # top to bottom; the right chart shares them
    ['a', 'b']
    >>> [[bar.get_gid() for bar in ax.containers[0]] for ax in fig.axes]  # each bar names its feature
    [['a', 'b'], ['a', 'b']]
    """
    for exp in (exp_a, exp_b):
        if exp.method == "anchors":
            raise ValueError(
                "plot_comparison draws two sets of weights side by side, and a method='anchors' explanation is a "
                "rule: use lime_kit.compare(exp_a, exp_b) for the features both name (its named_by_both and "
                "disagreements), and plot_weights on each explanation for its own picture"
            )
    comparison = compare(exp_a, exp_b, k=k, label=label)
    rows = comparison.features
    names = [_description(exp_a, exp_b, i) for i in rows]
    labels = [_wrap(name, LABEL_CHARS) for name in names]
    if axes is None:
        from lime_kit.plot.figure import ExplanationFigure

        extra_lines = sum(label.count("\n") for label in labels)
        height = 0.42 * max(len(rows), 2) + 0.17 * extra_lines + 2.4
        fig = ExplanationFigure(figsize=(11, height), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
    else:
        axes = list(axes)
        if len(axes) != 2:
            raise ValueError(f"axes must be two matplotlib Axes (left, right), got {len(axes)}")
        fig = axes[0].figure
    reasons = {d.feature: d.reason for d in comparison.disagreements}
    positions = np.arange(len(rows))[::-1]  # first row at the top
    noise = {"a": set(comparison.noise_a), "b": set(comparison.noise_b)}
    for ax, exp, side in ((axes[0], exp_a, "a"), (axes[1], exp_b, "b")):
        weights = exp.weights(comparison.label)[rows]
        faded = [i in noise[side] for i in rows]
        _draw_bars(ax, positions, weights, [reasons.get(i, "") for i in rows], names, faded)
        selected = {i for i, _ in exp.coefficients[comparison.label]}
        for position, index in zip(positions, rows):
            if index not in selected:
                ax.annotate("not weighed", (0, position), xytext=(4, 0), textcoords="offset points",
                            va="center", fontsize=8, color="0.35", style="italic")
        ax.set_yticks(positions, labels)
        ax.axvline(0, color="0.4", linewidth=0.8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(_axis_title(exp, side, comparison), fontsize=10, loc="left")
        ax.set_xlabel(_wrap(_axis_label(exp, comparison.label), AXIS_LABEL_CHARS), fontsize=9)
        ax.margins(x=0.15)
    axes[1].tick_params(labelleft=False)
    # The reason in words beside each disagreeing row: a hatch on a bar too short to see says nothing.
    for position, index in zip(positions, rows):
        if index in reasons:
            axes[1].annotate(
                _reason_words(reasons[index], comparison), (1.0, position), xycoords=("axes fraction", "data"),
                xytext=(6, 0), textcoords="offset points", va="center", fontsize=8, color="0.3",
            )
    fig.suptitle(_summary(comparison), fontsize=10, x=0.01, horizontalalignment="left")
    _legend(fig, comparison.k, any(reasons.values()), exp_a.mode, bool(comparison.noise_a or comparison.noise_b))
    return fig


def _wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters (long words broken too)."""
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text


def _draw_bars(
    ax, positions: np.ndarray, weights: np.ndarray, reasons: list[str], names: list[str], faded: list[bool]
) -> None:
    colors = [POSITIVE if w > 0 else NEGATIVE for w in weights]
    hatches = [SIGN_HATCH if "opposite" in r else TOP_K_HATCH if r else None for r in reasons]
    bars = ax.barh(positions, weights, color=colors)
    for bar, hatch, name, fade in zip(bars, hatches, names, faded):
        bar.set_gid(name)  # the feature travels with its bar (and into SVG ids), for readers and tests
        if fade:
            bar.set_alpha(NOISE_ALPHA)
        if hatch:
            bar.set_hatch(hatch)
            bar.set_edgecolor(EDGE)
            bar.set_linewidth(0.6)


def _reason_words(reason: str, comparison: Comparison) -> str:
    """``"top 5 of a only"`` with the method's name, e.g. ``"top 5 of LIME only"``."""
    names = {"a": _method_title(comparison.method_a), "b": _method_title(comparison.method_b)}
    if comparison.method_a == comparison.method_b:
        names = {"a": "a", "b": "b"}
    return reason.replace(" of a only", f" of {names['a']} only").replace(" of b only", f" of {names['b']} only")


def _method_title(method: str) -> str:
    return METHOD_TITLES.get(method, method)


def _axis_title(exp: Explanation, side: str, comparison: Comparison) -> str:
    name = _method_title(exp.method)
    if comparison.method_a == comparison.method_b:
        name = f"{side}: {name}"
    samples = f"{exp.num_samples:,} samples" if exp.num_samples else ""
    return f"{name}   ({samples})" if samples else name


def _axis_label(exp: Explanation, label: int) -> str:
    quantity = "Shapley value" if exp.method == "kernel_shap" else "surrogate weight"
    output = "the prediction" if exp.mode == "regression" else f"p({exp.label_name(label)})"
    return f"{quantity}: effect on {output}"


def _summary(comparison: Comparison) -> str:
    subject = "" if comparison.label_name == "prediction" else f"class {comparison.label_name!r}: "
    parts = [
        f"{subject}top-{comparison.k} overlap {comparison.top_k_overlap:.2f}",
        f"Kendall τ of |weight| {comparison.kendall_tau:.2f}",
        f"same sign {comparison.sign_agreement:.0%} of {comparison.shared} shared features",
        f"{len(comparison.disagreements)} disagreements",
    ]
    # Break between figures, never inside one, when the line would run past the figure.
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + len(part) + 7 > SUMMARY_CHARS:
            lines.append(part)
        else:
            lines[-1] += f"   ·   {part}"
    return "\n".join(lines)


def _legend(fig, k: int, hatched: bool, mode: str, noisy: bool = False) -> None:
    from matplotlib.patches import Patch

    up, down = ("raises the prediction", "lowers it") if mode == "regression" else ("for the class", "against it")
    handles = [Patch(color=POSITIVE, label=up), Patch(color=NEGATIVE, label=down)]
    if hatched:
        handles += [
            Patch(facecolor="white", edgecolor=EDGE, hatch=SIGN_HATCH, label="opposite signs"),
            Patch(facecolor="white", edgecolor=EDGE, hatch=TOP_K_HATCH, label=f"in one top {k} only"),
        ]
    if noisy:
        handles.append(Patch(color="0.5", alpha=NOISE_ALPHA, label="inside the noise (95 % interval covers 0)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
