"""pandas dtypes in tabular training frames: category columns and the nullable dtypes.

The model must get its columns back in the training dtypes, never a NaN the
user did not have, and the explanation must not depend on which of two
equivalent dtypes holds the data.
"""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from lime_kit import Explanation, TabularExplainer

N_ROWS = 400


def _explain(frame, row, predict_fn, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # reliability notes are not what these tests are about
        return TabularExplainer(frame, random_state=0, **kwargs).explain(row, predict_fn, num_samples=2000)


class Recorder:
    """A model that answers from column ``c`` and remembers what it was given."""

    def __init__(self, decisive):
        self.decisive = decisive
        self.frames = []

    def __call__(self, X):
        self.frames.append(X)
        hit = np.array([self.decisive(v) for v in X["c"].tolist()], dtype=float)
        p = 0.01 + 0.98 * hit
        return np.c_[1 - p, p]

    def seen(self):
        return pd.concat(self.frames, ignore_index=True)


def _weight(exp, name):
    return float(exp.weights(1)[exp.feature_names.index(name)])


# --------------------------------------------------------------- category dtype
def _region_frame(categories_as):
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 10, 500)
    region = codes if categories_as == "int" else codes.astype(str)
    return pd.DataFrame({"x": rng.normal(size=500), "region": pd.Categorical(region)})


def _region_model(seen):
    def predict(X):
        seen.append(X)
        p = np.where(X["region"].astype(str).to_numpy() == "7", 0.99, 0.01)
        return np.c_[1 - p, p]

    return predict


def test_integer_category_column_is_categorical_and_weighs_like_string_categories():
    weights, seen = {}, {}
    for kind in ("int", "str"):
        frame = _region_frame(kind)
        seen[kind] = []
        row = frame[frame["region"].astype(str) == "7"].iloc[[0]]
        exp = _explain(frame, row, _region_model(seen[kind]))
        weights[kind] = _weight(exp, "region")
        assert exp.feature_descriptions[1] == "region=7"
    given = pd.concat(seen["int"])
    assert given["region"].isna().sum() == 0
    assert given["region"].dtype == _region_frame("int")["region"].dtype
    assert set(given["region"].unique()) == set(range(10))
    assert weights["int"] > 0.9  # the flip from 0.01 to 0.99 is the whole prediction
    assert weights["int"] == pytest.approx(weights["str"], rel=1e-9)


def test_xgboost_categorical_model_gets_its_categories_back():
    xgb = pytest.importorskip("xgboost")
    frame = _region_frame("int")
    y = (frame["region"] == 7).astype(int)
    model = xgb.XGBClassifier(n_estimators=20, max_depth=2, enable_categorical=True, tree_method="hist")
    model.fit(frame, y)
    row = frame[frame["region"] == 7].iloc[[0]]
    seen = []

    def predict(X):
        seen.append(X)
        return model.predict_proba(X)

    exp = _explain(frame, row, predict)
    assert pd.concat(seen)["region"].isna().sum() == 0
    assert exp.as_list(1)[0][0] == "region=7"
    assert _weight(exp, "region") > 0.8


def test_missing_values_of_a_category_column_are_a_category_of_their_own():
    frame = _region_frame("str")
    frame.loc[frame.index[:40], "region"] = np.nan
    seen = []
    exp = _explain(frame, frame.iloc[[0]], _region_model(seen))
    given = pd.concat(seen)["region"]
    assert exp.feature_descriptions[1] == "region=nan"
    assert exp.instance[1] is None  # JSON null
    # The instance is missing, so its value stays missing in every row where region is kept.
    assert 0.05 < given.isna().mean() < 0.9
    assert set(given.dropna().unique()) == {str(k) for k in range(10)}


# --------------------------------------------------------------- nullable dtypes
NUMERIC_NULLABLE = {
    "Int8": "int8", "Int16": "int16", "Int32": "int32", "Int64": "int64",
    "UInt8": "uint8", "UInt16": "uint16", "UInt32": "uint32", "UInt64": "uint64",
    "Float32": "float32", "Float64": "float64",
}  # fmt: skip


def _numeric_frame(dtype):
    rng = np.random.default_rng(1)
    return pd.DataFrame({"x": rng.normal(size=N_ROWS), "c": pd.array(rng.integers(0, 9, N_ROWS), dtype=dtype)})


@pytest.mark.parametrize("nullable", list(NUMERIC_NULLABLE))
def test_nullable_number_column_reaches_the_model_in_its_dtype_and_weighs_like_numpy(nullable):
    results = {}
    for dtype in (nullable, NUMERIC_NULLABLE[nullable]):
        frame = _numeric_frame(dtype)
        model = Recorder(lambda v: v >= 6)
        exp = _explain(frame, frame[frame["c"] == 7].iloc[[0]], model)
        given = model.seen()
        assert given["c"].dtype == frame["c"].dtype
        assert not given["c"].isna().any()
        assert given["c"].between(0, 8).all()
        if nullable[0] in "IU":
            assert (given["c"].astype("float64") % 1 == 0).all()
        results[dtype] = (_weight(exp, "c"), exp.feature_descriptions)
    (w_nullable, names_nullable), (w_numpy, names_numpy) = results.values()
    assert w_nullable > 0.5
    assert w_nullable == pytest.approx(w_numpy, rel=1e-9)
    assert names_nullable == names_numpy


