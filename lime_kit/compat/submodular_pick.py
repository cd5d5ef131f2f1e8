"""lime's ``lime.submodular_pick.SubmodularPick``: explain many rows, keep a few that cover the model (SP-LIME).

The pick itself is lime_kit's :func:`lime_kit.pick.submodular_pick` (lime's
greedy coverage, with ties between equally covering explanations broken by
how strongly they show the features instead of by position). The rows to
explain are drawn from ``random_state`` rather than numpy's global random
state, so a seed gives the same picks every run.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from lime_kit.compat._arguments import seed_from_random_state
from lime_kit.explanation import Explanation as KitExplanation
from lime_kit.pick import submodular_pick

__all__ = ["SubmodularPick"]


def _signed_matrix(explanations) -> tuple[np.ndarray, list[str]]:
    """lime's explanation matrix: per explanation, the weights of ``as_list`` summed over its labels, by feature name."""
    columns: dict[str, int] = {}
    entries = []
    for row, exp in enumerate(explanations):
        labels = exp.available_labels() if exp.mode == "classification" else [1]
        for label in labels:
            for name, weight in exp.as_list(label=label):
                entries.append((row, columns.setdefault(name, len(columns)), weight))
    matrix = np.zeros((len(explanations), len(columns)))
    if entries:
        rows, cols, weights = (np.asarray(part) for part in zip(*entries))
        np.add.at(matrix, (rows.astype(np.intp), cols.astype(np.intp)), weights.astype(float))
    return matrix, list(columns)


def _as_kit(matrix: np.ndarray, names: list[str]) -> list[KitExplanation]:
    """One lime_kit explanation per row of ``matrix`` (features matched by name), for lime_kit's pick."""
    out = []
    for row in matrix:
        pairs = [(int(j), float(row[j])) for j in np.flatnonzero(row)]
        out.append(
            KitExplanation(
                "regression", "tabular", (0,), names, names, [None] * len(names), {0: pairs},
                {0: 0.0}, {0: 0.0}, {0: 0.0}, {0: 1.0}, [0.0],
            )  # fmt: skip
        )
    return out


class SubmodularPick:
    """Explain rows of ``data`` and pick ``num_exps_desired`` explanations that together cover the important features.

    Parameters
    ----------
    explainer : LimeTabularExplainer or another lime_kit.compat explainer
        Anything with lime's ``explain_instance(row, predict_fn, num_features=..., top_labels=..., ...)``.
    data : array-like of shape (n_rows, ...)
        Rows to explain (a list of documents works with the text explainer).
    predict_fn : callable
        The model, as ``explain_instance`` takes it.
    method : {"sample", "full"}, default="sample"
        ``"sample"`` explains ``sample_size`` rows drawn without replacement;
        ``"full"`` explains every row.
    sample_size : int, default=1000
        Rows explained with ``"sample"``; more than there are means all of
        them (with a UserWarning, as lime).
    num_exps_desired : int, default=5
        Explanations to pick; more than were made means all of them.
    num_features : int, default=10
        Passed to ``explain_instance``.
    **kwargs
        Passed to ``explain_instance``; ``top_labels`` defaults to 1 as in
        lime. ``random_state`` (an int or a ``numpy.random.RandomState``) is
        not passed on: it seeds the draw of rows, and defaults to the
        explainer's ``random_state``.

    Attributes
    ----------
    explanations : list of Explanation
        Every explanation made, in the order of the drawn rows.
    sp_explanations : list of Explanation
        The picked ones, in pick order.
    V : list of int
        Their positions in ``explanations``.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit.compat.lime_tabular import LimeTabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> explainer = LimeTabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> sp = SubmodularPick(explainer, X, lambda rows: rows[:, 0] - rows[:, 2], sample_size=10,
    ...                     num_exps_desired=2, num_features=2, num_samples=500)
    >>> len(sp.explanations), len(sp.sp_explanations), sp.sp_explanations[0] is sp.explanations[sp.V[0]]
    (10, 2, True)
    """

    def __init__(
        self,
        explainer,
        data,
        predict_fn,
        method: str = "sample",
        sample_size: int = 1000,
        num_exps_desired: int = 5,
        num_features: int = 10,
        **kwargs,
    ):
        top_labels = kwargs.pop("top_labels", 1)
        random_state = kwargs.pop("random_state", getattr(explainer, "random_state", None))
        if not isinstance(num_exps_desired, numbers.Integral) or num_exps_desired < 1:
            raise ValueError(f"num_exps_desired must be a positive integer, got {num_exps_desired!r}")
        n_rows = len(data)
        if method == "sample":
            if not isinstance(sample_size, numbers.Integral) or sample_size < 1:
                raise ValueError(f"sample_size must be a positive integer, got {sample_size!r}")
            if sample_size > n_rows:
                warnings.warn(
                    f"sample_size={sample_size} is larger than the {n_rows} rows of data; explaining all of them",
                    UserWarning,
                    stacklevel=2,
                )
                sample_size = n_rows
            rng = np.random.default_rng(seed_from_random_state(random_state))
            rows = rng.permutation(n_rows)[:sample_size]
        elif method == "full":
            rows = np.arange(n_rows)
        else:
            raise ValueError(f"method must be 'sample' or 'full', got {method!r}")
        if n_rows == 0:
            raise ValueError("data has no rows to explain")
        self.explanations = [
            explainer.explain_instance(data[int(i)], predict_fn, num_features=num_features, top_labels=top_labels, **kwargs)
            for i in rows
        ]
        if num_exps_desired > len(self.explanations):
            warnings.warn(
                f"num_exps_desired={num_exps_desired} is more than the {len(self.explanations)} explanations made; "
                "returning all of them",
                UserWarning,
                stacklevel=2,
            )
        budget = min(int(num_exps_desired), len(self.explanations))
        matrix, names = _signed_matrix(self.explanations)
        self.V = submodular_pick(_as_kit(matrix, names), budget, label=0) if names else list(range(budget))
        self.sp_explanations = [self.explanations[i] for i in self.V]
