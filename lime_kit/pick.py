"""SP-LIME: choose a few explanations that together show the features a model relies on globally.

A single explanation tells why one prediction came out as it did; a user who
wants to trust the model as a whole reads a handful of them. Submodular pick
(Ribeiro et al. 2016, "Why should I trust you?", Algorithm 2) chooses that
handful so that it covers the globally important features instead of
repeating the same ones. It works on the explanations alone: no model calls.

With ``W`` the ``(n_explanations, n_features)`` matrix of ``|weight|`` (0
where a feature was not selected), the global importance of feature ``j`` is
``I_j = sqrt(sum_i W_ij)`` and the coverage of a set ``V`` of explanations is
``c(V) = sum_j I_j * [some i in V has W_ij > 0]``. Coverage is monotone and
submodular, so adding the explanation with the largest gain, ``budget``
times, is within ``1 - 1/e`` of the best possible set.

Selection alone cannot tell explanations apart when they selected the same
features: with ``num_features`` at least the number of features every
explanation covers everything, and lime's pick returns the first rows.
Among explanations whose coverage gains tie, the pick therefore prefers the
one that shows the features at their strongest: the depth of a set is
``d(V) = sum_j I_j * max_{i in V} W_ij / max_i W_ij`` (1 per feature when
some pick holds the feature's largest weight over all explanations), also
monotone and submodular. Where coverage gains differ, the pick is lime's.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from lime_kit.core.validation import check_integer, check_random_state
from lime_kit.explanation import Explanation
from lime_kit.matrices import explained_rows, importance_matrix, present

__all__ = ["coverage", "importance_matrix", "submodular_pick"]

METHODS = ("greedy", "sample")
_ALIASES = {"full": "greedy"}  # lime's name for the exhaustive greedy strategy


def _coverage_gains(selected: np.ndarray, importance: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Coverage each row of ``selected`` would add to the already ``covered`` features."""
    return selected @ np.where(covered, 0.0, importance)


