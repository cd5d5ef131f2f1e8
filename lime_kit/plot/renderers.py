"""`explanation_html`: the notebook HTML of an explanation, by its modality's declared renderer."""

from __future__ import annotations

from lime_kit.explanation import Explanation
from lime_kit.modalities import get_modality

__all__ = ["explanation_html"]


def explanation_html(explanation: Explanation, label: int | None = None) -> str:
    """Return the notebook HTML fragment for ``explanation`` (no JavaScript).

    The renderer is the one its modality declared (:mod:`lime_kit.modalities`);
    an explanation of an undeclared modality is a ValueError naming the known ones.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> exp = explainer.explain(X[0], lambda rows: rows[:, 0], num_samples=200)
    >>> "<script" in explanation_html(exp), "x0" in explanation_html(exp)
    (False, True)
    """
    return get_modality(explanation.modality).html_renderer()(explanation, label=label)
