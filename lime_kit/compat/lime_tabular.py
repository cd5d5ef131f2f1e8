"""lime's ``lime_tabular.LimeTabularExplainer``, running on :class:`lime_kit.TabularExplainer`.

``from lime_kit.compat import lime_tabular`` replaces ``from lime import
lime_tabular``: the constructor and ``explain_instance`` take lime's
arguments in lime's order with lime's defaults (label 1 is explained unless
``labels`` or ``top_labels`` say otherwise), and the result has lime's
attributes (see :class:`lime_kit.compat.explanation.Explanation`).
"""

from __future__ import annotations

import copy
import html
import numbers
from collections.abc import Callable
from functools import partial

import numpy as np

from lime_kit.compat._arguments import (
    OutputRange,
    lime_kernel,
    print_fit,
    resolve_label_request,
    seed_from_random_state,
)
from lime_kit.compat.discretize import (
    BaseDiscretizer,
    DecileDiscretizer,
    EntropyDiscretizer,
    QuartileDiscretizer,
    StatsDiscretizer,
    _LimeEntropyCuts,
)
from lime_kit.compat.explanation import DomainMapper, Explanation
from lime_kit.compat.lime_base import LimeBase
from lime_kit.tabular.explainer import TabularExplainer
from lime_kit.tabular.stats import bin_stats

__all__ = ["LimeTabularExplainer", "RecurrentTabularExplainer", "TableDomainMapper"]

_DISCRETIZER_CLASSES = {"quartile": QuartileDiscretizer, "decile": DecileDiscretizer, "entropy": EntropyDiscretizer}

# lime's own discretizer classes, recognised by name so that lime need not be installed.
_LIME_DISCRETIZERS = {"QuartileDiscretizer": "quartile", "DecileDiscretizer": "decile"}
_LIME_STATS_KEYS = ("means", "mins", "maxs", "stds", "feature_values", "feature_frequencies")


def _discretizer_key(discretizer) -> str | None:
    """The lime keyword a discretizer stands for: a string as given, lime's own objects by class name."""
    if isinstance(discretizer, str):
        return discretizer
    return _LIME_DISCRETIZERS.get(type(discretizer).__name__)  # lime's objects (lime installed alongside)


def _resolve_discretizer(discretizer):
    key = _discretizer_key(discretizer)
    if key == "entropy":
        return _LimeEntropyCuts()  # lime cuts a column the tree cannot split at its median
    if key is not None:
        return key
    if hasattr(discretizer, "cut_points"):
        return discretizer
    raise ValueError(
        f"discretizer {type(discretizer).__name__} cannot be used; pass 'quartile', 'decile' or 'entropy' (with "
        f"training_labels), a lime_kit.compat.discretize.BaseDiscretizer (a subclass of your own that defines bins() "
        f"too), or an object with a cut_points(values, labels) method"
    )


def _stats_with_bins(training_data, discretizer: BaseDiscretizer, explainer_kwargs: dict) -> dict:
    """lime_kit training statistics whose continuous features are binned at ``discretizer``'s cut points."""
    if hasattr(training_data, "columns") or hasattr(training_data, "tocsr"):
        raise ValueError(
            "a BaseDiscretizer object needs training_data as a numeric numpy array (as in lime); pass a string "
            "discretizer ('quartile', 'decile', 'entropy') for DataFrames and sparse matrices"
        )
    data = np.asarray(training_data, dtype=float)
    cuts = getattr(discretizer, "_cuts", None)
    if cuts is None:
        raise ValueError(
            f"discretizer {type(discretizer).__name__} has no bins: a BaseDiscretizer subclass must call "
            "BaseDiscretizer.__init__(self, data, categorical_features, feature_names, ...) in its __init__"
        )
    if data.ndim != 2 or any(j >= data.shape[1] for j in cuts):
        raise ValueError(
            f"the discretizer bins columns {sorted(cuts)} but training_data has shape {data.shape}; build the "
            "discretizer on the same training data"
        )
    unbinned = TabularExplainer(training_data, **explainer_kwargs, discretize_continuous=True, discretizer="quartile")
    stats = copy.deepcopy(unbinned.training_data_stats)
    for j, feature in enumerate(stats["features"]):
        if feature["kind"] == "continuous":
            feature.update(bin_stats(data[:, j], np.asarray(cuts.get(j, []), dtype=float), feature["mean"]))
    stats["discretizer"] = type(discretizer).__name__
    return stats