def _depth_gains(share: np.ndarray, importance: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Depth each row of ``share`` would add beyond the share of each feature's peak weight already ``shown``."""
    return np.maximum(share - shown, 0.0) @ importance


def _greedy(matrix: np.ndarray, importance: np.ndarray, candidates: np.ndarray, budget: int) -> list[int]:
    """Rows of ``matrix`` (among ``candidates``) in greedy pick order.

    Coverage gain first; among equal gains, depth gain (see the module
    docstring); among equal both, the lowest row.
    """
    rows = matrix[candidates]
    selected = (rows > 0).astype(float)
    peak = matrix.max(axis=0, initial=0.0)
    share = rows / np.where(peak > 0, peak, 1.0)  # each weight as a fraction of its feature's largest
    covered = np.zeros(matrix.shape[1], dtype=bool)
    shown = np.zeros(matrix.shape[1])
    available = np.ones(len(candidates), dtype=bool)
    # Equal gains can differ in the last bits after a matrix product; treat them as tied.
    tolerance = 1e-12 * max(float(importance.sum()), 1.0)
    picks = []
    for _ in range(budget):
        gains = np.where(available, _coverage_gains(selected, importance, covered), -np.inf)
        tied = gains >= gains.max() - tolerance
        depth = np.where(tied, _depth_gains(share, importance, shown), -np.inf)
        best = int(np.flatnonzero(depth >= depth.max() - tolerance)[0])
        picks.append(int(candidates[best]))
        available[best] = False
        covered |= selected[best] > 0
        shown = np.maximum(shown, share[best])
    return picks


def submodular_pick(
    explanations: Sequence[Explanation | None],
    budget: int,
    label: int | str | None = None,
    method: str = "greedy",
    sample_size: int = 1000,
    random_state=None,
) -> list[int]:
    """Choose ``budget`` explanations that together cover the globally important features (SP-LIME).

    Greedy submodular pick as in lime: repeatedly add the explanation whose
    selected features add the most global importance not yet covered (see
    the module docstring for the formulas). Where that gain ties (always,
    when every explanation selected every feature, as with ``num_features``
    at least the number of features; and once every feature is covered),
    the explanation that shows the important features closest to their
    largest weights is preferred, so the picks follow the weights and not
    the order of the list. Features are matched by name across
    explanations; remaining ties go to the lowest position.

    Parameters
    ----------
    explanations : sequence of Explanation or None, or an ExplanationSet
        ``None`` entries (failed instances) are never picked, but positions
        count them: the result indexes the sequence as given.
    budget : int
        How many explanations to pick (at least 1). Asking for more than
        there are returns all of them in pick order, with a ``UserWarning``.
    label : int or str, optional
        The output column or class name whose weights count; None uses each
        explanation's first explained label (in classification that is
        usually the predicted class, which may differ between instances).
        Explanations that did not explain ``label`` are neither counted nor
        picked.
    method : {"greedy", "sample"}, default="greedy"
        ``"greedy"`` considers every explanation (lime calls it ``"full"``,
        which is accepted too). ``"sample"`` considers only ``sample_size``
        explanations drawn at random without replacement and runs the greedy
        pick on those, while global importance still comes from all of them.
        lime's ``"sample"`` draws the instances *before* explaining them to
        save explanation time; here the explanations exist already, so the
        strategy only narrows the candidates (use it to match lime, or to
        get a different, still representative set per seed).
    sample_size : int, default=1000
        Candidates drawn with ``method="sample"``; more than there are
        explanations means all of them (with a ``UserWarning``, as lime does).
    random_state : None, int or numpy.random.Generator
        Seeds the draw of ``method="sample"``; the global numpy random state
        is never used. The greedy method is deterministic and ignores it.

    Returns
    -------
    list of int
        Positions in ``explanations`` of the picked explanations, in the
        order they were picked (most coverage first). Once every feature is
        covered, further picks are chosen by depth alone.

    Raises
    ------
    ValueError
        A ``budget`` or ``sample_size`` that is not a positive integer, an
        unknown ``method``, no explanations to pick from, or a ``label`` that
        no explanation explained.

    Examples
    --------
    >>> from lime_kit import Explanation
    >>> def exp(weights):  # a hand-made explanation of a regression on features a, b, c, d
    ...     names = ["a", "b", "c", "d"]
    ...     pairs = [(names.index(n), w) for n, w in weights.items()]
    ...     return Explanation("regression", "tabular", (0,), names, names, [0, 0, 0, 0], {0: pairs},
    ...                        {0: 0.0}, {0: 0.0}, {0: 0.0}, {0: 1.0}, [0.0])
    >>> exps = [exp({"a": 2.0, "b": 1.0}), exp({"b": 1.5}), None, exp({"c": 1.0, "d": 0.5})]
    >>> submodular_pick(exps, budget=2)
    [0, 3]

    When every explanation selected every feature, the weights decide:

    >>> small = {"a": 0.1, "b": 0.1, "c": 0.1, "d": 0.1}
    >>> exps = [exp(small), exp(small), exp({**small, "c": 3.0}), exp(small), exp({**small, "a": 2.0})]
    >>> submodular_pick(exps, budget=2)
    [2, 4]
    """
    budget = check_integer("budget", budget, 1, " (how many explanations to pick, e.g. budget=5)")
    method = _ALIASES.get(method, method)
    if method not in METHODS:
        raise ValueError(f"method must be 'greedy' or 'sample' (lime's 'full' means 'greedy'), got {method!r}")
    if method == "sample":
        sample_size = check_integer("sample_size", sample_size, 1, " (how many candidates to draw, e.g. sample_size=100)")
    positions, found = present(explanations)
    if not found:
        raise ValueError(
            "there are no explanations to pick from (the sequence is empty or every instance failed); "
            "explain some instances first"
        )
    matrix, _, positions = explained_rows(found, positions, label)
    importance = np.sqrt(matrix.sum(axis=0))
    candidates = np.arange(len(positions))
    if method == "sample":
        if sample_size >= len(positions):
            if sample_size > len(positions):
                warnings.warn(
                    f"sample_size={sample_size} is larger than the {len(positions)} explanations available; "
                    "every explanation is a candidate, as with method='greedy'",
                    UserWarning,
                    stacklevel=2,
                )
        else:
            rng = check_random_state(random_state)
            candidates = np.sort(rng.choice(len(positions), size=sample_size, replace=False))
    if budget > len(candidates):
        warnings.warn(
            f"budget={budget} is more than the {len(candidates)} candidate explanations; returning all of "
            "them in pick order",
            UserWarning,
            stacklevel=2,
        )
        budget = len(candidates)
    return [int(positions[row]) for row in _greedy(matrix, importance, candidates, budget)]


def coverage(explanations, picks: Sequence[int], label: int | str | None = None) -> float:
    """Return lime's coverage ``c(V) = sum_j I_j [feature j selected in some picked explanation]``.

    ``I_j = sqrt(sum_i |W_ij|)`` is the global importance over all the
    explanations, so ``coverage(exps, range(len(exps)))`` is the most any
    pick can reach; divide by it for the share covered. It counts selection
    only: when every explanation selected every feature, any one pick covers
    everything.

    Parameters
    ----------
    explanations : sequence of Explanation or None, or an ExplanationSet
    picks : sequence of int
        Positions in ``explanations`` (as returned by :func:`submodular_pick`);
        positions of None entries, or of explanations without ``label``,
        cover nothing.
    label : int or str, optional
        As in :func:`submodular_pick`.

    Returns
    -------
    float

    Examples
    --------
    >>> from lime_kit import Explanation
    >>> names = ["a", "b"]
    >>> exps = [Explanation("regression", "tabular", (0,), names, names, [0, 0], {0: [(i, w)]},
    ...                     {0: 0.0}, {0: 0.0}, {0: 0.0}, {0: 1.0}, [0.0]) for i, w in [(0, 4.0), (1, 9.0)]]
    >>> coverage(exps, [0]), coverage(exps, [0, 1])
    (2.0, 5.0)
    """
    positions, found = present(explanations)
    matrix, _, positions = explained_rows(found, positions, label)
    importance = np.sqrt(matrix.sum(axis=0))
    size = len(getattr(explanations, "explanations", explanations))
    rows = np.full(size, -1, dtype=np.intp)
    rows[positions] = np.arange(len(positions))
    chosen = []
    for pick in picks:
        if not isinstance(pick, numbers.Integral) or not -size <= pick < size:
            raise ValueError(f"picks must be positions between 0 and {size - 1}, got {pick!r}")
        if rows[pick] >= 0:
            chosen.append(rows[pick])
    covered = (matrix[chosen] > 0).any(axis=0)
    return float(importance[covered].sum())


