"""Cut points that turn continuous columns into bins (model, quartile, decile, entropy, custom).

A discretizer only decides where to cut a column; the sampler then draws bins
with their training frequencies and values inside a bin from a truncated
normal fitted to the training values of that bin (lime's scheme).

The default, :class:`ModelDiscretizer`, cuts where the model's output
changes along a feature (learned once per model by the explainer, see
:mod:`lime_kit.tabular.model_bins`) and falls back to quartiles elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

__all__ = [
    "Discretizer",
    "PercentileDiscretizer",
    "EntropyDiscretizer",
    "ModelDiscretizer",
    "contrast_cut_points",
    "resolve_discretizer",
    "bin_description",
]


class Discretizer(Protocol):
    """Anything with ``cut_points(values, labels) -> sorted 1-D array``.

    Pass such an object as ``TabularExplainer(discretizer=...)`` to choose
    the bins yourself. ``labels`` is the training target or None.
    """

    def cut_points(self, values: np.ndarray, labels: np.ndarray | None) -> np.ndarray: ...


class PercentileDiscretizer:
    """Cut at fixed percentiles of the training column (quartiles by default).

    Examples
    --------
    >>> import numpy as np
    >>> PercentileDiscretizer([50]).cut_points(np.arange(11.0), None)
    array([5.])
    """

    def __init__(self, percentiles=(25, 50, 75)):
        self.percentiles = tuple(percentiles)

    def cut_points(self, values: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        return np.unique(np.percentile(values, self.percentiles))


class EntropyDiscretizer:
    """Cut where a depth-3 entropy decision tree on the column splits the labels."""

    def __init__(self, max_depth: int = 3):
        self.max_depth = max_depth

    def cut_points(self, values: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        from sklearn.tree import DecisionTreeClassifier

        if labels is None:
            raise ValueError(
                "discretizer='entropy' needs the training target; pass training_labels= to TabularExplainer"
            )
        tree = DecisionTreeClassifier(criterion="entropy", max_depth=self.max_depth, random_state=0)
        tree.fit(values.reshape(-1, 1), labels)
        thresholds = tree.tree_.threshold[tree.tree_.feature >= 0]
        return np.unique(thresholds)


class ModelDiscretizer:
    """Cut each continuous feature where the model's output changes along it (the default).

    LIME's interpretable feature is "in the same bin as the instance", so a
    feature's weight is roughly the model's mean output inside the
    instance's bin minus its mean outside. Quartile bins dilute a threshold
    effect whose threshold falls inside a bin: most samples that leave the
    instance's bin stay on the same side of the threshold. This discretizer
    chooses, per feature, the cut points (at most ``max_bins - 1``) with
    which that indicator explains most of the model's output, on average
    over instances (see :func:`contrast_cut_points`), measured on model
    outputs over rows whose columns are drawn independently from the
    training data, as LIME's own samples are.

    The explainer does the learning: on the first ``explain`` with a
    ``predict_fn`` it scores ``sample_rows`` such rows in one batched call
    and keeps the cuts for that ``predict_fn``. Features along which the
    model's output does not change detectably, and every feature until a
    model is seen (or of an explainer rebuilt from ``training_data_stats``),
    keep quartile bins, which :meth:`cut_points` returns.

    Parameters
    ----------
    max_bins : int, default=4
        Most bins per feature.
    min_share : float, default=0.05
        Smallest share of the sampled rows a bin may hold.
    sample_rows : int, default=2000
        Rows scored by the model once per explainer and ``predict_fn``.
    min_signal : float, default=4.0
        How far above sampling noise (in standard errors) the effect must be
        for learned cuts to replace quartiles.

    Examples
    --------
    >>> import numpy as np
    >>> values = np.linspace(0.0, 1.0, 1000)
    >>> outputs = (values > 0.62).astype(float)[:, None]      # a step at 0.62
    >>> ModelDiscretizer().learned_cut_points(values, outputs).round(2)
    array([0.62])
    >>> ModelDiscretizer().cut_points(values, None).round(2)   # before a model is seen: quartiles
    array([0.25, 0.5 , 0.75])
    """

    name = "model"

    def __init__(self, max_bins: int = 4, min_share: float = 0.05, sample_rows: int = 2000, min_signal: float = 4.0):
        if int(max_bins) < 2:
            raise ValueError(f"max_bins must be at least 2, got {max_bins!r}")
        if not 0 < min_share < 0.5:
            raise ValueError(f"min_share must be between 0 and 0.5 (a share of the sampled rows), got {min_share!r}")
        if int(sample_rows) < 20:
            raise ValueError(f"sample_rows must be at least 20, got {sample_rows!r}")
        self.max_bins = int(max_bins)
        self.min_share = float(min_share)
        self.sample_rows = int(sample_rows)
        self.min_signal = float(min_signal)
        self.fallback = PercentileDiscretizer((25, 50, 75))

    def cut_points(self, values: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        """Quartiles: the bins used where no model output is available."""
        return self.fallback.cut_points(values, labels)

    def learned_cut_points(self, values: np.ndarray, outputs: np.ndarray) -> np.ndarray | None:
        """Cuts of one feature from model outputs, or None where the output does not change along it.

        ``values`` : ndarray of shape (n,); ``outputs`` : ndarray of shape (n, n_outputs).
        """
        return contrast_cut_points(
            values, outputs, max_cuts=self.max_bins - 1, min_share=self.min_share, min_signal=self.min_signal
        )

    def __repr__(self) -> str:
        return (
            f"ModelDiscretizer(max_bins={self.max_bins}, min_share={self.min_share}, "
            f"sample_rows={self.sample_rows}, min_signal={self.min_signal})"
        )


#: Candidate cut positions per feature (evenly spaced in rank), searched exhaustively; each chosen cut is
#: then moved to the best boundary between its neighbouring candidates.
CANDIDATE_CUTS = 64


def contrast_cut_points(
    values: np.ndarray,
    outputs: np.ndarray,
    max_cuts: int = 3,
    min_share: float = 0.05,
    min_signal: float = 4.0,
) -> np.ndarray | None:
    """Cut points with which "in the instance's bin or not" explains most of the model's output.

    LIME's interpretable feature for a continuous feature is the indicator
    "in the instance's bin". For an instance in bin ``b`` (share ``p_b``,
    mean output ``m_b``, overall mean ``M``), that indicator explains the
    variance ``p_b (1 - p_b) (m_b - m_not_b)^2 = p_b (m_b - M)^2 / (1 - p_b)``
    of the output. The cuts maximize its mean over instances,
    ``E = sum_b p_b^2 |m_b - M|^2 / (1 - p_b)`` (summed over output columns).
    With one cut, ``E`` is the variance the split explains, so a step is cut
    at the step and a linear trend in the middle. Unlike a regression tree's
    criterion, ``E`` falls when a cut is added where the output does not
    change (the instances beyond it would be contrasted with others like
    them), so a step keeps one cut and a bump gets two. The best of 1 to
    ``max_cuts`` cuts among ``CANDIDATE_CUTS`` rank positions is found exactly
    by dynamic programming (``E`` adds up over bins), and each cut is then
    moved to the best value between its neighbouring candidates.

    Parameters
    ----------
    values : ndarray of shape (n,)
        One feature's values in the scored rows.
    outputs : ndarray of shape (n, n_outputs)
        The model's outputs on those rows.
    max_cuts : int, default=3
    min_share : float, default=0.05
        Smallest share of rows per bin.
    min_signal : float, default=4.0
        ``E`` must exceed ``min_signal**2`` times its value under no effect
        (about ``var(output) / n``: the sampling noise of the bin means),
        else None. On pure noise, 2,000 rows pass in about 0.3 % of features.

    Returns
    -------
    ndarray of sorted cut points, or None
        None where the output does not change detectably along the feature.
        A cut is the largest value of its lower bin when the values are whole
        numbers (``age <= 34``), the midpoint between neighbours otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-1.0, 1.0, 2000)
    >>> contrast_cut_points(x, (np.abs(x) < 0.3).astype(float)[:, None]).round(2)   # a bump: two cuts
    array([-0.3,  0.3])
    >>> contrast_cut_points(x, np.zeros((2000, 1))) is None
    True
    """
    values = np.asarray(values, dtype=float)
    outputs = np.asarray(outputs, dtype=float).reshape(len(values), -1)
    n = len(values)
    min_rows = max(int(np.ceil(min_share * n)), 1)
    order = np.argsort(values, kind="stable")
    ordered, scored = values[order], outputs[order]
    # A cut can only go between two distinct values; a boundary counts the rows below it.
    allowed = np.flatnonzero(ordered[1:] > ordered[:-1]) + 1
    allowed = allowed[(allowed >= min_rows) & (allowed <= n - min_rows)]
    if not len(allowed):
        return None
    prefix = np.concatenate([np.zeros((1, scored.shape[1])), np.cumsum(scored, axis=0)])
    mean = prefix[-1] / n
    candidates = allowed
    if len(allowed) > CANDIDATE_CUTS:
        wanted = np.linspace(allowed[0], allowed[-1], CANDIDATE_CUTS)
        candidates = np.unique(allowed[np.clip(np.searchsorted(allowed, wanted), 0, len(allowed) - 1)])
    chosen = _best_cuts(np.concatenate([[0], candidates, [n]]), prefix, mean, min_rows, int(max_cuts))
    if chosen is None:
        return None
    # Without an effect, E is about var(output) / n whatever the bins (each bin mean is off by its own noise).
    noise = scored.var(axis=0).sum() / n
    if not _contrast(chosen, prefix, mean) > min_signal**2 * noise:
        return None
    chosen = _refine_cuts(chosen, candidates, allowed, prefix, mean, min_rows)
    whole = bool(np.all(ordered == np.round(ordered)))
    return ordered[chosen - 1] if whole else (ordered[chosen - 1] + ordered[chosen]) / 2


def _contrast(boundaries: np.ndarray, prefix: np.ndarray, mean: np.ndarray) -> float:
    """``E`` of the bins cut at ``boundaries`` (row counts below each cut), from prefix sums of the outputs."""
    n = len(prefix) - 1
    edges = np.concatenate([[0], boundaries, [n]])
    share = np.diff(edges) / n
    deviation = np.diff(prefix[edges], axis=0) / np.diff(edges)[:, None] - mean
    return float(np.sum(np.square(share) * np.square(deviation).sum(axis=1) / (1 - share)))


def _best_cuts(edges: np.ndarray, prefix: np.ndarray, mean: np.ndarray, min_rows: int, max_cuts: int):
    """Boundaries (row counts) of the 1..max_cuts cuts among ``edges[1:-1]`` with the largest ``E``, or None."""
    n = edges[-1]
    counts = edges[None, :] - edges[:, None]  # rows of the bin from edge i to edge j
    with np.errstate(divide="ignore", invalid="ignore"):
        share = counts / n
        deviation = (prefix[edges][None, :, :] - prefix[edges][:, None, :]) / np.maximum(counts, 1)[..., None] - mean
        gain = np.square(share) * np.square(deviation).sum(axis=-1) / (1 - share)
    gain[(counts < min_rows) | (counts >= n)] = -np.inf
    # best[j]: the largest E over k bins that cover rows [0, edges[j]); came_from backtracks.
    last = len(edges) - 1
    best, came_from, solutions = gain[0], [], []
    for _ in range(max_cuts):
        total = best[:, None] + gain
        came_from.append(np.argmax(total, axis=0))
        best = total[came_from[-1], np.arange(len(edges))]
        if np.isfinite(best[last]):
            cuts, j = [], last
            for step in reversed(came_from):
                j = step[j]
                cuts.append(edges[j])
            solutions.append((best[last], np.array(sorted(cuts))))
    if not solutions:
        return None
    return max(solutions, key=lambda s: s[0])[1]  # ties keep the fewest cuts


def _refine_cuts(chosen, candidates, allowed, prefix, mean, min_rows: int) -> np.ndarray:
    """Move each cut to the best allowed boundary between its neighbouring candidates (full resolution)."""
    n = len(prefix) - 1
    chosen = chosen.copy()
    for i in range(len(chosen)):
        k = int(np.searchsorted(candidates, chosen[i]))
        below = chosen[i - 1] if i else 0
        above = chosen[i + 1] if i + 1 < len(chosen) else n
        low = max(candidates[k - 1] if k else 0, below + min_rows)
        high = min(candidates[k + 1] if k + 1 < len(candidates) else n, above - min_rows)
        options = allowed[(allowed >= low) & (allowed <= high)]
        if len(options):
            # Only the two bins on either side of the moving cut change.
            scores = _bin_gain(below, options, prefix, mean, n) + _bin_gain(options, above, prefix, mean, n)
            chosen[i] = options[int(np.argmax(scores))]
    return chosen


def _bin_gain(start, stop, prefix, mean, n: int) -> np.ndarray:
    """A bin's term of ``E``, for bins from row ``start`` to ``stop`` (either may be an array)."""
    start, stop = np.broadcast_arrays(np.asarray(start), np.asarray(stop))
    share = (stop - start) / n
    deviation = (prefix[stop] - prefix[start]) / (stop - start)[..., None] - mean
    return np.square(share) * np.square(deviation).sum(axis=-1) / (1 - share)


