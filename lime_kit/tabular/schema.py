"""Columns of a tabular explainer: names, kinds, categories, and the user's layout.

Internally every row is a float vector in which a categorical feature holds
the integer code of its category. The schema converts between that form and
what the user works with (a numpy array, possibly of objects, or a pandas
DataFrame with the training columns and dtypes).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

__all__ = ["TabularSchema", "is_dataframe"]


def is_dataframe(obj) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "columns") and hasattr(obj, "iloc")


def _is_numeric_column(column: np.ndarray) -> bool:
    return column.dtype.kind in "iuf"


def _unique_values(column: np.ndarray) -> list:
    try:
        return np.unique(column).tolist()
    except TypeError:  # mixed, unorderable types: keep first-seen order
        return list(dict.fromkeys(column.tolist()))


@dataclass
class TabularSchema:
    """What the explainer knows about the columns.

    Attributes
    ----------
    feature_names : list of str
    categorical : ndarray of bool, shape (n_features,)
    categories : dict of int -> list
        The possible values of each categorical feature, indexed by code.
    category_labels : dict of int -> list of str
        Display names per code (``categorical_names`` or ``str(value)``).
    frame_columns, frame_dtypes : list or None
        The training DataFrame's column labels and dtypes, to rebuild frames.
    """

    feature_names: list
    categorical: np.ndarray
    categories: dict
    category_labels: dict
    frame_columns: list | None = None
    frame_dtypes: list | None = None
    _code_of: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._code_of = {j: {v: k for k, v in enumerate(vals)} for j, vals in self.categories.items()}

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    # ------------------------------------------------------------ from data
    @classmethod
    def from_training(cls, data, feature_names, categorical_features, categorical_names):
        """Return ``(schema, encoded)`` where ``encoded`` is float (n_rows, n_features)."""
        frame_columns = frame_dtypes = None
        if is_dataframe(data):
            frame_columns = list(data.columns)
            frame_dtypes = list(data.dtypes)
            names = [str(c) for c in frame_columns] if feature_names is None else list(feature_names)
            columns = [data.iloc[:, j].to_numpy() for j in range(data.shape[1])]
        else:
            array = np.asarray(data)
            if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
                raise ValueError(
                    f"training_data must be a 2-D array or DataFrame with at least one row and column, "
                    f"got shape {array.shape}"
                )
            names = [f"x{j}" for j in range(array.shape[1])] if feature_names is None else list(feature_names)
            columns = [array[:, j] for j in range(array.shape[1])]
        if len(names) != len(columns):
            raise ValueError(f"feature_names has {len(names)} names but training_data has {len(columns)} columns")
        categorical = _categorical_mask(categorical_features, names, columns)
        encoded = np.empty((len(columns[0]), len(columns)))
        categories = {}
        for j, column in enumerate(columns):
            if categorical[j]:
                if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in column.tolist()):
                    raise ValueError(f"training_data column {names[j]!r} has missing values; fill or drop them first")
                categories[j] = _unique_values(column)
                code_of = {v: k for k, v in enumerate(categories[j])}
                encoded[:, j] = [code_of[v] for v in column.tolist()]
            else:
                numeric = column.astype(np.float64)
                if not np.all(np.isfinite(numeric)):
                    raise ValueError(
                        f"training_data column {names[j]!r} has NaN or infinite values; impute or drop them "
                        f"before building the explainer"
                    )
                encoded[:, j] = numeric
        labels = _category_labels(categories, categorical_names, names)
        return cls(names, categorical, categories, labels, frame_columns, frame_dtypes), encoded

    @classmethod
    def from_stats(cls, stats: dict, categorical_names=None):
        names = [f["name"] for f in stats["features"]]
        categorical = np.array([f["kind"] == "categorical" for f in stats["features"]])
        categories = {j: list(f["values"]) for j, f in enumerate(stats["features"]) if categorical[j]}
        return cls(names, categorical, categories, _category_labels(categories, categorical_names, names))

    # -------------------------------------------------------------- instance
    def encode_instance(self, instance) -> np.ndarray:
        """Validate one row and return it encoded as float (n_features,)."""
        if is_dataframe(instance):
            if instance.shape[0] != 1:
                raise ValueError(f"instance must be one row; got a DataFrame with {instance.shape[0]} rows")
            values = instance.iloc[0].tolist()
        elif hasattr(instance, "to_numpy") and hasattr(instance, "index"):  # pandas Series
            values = instance.tolist()
        else:
            array = np.asarray(instance, dtype=object)
            if array.ndim == 2 and array.shape[0] == 1:
                array = array[0]
            if array.ndim != 1:
                raise ValueError(f"instance must be one row (1-D), got an array of shape {array.shape}")
            values = array.tolist()
        if len(values) != self.n_features:
            raise ValueError(
                f"instance has {len(values)} values but the explainer was built on {self.n_features} "
                f"features; pass one row with the training columns"
            )
        encoded = np.empty(self.n_features)
        for j, value in enumerate(values):
            encoded[j] = self._encode_value(j, value)
        return encoded

    def _encode_value(self, j: int, value) -> float:
        name = self.feature_names[j]
        if self.categorical[j]:
            code = self._code_of[j].get(value)
            if code is None:
                known = ", ".join(repr(v) for v in self.categories[j][:10])
                raise ValueError(
                    f"feature {name!r} has value {value!r}, which never occurs in the training data "
                    f"(known values: {known}); map it to a known category or rebuild the explainer with it"
                )
            return float(code)
        if not isinstance(value, (numbers.Real, np.bool_)):
            raise ValueError(f"feature {name!r} is numeric but the instance has {value!r}; pass a number")
        if not np.isfinite(value):
            raise ValueError(f"feature {name!r} is {value!r} in the instance; explain rows with finite values only")
        return float(value)

    def display_values(self, encoded: np.ndarray) -> list:
        """Return the instance's values in the user's terms (JSON-safe)."""
        out = []
        for j, value in enumerate(encoded):
            if self.categorical[j]:
                raw = self.categories[j][int(value)]
                out.append(raw.item() if isinstance(raw, np.generic) else raw)
            else:
                out.append(float(value))
        return out

    # ---------------------------------------------------------- model inputs
    def decode(self, block: np.ndarray):
        """Turn encoded rows (n, n_features) into the user's layout for predict_fn."""
        cat_idx = np.flatnonzero(self.categorical)
        if self.frame_columns is not None:
            import pandas as pd

            data = {}
            for j, (column, dtype) in enumerate(zip(self.frame_columns, self.frame_dtypes)):
                if self.categorical[j]:
                    values = np.asarray(self.categories[j], dtype=object)[block[:, j].astype(np.intp)]
                elif _is_integer_dtype(dtype):
                    values = np.rint(block[:, j])
                else:
                    values = block[:, j]
                data[column] = pd.Series(values).astype(dtype)
            return pd.DataFrame(data, columns=self.frame_columns)
        if not len(cat_idx):
            return block  # the sampler's private array: no copy needed
        numeric_categories = all(
            all(isinstance(v, (numbers.Real, np.bool_)) for v in self.categories[j]) for j in cat_idx
        )
        out = block.copy() if numeric_categories else block.astype(object)
        for j in cat_idx:
            lookup = np.asarray(self.categories[j], dtype=np.float64 if numeric_categories else object)
            out[:, j] = lookup[block[:, j].astype(np.intp)]
        return out