def _is_lime_stats(training_data_stats) -> bool:
    """True for lime's ``training_data_stats`` dict ("means", "mins", ...), False for lime_kit's ({"features": [...]})."""
    return isinstance(training_data_stats, dict) and "features" not in training_data_stats


def _lime_entry(table: dict, j: int, key: str, column: str):
    """``table[j]``, also under ``str(j)`` (lime's stats read back from JSON have string keys)."""
    if isinstance(table, dict):
        for candidate in (j, str(j)):
            if candidate in table:
                return table[candidate]
    raise ValueError(
        f"training_data_stats[{key!r}] has no entry for column {j} ({column!r}); lime's format keys each of "
        f"'means', 'mins', 'maxs', 'stds' and 'bins' by continuous column index and 'feature_values' and "
        f"'feature_frequencies' by column index"
    )


def _lime_stats_width(lime_stats: dict, feature_names) -> int:
    """The number of columns lime's statistics describe: one past the largest column index they name."""
    if feature_names is not None:
        return len(feature_names)
    keys = [int(k) for key in ("feature_values", "bins") for k in (lime_stats.get(key) or {})]
    if not keys:
        raise ValueError(
            "training_data_stats names no columns and there is no training_data; pass training_data (or "
            "feature_names) so that the number of columns is known"
        )
    return max(keys) + 1


def _lime_frequencies(values, frequencies, column: str) -> np.ndarray:
    frequencies = np.asarray(frequencies, dtype=float)
    if len(values) != len(frequencies) or not len(values) or frequencies.min() < 0 or frequencies.sum() <= 0:
        raise ValueError(
            f"training_data_stats for column {column!r} has {len(values)} feature_values and {len(frequencies)} "
            "feature_frequencies; give one non-negative count (or share) per value, not all zero"
        )
    return frequencies / frequencies.sum()


def _plain_value(value):
    return value.item() if isinstance(value, np.generic) else value


def _lime_continuous_stats(lime_stats: dict, j: int, name: str) -> dict:
    """lime_kit statistics of continuous column ``j`` from lime's per-bin ``means``/``stds``/``mins``/``maxs``."""
    cuts = np.unique(np.asarray(_lime_entry(lime_stats.get("bins"), j, "bins", name), dtype=float))
    n_bins = cuts.size + 1
    per_bin = {}
    for key in ("means", "stds", "mins", "maxs"):
        per_bin[key] = np.asarray(_lime_entry(lime_stats[key], j, key, name), dtype=float)
        if per_bin[key].shape != (n_bins,):
            raise ValueError(
                f"training_data_stats[{key!r}] for column {j} ({name!r}) has {per_bin[key].size} values but its "
                f"{cuts.size} bins cut points make {n_bins} bins; give one value per bin"
            )
    bins = np.asarray(_lime_entry(lime_stats["feature_values"], j, "feature_values", name))
    shares = _lime_frequencies(bins, _lime_entry(lime_stats["feature_frequencies"], j, "feature_frequencies", name), name)
    if bins.size and (np.any(bins != np.round(bins)) or bins.min() < 0 or bins.max() >= n_bins):
        raise ValueError(
            f"training_data_stats['feature_values'] for continuous column {j} ({name!r}) must list bin indices "
            f"0..{n_bins - 1} (lime counts discretized values), got {bins.tolist()}"
        )
    frequencies = np.bincount(bins.astype(np.intp), weights=shares, minlength=n_bins)
    mean = float(frequencies @ per_bin["means"])
    # Total variance: within-bin variance plus the spread of the bin means.
    std = float(np.sqrt(frequencies @ (per_bin["stds"] ** 2 + (per_bin["means"] - mean) ** 2)))
    return {
        "name": name, "kind": "continuous", "mean": mean, "std": std, "cuts": cuts.tolist(),
        "bin_frequencies": frequencies.tolist(), "bin_means": per_bin["means"].tolist(),
        "bin_stds": per_bin["stds"].tolist(), "bin_mins": per_bin["mins"].tolist(), "bin_maxs": per_bin["maxs"].tolist(),
    }  # fmt: skip


