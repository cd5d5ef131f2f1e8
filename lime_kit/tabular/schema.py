"""Columns of a tabular explainer: names, kinds, categories, and the user's layout.

Internally every row is a float vector in which a categorical feature holds
the integer code of its category and a datetime feature holds seconds since
1970-01-01 (UTC). The schema converts between that form and what the user
works with: a numpy array (possibly of objects or datetime64), a scipy.sparse
matrix, or a pandas DataFrame with the training columns and dtypes.

Column kinds are decided from the values, not only the dtype: numbers stored
in an ``object`` column are numeric, datetimes are continuous, anything else
non-numeric is categorical. A pandas ``category`` column is categorical
whatever its categories are (integers included).

Pandas' nullable dtypes (``Int8``-``Int64``, ``UInt8``-``UInt64``,
``Float32``/``Float64``, ``boolean``, ``string``) are read like their numpy
counterparts, and samples are given back to the model in the training dtype.
A missing value (``None``, ``NaN``, ``pd.NA``) in a categorical column is a
category of its own, drawn as often as in training and handed to the model
as the column's own missing marker; in a numeric or datetime column it is an
error naming the column, since there is no distribution to draw it from.
"""

from __future__ import annotations

import datetime
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lime_kit.core.validation import plain

__all__ = ["TabularSchema", "is_dataframe", "plain", "MAX_DENSE_CELLS", "ID_MIN_ROWS"]

# Sparse training data is densified up to this many cells (80 MB of float64).
MAX_DENSE_CELLS = 10_000_000
# A column with a distinct value in every row is flagged as an ID only above this many rows.
ID_MIN_ROWS = 20

_DAY = 86400.0
_EPOCH = np.datetime64(0, "s")
_SECOND = np.timedelta64(1, "s")


def is_dataframe(obj) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "columns") and hasattr(obj, "iloc")


def _is_series(obj) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "index") and hasattr(obj, "to_numpy")


def _is_sparse(obj) -> bool:
    return type(obj).__module__.startswith("scipy.sparse")


def _is_number(value) -> bool:
    # bool is an Integral in Python, but a True/False column is a category.
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_datetime(value) -> bool:
    return isinstance(value, (np.datetime64, datetime.datetime))


def _unique_values(column: np.ndarray) -> list:
    try:
        return np.unique(column).tolist()
    except TypeError:  # mixed, unorderable types: keep first-seen order
        return list(dict.fromkeys(column.tolist()))


def _seconds(values: np.ndarray) -> np.ndarray:
    """datetime64 array -> float seconds since the epoch (NaT -> nan)."""
    return (values - _EPOCH) / _SECOND


def _time_step(seconds: np.ndarray) -> float | None:
    """The coarsest grid every value sits on: whole days, whole seconds, or none."""
    if np.all(np.mod(seconds, _DAY) == 0):
        return _DAY
    if np.all(np.mod(seconds, 1.0) == 0):
        return 1.0
    return None


