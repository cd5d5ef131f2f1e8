"""Distances from each sample to the instance (row 0), for the kernel: written once for every modality."""

from __future__ import annotations

import numpy as np

__all__ = ["check_metric", "cosine_distances_to_all_on", "distances_to_first_row"]


def distances_to_first_row(Z: np.ndarray, metric: str) -> np.ndarray:
    """Distance of every row of ``Z`` to row 0 under any scikit-learn ``pairwise_distances`` metric.

    Euclidean distances of float rows are computed without an (n, d)
    difference array; other metrics go to scikit-learn.

    Examples
    --------
    >>> distances_to_first_row(np.array([[0.0, 0.0], [3.0, 4.0]]), "euclidean").tolist()
    [0.0, 5.0]
    """
    if metric == "euclidean" and Z.dtype.kind == "f":
        # |z - z0|^2 expanded, so no (n, d) difference array is made.
        squared = np.einsum("ij,ij->i", Z, Z) - 2 * (Z @ Z[0]) + Z[0] @ Z[0]
        return np.sqrt(np.maximum(squared, 0.0))
    from sklearn.metrics import pairwise_distances

    try:
        return pairwise_distances(Z, Z[:1], metric=metric).ravel()
    except (ValueError, TypeError) as error:
        raise ValueError(f"distance_metric {metric!r} is not supported: {error}") from None


def check_metric(metric: str, dtype=np.float32) -> None:
    """Refuse an unknown ``distance_metric`` before any sample is drawn."""
    distances_to_first_row(np.ones((2, 2), dtype=dtype), metric)


def cosine_distances_to_all_on(masks: np.ndarray) -> np.ndarray:
    """Cosine distance of each binary row to the all-ones row (the instance, every feature present).

    For a 0/1 vector with ``m`` of ``K`` entries on it is ``1 - sqrt(m / K)``
    (1 for the all-off row, whose cosine similarity is taken as 0), so no
    pairwise computation is needed.

    Examples
    --------
    >>> cosine_distances_to_all_on(np.array([[1, 1, 1, 1], [1, 0, 0, 0], [0, 0, 0, 0]], bool)).tolist()
    [0.0, 0.5, 1.0]
    """
    share_on = np.count_nonzero(masks, axis=1) / masks.shape[1]
    return 1.0 - np.sqrt(share_on)
