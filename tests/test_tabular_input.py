"""What TabularExplainer accepts as rows and columns: names, column kinds, sparse data, bad names."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from lime_kit import TabularExplainer
from lime_kit.datasets import LOAN_CATEGORICAL, load_loan_approval
from lime_kit.tabular.discretize import bin_description


def weight_of(explanation, feature_index, label=None):
    label = explanation.labels[0] if label is None else label
    return dict(explanation.as_map()[label]).get(feature_index, 0.0)


# ------------------------------------------------------------ rows by name
@pytest.fixture(scope="module")
def loan():
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X, y = load_loan_approval(return_X_y=True)
    numeric = [c for c in X.columns if c not in LOAN_CATEGORICAL]
    encode = make_column_transformer((OneHotEncoder(), LOAN_CATEGORICAL), (StandardScaler(), numeric))
    model = make_pipeline(encode, LogisticRegression(max_iter=500)).fit(X, y)
    explainer = TabularExplainer(X, class_names=["declined", "approved"], random_state=0)
    return X, model, explainer


def test_shuffled_dataframe_columns_give_the_same_explanation(loan):
    X, model, explainer = loan
    shuffled = list(np.random.default_rng(0).permutation(X.columns))
    assert shuffled != list(X.columns)
    original = explainer.explain(X.iloc[[10]], model.predict_proba, num_samples=500)
    for row in (X.iloc[[10]][shuffled], X.iloc[10][shuffled]):
        exp = explainer.explain(row, model.predict_proba, num_samples=500)
        assert exp.as_list() == original.as_list()
        assert exp.prediction == original.prediction
        assert exp.instance == original.instance


def test_shuffled_numeric_columns_are_not_read_by_position():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300) * 5, "c": rng.normal(size=300)})
    model = lambda f: 2.0 * np.asarray(f["a"]) - np.asarray(f["c"])
    explainer = TabularExplainer(frame, mode="regression", random_state=0)
    original = explainer.explain(frame.iloc[[3]], model, num_samples=300)
    shuffled = explainer.explain(frame.iloc[[3]][["c", "a", "b"]], model, num_samples=300)
    assert shuffled.as_list() == original.as_list()


def test_missing_column_in_a_dataframe_row_is_named(loan):
    X, model, explainer = loan
    with pytest.raises(ValueError, match="missing.*'income'"):
        explainer.explain(X.iloc[[10]].drop(columns="income"), model.predict_proba)
    with pytest.raises(ValueError, match="missing.*'income'"):
        explainer.explain(X.iloc[10].drop("income"), model.predict_proba)


def test_extra_columns_in_a_dataframe_row_are_ignored(loan):
    X, model, explainer = loan
    original = explainer.explain(X.iloc[[10]], model.predict_proba, num_samples=300)
    extra = X.iloc[[10]].assign(applicant="Ann", score=0.3)
    assert explainer.explain(extra, model.predict_proba, num_samples=300).as_list() == original.as_list()


def test_plain_array_row_is_still_read_by_position(loan):
    X, model, explainer = loan
    original = explainer.explain(X.iloc[[10]], model.predict_proba, num_samples=300)
    as_array = explainer.explain(X.iloc[10].to_numpy(), model.predict_proba, num_samples=300)
    assert as_array.as_list() == original.as_list()


# ------------------------------------------------- numbers in object columns
def numbers_as_objects(n=400):
    rng = np.random.default_rng(2)
    return pd.DataFrame(
        {
            "income": pd.Series(rng.normal(50, 10, n).round(1), dtype=object),
            "children": pd.Series(rng.integers(0, 4, n).tolist(), dtype=object),
            "noise": rng.normal(size=n),
        }
    )


def test_numbers_in_an_object_column_are_explained_as_numbers():
    frame = numbers_as_objects()
    received = []

    def model(f):
        received.append(f)
        return 0.1 * f["income"].to_numpy(dtype=float)

    explainer = TabularExplainer(frame, mode="regression", random_state=0)
    exp = explainer.explain(frame.iloc[[0]], model, num_samples=500)
    top_name = exp.as_list()[0][0]
    assert "income" in top_name and "income=" not in top_name  # a bin, not a category
    batch = received[0]
    assert batch["income"].dtype == object and batch["children"].dtype == object
    assert all(isinstance(v, float) for v in batch["income"])
    assert all(isinstance(v, int) for v in batch["children"])  # integers stay whole
    assert pd.to_numeric(batch["income"]).between(frame["income"].min(), frame["income"].max()).all()
    assert len(set(batch["income"])) > 50  # values were drawn, not picked from the training ones


def test_numbers_in_an_object_array_are_explained_as_numbers():
    frame = numbers_as_objects()
    X = frame.to_numpy(dtype=object)
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    exp = explainer.explain(X[0], lambda rows: 0.1 * np.asarray(rows, dtype=float)[:, 0], num_samples=500)
    assert exp.as_list()[0][0] == "x0"
    assert exp.payload["categorical"] == [False, False, False]


# ---------------------------------------------------------------- datetimes
def signups(n=400):
    rng = np.random.default_rng(3)
    days = rng.integers(0, 3 * 365, n)
    return pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "signup_date": pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"),
            "color": rng.choice(["red", "blue"], n),
        }
    )


def test_datetime_column_is_continuous_and_reaches_the_model_as_datetimes():
    frame = signups()
    received = []

    def model(f):
        received.append(f)
        p = 1 / (1 + np.exp(-0.2 * (f["income"].to_numpy() - 50)))
        return np.column_stack([1 - p, p])

    explainer = TabularExplainer(frame, random_state=0)
    exp = explainer.explain(frame.iloc[[5]], model, labels=[1], num_samples=1000)
    assert exp.payload["categorical"] == [False, False, True]
    assert abs(weight_of(exp, 1)) < 0.03  # the model ignores the date
    assert exp.as_list(1)[0][0].startswith(("income", "4", "5", "6"))
    batch = received[0]
    assert batch["signup_date"].dtype == frame["signup_date"].dtype
    assert batch["signup_date"].between(frame["signup_date"].min(), frame["signup_date"].max()).all()
    assert (batch["signup_date"] == batch["signup_date"].dt.normalize()).all()  # dates stay dates
    assert exp.instance[1] == str(frame["signup_date"].iloc[5].date())  # shown as a date
    assert len(set(batch["signup_date"])) > 30


def test_datetime_bins_are_described_as_dates():
    frame = signups()
    explainer = TabularExplainer(frame, random_state=0)
    cuts = explainer.training_data_stats["features"][1]["cuts"]
    fmt = explainer.schema.value_formatter(1)
    descriptions = [bin_description("signup_date", cuts, i, fmt) for i in range(len(cuts) + 1)]
    assert re.fullmatch(r"signup_date <= \d{4}-\d\d-\d\d", descriptions[0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d < signup_date <= \d{4}-\d\d-\d\d", descriptions[1])
    dates = [pd.Timestamp(d.split()[-1]) for d in (descriptions[0], descriptions[-1])]
    assert frame["signup_date"].min() <= dates[0] <= dates[1] <= frame["signup_date"].max()


def test_explanations_describe_datetime_bins_as_dates():
    frame = signups()
    model = lambda f: np.column_stack([np.full(len(f), 0.5), np.full(len(f), 0.5)])
    exp = TabularExplainer(frame, random_state=0).explain(frame.iloc[[5]], model, num_samples=100)
    date = r"\d{4}-\d\d-\d\d"
    assert re.fullmatch(rf"signup_date (<=|>) {date}|{date} < signup_date <= {date}", exp.feature_descriptions[1])


def test_numpy_datetimes_are_continuous_and_come_back_as_datetime64():
    frame = signups()
    X = np.empty((len(frame), 2), dtype=object)
    X[:, 0] = frame["income"].to_numpy()
    X[:, 1] = list(frame["signup_date"].to_numpy().astype("datetime64[D]"))
    received = []
    model = lambda rows: (received.append(rows), np.asarray(rows[:, 0], dtype=float))[1]
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    exp = explainer.explain(X[5], model, num_samples=300)
    assert exp.payload["categorical"] == [False, False]
    assert all(isinstance(v, np.datetime64) for v in received[0][:, 1])
    dates = received[0][:, 1].astype("datetime64[D]")
    assert dates.min() >= X[:, 1].min() and dates.max() <= X[:, 1].max()


def test_all_datetime64_array_comes_back_with_its_dtype():
    X = np.random.default_rng(0).integers(0, 10**9, (100, 2)).astype("datetime64[s]")
    X[:, 1] = X[:, 1].astype("datetime64[D]")  # a column of whole days
    received = []
    model = lambda rows: (received.append(rows), (rows[:, 0] - rows[:, 1]).astype(float))[1]
    TabularExplainer(X, mode="regression", random_state=0).explain(X[0], model, num_samples=100)
    assert received[0].dtype == X.dtype
    assert np.all(received[0][:, 1] == received[0][:, 1].astype("datetime64[D]"))  # still whole days
    assert len(np.unique(received[0][:, 0])) > 20


# ----------------------------------------------------------------- ID columns
@pytest.mark.parametrize("ids", [np.arange(100, 200), [f"C{i:04d}" for i in range(100)]])
def test_column_with_a_distinct_value_in_every_row_warns(ids):
    frame = pd.DataFrame({"customer_id": ids, "income": np.random.default_rng(0).normal(size=100)})
    with pytest.warns(UserWarning, match=r"'customer_id'.*every.*drop"):
        TabularExplainer(frame)


def test_continuous_or_small_columns_do_not_warn_as_ids():
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TabularExplainer(pd.DataFrame({"income": rng.normal(size=100), "age": rng.integers(18, 70, 100)}))
        TabularExplainer(np.arange(10.0)[:, None] * [1, 1])


# ------------------------------------------------------------------ sparse
def test_sparse_training_data_and_rows_explain_like_dense_ones():
    rng = np.random.default_rng(0)
    dense = np.where(rng.random((200, 5)) < 0.3, rng.normal(size=(200, 5)), 0.0)
    received = []
    model = lambda rows: (received.append(type(rows)), np.ravel(rows @ np.array([1.0, -2.0, 0.0, 0.5, 0.0])))[1]
    reference = TabularExplainer(dense, mode="regression", random_state=0).explain(dense[3], model, num_samples=300)
    for kind in (sp.csr_matrix, sp.csc_matrix, sp.csr_array):
        explainer = TabularExplainer(kind(dense), mode="regression", random_state=0)
        received.clear()
        assert explainer.explain(sp.csr_matrix(dense[3]), model, num_samples=300) == reference
        assert explainer.explain(dense[3], model, num_samples=300) == reference
        assert set(received) == {kind}  # the model gets the sparse format it was trained on


def test_huge_sparse_training_data_is_refused_with_what_to_pass():
    huge = sp.csr_matrix((2_000_000, 5_000))
    with pytest.raises(ValueError, match=r"sparse.*toarray\(\)"):
        TabularExplainer(huge)


# --------------------------------------------------------------- bad names
def test_duplicate_column_names_are_named():
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 4)), columns=["a", "b", "a", "c"])
    with pytest.raises(ValueError, match="duplicate column names.*'a'"):
        TabularExplainer(frame)


def test_categorical_names_shorter_than_the_codes_are_refused():
    X = np.column_stack([np.random.default_rng(0).normal(size=60), np.arange(60) % 3])
    with pytest.raises(ValueError, match=r"categorical_names for feature 'x1'.*code 2"):
        TabularExplainer(X, categorical_features=[1], categorical_names={1: ["low", "mid"]})


def test_messages_show_numpy_scalars_plainly():
    frame = pd.DataFrame({"income": np.linspace(0, 1, 30), "color": ["red", "blue", "green"] * 10})
    explainer = TabularExplainer(frame, random_state=0)
    model = lambda f: np.full((len(f), 2), 0.5)
    with pytest.raises(ValueError, match=r"feature 'income' is nan in") as nan_error:
        explainer.explain([np.float64("nan"), "red"], model)
    with pytest.raises(ValueError, match=r"has value 'purple'.*known values: 'blue', 'green', 'red'") as error:
        explainer.explain([np.float64(0.5), np.str_("purple")], model)
    assert "np." not in str(nan_error.value) + str(error.value)
