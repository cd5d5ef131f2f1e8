"""How stable is an explanation? A bootstrap estimate that costs no model calls.

Refitting the surrogate on Poisson(1)-reweighted copies of the same perturbed
samples shows how much the top features depend on which samples happened to
be drawn, the main source of lime's seed-to-seed variation. Only the
surrogate is refitted; the user's model is never called again.
"""

from __future__ import annotations

import numpy as np

from lime_kit.core.surrogate import SurrogateFit, fit_surrogates

__all__ = ["bootstrap_stability", "top_k_jaccard"]


def top_k_jaccard(a: list, b: list, k: int) -> float:
    """Jaccard overlap of the first ``k`` feature indices of two ``(index, weight)`` lists."""
    first, second = {i for i, _ in a[:k]}, {i for i, _ in b[:k]}
    union = first | second
    return len(first & second) / len(union) if union else 1.0


def bootstrap_stability(
    Z: np.ndarray,
    Y: np.ndarray,
    weights: np.ndarray,
    fits: list[SurrogateFit],
    rng: np.random.Generator,
    resamples: int,
    top_k: int = 5,
    **fit_options,
) -> list[float]:
    """Mean top-``k`` Jaccard between each label's fit and its bootstrap refits.

    Parameters
    ----------
    Z, Y, weights
        The samples, model outputs and kernel weights the ``fits`` came from.
    fits : list of SurrogateFit
        One per column of ``Y``.
    rng : numpy Generator
        Draws the Poisson(1) bootstrap counts.
    resamples : int
        Number of refits.
    top_k : int, default=5
    **fit_options
        Passed to :func:`~lime_kit.core.surrogate.fit_surrogates` (the same
        selection settings as the explanation).

    Returns
    -------
    list of float, one per label: 1 means the top features never moved.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.normal(size=(500, 4)); Y = (Z @ [3.0, -2.0, 0.0, 0.0])[:, None]
    >>> w = np.ones(500)
    >>> fits = fit_surrogates(Z, Y, w, num_features=4)
    >>> bootstrap_stability(Z, Y, w, fits, rng, resamples=5, top_k=2, num_features=4)
    [1.0]
    """
    counts = rng.poisson(1.0, size=(resamples, len(weights)))
    scores = np.zeros(len(fits))
    for draw in counts:
        refits = fit_surrogates(Z, Y, weights * draw, **fit_options)
        scores += [top_k_jaccard(fit.coefficients, refit.coefficients, top_k) for fit, refit in zip(fits, refits)]
    return (scores / resamples).tolist()