@pytest.mark.parametrize("nullable", list(NUMERIC_NULLABLE))
def test_nullable_number_column_with_missing_values_is_refused_by_name(nullable):
    frame = _numeric_frame(nullable)
    frame.loc[[3, 7], "c"] = pd.NA
    with pytest.raises(ValueError, match=r"column 'c' has NaN or infinite values: 2 missing \(pd.NA\) of 400 rows"):
        TabularExplainer(frame)


@pytest.mark.parametrize("integer", ["uint8", "UInt8", "Int8"])
def test_unbinned_samples_stay_inside_a_small_integer_dtype(integer):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=N_ROWS), "c": pd.array(rng.integers(0, 3, N_ROWS), dtype=integer)})
    model = Recorder(lambda v: v >= 1)
    _explain(frame, frame.iloc[[0]], model, discretize_continuous=False)
    given = model.seen()["c"]
    assert given.dtype == frame["c"].dtype
    assert given.min() >= np.iinfo(integer.lower()).min


CATEGORY_NULLABLE = {
    "boolean": (np.array([True, False]), bool),
    "string": (np.array(["low", "mid", "high"]), object),
}


def _category_frame(dtype, with_na, plain):
    rng = np.random.default_rng(3)
    values, plain_dtype = CATEGORY_NULLABLE[dtype]
    drawn = rng.choice(values, N_ROWS).astype(object)
    if with_na:
        drawn[rng.choice(N_ROWS, 60, replace=False)] = None
    column = pd.Series(drawn, dtype=object if (plain and with_na) else plain_dtype if plain else dtype)
    return pd.DataFrame({"x": rng.normal(size=N_ROWS), "c": column})


@pytest.mark.parametrize("with_na", [False, True], ids=["complete", "with_na"])
@pytest.mark.parametrize("dtype", list(CATEGORY_NULLABLE))
def test_nullable_category_column_reaches_the_model_in_its_dtype_and_weighs_like_numpy(dtype, with_na):
    decisive = {"boolean": lambda v: v is True, "string": lambda v: isinstance(v, str) and v == "high"}[dtype]
    results = {}
    for plain in (False, True):
        frame = _category_frame(dtype, with_na, plain)
        model = Recorder(decisive)
        row = frame[frame["c"].map(lambda v: decisive(v) is True)].iloc[[0]]
        exp = _explain(frame, row, model)
        given = model.seen()["c"]
        assert given.dtype == frame["c"].dtype
        # Missing values reach the model only if training had them, and about as often.
        observed, trained = given.isna().mean(), frame["c"].isna().mean()
        assert observed == 0 if not with_na else 0.5 * trained < observed < 1.5 * trained
        if not plain and with_na:
            assert all(v is pd.NA for v in given[given.isna()])
        results[plain] = (_weight(exp, "c"), exp)
    (w_nullable, exp_nullable), (w_plain, _) = results[False], results[True]
    assert w_nullable > 0.5
    assert w_nullable == pytest.approx(w_plain, rel=1e-9)
    assert Explanation.from_json(exp_nullable.to_json()) == exp_nullable


@pytest.mark.parametrize("dtype", list(CATEGORY_NULLABLE))
def test_row_with_a_missing_category_is_explained_and_serializes(dtype):
    frame = _category_frame(dtype, with_na=True, plain=False)
    row = frame[frame["c"].isna()].iloc[[0]]
    exp = _explain(frame, row, Recorder(lambda v: v is pd.NA))
    assert exp.feature_descriptions[1] == "c=<NA>"
    assert exp.as_list(1)[0][0] == "c=<NA>"
    assert exp.instance[1] is None
    json.dumps(TabularExplainer(frame).training_data_stats)


def test_numbers_with_a_none_stay_numeric_and_are_refused():
    frame = pd.DataFrame({"c": pd.Series([1, 2, None, 4] * 10, dtype=object)})
    with pytest.raises(ValueError, match=r"column 'c' has NaN or infinite values: 1\d missing"):
        TabularExplainer(frame)


@pytest.mark.parametrize("dtype", list(CATEGORY_NULLABLE))
def test_an_anchor_over_nullable_categories_with_missing_values_serializes(dtype):
    frame = _category_frame(dtype, with_na=True, plain=False)
    # A column the rule does not hold, missing in most rows: its missing values reach the examples.
    frame["d"] = pd.array([None if i % 10 < 7 else v for i, v in enumerate(frame["c"])], dtype=frame["c"].dtype)
    decisive = {"boolean": lambda v: v is True, "string": lambda v: isinstance(v, str) and v == "high"}[dtype]
    row = frame[frame["c"].map(lambda v: decisive(v) is True)].iloc[[0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exp = TabularExplainer(frame, random_state=0).explain(row, Recorder(decisive), method="anchors")
    assert exp.anchor_features == (1,)
    examples = exp.anchor_examples
    missing = [row for rows in (examples.get("kept_inputs", []), examples.get("changed_inputs", [])) for row in rows]
    assert any(row[2] is None for row in missing)  # pd.NA in the model's input is None in the JSON
    assert all(isinstance(value, (bool, str, float, int)) or value is None for row in missing for value in row)
    assert Explanation.from_json(exp.to_json()) == exp