def _lime_categorical_stats(lime_stats: dict, j: int, name: str) -> dict:
    values = list(_lime_entry(lime_stats["feature_values"], j, "feature_values", name))
    shares = _lime_frequencies(values, _lime_entry(lime_stats["feature_frequencies"], j, "feature_frequencies", name), name)
    return {"name": name, "kind": "categorical", "values": [_plain_value(v) for v in values], "frequencies": shares.tolist()}


def stats_from_lime(lime_stats: dict, feature_names, categorical_features, discretize: bool, continuous_stats=None) -> dict:
    """Convert lime's ``training_data_stats`` into lime_kit's (``{"features": [...]}``).

    Parameters
    ----------
    lime_stats : dict
        lime's format: ``"feature_values"`` and ``"feature_frequencies"``
        (column -> values and their counts; for a discretized column the
        values are bin indices), and, for discretized columns, ``"bins"``
        (column -> cut points) with ``"means"``, ``"stds"``, ``"mins"`` and
        ``"maxs"`` (column -> one value per bin).
    feature_names : list of str
    categorical_features : list of int
    discretize : bool
        lime's ``discretize_continuous``: continuous columns are then binned
        at ``bins``. Without it lime reads their mean and standard deviation
        from the training data, given here as ``continuous_stats``.
    continuous_stats : dict, optional
        lime_kit statistics of the training data (needed without ``discretize``).

    Returns
    -------
    dict
        lime_kit's ``training_data_stats``.

    Examples
    --------
    >>> stats = {"bins": {0: [1.5]}, "means": {0: [0.5, 2.5]}, "stds": {0: [0.5, 0.5]},
    ...          "mins": {0: [0.0, 1.5]}, "maxs": {0: [1.5, 3.0]},
    ...          "feature_values": {0: [0, 1], 1: [0, 1]}, "feature_frequencies": {0: [2, 2], 1: [3, 1]}}
    >>> converted = stats_from_lime(stats, ["x", "flag"], [1], discretize=True)
    >>> converted["features"][0]["cuts"], converted["features"][0]["mean"]
    ([1.5], 1.5)
    >>> converted["features"][1]["frequencies"]
    [0.75, 0.25]
    """
    categorical = {int(j) for j in categorical_features}
    features = []
    for j, name in enumerate(feature_names):
        if j in categorical:
            features.append(_lime_categorical_stats(lime_stats, j, str(name)))
        elif discretize:
            features.append(_lime_continuous_stats(lime_stats, j, str(name)))
        else:
            features.append(copy.deepcopy(continuous_stats["features"][j]))
    return {"features": features, "discretizer": "StatsDiscretizer"} if discretize else {"features": features}


def _check_lime_stats(training_data_stats: dict) -> None:
    missing = [key for key in _LIME_STATS_KEYS if key not in training_data_stats]
    if missing:
        raise ValueError(
            f"training_data_stats is missing {missing}; lime's format needs all of {list(_LIME_STATS_KEYS)} "
            "(and 'bins' to discretize), each a dict keyed by column index, or pass lime_kit's own "
            "TabularExplainer(...).training_data_stats ({'features': [...]})"
        )


def _integer_code_names(training_data, categorical_features, categorical_names, lime_stats=None) -> dict:
    """Name unnamed integer-coded categories by their code, as lime prints them ("color=2", not "color=2.0").

    The codes are those of the training data and of lime's ``training_data_stats["feature_values"]``.
    """
    names = dict(categorical_names or {})
    if training_data is not None and (hasattr(training_data, "columns") or hasattr(training_data, "tocsr")):
        return names  # DataFrames and sparse matrices: lime_kit names their categories itself
    array = None if training_data is None else np.asarray(training_data)
    if array is not None and array.dtype.kind not in "iuf":
        return names
    for j in categorical_features or ():
        if not isinstance(j, numbers.Integral) or j in names:
            continue
        codes = [] if array is None else [array[:, j]]
        if lime_stats is not None:
            codes.append(np.asarray(_lime_entry(lime_stats["feature_values"], j, "feature_values", str(j))))
        codes = np.concatenate(codes) if codes else np.empty(0)
        if codes.dtype.kind not in "iuf":
            continue
        if codes.size and np.all(np.isfinite(codes)) and np.all(codes == np.round(codes)) and codes.min() >= 0:
            names[j] = [str(code) for code in range(int(codes.max()) + 1)]
    return names


