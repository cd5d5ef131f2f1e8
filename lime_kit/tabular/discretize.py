"""Cut points that turn continuous columns into bins (quartile, decile, entropy, custom).

A discretizer only decides where to cut a column; the sampler then draws bins
with their training frequencies and values inside a bin from a truncated
normal fitted to the training values of that bin (lime's scheme).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

__all__ = ["Discretizer", "PercentileDiscretizer", "EntropyDiscretizer", "resolve_discretizer", "bin_description"]


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


def resolve_discretizer(discretizer) -> Discretizer:
    """Turn ``'quartile' | 'decile' | 'entropy' | object`` into a Discretizer."""
    if discretizer == "quartile":
        return PercentileDiscretizer((25, 50, 75))
    if discretizer == "decile":
        return PercentileDiscretizer(tuple(range(10, 100, 10)))
    if discretizer == "entropy":
        return EntropyDiscretizer()
    if hasattr(discretizer, "cut_points"):
        return discretizer
    raise ValueError(
        f"discretizer must be 'quartile', 'decile', 'entropy' or an object with a "
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
