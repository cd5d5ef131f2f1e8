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

Rules (``method="anchors"``) have no weights to cover. For them the pick is
the Anchors paper's (Ribeiro, Singh & Guestrin 2018, section 3.3): choose
the rules that together apply to the most instances. A rule's reach is read
on the explained instances themselves (:func:`rule_matches`): rule ``i``
covers instance ``j`` when ``j`` satisfies every predicate of ``i`` (a
table's feature in the same bin or category, which the two explanations'
``feature_descriptions`` say in the same words; a text's word present in
``j``'s document) *and* the model predicted ``i``'s class for ``j``, so a
picked rule is never counted for an instance it would mislead about. The
number of instances covered is monotone and submodular too; among equal
gains the more precise rule wins. Image segments belong to one image each,
so rules about images cannot be matched to other images and are not picked.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from lime_kit.core.validation import check_integer, check_random_state
from lime_kit.explanation import Explanation
from lime_kit.matrices import explained_label, explained_rows, importance_matrix, present, set_kind

__all__ = ["coverage", "importance_matrix", "rule_matches", "submodular_pick"]

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

    A set of rules (every explanation made with ``method="anchors"``) is
    picked by the instances its rules cover instead (see the module
    docstring and :func:`rule_matches`): repeatedly the rule that covers the
    most instances not yet covered, the more precise one among equal gains.
    ``label`` then restricts the candidates to the rules for that class.

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
        unknown ``method``, no explanations to pick from, a ``label`` that
        no explanation explained, a set that mixes rules and weights, or
        rules about images.

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
    rules = _rules_or_weights(found)
    if rules:
        _, covers, positions, _ = rule_matches(explanations, label)
        items = getattr(explanations, "explanations", explanations)
        precision = np.array([items[p].precision for p in positions], dtype=float)
    else:
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
    if rules:
        return [int(positions[row]) for row in _rule_greedy(covers, precision, candidates, budget)]
    return [int(positions[row]) for row in _greedy(matrix, importance, candidates, budget)]


def _rules_or_weights(found: list[Explanation]) -> bool:
    """True for a set of rules, False for weights; a mix cannot be picked on one scale."""
    kind = set_kind(found)
    if kind == "mixed":
        methods = sorted({exp.method for exp in found})
        raise ValueError(
            f"these explanations mix methods ({', '.join(methods)}): weights are picked by the features they cover "
            "and rules by the instances they apply to, which do not add up. Pick within one method, e.g. "
            "explanation_set.with_method('anchors').submodular_pick(budget)"
        )
    return kind == "rules"


def _rule_greedy(covers: np.ndarray, precision: np.ndarray, candidates: np.ndarray, budget: int) -> list[int]:
    """Rows of ``covers`` (among ``candidates``) in greedy order: most new instances, then precision, then position."""
    rows = covers[candidates].astype(np.int64)
    covered = np.zeros(covers.shape[1], dtype=np.int64)
    available = np.ones(len(candidates), dtype=bool)
    ranked = np.nan_to_num(precision[candidates], nan=-1.0)
    picks = []
    for _ in range(budget):
        gains = np.where(available, rows @ (1 - covered), -1)
        tied = np.where(gains == gains.max(), ranked, -np.inf)
        best = int(np.flatnonzero(tied == tied.max())[0])
        picks.append(int(candidates[best]))
        available[best] = False
        covered |= rows[best]
    return picks


def rule_matches(explanations, label: int | str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which explained instances each rule applies to, and on which of them the model predicted the rule's class.

    The instances are the explained ones themselves: instance ``j``
    satisfies a predicate of rule ``i`` when ``j``'s explanation describes
    that feature in the same words (a table's feature in the same bin or
    category: ``"income > 71.85"`` in both), or, for text, when the rule's
    word is among ``j``'s words. Explanations of one explainer share their
    bins, so the words match exactly when the values do; rows explained
    with other bins match less often, never wrongly.

    Parameters
    ----------
    explanations : sequence of Explanation or None, or an ExplanationSet
        Rules (``method="anchors"``) of tabular rows or text documents.
    label : int or str, optional
        Only the rules for this class are rows of the result; every
        explained instance is a column whatever its class.

    Returns
    -------
    applies : ndarray of bool, shape (n_rules, n_instances)
        Instance ``j`` satisfies rule ``i`` (the empty rule applies to all).
    covers : ndarray of bool, shape (n_rules, n_instances)
        ``applies`` and the model predicted rule ``i``'s class for ``j``.
    rule_positions, instance_positions : ndarray of int
        Positions in ``explanations`` of the rows and of the columns.

    Raises
    ------
    ValueError
        For explanations that are not rules, rules about images (a
        segment belongs to one image), or a ``label`` no rule explained.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).uniform(size=(500, 3))
    >>> explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
    >>> rules = [explainer.explain(row, predict, method="anchors") for row in X[:4]]
    >>> [exp.anchor for exp in rules]
    [('0.54 < x0 <= 0.79',), ('x0 <= 0.27',), ('0.54 < x0 <= 0.79',), ('x0 > 0.79',)]
    >>> applies, covers, _, _ = rule_matches(rules)
    >>> covers.astype(int).tolist()  # rows 0 and 2 share their bin of x0, so each rule covers both
    [[1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1]]
    """
    positions, found = present(explanations)
    if any(exp.method != "anchors" for exp in found):
        raise ValueError("rule_matches reads rules: pass explanations made with method='anchors'")
    if any(exp.modality == "image" for exp in found):
        raise ValueError(
            "rules about images hold segments of one image each, which other images do not have; "
            "rules can be matched across tabular rows and text documents only"
        )
    columns: dict[str, int] = {}
    words: dict[tuple[int, str], int] = {}

    def key(exp: Explanation, feature: int) -> tuple[int, int]:
        column = columns.setdefault(str(exp.feature_names[feature]), len(columns))
        # A word's predicate is its presence; a table's is its bin or category, as described.
        said = "present" if exp.modality == "text" else str(exp.feature_descriptions[feature])
        return column, words.setdefault((column, said), len(words))

    held = [[key(exp, f) for f in range(len(exp.feature_names))] for exp in found]
    described = np.full((len(found), len(columns)), -1, dtype=np.int64)
    for j, pairs in enumerate(held):
        if pairs:
            cols, codes = np.array(pairs).T
            described[j, cols] = codes
    predicted = np.array([int(np.argmax(exp.model_output)) for exp in found], dtype=np.int64)
    rows = [j for j, exp in enumerate(found) if explained_label(exp, label) is not None]
    if label is not None and not rows:
        raise ValueError(
            f"label {label!r} was not explained by any rule; the rules are for "
            f"{sorted({exp.label_name(exp.labels[0]) for exp in found}, key=str)}. Pass one of them, or label=None"
        )
    applies = np.ones((len(rows), len(found)), dtype=bool)
    for r, i in enumerate(rows):
        rule = [held[i][f] for f in found[i].anchor_features]
        if rule:
            cols, codes = np.array(rule).T
            applies[r] = (described[:, cols] == codes).all(axis=1)
    classes = np.array([found[i].labels[0] for i in rows], dtype=np.int64)
    covers = applies & (predicted[None, :] == classes[:, None])
    return applies, covers, positions[rows], positions


def coverage(explanations, picks: Sequence[int], label: int | str | None = None) -> float:
    """Return lime's coverage ``c(V) = sum_j I_j [feature j selected in some picked explanation]``.

    ``I_j = sqrt(sum_i |W_ij|)`` is the global importance over all the
    explanations, so ``coverage(exps, range(len(exps)))`` is the most any
    pick can reach; divide by it for the share covered. It counts selection
    only: when every explanation selected every feature, any one pick covers
    everything.

    For rules (``method="anchors"``) it is the number of explained
    instances that some picked rule covers (:func:`rule_matches`: the rule
    applies and the model predicted its class there).

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
    if found and _rules_or_weights(found):
        _, matrix, positions, _ = rule_matches(explanations, label)
        importance = np.ones(matrix.shape[1])  # every instance counts once
    else:
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