def _is_integer_dtype(dtype) -> bool:
    # Sampled values of an integer column are rounded so the frame keeps its dtype.
    return isinstance(dtype, np.dtype) and dtype.kind in "iu"


def _categorical_mask(categorical_features, names, columns) -> np.ndarray:
    """Resolve categorical features given by index or name; non-numeric columns are categorical."""
    mask = np.array([not _is_numeric_column(np.asarray(c)) for c in columns])
    for feature in categorical_features or ():
        if isinstance(feature, str):
            if feature not in names:
                raise ValueError(f"categorical feature {feature!r} is not a column; columns are {names}")
            mask[names.index(feature)] = True
        elif isinstance(feature, numbers.Integral) and 0 <= feature < len(names):
            mask[int(feature)] = True
        else:
            raise ValueError(
                f"categorical_features must hold column names or indices in [0, {len(names)}), got {feature!r}"
            )
    return mask


def _named(value, names) -> str:
    is_code = isinstance(value, numbers.Real) and float(value).is_integer() and 0 <= value < len(names)
    return str(names[int(value)]) if is_code else str(value)


def _category_labels(categories, categorical_names, names) -> dict:
    labels = {}
    categorical_names = categorical_names or {}
    for j, values in categories.items():
        given = categorical_names.get(j, categorical_names.get(names[j]))
        if given is not None:
            # lime's convention: names indexed by the integer category value.
            labels[j] = [_named(v, given) for v in values]
        else:
            labels[j] = [str(v) for v in values]
    return labels