def _format_seconds(seconds: float, info: dict) -> str:
    """A date (``2021-03-04``) or a timestamp, floored to the column's grid.

    Flooring keeps bin conditions exact: for values on the grid,
    ``x <= cut`` holds exactly when ``x <= floor(cut)``.
    """
    step, tz = info.get("step"), info.get("tz")
    if step == _DAY and tz is None:
        return str(np.datetime64(int(np.floor(seconds / _DAY)), "D"))
    stamp = np.datetime64(int(np.floor(seconds)), "s") if step else np.datetime64(int(np.floor(seconds * 1e6)), "us")
    if tz is not None:
        import pandas as pd

        return pd.Timestamp(stamp).tz_localize("UTC").tz_convert(tz).isoformat()
    return str(stamp).replace("T", " ")


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
    datetimes : dict of int -> dict
        Datetime features: ``{"unit": "ns", "tz": None or "Europe/Paris",
        "step": 86400.0 (dates) | 1.0 (whole seconds) | None,
        "scalar": "numpy" | "python"}`` (JSON-safe; also kept in the
        training statistics).
    object_numbers : dict of int -> {"int", "float"}
        Numeric features whose training values were numbers stored as
        Python objects; ``"int"`` ones are given back as whole numbers.
    array_dtype : numpy dtype or None
        dtype of a datetime64 training array, which samples keep.
    sparse_type : type or None
        The scipy.sparse class of sparse training data, which samples keep.
    """

    feature_names: list
    categorical: np.ndarray
    categories: dict
    category_labels: dict
    frame_columns: list | None = None
    frame_dtypes: list | None = None
    datetimes: dict = field(default_factory=dict)
    object_numbers: dict = field(default_factory=dict)
    array_dtype: np.dtype | None = None
    sparse_type: type | None = None
    _code_of: dict = field(default_factory=dict, repr=False)
    _missing_code: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._code_of = {j: {v: k for k, v in enumerate(vals)} for j, vals in self.categories.items()}
        # NaN != NaN, so a missing value is looked up by kind, not by key.
        self._missing_code = {j: k for j, vals in self.categories.items() for k, v in enumerate(vals) if _is_missing(v)}

    def integer_mask(self) -> np.ndarray:
        """Numeric features of a training DataFrame with an integer dtype (numpy or nullable), shape (n_features,)."""
        mask = np.zeros(self.n_features, dtype=bool)
        for j, dtype in enumerate(self.frame_dtypes or ()):
            mask[j] |= not self.categorical[j] and j not in self.datetimes and _is_integer_dtype(dtype)
        return mask

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    # ------------------------------------------------------------ from data
    @classmethod
    def from_training(cls, data, feature_names, categorical_features, categorical_names):
        """Return ``(schema, encoded)`` where ``encoded`` is float (n_rows, n_features).

        Warns (UserWarning) about columns with a distinct value in every row.
        """
        frame_columns = frame_dtypes = array_dtype = sparse_type = None
        category_dtype = None
        if _is_sparse(data):
            sparse_type = type(data)
            data = _densify(data)
        if is_dataframe(data):
            frame_columns = list(data.columns)
            _check_unique_columns(frame_columns)
            frame_dtypes = list(data.dtypes)
            names = [str(c) for c in frame_columns] if feature_names is None else list(feature_names)
            columns = [_frame_column(data.iloc[:, j]) for j in range(data.shape[1])]
            category_dtype = [_is_category_dtype(d) for d in frame_dtypes]
        else:
            array = np.asarray(data)
            if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
                raise ValueError(
                    f"training_data must be a 2-D array, scipy.sparse matrix or DataFrame with at least one row "
                    f"and column, got shape {array.shape}"
                )
            array_dtype = array.dtype if array.dtype.kind == "M" else None
            names = [f"x{j}" for j in range(array.shape[1])] if feature_names is None else list(feature_names)
            columns = [array[:, j] for j in range(array.shape[1])]
        if len(names) != len(columns):
            raise ValueError(f"feature_names has {len(names)} names but training_data has {len(columns)} columns")
        kinds = [_column_kind(c) for c in columns]
        if category_dtype is not None:
            # A category dtype is the user saying "categorical", even with integer categories.
            kinds = ["categorical" if is_category else kind for kind, is_category in zip(kinds, category_dtype)]
        categorical = _categorical_mask(categorical_features, names, kinds)
        n_rows = len(columns[0])
        encoded = np.empty((n_rows, len(columns)))
        categories, datetimes, object_numbers, id_like = {}, {}, {}, []
        for j, column in enumerate(columns):
            if categorical[j]:
                categories[j], encoded[:, j] = _encode_categories(column)
                unique = len(categories[j])
            elif kinds[j] == "datetime":
                datetimes[j], encoded[:, j] = _encode_datetimes(column, names[j])
                if frame_dtypes is not None and getattr(frame_dtypes[j], "tz", None) is not None:
                    datetimes[j]["tz"] = str(frame_dtypes[j].tz)
                unique = 0
            else:
                if column.dtype == object:
                    object_numbers[j] = "int" if all(isinstance(v, numbers.Integral) for v in column) else "float"
                numeric = _numeric_column(column, names[j], frame_dtypes[j] if frame_dtypes is not None else None)
                encoded[:, j] = numeric
                whole = column.dtype.kind in "iu" or object_numbers.get(j) == "int"
                unique = len(np.unique(numeric)) if whole else 0
            if n_rows > ID_MIN_ROWS and unique == n_rows:
                id_like.append(names[j])
        if id_like:
            _warn_id_columns(id_like, n_rows, frame_columns is not None)
        labels = _category_labels(categories, categorical_names, names)
        schema = cls(
            names, categorical, categories, labels, frame_columns, frame_dtypes,
            datetimes, object_numbers, array_dtype, sparse_type,
        )  # fmt: skip
        return schema, encoded

    @classmethod
    def from_stats(cls, stats: dict, categorical_names=None):
        names = [f["name"] for f in stats["features"]]
        categorical = np.array([f["kind"] == "categorical" for f in stats["features"]])
        categories = {j: list(f["values"]) for j, f in enumerate(stats["features"]) if categorical[j]}
        datetimes = {j: dict(f["datetime"]) for j, f in enumerate(stats["features"]) if f.get("datetime")}
        labels = _category_labels(categories, categorical_names, names)
        return cls(names, categorical, categories, labels, datetimes=datetimes)

    # -------------------------------------------------------------- instance
    def encode_instance(self, instance) -> np.ndarray:
        """Validate one row and return it encoded as float (n_features,).

        A one-row DataFrame or a Series is matched to the training columns
        by name: a missing column is an error, extra columns are ignored.
        (An explainer built without a DataFrame matches ``feature_names``,
        and reads a row that carries none of them by position.) Arrays,
        lists and sparse rows are read by position.
        """
        if is_dataframe(instance):
            if instance.shape[0] != 1:
                raise ValueError(f"instance must be one row; got a DataFrame with {instance.shape[0]} rows")
            values = self._by_name(list(instance.columns), instance.iloc[0].tolist())
        elif _is_series(instance):
            values = self._by_name(list(instance.index), instance.tolist())
        else:
            values = _positional_values(instance)
        if len(values) != self.n_features:
            raise ValueError(
                f"instance has {len(values)} values but the explainer was built on {self.n_features} "
                f"features; pass one row with the training columns"
            )
        encoded = np.empty(self.n_features)
        for j, value in enumerate(values):
            encoded[j] = self._encode_value(j, value)
        return encoded

    def _by_name(self, labels: list, values: list) -> list:
        """Reorder a pandas row's values into the training column order."""
        wanted = self.frame_columns if self.frame_columns is not None else self.feature_names
        position, repeated = {}, set()
        for p, label in enumerate(labels):
            if label in position:
                repeated.add(label)
            position.setdefault(label, p)
        if self.frame_columns is None and not any(name in position for name in wanted):
            return values  # labels the explainer never knew (e.g. 0, 1, 2): read by position
        missing = [c for c in wanted if c not in position]
        if missing:
            shown = ", ".join(plain(c) for c in missing[:10]) + (", ..." if len(missing) > 10 else "")
            raise ValueError(
                f"instance is missing {len(missing)} training column(s): {shown}; pass a row with every column "
                f"the explainer was built on (a DataFrame or Series is matched by name and extra columns are ignored; "
                f"a plain array or list is read by position)"
            )
        clash = [c for c in wanted if c in repeated]
        if clash:
            raise ValueError(f"instance has duplicate columns {', '.join(plain(c) for c in clash)}; keep one of each")
        return [values[position[c]] for c in wanted]

    def _encode_value(self, j: int, value) -> float:
        name = self.feature_names[j]
        if self.categorical[j]:
            code = self._missing_code.get(j) if _is_missing(value) else self._code_of[j].get(value)
            if code is None:
                known = ", ".join(plain(v) for v in self.categories[j][:10])
                raise ValueError(
                    f"feature {name!r} has value {plain(value)}, which never occurs in the training data "
                    f"(known values: {known}); map it to a known category or rebuild the explainer with it"
                )
            return float(code)
        if j in self.datetimes:
            return _datetime_seconds(value, name, self.datetimes[j])
        if not _is_missing(value) and not isinstance(value, (numbers.Real, np.bool_)):
            raise ValueError(f"feature {name!r} is numeric but the instance has {plain(value)}; pass a number")
        if _is_missing(value) or not np.isfinite(value):
            raise ValueError(
                f"feature {name!r} is {plain(value)} in the instance; explain rows with finite values only"
            )
        return float(value)

    def display_values(self, encoded: np.ndarray) -> list:
        """Return the instance's values in the user's terms (JSON-safe; datetimes as ISO text)."""
        out = []
        for j, value in enumerate(encoded):
            if self.categorical[j]:
                raw = self.categories[j][int(value)]
                out.append(None if _is_missing(raw) else raw.item() if isinstance(raw, np.generic) else raw)
            elif j in self.datetimes:
                info = self.datetimes[j]
                on_grid = info.get("step") and float(value) % info["step"] == 0
                out.append(_format_seconds(float(value), info if on_grid else {**info, "step": None}))
            else:
                out.append(float(value))
        return out

    def value_formatter(self, j: int) -> Callable[[float], str]:
        """How to print an encoded value of feature ``j`` in a bin condition.

        >>> import numpy as np
        >>> X = np.array(["2021-03-04", "2021-06-01", "2022-01-01"], dtype="datetime64[D]")[:, None]
        >>> schema, encoded = TabularSchema.from_training(X, None, None, None)
        >>> schema.value_formatter(0)(encoded[1, 0])
        '2021-06-01'
        """
        if j in self.datetimes:
            info = self.datetimes[j]
            return lambda seconds: _format_seconds(float(seconds), info)
        return lambda value: f"{value:.2f}"

    # ---------------------------------------------------------- model inputs
    def decode(self, block: np.ndarray):
        """Turn encoded rows (n, n_features) into the user's layout for predict_fn."""
        if self.frame_columns is not None:
            return self._decode_frame(block)
        if self.sparse_type is not None:
            return self.sparse_type(block)
        if self.array_dtype is not None and len(self.datetimes) == self.n_features:
            out = np.empty(block.shape, dtype=self.array_dtype)
            for j, info in self.datetimes.items():
                out[:, j] = _to_datetime64(block[:, j], info)
            return out
        cat_idx = np.flatnonzero(self.categorical)
        whole = [j for j, kind in self.object_numbers.items() if kind == "int"]
        if not len(cat_idx) and not self.datetimes:
            if not whole:
                return block  # the sampler's private array: no copy needed
            out = block.copy()
            out[:, whole] = np.rint(out[:, whole])
            return out
        numeric_categories = not self.datetimes and all(
            all(isinstance(v, (numbers.Real, np.bool_)) for v in self.categories[j]) for j in cat_idx
        )
        out = block.copy() if numeric_categories else block.astype(object)
        for j in cat_idx:
            lookup = np.asarray(self.categories[j], dtype=np.float64 if numeric_categories else object)
            out[:, j] = lookup[block[:, j].astype(np.intp)]
        for j in whole:
            out[:, j] = np.rint(block[:, j]).astype(np.int64) if out.dtype == object else np.rint(block[:, j])
        for j, info in self.datetimes.items():
            stamps = _to_datetime64(block[:, j], info)
            # datetime64[us].astype(object) gives datetime.datetime; list() keeps numpy scalars.
            out[:, j] = (
                list(stamps) if info.get("scalar") == "numpy" else stamps.astype("datetime64[us]").astype(object)
            )
        return out

    def _decode_frame(self, block: np.ndarray):
        import pandas as pd

        data = {}
        for j, (column, dtype) in enumerate(zip(self.frame_columns, self.frame_dtypes)):
            if self.categorical[j]:
                values = pd.Series(np.asarray(self.categories[j], dtype=object)[block[:, j].astype(np.intp)])
            elif j in self.datetimes:
                values = pd.Series(_to_datetime64(block[:, j], self.datetimes[j]))
                if self.datetimes[j].get("tz") is not None:
                    values = values.dt.tz_localize("UTC").dt.tz_convert(self.datetimes[j]["tz"])
            elif _is_integer_dtype(dtype) or self.object_numbers.get(j) == "int":
                whole = np.rint(block[:, j])
                if _is_integer_dtype(dtype):
                    # Samples drawn without bins can leave the dtype's range (a negative uint8).
                    limits = np.iinfo(np.dtype(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype))
                    whole = np.clip(whole, limits.min, limits.max)
                values = pd.Series(whole.astype(np.int64) if getattr(dtype, "kind", "") == "O" else whole)
            else:
                values = pd.Series(block[:, j])
            data[column] = values.astype(dtype)
        return pd.DataFrame(data, columns=self.frame_columns)


