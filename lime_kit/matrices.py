"""Instance-by-feature matrices of many explanations, features matched by name.

``ExplanationSet`` (frames, global importance), SP-LIME (:mod:`lime_kit.pick`)
and the set figures (:mod:`lime_kit.plot.many`) all read many explanations as
one matrix: a row per explanation, a column per feature name. They read it
here, so "which label", "which features" and "what counts as important" mean
the same thing everywhere.

A set of rules (``method="anchors"``) reads the same matrix, whose entries
are then the precision each feature added to its rule; :func:`set_kind` says
which vocabulary a set speaks, and :func:`rule_importance` is the rules'
counterpart of :func:`global_importance`: how often each feature is named.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from lime_kit.explanation import Explanation

__all__ = [
    "explained_label", "global_importance", "importance_matrix", "present", "rule_importance", "set_kind",
    "weight_matrix",
]


def explained_label(explanation: Explanation, label) -> int | None:
    """The output column ``label`` names in ``explanation`` (None: its first), or None when it was not explained."""
    try:
        return explanation.resolve_label(label)
    except ValueError:
        return None


def present(explanations) -> tuple[np.ndarray, list[Explanation]]:
    """Positions and objects of the explanations that exist (failed instances are None).

    ``explanations`` is a sequence of Explanation or None, or anything with an
    ``explanations`` attribute (an ExplanationSet).
    """
    items = getattr(explanations, "explanations", explanations)
    if isinstance(items, Explanation):
        raise TypeError("pass a sequence of explanations (a list or an ExplanationSet), not a single Explanation")
    positions, found = [], []
    for position, item in enumerate(items):
        if item is None:
            continue
        if not isinstance(item, Explanation):
            raise TypeError(
                f"item at position {position} is a {type(item).__name__}, not an Explanation; pass the "
                "explanations returned by explain() (None marks an instance that failed)"
            )
        positions.append(position)
        found.append(item)
    return np.asarray(positions, dtype=np.intp), found


def set_kind(explanations) -> str:
    """Which vocabulary a set of explanations speaks: ``"weights"``, ``"rules"``, ``"mixed"`` or ``"empty"``.

    ``"rules"``: every explanation that exists was made with
    ``method="anchors"``; ``"weights"``: none was (LIME, KernelSHAP);
    ``"mixed"``: some of each, which no single table or figure can show
    together; ``"empty"``: no explanation exists (every instance failed).

    Examples
    --------
    >>> set_kind([]), set_kind([None])
    ('empty', 'empty')
    """
    _, found = present(explanations)
    rules = sum(exp.method == "anchors" for exp in found)
    if not found:
        return "empty"
    if rules == len(found):
        return "rules"
    return "weights" if rules == 0 else "mixed"


def weight_matrix(
    explanations: Iterable[Explanation | None], label=None, absolute: bool = False
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Weights of every feature (by name) in every explanation.

    Parameters
    ----------
    explanations : sequence of Explanation or None
    label : int or str, optional
        Output column or class name; None reads each explanation's first label.
    absolute : bool, default=False
        Return ``|weight|``.

    Returns
    -------
    matrix : ndarray of shape (n_explanations, n_names)
        The weight where the feature was selected, NaN elsewhere (and on rows
        that are None or did not explain ``label``). A name that occurs twice
        in one explanation (a word at two places) holds the sum.
    explained : ndarray of bool, shape (n_explanations,)
        Rows whose explanation exists and explained ``label``.
    names : list of str
        The union of the feature names in first-seen order.

    Raises
    ------
    ValueError
        When ``label`` is given and no explanation explained it.

    Examples
    --------
    >>> from lime_kit import Explanation
    >>> exp = Explanation("regression", "tabular", (0,), ["a", "b"], ["a", "b"], [0, 0], {0: [(1, -2.0)]},
    ...                   {0: 0.0}, {0: 0.0}, {0: 0.0}, {0: 1.0}, [0.0])
    >>> matrix, explained, names = weight_matrix([exp, None])
    >>> matrix.tolist()[0], explained.tolist(), names
    ([nan, -2.0], [True, False], ['a', 'b'])
    """
    explanations = list(explanations)
    columns: dict[str, int] = {}
    rows: list[tuple[int, np.ndarray, np.ndarray]] = []
    explained = np.zeros(len(explanations), dtype=bool)
    seen_labels: set = set()
    previous_names, previous_columns = None, None
    for position, exp in enumerate(explanations):
        if exp is None:
            continue
        seen_labels.update(exp.label_name(k) if exp.class_names else k for k in exp.labels)
        if exp.feature_names != previous_names:
            # Explanations of one explainer share their names: look the columns up once per change.
            previous_names = exp.feature_names
            previous_columns = np.fromiter(
                (columns.setdefault(str(n), len(columns)) for n in previous_names), np.intp, len(previous_names)
            )
        resolved = explained_label(exp, label)
        if resolved is None:
            continue
        explained[position] = True
        pairs = exp.coefficients[resolved]
        indices = np.fromiter((i for i, _ in pairs), np.intp, len(pairs))
        weights = np.fromiter((w for _, w in pairs), float, len(pairs))
        rows.append((position, previous_columns[indices], np.abs(weights) if absolute else weights))
    if label is not None and not explained.any() and any(e is not None for e in explanations):
        raise ValueError(
            f"label {label!r} was not explained by any explanation; explained labels are "
            f"{sorted(seen_labels, key=str)}. Pass one of them, or label=None for each explanation's first label"
        )
    matrix = np.full((len(explanations), len(columns)), np.nan)
    for position, cols, weights in rows:
        row = matrix[position]
        row[cols] = 0.0
        # add.at: a name repeated within one explanation (a word at two places) adds up.
        np.add.at(row, cols, weights)
    return matrix, explained, list(columns)