def resolve_discretizer(discretizer) -> Discretizer:
    """Turn ``'model' | 'quartile' | 'decile' | 'entropy' | object`` into a Discretizer."""
    if discretizer == "model":
        return ModelDiscretizer()
    if discretizer == "quartile":
        return PercentileDiscretizer((25, 50, 75))
    if discretizer == "decile":
        return PercentileDiscretizer(tuple(range(10, 100, 10)))
    if discretizer == "entropy":
        return EntropyDiscretizer()
    if hasattr(discretizer, "cut_points"):
        return discretizer
    raise ValueError(
        f"discretizer must be 'model', 'quartile', 'decile', 'entropy' or an object with a "
        f"cut_points(values, labels) method, got {discretizer!r}"
    )


def _two_decimals(value: float) -> str:
    return f"{value:.2f}"


def bin_description(name: str, cuts, index: int, format_value: Callable[[float], str] | None = None) -> str:
    """Return the readable condition of bin ``index`` of the bins cut at ``cuts``.

    ``format_value`` prints a cut point (default: two decimals); pass
    ``schema.value_formatter(j)`` so that datetime features read as dates.

    >>> [bin_description("age", [30.0, 50.0], i) for i in range(3)]
    ['age <= 30.00', '30.00 < age <= 50.00', 'age > 50.00']
    >>> bin_description("day", [86400.0], 1, lambda s: f"day {s / 86400:.0f}")
    'day > day 1'
    """
    if len(cuts) == 0:
        return name
    show = format_value or _two_decimals
    if index == 0:
        return f"{name} <= {show(cuts[0])}"
    if index == len(cuts):
        return f"{name} > {show(cuts[-1])}"
    return f"{show(cuts[index - 1])} < {name} <= {show(cuts[index])}"