def _is_integer_dtype(dtype) -> bool:
    """numpy or pandas nullable integer dtype: sampled values are rounded so the frame keeps its dtype."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in "iu"
    numpy_dtype = getattr(dtype, "numpy_dtype", None)  # pandas' Int8..UInt64 (and Float*, boolean: not integer)
    return type(dtype).__module__.startswith("pandas") and numpy_dtype is not None and numpy_dtype.kind in "iu"


def _is_category_dtype(dtype) -> bool:
    return type(dtype).__name__ == "CategoricalDtype" and type(dtype).__module__.startswith("pandas")


def _is_missing(value) -> bool:
    """None, NaN, pd.NA or NaT: a missing value whatever library wrote it."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return type(value).__name__ in ("NAType", "NaTType")


# ------------------------------------------------------------- training columns
def _densify(data):
    n_rows, n_columns = data.shape
    if n_rows * n_columns > MAX_DENSE_CELLS:
        raise ValueError(
            f"training_data is a scipy.sparse matrix of shape {data.shape}; the explainer needs dense columns "
            f"and densifying it would take {n_rows * n_columns * 8 / 1e9:.1f} GB. Pass a dense sample of rows, "
            f"e.g. X[rng.choice(X.shape[0], 10_000, replace=False)].toarray() (the sampling statistics need no "
            f"more), or a dense selection of the columns the model uses"
        )
    return data.toarray()