def importance_matrix(explanations, label: int | str | None = None) -> tuple[np.ndarray, list[str]]:
    """Return the ``|weight|`` of every feature in every explanation, features matched by name.

    Parameters
    ----------
    explanations : sequence of Explanation or None, or an ExplanationSet
        Anything with an ``explanations`` attribute is read through it.
        ``None`` entries (instances whose explanation failed) are skipped.
    label : int or str, optional
        The output column (or class name) to read; None reads each
        explanation's first explained label. Explanations that did not
        explain ``label`` (with ``top_labels=1`` each explains only its
        predicted class) are left out, as ``None`` entries are.

    Returns
    -------
    W : ndarray of shape (n_rows, n_features)
        ``|weight|`` of feature ``j`` in explanation ``i``, 0 where it was not
        selected. One row per explanation that is not None and explained
        ``label``, in order (all non-None ones when ``label`` is None). A
        feature name that occurs twice in one explanation (a word at two
        places of a text) adds up in one column.
    feature_names : list of str
        The union of the explanations' ``feature_names`` in first-seen order,
        so text explanations with different vocabularies line up by word.

    Raises
    ------
    ValueError
        When no explanation explained ``label``; the message lists the labels that were.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, feature_names=["a", "b", "c"], mode="regression",
    ...                              discretize_continuous=False, random_state=0)
    >>> exps = [explainer.explain(row, lambda r: 3 * r[:, 0], num_samples=300, num_features=1) for row in X[:2]]
    >>> W, names = importance_matrix(exps)
    >>> W.shape, names
    ((2, 3), ['a', 'b', 'c'])
    >>> bool(W[0, 0] > 0 and W[0, 1] == 0)
    True
    """
    positions, found = present(explanations)
    matrix, names, _ = explained_rows(found, positions, label)
    return matrix, names


def explained_rows(found: list[Explanation], positions: np.ndarray, label) -> tuple[np.ndarray, list[str], np.ndarray]:
    """``(W, feature names, positions of W's rows)`` over the explanations that explained ``label``; 0 for unselected."""
    matrix, explained, names = weight_matrix(found, label, absolute=True)
    return np.nan_to_num(matrix[explained], nan=0.0), names, positions[explained]


def global_importance(explanations, label: int | str | None = None) -> pd.DataFrame:
    """How much each feature matters across many explanations (see ``ExplanationSet.global_importance``).

    Returns
    -------
    pandas.DataFrame
        Index: feature name. ``"importance"``: mean ``|weight|`` over the
        explanations that explained ``label`` (0 where a feature was not
        selected); ``"selected"``: the share of them that selected it.
        Sorted by importance, descending; ties keep first-seen order.

    Examples
    --------
    >>> from lime_kit import Explanation
    >>> def exp(pairs):
    ...     return Explanation("regression", "tabular", (0,), ["a", "b"], ["a", "b"], [0, 0], {0: pairs},
    ...                        {0: 0.0}, {0: 0.0}, {0: 0.0}, {0: 1.0}, [0.0])
    >>> global_importance([exp([(0, 1.0)]), exp([(1, -4.0)]), None]).to_dict("index")
    {'b': {'importance': 2.0, 'selected': 0.5}, 'a': {'importance': 0.5, 'selected': 0.5}}
    """
    _, found = present(explanations)
    matrix, explained, names = weight_matrix(found, label, absolute=True)
    used = matrix[explained]
    if len(used):
        importance = np.nan_to_num(used, nan=0.0).mean(axis=0)
        selected = (~np.isnan(used)).mean(axis=0)
    else:
        importance = selected = np.zeros(len(names))
    frame = pd.DataFrame({"importance": importance, "selected": selected}, index=pd.Index(names, name="feature"))
    return frame.sort_values("importance", ascending=False, kind="mergesort")


def rule_importance(explanations, label: int | str | None = None) -> pd.DataFrame:
    """How often each feature is named by the rules of many anchors explanations (see ``ExplanationSet.global_importance``).

    Parameters
    ----------
    explanations : sequence of Explanation or None, or an ExplanationSet
        Explanations made with ``method="anchors"``; None entries are skipped.
    label : int or str, optional
        Count only the rules for this class; None counts every rule (each
        explains its own predicted class).

    Returns
    -------
    pandas.DataFrame
        Index: feature name (the union over the explanations, first-seen
        order). ``"in_rules"``: the share of the rules that name the feature;
        ``"rules"``: how many do; ``"mean_added_precision"``: the precision
        the feature added where it was named, averaged over those rules (NaN
        where no rule names it). Sorted by ``in_rules``, then by
        ``mean_added_precision``, descending; ties keep first-seen order.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).uniform(size=(500, 3))
    >>> explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
    >>> rules = [explainer.explain(row, predict, method="anchors") for row in X[:3]]
    >>> rule_importance(rules).loc["x0", ["in_rules", "rules"]].tolist()
    [1.0, 3.0]
    """
    _, found = present(explanations)
    matrix, explained, names = weight_matrix(found, label)
    used = matrix[explained]
    named = ~np.isnan(used)
    count = named.sum(axis=0)
    share = count / len(used) if len(used) else np.zeros(len(names))
    added = np.divide(np.nansum(used, axis=0), count, out=np.full(len(names), np.nan), where=count > 0)
    frame = pd.DataFrame(
        {"in_rules": share, "rules": count.astype(np.int64), "mean_added_precision": added},
        index=pd.Index(names, name="feature"),
    )
    # Most named first; among equally named, the one that added most precision (never-named last).
    order = np.lexsort((-np.nan_to_num(added, nan=-np.inf), -share))
    return frame.iloc[order]
