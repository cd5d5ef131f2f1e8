"""Horizontal bar chart of an explanation's feature weights."""

from __future__ import annotations

from lime_kit.explanation import Explanation
from lime_kit.plot.colors import NEGATIVE, POSITIVE


def plot_weights(explanation: Explanation, label: int | None = None, num_features: int | None = None, ax=None):
    """Draw the top weights of one label as horizontal bars.

    Parameters
    ----------
    explanation : Explanation
    label : int, optional
        One of ``explanation.labels``; defaults to the first.
    num_features : int, optional
        Show at most this many features (largest ``|weight|`` first).
    ax : matplotlib Axes, optional
        Draw into it instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> fig = plot_weights(exp)
    """
    from matplotlib.figure import Figure

    label = explanation._check_label(label)
    pairs = explanation.as_list(label)[:num_features]
    if ax is None:
        fig = Figure(figsize=(7, 0.45 * max(len(pairs), 2) + 1.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    names = [name for name, _ in reversed(pairs)]
    weights = [weight for _, weight in reversed(pairs)]
    colors = [POSITIVE if w > 0 else NEGATIVE for w in weights]
    ax.barh(range(len(pairs)), weights, color=colors)
    ax.set_yticks(range(len(pairs)), names)
    ax.axvline(0, color="0.4", linewidth=0.8)
    ax.set_xlabel("weight in the local surrogate")
    ax.set_title(_title(explanation, label), fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _title(explanation: Explanation, label: int) -> str:
    name = explanation.label_name(label)
    prediction = explanation.prediction[label]
    score = explanation.score[label]
    if explanation.mode == "regression":
        return f"prediction = {prediction:.4g}   (surrogate R² = {score:.2f})"
    return f"class {name!r}: p = {prediction:.3f}   (surrogate R² = {score:.2f})"