def _check_unique_columns(columns: list) -> None:
    seen, repeated = set(), []
    for c in columns:
        if c in seen and c not in repeated:
            repeated.append(c)
        seen.add(c)
    if repeated:
        raise ValueError(
            f"training_data has duplicate column names: {', '.join(plain(c) for c in repeated)}; rename or drop "
            f"them (rows are matched to the training columns by name)"
        )


def _frame_column(series) -> np.ndarray:
    """One DataFrame column as numpy; datetimes (tz-aware too) as naive UTC datetime64."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if getattr(series.dtype, "tz", None) is not None:
            series = series.dt.tz_convert(None)
        return series.to_numpy()
    numpy_dtype = getattr(series.dtype, "numpy_dtype", None)
    if not isinstance(series.dtype, np.dtype) and numpy_dtype is not None and numpy_dtype.kind in "iuf":
        # Nullable numbers (Int64, Float32, ...): numpy floats, pd.NA as NaN; the frame dtype is restored on decode.
        if series.isna().any():
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        return series.to_numpy(dtype=numpy_dtype)
    return series.to_numpy()


def _column_kind(column: np.ndarray) -> str:
    """Kind of a column, "numeric", "datetime" or "categorical", from the dtype or, for objects, from every value.

    Missing values do not decide the kind: numbers with a ``None`` among them
    are a numeric column with a missing value, not a category.
    """
    if column.dtype.kind in "iuf":
        return "numeric"
    if column.dtype.kind == "M":
        return "datetime"
    if column.dtype == object and len(column):
        # An object array's own items: numpy scalars stay numpy scalars.
        values = [v for v in column.tolist() if not _is_missing(v)]
        if values and all(_is_number(v) for v in values):
            return "numeric"
        if values and all(_is_datetime(v) for v in values):
            return "datetime"
    return "categorical"


def _encode_categories(column: np.ndarray) -> tuple[list, np.ndarray]:
    """Categorical column -> (values by code, float codes of shape (n_rows,)).

    Missing values share one code, last, holding the first missing marker met
    (``pd.NA`` for ``boolean``/``string`` columns, ``None`` or ``nan`` for
    objects), so the model gets back what it was trained on.
    """
    items = column.tolist()
    if column.dtype.kind in "biuSU":  # no missing marker fits these dtypes
        missing = [False] * len(items)
    else:
        missing = [_is_missing(v) for v in items]
    present = [v for v, m in zip(items, missing) if not m]
    if column.dtype == object:
        kept = np.empty(len(present), dtype=object)  # item by item: tuples stay items, not rows
        kept[:] = present
    else:
        kept = column[~np.array(missing, dtype=bool)]
    values = _unique_values(kept)
    code_of = {v: k for k, v in enumerate(values)}
    marker = next((v for v, m in zip(items, missing) if m), None)
    codes = [len(values) if m else code_of[v] for v, m in zip(items, missing)]
    if any(missing):
        values.append(marker)
    return values, np.asarray(codes, dtype=np.float64)


def _numeric_column(column: np.ndarray, name: str, dtype) -> np.ndarray:
    """Numeric column as float64; missing or infinite values are an error naming the column."""
    if column.dtype == object:
        numeric = np.array([np.nan if _is_missing(v) else v for v in column.tolist()], dtype=np.float64)
    else:
        numeric = column.astype(np.float64)
    finite = np.isfinite(numeric)
    if not np.all(finite):
        n_missing = int(np.count_nonzero(np.isnan(numeric)))
        n_infinite = len(numeric) - int(np.count_nonzero(finite)) - n_missing
        marker = "pd.NA" if dtype is not None and not isinstance(dtype, np.dtype) else "NaN"
        counts = [f"{n_missing} missing ({marker})"] * bool(n_missing) + [f"{n_infinite} infinite"] * bool(n_infinite)
        raise ValueError(
            f"training_data column {name!r} has NaN or infinite values: {' and '.join(counts)} of {len(numeric)} "
            f"rows. The sampler draws a numeric column from its observed distribution and has no value to give "
            f"for a missing one; impute or drop them before building the explainer (e.g. X[{name!r}].fillna(...) "
            f"or X.dropna(subset=[{name!r}]))"
        )
    return numeric


def _encode_datetimes(column: np.ndarray, name: str) -> tuple[dict, np.ndarray]:
    """Datetime column -> (JSON-safe description, float seconds since the epoch)."""
    import pandas as pd

    info = {"tz": None, "scalar": "numpy"}
    if column.dtype == object:
        if not all(isinstance(v, np.datetime64) for v in column):
            info["scalar"] = "python"
            timestamps = [pd.Timestamp(v) for v in column]
            zones = {str(t.tz) for t in timestamps if t.tz is not None}
            if zones and len(zones) < len(column):
                raise ValueError(
                    f"training_data column {name!r} mixes dates with and without time zones; "
                    f"convert them to one kind first"
                )
            if zones:
                info["tz"] = zones.pop() if len(zones) == 1 else "UTC"
                timestamps = [t.tz_convert("UTC").tz_localize(None) for t in timestamps]
            column = np.array([t.to_datetime64() for t in timestamps])
        else:
            column = np.array(list(column))
    info["unit"] = np.datetime_data(column.dtype)[0]
    seconds = _seconds(column)
    if not np.all(np.isfinite(seconds)):
        raise ValueError(f"training_data column {name!r} has missing dates (NaT); fill or drop them first")
    info["step"] = _time_step(seconds)
    return info, seconds


def _to_datetime64(seconds: np.ndarray, info: dict) -> np.ndarray:
    """Float seconds -> datetime64 in the column's unit, on the column's grid (dates stay dates)."""
    step = info.get("step")
    if step:
        seconds = np.rint(seconds / step) * step
    unit = info.get("unit", "us")
    per_tick = np.timedelta64(1, unit) / _SECOND
    return np.rint(seconds / per_tick).astype(np.int64).view(f"datetime64[{unit}]")


def _datetime_seconds(value, name: str, info: dict) -> float:
    import pandas as pd

    if _is_number(value) or not isinstance(value, (np.datetime64, datetime.date, str)):
        raise ValueError(f"feature {name!r} is a date but the instance has {plain(value)}; pass a datetime")
    try:
        stamp = pd.Timestamp(value)
    except ValueError:
        raise ValueError(f"feature {name!r} is a date but {plain(value)} cannot be read as one") from None
    if stamp is pd.NaT:
        raise ValueError(f"feature {name!r} is NaT in the instance; explain rows with a date")
    if stamp.tz is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    elif info.get("tz") is not None:  # a wall-clock time in the column's zone
        stamp = stamp.tz_localize(info["tz"]).tz_convert("UTC").tz_localize(None)
    return float(_seconds(stamp.to_datetime64()))


def _positional_values(instance) -> list:
    if _is_sparse(instance):
        if instance.shape[0] != 1:
            raise ValueError(f"instance must be one row; got a sparse matrix of shape {instance.shape}")
        return instance.toarray()[0].tolist()
    if isinstance(instance, np.ndarray) and instance.dtype.kind == "M":
        # astype(object) would turn datetime64[ns] into bare integers.
        if instance.ndim == 2 and instance.shape[0] == 1:
            instance = instance[0]
        if instance.ndim != 1:
            raise ValueError(f"instance must be one row (1-D), got an array of shape {instance.shape}")
        return list(instance)
    array = np.asarray(instance, dtype=object)
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1:
        raise ValueError(f"instance must be one row (1-D), got an array of shape {array.shape}")
    return array.tolist()


def _warn_id_columns(names: list, n_rows: int, is_frame: bool) -> None:
    shown = ", ".join(repr(n) for n in names)
    how = f"X.drop(columns=[{shown}])" if is_frame else "np.delete(X, [their indices], axis=1)"
    warnings.warn(
        f"column(s) {shown} hold a different value in every one of the {n_rows} training rows, like an ID; "
        f"such a column cannot explain a prediction and only adds noise. Drop it from the training data and "
        f"the rows you explain ({how}), and let predict_fn add it back if the model needs it",
        UserWarning,
        stacklevel=4,
    )


def _categorical_mask(categorical_features, names, kinds) -> np.ndarray:
    """Resolve categorical features given by index or name; non-numeric, non-date columns are categorical."""
    mask = np.array([kind == "categorical" for kind in kinds])
    for feature in categorical_features or ():
        if isinstance(feature, str):
            if feature not in names:
                raise ValueError(f"categorical feature {feature!r} is not a column; columns are {names}")
            mask[names.index(feature)] = True
        elif isinstance(feature, numbers.Integral) and 0 <= feature < len(names):
            mask[int(feature)] = True
        else:
            raise ValueError(
                f"categorical_features must hold column names or indices in [0, {len(names)}), got {plain(feature)}"
            )
    return mask


def _is_code(value) -> bool:
    return _is_number(value) and float(value).is_integer()


def _category_labels(categories, categorical_names, names) -> dict:
    labels = {}
    categorical_names = categorical_names or {}
    for j, values in categories.items():
        given = categorical_names.get(j, categorical_names.get(names[j]))
        if given is None:
            labels[j] = [str(v) for v in values]
            continue
        given = list(given)
        # lime's convention: names indexed by the integer category value.
        for v in values:
            if _is_code(v) and not 0 <= v < len(given):
                raise ValueError(
                    f"categorical_names for feature {names[j]!r} has {len(given)} names (codes 0 to "
                    f"{len(given) - 1}) but the training data has code {int(v)}; give one name per code"
                )
        labels[j] = [str(given[int(v)]) if _is_code(v) else str(v) for v in values]
    return labels