def _lime_tabular_kernel(distances, kernel_width):
    """lime's tabular kernel ``sqrt(exp(-d^2 / width^2))``."""
    return np.sqrt(np.exp(-(distances**2) / kernel_width**2))


class TableDomainMapper(DomainMapper):
    """Name the features of a tabular explanation and show the instance as a table.

    Parameters
    ----------
    feature_names : list of str
    feature_values : list of str
        The instance's values, as shown.
    scaled_row : ndarray of shape (n_features,)
        The instance as the surrogate saw it.
    categorical_features : list of int
    discretized_feature_names : list of str, optional
        Names that state the instance's bin (``"age > 40.00"``); used by
        :meth:`map_exp_ids` when given.
    feature_indexes : list of int, optional
        For sparse rows: the columns ``feature_values`` belong to.

    Examples
    --------
    >>> mapper = TableDomainMapper(["age", "income"], ["41", "3.2"], [41.0, 3.2], [],
    ...                            discretized_feature_names=["age > 40.00", "income <= 5.00"])
    >>> mapper.map_exp_ids([(1, -0.2), (0, 0.3)])
    [('income <= 5.00', -0.2), ('age > 40.00', 0.3)]
    """

    def __init__(
        self, feature_names, feature_values, scaled_row, categorical_features, discretized_feature_names=None,
        feature_indexes=None,
    ):  # fmt: skip
        self.exp_feature_names = feature_names
        self.discretized_feature_names = discretized_feature_names
        self.feature_names = feature_names
        self.feature_values = feature_values
        self.feature_indexes = feature_indexes
        self.scaled_row = scaled_row
        sparse = hasattr(scaled_row, "tocsr")
        self.all_categorical = False if sparse else len(categorical_features) == len(scaled_row)
        self.categorical_features = categorical_features

    def map_exp_ids(self, exp, **kwargs):
        """Return ``[(name, weight)]``: the discretized names when given, else the feature names."""
        names = self.discretized_feature_names if self.discretized_feature_names is not None else self.exp_feature_names
        return [(names[i], w) for i, w in exp]

    def visualize_instance_html(self, exp, label, div_name, exp_object_name, show_table: bool = True, show_all: bool = False, **kwargs) -> str:
        """Return an HTML table of the instance (feature, value, weight); all features with ``show_all``."""
        if not show_table:
            return ""
        weights = dict((int(i), float(w)) for i, w in exp)
        columns = list(self.feature_indexes) if self.feature_indexes is not None else list(range(len(self.feature_values)))
        value_of = dict(zip(columns, self.feature_values))
        shown = columns if show_all else [int(i) for i, _ in exp]
        rows = "".join(
            f"<tr><td>{html.escape(str(self.exp_feature_names[j]))}</td><td>{html.escape(str(value_of.get(j, '')))}</td>"
            f"<td>{weights.get(j, 0.0):.4g}</td></tr>"
            for j in shown
        )
        return (
            f'<table id="{html.escape(str(div_name))}" class="lime_kit-table"><tr><th>Feature</th><th>Value</th>'
            f"<th>Weight</th></tr>{rows}</table>"
        )


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
    discretizer : {"quartile", "decile", "entropy"} or BaseDiscretizer, default="quartile"
        A :mod:`lime_kit.compat.discretize` object (``QuartileDiscretizer``,
        ..., or your own ``BaseDiscretizer`` subclass that defines ``bins``)
        bins the continuous columns at its cut points. lime's own
        ``QuartileDiscretizer``/``DecileDiscretizer`` objects are read as
        their names.
    sample_around_instance : bool, default=False
    random_state : int or numpy.random.RandomState, optional
    training_data_stats : dict, optional
        A lime_kit ``TabularExplainer.training_data_stats`` dict (then
        ``training_data`` is not read); lime's own format raises a ValueError.

    Attributes
    ----------
    explainer : lime_kit.TabularExplainer
        The explainer doing the work.
    discretizer : BaseDiscretizer or None
        lime's discretizer object (built when first read).
    base : LimeBase
        lime's surrogate fitter with this explainer's kernel.

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
        lime_stats = training_data_stats if _is_lime_stats(training_data_stats) else None
        if lime_stats is not None:
            self.validate_training_data_stats(lime_stats)
        sparse = hasattr(training_data, "tocsr")
        if training_data is not None and np.ndim(training_data) == 2:
            n_features = np.shape(training_data)[1]
        elif lime_stats is not None:
            n_features = _lime_stats_width(lime_stats, feature_names)
        elif training_data_stats is not None:
            n_features = len(training_data_stats.get("features") or [])
        else:
            n_features = None
        if feature_names is None and n_features is not None:
            feature_names = [str(j) for j in range(n_features)]
        width = kernel_width if kernel_width is not None or n_features is None else 0.75 * np.sqrt(n_features)
        self.mode = mode
        self.verbose = bool(verbose)
        self.feature_selection = feature_selection
        self.random_state = random_state
        self.sample_around_instance = bool(sample_around_instance)
        self.training_data_stats = training_data_stats  # as given, like lime
        self.kernel_width = width
        self._kernel = kernel
        self._categorical_features = list(categorical_features or [])
        # lime treats every column as categorical once the continuous ones are binned.
        discretizing = bool(discretize_continuous) and not sparse
        self.categorical_features = list(range(n_features)) if discretizing and n_features else self._categorical_features
        self.categorical_names = _integer_code_names(training_data, categorical_features, categorical_names, lime_stats)
        # Kept (not copied) so that the lime discretizer object can be built when asked for.
        self._training_data, self._training_labels = training_data, training_labels
        self._discretizer = discretizer if discretize_continuous else None
        self._scaler = None
        common = {
            "feature_names": feature_names,
            "categorical_features": categorical_features,
            "categorical_names": self.categorical_names,
            "mode": mode,
            "class_names": class_names,
            "sample_around_instance": sample_around_instance,
            "kernel_width": width,
            "kernel": lime_kernel(kernel, width) if kernel is not None else None,
            "random_state": seed_from_random_state(random_state),
        }
        stats = None if lime_stats is not None else training_data_stats
        if lime_stats is not None:
            stats = self._stats_from_lime(lime_stats, training_data, feature_names, discretizing, common)
            if discretizing:
                self._discretizer = StatsDiscretizer(
                    np.zeros((1, n_features)) if training_data is None else np.asarray(training_data),
                    self._categorical_features, feature_names, labels=training_labels,
                    random_state=seed_from_random_state(random_state), data_stats=lime_stats,
                )  # fmt: skip
        elif discretize_continuous and isinstance(discretizer, BaseDiscretizer) and stats is None:
            stats = _stats_with_bins(training_data, discretizer, common)
        if stats is not None:
            training_data, discretizer = None, "quartile"  # not read: the bins come with the statistics
        self.explainer = TabularExplainer(
            training_data,
            **common,
            discretize_continuous=discretize_continuous,
            discretizer=_resolve_discretizer(discretizer),
            training_labels=training_labels,
            training_data_stats=stats,
        )

    def _stats_from_lime(self, lime_stats: dict, training_data, feature_names, discretizing: bool, common: dict) -> dict:
        """lime_kit statistics from lime's; without binning, continuous columns come from ``training_data`` as in lime."""
        continuous = None
        has_continuous = len(set(self._categorical_features)) < len(feature_names)
        if not discretizing and has_continuous:
            if training_data is None or hasattr(training_data, "tocsr"):
                raise ValueError(
                    "with discretize_continuous=False lime reads the mean and standard deviation of the continuous "
                    "columns from training_data, and lime_kit needs it as a dense array; pass the training data "
                    "(a sample is enough) along with training_data_stats, or discretize_continuous=True with 'bins'"
                )
            continuous = TabularExplainer(training_data, **common, discretize_continuous=False).training_data_stats
        if discretizing and has_continuous and lime_stats.get("bins") is None:
            raise ValueError(
                "training_data_stats has no 'bins' (a dict column -> cut points), which lime's StatsDiscretizer needs "
                "to bin the continuous columns; add them, or pass discretize_continuous=False"
            )
        return stats_from_lime(lime_stats, feature_names, self._categorical_features, discretizing, continuous)

    @staticmethod
    def validate_training_data_stats(training_data_stats):
        """Raise a ValueError if lime's ``training_data_stats`` lacks one of its six keys (lime's check).

        Examples
        --------
        >>> try:
        ...     LimeTabularExplainer.validate_training_data_stats({"means": {}, "mins": {}})
        ... except ValueError as error:
        ...     print(str(error).split(";")[0])
        training_data_stats is missing ['maxs', 'stds', 'feature_values', 'feature_frequencies']
        """
        _check_lime_stats(training_data_stats)

    @staticmethod
    def convert_and_round(values):
        """Return ``values`` as strings with two decimals, as lime prints them.

        >>> LimeTabularExplainer.convert_and_round([1, 2.345])
        ['1.00', '2.35']
        """
        return [f"{v:.2f}" for v in values]

    @property
    def discretizer(self) -> BaseDiscretizer | None:
        """lime's discretizer object for the continuous columns (None without ``discretize_continuous``).

        Built on first use from the training data with the explainer's
        ``discretizer`` argument; None where lime has none either (sparse
        training data) or the training data are not a numeric array.
        """
        if self._discretizer is None or isinstance(self._discretizer, BaseDiscretizer):
            return self._discretizer
        data = self._training_data
        if data is None or hasattr(data, "columns") or hasattr(data, "tocsr") or np.asarray(data).dtype.kind not in "iufb":
            return None
        kind = _DISCRETIZER_CLASSES.get(_discretizer_key(self._discretizer))
        if kind is None:
            return None
        self._discretizer = kind(
            np.asarray(data), self._categorical_features, self.feature_names, labels=self._training_labels,
            random_state=seed_from_random_state(self.random_state),
        )  # fmt: skip
        return self._discretizer

    @property
    def base(self) -> LimeBase:
        """A :class:`~lime_kit.compat.lime_base.LimeBase` with this explainer's kernel, as lime's ``explainer.base``."""
        kernel = self._kernel if self._kernel is not None else _lime_tabular_kernel
        return LimeBase(partial(kernel, kernel_width=float(self.kernel_width)), self.verbose, self.random_state)

    @property
    def feature_values(self) -> dict:
        """lime's ``feature_values``: per column lime samples as categorical, the values it draws from.

        The categories of categorical columns and, once continuous columns
        are binned, the bin indices that occur in the training data.
        """
        return self._value_table()[0]

    @property
    def feature_frequencies(self) -> dict:
        """lime's ``feature_frequencies``: the training share of each value in :attr:`feature_values` (ndarray)."""
        return self._value_table()[1]

    def _value_table(self) -> tuple[dict, dict]:
        values, frequencies = {}, {}
        for j in self.categorical_features:
            feature = self.explainer.training_data_stats["features"][j]
            if feature["kind"] == "categorical":
                values[j], shares = list(feature["values"]), np.asarray(feature["frequencies"], dtype=float)
            else:
                shares = np.asarray(feature["bin_frequencies"], dtype=float)
                values[j] = np.flatnonzero(shares > 0).tolist()  # lime counts the bins that occur
                shares = shares[shares > 0]
            frequencies[j] = shares / shares.sum()
        return values, frequencies

    @property
    def scaler(self):
        """lime's ``scaler``: a ``StandardScaler(with_mean=False)`` of the training data, identity on categorical columns.

        Fitted when first read, on the training data (or, for an explainer
        built from statistics, set from their means and standard deviations).
        """
        if self._scaler is None:
            from sklearn.preprocessing import StandardScaler

            scaler = StandardScaler(with_mean=False)
            data = self._training_data
            if data is not None and not hasattr(data, "columns") and np.asarray(data).dtype.kind in "iufb" or hasattr(data, "tocsr"):
                scaler.fit(data)
            else:
                features = self.explainer.training_data_stats["features"]
                means = np.array([f.get("mean", 0.0) for f in features], dtype=float)
                variances = np.array([f.get("std", 1.0) ** 2 for f in features], dtype=float)
                scaler.mean_, scaler.var_ = means, variances
                scaler.scale_ = np.where(variances > 0, np.sqrt(variances), 1.0)
                scaler.n_features_in_ = len(features)
            for j in self.categorical_features:
                scaler.mean_[j], scaler.scale_[j] = 0.0, 1.0
            self._scaler = scaler
        return self._scaler

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


