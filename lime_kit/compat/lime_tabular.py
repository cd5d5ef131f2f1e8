"""lime's ``lime_tabular.LimeTabularExplainer``, running on :class:`lime_kit.TabularExplainer`.

``from lime_kit.compat import lime_tabular`` replaces ``from lime import
lime_tabular``: the constructor and ``explain_instance`` take lime's
arguments in lime's order with lime's defaults (label 1 is explained unless
``labels`` or ``top_labels`` say otherwise), and the result has lime's
attributes (see :class:`lime_kit.compat.explanation.Explanation`).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from lime_kit.compat._arguments import (
    OutputRange,
    lime_kernel,
    print_fit,
    resolve_label_request,
    seed_from_random_state,
)
from lime_kit.compat.explanation import Explanation
from lime_kit.tabular.explainer import TabularExplainer

__all__ = ["LimeTabularExplainer"]

# lime's own discretizer classes, recognised by name so that lime need not be installed.
_LIME_DISCRETIZERS = {"QuartileDiscretizer": "quartile", "DecileDiscretizer": "decile"}
_LIME_STATS_KEYS = ("means", "mins", "maxs", "stds", "feature_values", "feature_frequencies")


def _resolve_discretizer(discretizer):
    if isinstance(discretizer, str) or hasattr(discretizer, "cut_points"):
        return discretizer
    name = type(discretizer).__name__
    if name in _LIME_DISCRETIZERS:
        return _LIME_DISCRETIZERS[name]
    raise ValueError(
        f"discretizer {name} (a lime discretizer object) cannot be used by lime_kit; pass 'quartile', "
        f"'decile' or 'entropy' (with training_labels), or an object with a cut_points(values, labels) method"
    )


def _resolve_training_stats(training_data_stats):
    if training_data_stats is None:
        return None
    if isinstance(training_data_stats, dict) and "features" not in training_data_stats and any(
        key in training_data_stats for key in _LIME_STATS_KEYS
    ):
        raise ValueError(
            "training_data_stats is in lime's format (means, mins, maxs, ...), which lime_kit cannot read; "
            "pass the training data instead, or the training_data_stats of a lime_kit TabularExplainer"
        )
    return training_data_stats


def _integer_code_names(training_data, categorical_features, categorical_names) -> dict:
    """Name unnamed integer-coded categories by their code, as lime prints them ("color=2", not "color=2.0")."""
    names = dict(categorical_names or {})
    if training_data is None or hasattr(training_data, "columns") or hasattr(training_data, "tocsr"):
        return names  # DataFrames and sparse matrices: lime_kit names their categories itself
    array = np.asarray(training_data)
    for j in categorical_features or ():
        if not isinstance(j, numbers.Integral) or j in names or array.dtype.kind not in "iuf":
            continue
        column = array[:, j]
        if column.size and np.all(np.isfinite(column)) and np.all(column == np.round(column)) and column.min() >= 0:
            names[j] = [str(code) for code in range(int(column.max()) + 1)]
    return names


class LimeTabularExplainer:
    """lime's tabular explainer, computed by :class:`lime_kit.TabularExplainer`.

    Arguments, their order and their defaults are lime 0.2.0.1's. Every
    explanation is reproducible: ``random_state`` (an int, or a
    ``numpy.random.RandomState``, read without being advanced) seeds every
    call, and without one a seed is drawn once per explainer.

    Parameters
    ----------
    training_data : ndarray of shape (n_rows, n_features)
        Numbers; integer codes in categorical columns. A scipy.sparse
        matrix or a pandas DataFrame also works (lime_kit reads both).
    mode : {"classification", "regression"}
    training_labels : array-like, optional
        For ``discretizer="entropy"``.
    feature_names : list of str, optional
        Default ``["0", "1", ...]``, as in lime.
    categorical_features : list of int, optional
    categorical_names : dict of int -> list of str, optional
        ``categorical_names[j][code]`` names code ``code`` of feature ``j``.
    kernel_width : float, optional
        Default ``0.75 * sqrt(n_features)``.
    kernel : callable, optional
        lime's signature ``kernel(distances, kernel_width) -> weights``.
    verbose : bool, default=False
        Print intercept, local prediction and model output per label.
    class_names : list of str, optional
    feature_selection : {"auto", "none", "forward_selection", "highest_weights", "lasso_path"}
    discretize_continuous : bool, default=True
    discretizer : {"quartile", "decile", "entropy"} or object, default="quartile"
        lime's ``QuartileDiscretizer``/``DecileDiscretizer`` objects are read
        as their names; other lime discretizer objects raise a ValueError.
    sample_around_instance : bool, default=False
    random_state : int or numpy.random.RandomState, optional
    training_data_stats : dict, optional
        A lime_kit ``TabularExplainer.training_data_stats`` dict (then
        ``training_data`` is not read); lime's own format raises a ValueError.

    Attributes
    ----------
    explainer : lime_kit.TabularExplainer
        The explainer doing the work.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit.compat import lime_tabular
    >>> rng = np.random.default_rng(0)
    >>> train = np.column_stack([rng.integers(0, 3, 500), rng.normal(size=500)])
    >>> def predict_fn(rows):  # class 1 when the category is 2
    ...     p = np.where(rows[:, 0] == 2, 0.9, 0.1)
    ...     return np.column_stack([1 - p, p])
    >>> explainer = lime_tabular.LimeTabularExplainer(
    ...     train, feature_names=["color", "size"], class_names=["no", "yes"],
    ...     categorical_features=[0], categorical_names={0: ["red", "green", "blue"]}, random_state=0)
    >>> exp = explainer.explain_instance(np.array([2, 0.3]), predict_fn, num_features=1, num_samples=500)
    >>> exp.as_list()[0][0]
    'color=blue'
    """

    def __init__(
        self,
        training_data,
        mode: str = "classification",
        training_labels=None,
        feature_names=None,
        categorical_features=None,
        categorical_names=None,
        kernel_width: float | None = None,
        kernel: Callable | None = None,
        verbose: bool = False,
        class_names=None,
        feature_selection: str = "auto",
        discretize_continuous: bool = True,
        discretizer="quartile",
        sample_around_instance: bool = False,
        random_state=None,
        training_data_stats: dict | None = None,
    ):
        stats = _resolve_training_stats(training_data_stats)
        if stats is None:
            n_features = np.shape(training_data)[1] if np.ndim(training_data) == 2 else None
        else:
            training_data = None
            n_features = len(stats["features"])
        if feature_names is None and n_features is not None:
            feature_names = [str(j) for j in range(n_features)]
        width = kernel_width if kernel_width is not None or n_features is None else 0.75 * np.sqrt(n_features)
        self.mode = mode
        self.verbose = bool(verbose)
        self.feature_selection = feature_selection
        self.random_state = random_state
        self.categorical_features = list(categorical_features or [])
        self.categorical_names = _integer_code_names(training_data, categorical_features, categorical_names)
        self.explainer = TabularExplainer(
            training_data,
            feature_names=feature_names,
            categorical_features=categorical_features,
            categorical_names=self.categorical_names,
            mode=mode,
            class_names=class_names,
            discretize_continuous=discretize_continuous,
            discretizer=_resolve_discretizer(discretizer),
            sample_around_instance=sample_around_instance,
            kernel_width=width,
            kernel=lime_kernel(kernel, width) if kernel is not None else None,
            training_labels=training_labels,
            training_data_stats=stats,
            random_state=seed_from_random_state(random_state),
        )

    @property
    def feature_names(self) -> list:
        return self.explainer.feature_names

    @property
    def class_names(self):
        return self.explainer.class_names

    def explain_instance(
        self,
        data_row,
        predict_fn: Callable,
        labels=(1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str = "euclidean",
        model_regressor=None,
    ) -> Explanation:
        """Explain ``predict_fn``'s output for one row, with lime's arguments.

        Parameters
        ----------
        data_row : 1-D array-like
        predict_fn : callable
            Rows ``(n, n_features)`` -> probabilities ``(n, n_classes)``, or
            values ``(n,)`` in regression.
        labels : iterable of int, default=(1,)
            Classes to explain (ignored with ``top_labels`` and in regression).
        top_labels : int, optional
            Explain the ``top_labels`` most probable classes (all of them if
            there are fewer).
        num_features, num_samples, distance_metric, model_regressor
            As in lime.

        Returns
        -------
        lime_kit.compat.explanation.Explanation
        """
        request = resolve_label_request(labels, top_labels, self.mode)
        model = OutputRange(predict_fn) if self.mode == "regression" else predict_fn
        explanation = self.explainer.explain(
            data_row,
            model,
            labels=request.labels,
            top_labels=request.top_labels,
            num_features=num_features,
            num_samples=num_samples,
            distance_metric=distance_metric,
            model_regressor=model_regressor,
            feature_selection=self.feature_selection,
        )
        if self.verbose:
            print_fit(explanation)
        output_range = model.range if isinstance(model, OutputRange) else None
        return Explanation(explanation, top_labels=request.lime_order_reversed, output_range=output_range)
