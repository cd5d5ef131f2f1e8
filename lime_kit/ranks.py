"""Rank intervals and ties: which places in an explanation's ranking its samples can vouch for.

Shared by the quality figures (which compute them once per fit) and the
:class:`~lime_kit.Explanation` (which reads them back, JSON included), so it
depends on numpy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PRACTICAL_TIE", "RANK_CONFIDENCE", "batched_rank_bounds", "settled_agreement", "settled_mask", "rank_bounds", "settled_positions", "tie_groups"]

#: Two weights are in a resolved order when their sampling distribution puts them that way this often.
RANK_CONFIDENCE = 0.95
#: One-sided normal quantile of RANK_CONFIDENCE (scipy.stats.norm.ppf(0.95)).
RANK_Z = 1.6448536269514722
#: Weights closer than this share of the larger one are tied for any reader's purpose, however precise.
PRACTICAL_TIE = 0.05


def rank_bounds(weights: np.ndarray, covariance: np.ndarray | None) -> np.ndarray:
    """Best and worst 1-based rank of each weight by magnitude, given the weights' covariance.

    ``weights`` come in reported order (decreasing ``|weight|``). Feature
    ``j`` is surely above ``i`` when ``|w_j| - |w_i|`` exceeds
    ``RANK_CONFIDENCE``'s one-sided normal quantile times its standard error
    (the difference of the signed weights, whose variance comes from the
    covariance, correlations included) and ``PRACTICAL_TIE`` of the larger
    magnitude: weights 2 % apart matter equally whatever the sample size, and
    a tie that no sample size can break would otherwise come and go with the
    noise of every rerun. A feature's best rank is one more
    than the features surely above it, its worst rank the count of features
    not surely below it. Without a covariance (a user ``model_regressor``)
    every rank counts as resolved.

    Returns
    -------
    ndarray of shape (n_weights, 2)

    Examples
    --------
    >>> rank_bounds(np.array([2.0, 1.0, 0.8]), np.eye(3) * 0.01).tolist()
    [[1, 1], [2, 3], [2, 3]]
    >>> rank_bounds(np.array([2.0, 1.0, 0.99]), np.zeros((3, 3))).tolist()   # exact, but 1 % apart
    [[1, 1], [2, 3], [2, 3]]
    """
    weights = np.asarray(weights, dtype=np.float64)
    k = len(weights)
    if covariance is None or covariance.shape != (k, k) or not np.all(np.isfinite(covariance)):
        own = np.arange(1, k + 1)
        return np.stack([own, own], axis=1)
    return batched_rank_bounds(weights[None], covariance[None])[0]


def batched_rank_bounds(weights: np.ndarray, covariances: np.ndarray) -> np.ndarray:
    """:func:`rank_bounds` for many weight vectors at once: (m, k) and (m, k, k) -> (m, k, 2)."""
    sign = np.where(weights < 0, -1.0, 1.0)
    signed = covariances * (sign[:, :, None] * sign[:, None, :])  # covariance of the magnitudes |w|
    variance = np.diagonal(signed, axis1=1, axis2=2)
    # margin[m, i, j] = max(RANK_Z * sd(|w_i| - |w_j|), PRACTICAL_TIE * max(|w_i|, |w_j|)), built in place.
    margin = variance[:, :, None] + variance[:, None, :]
    margin -= 2 * signed
    np.sqrt(np.maximum(margin, 0.0, out=margin), out=margin)
    margin *= RANK_Z
    magnitude = np.abs(weights)
    larger = np.maximum(magnitude[:, None, :], magnitude[:, :, None])
    larger *= PRACTICAL_TIE
    np.maximum(margin, larger, out=margin)
    surely = magnitude[:, None, :] - magnitude[:, :, None] > margin  # [m, i, j]: j surely above i
    bounds = np.empty(weights.shape + (2,), dtype=np.intp)
    bounds[..., 0] = 1 + surely.sum(axis=2)  # the features surely above
    bounds[..., 1] = weights.shape[1] - surely.sum(axis=1)  # the margin is symmetric: [m, j, i] is "surely below"
    return bounds


def settled_mask(bounds: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Settled top ``k`` and candidates for it, per row: (m, n, 2) bounds -> two (m, n) bool masks.

    A feature is settled in the top ``k`` when its worst rank is at most
    ``k``: whatever the order inside, it is surely there. It is a candidate
    when its best rank is at most ``k``: it may be there. The features that
    are candidates but not settled are those whose rank interval crosses
    rank ``k``: they are tied with features outside the top ``k``.
    """
    return bounds[..., 1] <= k, bounds[..., 0] <= k


def settled_agreement(settled: np.ndarray, candidates: np.ndarray) -> float:
    """Mean pairwise agreement of explanations (or reruns) on their settled top k, (m, d) bool masks.

    Two explanations agree on a feature one of them settles when the other
    also places it in its top k or in the tie that crosses rank k: a
    feature that is "surely in the top 5" for one and "tied for rank 5" for
    the other is no contradiction to a reader who sees the ties; one that
    the other leaves out altogether is. Per pair, the share of settled
    features (of both) that the other does not contradict; 1 when neither
    settles any (the alarm for too few settled features covers that case).

    Examples
    --------
    >>> settled = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 1]], dtype=bool)
    >>> candidates = np.array([[1, 1, 1, 0], [1, 1, 1, 0], [1, 0, 0, 1]], dtype=bool)
    >>> round(settled_agreement(settled[:2], candidates[:2]), 3)   # a tie settled by the rerun: agreement
    1.0
    >>> round(settled_agreement(settled, candidates), 3)
    0.633
    """
    s, c = settled.astype(np.float64), candidates.astype(np.float64)
    confirmed = s @ c.T  # [a, b]: features a settles that b also places in its top k or crossing tie
    sizes = s.sum(axis=1)
    total = sizes[:, None] + sizes[None, :]
    ratio = np.divide(confirmed + confirmed.T, total, out=np.ones_like(total), where=total > 0)
    rows = len(s)
    return float((ratio.sum() - np.trace(ratio)) / (rows * (rows - 1))) if rows > 1 else 1.0


def tie_groups(bounds: np.ndarray) -> list[list[int]]:
    """Positions (0-based, reported order) of the runs of features whose rank intervals overlap.

    Every feature is in exactly one run; a run of one is a resolved rank.

    Examples
    --------
    >>> tie_groups(np.array([[1, 1], [2, 3], [2, 3], [4, 4]]))
    [[0], [1, 2], [3]]
    """
    groups, reach = [], 0
    for position, (best, worst) in enumerate(np.asarray(bounds).tolist()):
        if groups and best <= reach:
            groups[-1].append(position)
            reach = max(reach, worst)
        else:
            groups.append([position])
            reach = worst
    return groups


def settled_positions(bounds: np.ndarray, k: int) -> list[int]:
    """Positions (reported order) of the settled top ``k``: the features whose worst rank is at most ``k``.

    Examples
    --------
    >>> settled_positions(np.array([[1, 1], [2, 3], [2, 4], [3, 4]]), 3)
    [0, 1]
    """
    return [int(p) for p in np.flatnonzero(np.asarray(bounds).reshape(-1, 2)[:, 1] <= k)]