class RecurrentTabularExplainer(LimeTabularExplainer):
    """lime's explainer for models of sequences, ``(samples, timesteps, features)`` arrays (recurrent networks).

    Each (feature, timestep) pair becomes one tabular column named
    ``"{feature}_t-{lag}"`` (lag 0 is the last timestep), columns ordered
    feature by feature as lime orders them; rows are reshaped back to 3-D
    before every ``classifier_fn`` call, so the model sees the shape it was
    trained on. Arguments and defaults are lime 0.2.0.1's.

    Parameters
    ----------
    training_data : ndarray of shape (n_samples, n_timesteps, n_features)
    feature_names : list of str, optional
        One name per feature (not per column); default ``["0", "1", ...]``.
    categorical_features : list of int, optional
        Indices of the flattened columns, ``feature * n_timesteps + timestep``.
    mode, training_labels, categorical_names, kernel_width, kernel, verbose, class_names, feature_selection, discretize_continuous, discretizer, random_state
        As in :class:`LimeTabularExplainer`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4, 2))                     # 4 timesteps, 2 features
    >>> def classifier_fn(batch):                             # class 1 when the last "price" is high
    ...     p = 1 / (1 + np.exp(-3 * batch[:, -1, 0]))
    ...     return np.column_stack([1 - p, p])
    >>> explainer = RecurrentTabularExplainer(X, feature_names=["price", "volume"], random_state=0)
    >>> exp = explainer.explain_instance(X[0], classifier_fn, num_features=1, num_samples=1000)
    >>> "price_t-0" in exp.as_list()[0][0]
    True
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
        random_state=None,
    ):
        data = np.asarray(training_data)
        if data.ndim != 3:
            raise ValueError(
                f"training_data must be 3-D (samples, timesteps, features) for RecurrentTabularExplainer, got shape "
                f"{data.shape}; use LimeTabularExplainer for 2-D rows"
            )
        n_samples, n_timesteps, n_features = data.shape
        if feature_names is None:
            feature_names = [str(j) for j in range(n_features)]
        if len(feature_names) != n_features:
            raise ValueError(
                f"feature_names has {len(feature_names)} names but the data have {n_features} features per timestep"
            )
        self.n_timesteps, self.n_features = n_timesteps, n_features
        columns = [f"{name}_t-{n_timesteps - 1 - t}" for name in feature_names for t in range(n_timesteps)]
        super().__init__(
            self._flatten(data),
            mode=mode,
            training_labels=training_labels,
            feature_names=columns,
            categorical_features=categorical_features,
            categorical_names=categorical_names,
            kernel_width=kernel_width,
            kernel=kernel,
            verbose=verbose,
            class_names=class_names,
            feature_selection=feature_selection,
            discretize_continuous=discretize_continuous,
            discretizer=discretizer,
            random_state=random_state,
        )

    @staticmethod
    def _flatten(sequences: np.ndarray) -> np.ndarray:
        """(n, timesteps, features) -> (n, features * timesteps), each feature's timesteps side by side."""
        n = sequences.shape[0]
        return np.transpose(sequences, (0, 2, 1)).reshape(n, -1)

    def _make_predict_proba(self, func: Callable) -> Callable:
        """Wrap ``func`` (3-D batches) so that it takes the flattened rows the tabular explainer samples."""
        shape = (self.n_features, self.n_timesteps)

        def predict_proba(rows):
            rows = np.asarray(rows)
            return func(np.transpose(rows.reshape(len(rows), *shape), (0, 2, 1)))

        return predict_proba

    def explain_instance(
        self,
        data_row,
        classifier_fn: Callable,
        labels=(1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str = "euclidean",
        model_regressor=None,
    ) -> Explanation:
        """Explain ``classifier_fn``'s output for one sequence.

        Parameters
        ----------
        data_row : ndarray of shape (n_timesteps, n_features)
        classifier_fn : callable
            A batch ``(n, n_timesteps, n_features)`` -> probabilities
            ``(n, n_classes)`` (values ``(n,)`` in regression).
        labels, top_labels, num_features, num_samples, distance_metric, model_regressor
            As in :meth:`LimeTabularExplainer.explain_instance`.
        """
        row = np.asarray(data_row)
        if row.shape != (self.n_timesteps, self.n_features):
            raise ValueError(
                f"data_row has shape {row.shape} but the explainer was built on sequences of shape "
                f"({self.n_timesteps}, {self.n_features}); pass one sequence (timesteps, features)"
            )
        return super().explain_instance(
            self._flatten(row[None])[0], self._make_predict_proba(classifier_fn), labels=labels,
            top_labels=top_labels, num_features=num_features, num_samples=num_samples,
            distance_metric=distance_metric, model_regressor=model_regressor,
        )  # fmt: skip
