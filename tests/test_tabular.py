"""Behaviour of TabularExplainer: ground truth, reproducibility, inputs, errors."""

import json
import pickle
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from lime_kit import Explanation, TabularExplainer


@pytest.fixture(scope="module")
def gaussian_data():
    scales = np.array([1.0, 3.0, 0.5, 2.0, 1.0, 0.2])
    return np.random.default_rng(0).normal(size=(400, 6)) * scales


def two_feature_classifier(rows):
    """P(class 1) depends only on features 2 (numeric) and 5 (categorical code)."""
    rows = np.asarray(rows, dtype=float)
    logit = 3.0 * rows[:, 2] + 2.5 * (rows[:, 5] == 1) - 1.0
    p = 1 / (1 + np.exp(-logit))
    return np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def mixed_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 6))
    X[:, 5] = rng.integers(0, 3, size=500)
    return X


def top_features(explanation, k, label=None):
    return {index for index, _ in explanation.as_map()[label if label is not None else explanation.labels[0]][:k]}


# ----------------------------------------------------------------- ground truth
def test_linear_model_weights_follow_coefficients(gaussian_data):
    w = np.array([2.0, -1.0, 4.0, 0.5, -3.0, 1.5])
    explainer = TabularExplainer(gaussian_data, mode="regression", discretize_continuous=False, random_state=0)
    exp = explainer.explain(gaussian_data[0], lambda X: X @ w, num_features=6)
    weights = exp.weights()
    assert np.array_equal(np.sign(weights), np.sign(w))
    expected_rank = np.argsort(-np.abs(w * gaussian_data.std(axis=0)))
    assert [i for i, _ in exp.as_map()[0]] == expected_rank.tolist()
    assert exp.score[0] > 0.99
    assert exp.local_pred[0] == pytest.approx(exp.prediction[0], rel=0.05)


@pytest.mark.parametrize("discretize", [True, False])
def test_classifier_on_two_features_ranks_them_first(mixed_data, discretize):
    explainer = TabularExplainer(
        mixed_data, categorical_features=[5], discretize_continuous=discretize, random_state=0
    )
    instance = mixed_data[np.argmin(np.abs(mixed_data[:, 2]) + (mixed_data[:, 5] != 1))]
    exp = explainer.explain(instance, two_feature_classifier, labels=[1], num_features=4)
    assert top_features(exp, 2) == {2, 5}


def test_default_label_is_the_predicted_class(mixed_data):
    explainer = TabularExplainer(mixed_data, categorical_features=[5], random_state=0)
    for row in mixed_data[:5]:
        predicted = int(np.argmax(two_feature_classifier(row[None])[0]))
        assert explainer.explain(row, two_feature_classifier, num_samples=200).labels == (predicted,)


# -------------------------------------------------------------- reproducibility
def test_same_seed_gives_identical_explanations(mixed_data):
    make = lambda seed: TabularExplainer(mixed_data, categorical_features=[5], random_state=seed)
    a = make(3).explain(mixed_data[1], two_feature_classifier, num_samples=300)
    b = make(3).explain(mixed_data[1], two_feature_classifier, num_samples=300)
    assert a == b and a.random_state == 3


def test_repeated_explain_calls_agree_without_a_seed(mixed_data):
    explainer = TabularExplainer(mixed_data)
    first = explainer.explain(mixed_data[1], two_feature_classifier, num_samples=300)
    assert explainer.explain(mixed_data[1], two_feature_classifier, num_samples=300) == first
    # The seed actually used is recorded, so the explanation can be reproduced.
    again = TabularExplainer(mixed_data, random_state=first.random_state)
    assert again.explain(mixed_data[1], two_feature_classifier, num_samples=300) == first


def test_different_seeds_draw_different_samples(mixed_data):
    seen = []
    model = lambda X: (seen.append(np.array(X)), two_feature_classifier(X))[1]
    explainer = TabularExplainer(mixed_data, random_state=0)
    explainer.explain(mixed_data[1], model, num_samples=100, random_state=1)
    explainer.explain(mixed_data[1], model, num_samples=100, random_state=2)
    first, second = seen[-2:]  # the explanations' samples (the model's first call learned the bins)
    assert np.array_equal(first[0], second[0])  # row 0 is the instance
    assert not np.array_equal(first[1:], second[1:])


def test_global_numpy_state_is_untouched(mixed_data):
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    TabularExplainer(mixed_data, random_state=0).explain(mixed_data[0], two_feature_classifier, num_samples=100)
    assert np.random.random() == expected


# --------------------------------------------------------------- modes and inputs
def test_regression_returns_one_label():
    X = np.random.default_rng(2).normal(size=(300, 3))
    exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0] - r[:, 1])
    assert exp.labels == (0,) and exp.mode == "regression"
    assert exp.prediction[0] == pytest.approx(X[0, 0] - X[0, 1])
    assert exp.model_output == [pytest.approx(X[0, 0] - X[0, 1])]


def test_multiclass_top_labels_are_the_most_probable():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    y = np.argmax(X[:, :3], axis=1)
    model = LogisticRegression(max_iter=500).fit(X, y)
    exp = TabularExplainer(X, random_state=0).explain(X[0], model.predict_proba, top_labels=2, num_samples=500)
    expected = tuple(np.argsort(-model.predict_proba(X[:1])[0])[:2])
    assert exp.labels == expected
    assert set(exp.as_map()) == set(expected)


def loan_frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "age": rng.integers(18, 70, n),
            "color": rng.choice(["red", "green", "blue"], n),
            "noise": rng.normal(size=n),
        }
    )


def frame_model(frame):
    assert isinstance(frame, pd.DataFrame)
    p = 1 / (1 + np.exp(-(2.0 * (frame["color"] == "red") + 0.1 * (frame["income"] - 50) - 1)))
    return np.column_stack([1 - p, p])


def test_dataframe_with_string_categories_reaches_the_model_as_a_frame():
    frame = loan_frame()
    received = []
    model = lambda f: (received.append(f), frame_model(f))[1]
    explainer = TabularExplainer(frame, class_names=["no", "yes"], random_state=0)
    row = frame.iloc[[int(np.flatnonzero(frame["color"] == "red")[0])]]
    exp = explainer.explain(row, model, labels=[1], num_features=2, num_samples=500)
    batch = received[0]
    assert list(batch.columns) == list(frame.columns)
    assert list(batch.dtypes) == list(frame.dtypes)
    assert set(batch["color"]) <= {"red", "green", "blue"}
    assert batch["age"].between(18, 69).all()
    assert exp.as_list(1)[0][0] == "color=red"
    assert top_features(exp, 2) == {0, 2}


def test_training_data_stats_replace_the_training_data():
    frame = loan_frame()
    full = TabularExplainer(frame, random_state=0)
    row = frame.iloc[0].to_numpy()
    a = full.explain(row, frame_model_from_array, num_samples=300)
    # Taken after explaining: the statistics hold the bins learned from this model.
    stats = json.loads(json.dumps(full.training_data_stats))
    light = TabularExplainer(training_data_stats=stats, random_state=0)
    b = light.explain(row, frame_model_from_array, num_samples=300)
    assert a.as_list() == b.as_list()


def frame_model_from_array(rows):
    rows = np.asarray(rows, dtype=object)
    p = 1 / (1 + np.exp(-(2.0 * (rows[:, 2] == "red") + 0.1 * (rows[:, 0].astype(float) - 50) - 1)))
    return np.column_stack([1 - p, p]).astype(float)


@pytest.mark.parametrize("method", ["none", "highest_weights", "forward_selection", "lasso_path", "auto"])
def test_every_feature_selection_finds_the_true_features(mixed_data, method):
    explainer = TabularExplainer(mixed_data, categorical_features=[5], random_state=0)
    instance = mixed_data[np.argmin(np.abs(mixed_data[:, 2]) + (mixed_data[:, 5] != 1))]
    exp = explainer.explain(instance, two_feature_classifier, labels=[1], num_features=2, feature_selection=method)
    if method == "none":
        assert len(exp.as_list(1)) == 6
    else:
        assert len(exp.as_list(1)) == 2
    assert top_features(exp, 2, label=1) == {2, 5}


def test_user_model_regressor_is_used(gaussian_data):
    w = np.array([2.0, -1.0, 4.0, 0.5, -3.0, 1.5])
    explainer = TabularExplainer(gaussian_data, mode="regression", discretize_continuous=False, random_state=0)
    builtin = explainer.explain(gaussian_data[0], lambda X: X @ w, num_features=6)
    heavy = explainer.explain(gaussian_data[0], lambda X: X @ w, num_features=6, model_regressor=Ridge(alpha=5000.0))
    assert np.array_equal(np.sign(heavy.weights()), np.sign(w))
    assert np.all(np.abs(heavy.weights()) < np.abs(builtin.weights()))  # the strong penalty shrinks


@pytest.mark.parametrize("discretize", [True, False])
def test_constant_column_gets_weight_zero(discretize):
    X = np.random.default_rng(4).normal(size=(200, 3))
    X[:, 1] = 7.0
    seen = []
    model = lambda r: (seen.append(np.array(r)), r[:, 0] + r[:, 1])[1]
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=discretize, random_state=0)
    instance = np.array([0.5, 9.0, 0.1])
    exp = explainer.explain(instance, model, num_samples=300)
    assert exp.weights()[1] == 0.0
    assert np.all(seen[-1][:, 1] == 9.0)  # held at the instance's value


def test_callers_data_is_not_modified():
    frame = loan_frame()
    frame_copy = frame.copy()
    X = np.random.default_rng(5).normal(size=(100, 3))
    X_copy, instance = X.copy(), X[0].copy()
    TabularExplainer(frame, random_state=0).explain(frame.iloc[[0]], frame_model, num_samples=100)
    TabularExplainer(X, mode="regression", random_state=0).explain(instance, lambda r: r.sum(axis=1), num_samples=100)
    pd.testing.assert_frame_equal(frame, frame_copy)
    assert np.array_equal(X, X_copy) and np.array_equal(instance, X[0])


@pytest.mark.parametrize("discretizer", ["quartile", "decile", "entropy"])
def test_discretizers_describe_bins_that_contain_the_instance(mixed_data, discretizer):
    labels = (mixed_data[:, 2] > 0).astype(int)
    explainer = TabularExplainer(mixed_data, discretizer=discretizer, training_labels=labels, random_state=0)
    exp = explainer.explain(mixed_data[0], two_feature_classifier, num_samples=200, feature_selection="none")
    value = mixed_data[0, 2]
    description = exp.feature_descriptions[2]
    bounds = [float(number) for number in re.findall(r"-?\d+\.\d+", description)]
    low = bounds[0] if description.startswith(("x2 >", f"{bounds[0]:.2f} <")) else -np.inf
    high = bounds[-1] if "<=" in description else np.inf
    assert low - 0.005 < value <= high + 0.005


def test_user_discretizer_object_sets_the_cut_points(mixed_data):
    class AtZero:
        def cut_points(self, values, labels):
            return np.array([0.0])

    exp = TabularExplainer(mixed_data, discretizer=AtZero(), random_state=0).explain(
        mixed_data[0], two_feature_classifier, num_samples=100
    )
    assert exp.feature_descriptions[0] in ("x0 <= 0.00", "x0 > 0.00")


def test_explainer_pickles(mixed_data):
    explainer = TabularExplainer(mixed_data, random_state=0)
    clone = pickle.loads(pickle.dumps(explainer))
    a = explainer.explain(mixed_data[0], two_feature_classifier, num_samples=100)
    assert clone.explain(mixed_data[0], two_feature_classifier, num_samples=100) == a


def test_batches_respect_batch_size(mixed_data):
    sizes = []
    model = lambda r: (sizes.append(len(r)), two_feature_classifier(r))[1]
    TabularExplainer(mixed_data, random_state=0).explain(mixed_data[0], model, num_samples=1000, batch_size=300)
    # The 2,000 rows that learn the bins come first, in batches of 300 as well.
    assert sizes == [300] * 6 + [200] + [300, 300, 300, 100]


def test_kernel_width_and_custom_kernel(mixed_data):
    narrow = TabularExplainer(mixed_data, kernel_width=0.5, random_state=0)
    exp = narrow.explain(mixed_data[0], two_feature_classifier, num_samples=300)
    assert exp.kernel_width == 0.5
    flat = TabularExplainer(mixed_data, kernel=lambda d: np.ones_like(d), random_state=0)
    exp = flat.explain(mixed_data[0], two_feature_classifier, num_samples=300)
    assert exp.kernel_width is None and exp.effective_sample_size == pytest.approx(300)


# ----------------------------------------------------------------------- errors
@pytest.fixture(scope="module")
def frame_explainer():
    return TabularExplainer(loan_frame(), random_state=0)


def test_error_nan_in_instance(frame_explainer):
    row = loan_frame().iloc[0].copy()
    row["income"] = np.nan
    with pytest.raises(ValueError, match="feature 'income' is nan"):
        frame_explainer.explain(row, frame_model)


def test_error_infinity_in_training_data():
    X = np.random.default_rng(0).normal(size=(50, 3))
    X[4, 1] = np.inf
    with pytest.raises(ValueError, match="column 'x1' has NaN or infinite values"):
        TabularExplainer(X)


def test_error_instance_of_wrong_length(frame_explainer):
    with pytest.raises(ValueError, match="instance has 3 values but the explainer was built on 4 features"):
        frame_explainer.explain([50.0, 30, "red"], frame_model)


def test_error_unknown_category(frame_explainer):
    with pytest.raises(ValueError, match="feature 'color' has value 'purple'.*known values"):
        frame_explainer.explain([50.0, 30, "purple", 0.0], frame_model)


def test_error_too_few_samples(frame_explainer):
    with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
        frame_explainer.explain(loan_frame().iloc[[0]], frame_model, num_samples=1)


def test_error_wrong_output_shape(mixed_data):
    explainer = TabularExplainer(mixed_data, random_state=0)
    with pytest.raises(ValueError, match=r"must return class probabilities.*predict_proba"):
        explainer.explain(mixed_data[0], lambda r: r[:, 0], num_samples=50)


def test_error_nan_output(mixed_data):
    explainer = TabularExplainer(mixed_data, mode="regression", random_state=0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        explainer.explain(mixed_data[0], lambda r: np.full(len(r), np.nan), num_samples=50)


def test_error_label_not_explained(mixed_data):
    exp = TabularExplainer(mixed_data, random_state=0).explain(
        mixed_data[0], two_feature_classifier, labels=[0], num_samples=50
    )
    with pytest.raises(ValueError, match=r"label 1 was not explained; explained labels are \[0\]"):
        exp.as_list(1)


def test_error_bad_arguments(mixed_data):
    with pytest.raises(ValueError, match="mode must be"):
        TabularExplainer(mixed_data, mode="ranking")
    with pytest.raises(ValueError, match="discretizer must be"):
        TabularExplainer(mixed_data, discretizer="tertile")
    with pytest.raises(ValueError, match="needs the training target"):
        TabularExplainer(mixed_data, discretizer="entropy")
    with pytest.raises(ValueError, match="exactly one of training_data and training_data_stats"):
        TabularExplainer()
    with pytest.raises(ValueError, match="not a column"):
        TabularExplainer(loan_frame(), categorical_features=["colour"])
    explainer = TabularExplainer(mixed_data, random_state=0)
    with pytest.raises(ValueError, match="feature_selection must be one of"):
        explainer.explain(mixed_data[0], two_feature_classifier, feature_selection="best")
    with pytest.raises(ValueError, match="label 7 is not a column"):
        explainer.explain(mixed_data[0], two_feature_classifier, labels=[7], num_samples=50)


# ------------------------------------------------------------------ explanation
def test_json_round_trip_gives_an_equal_object():
    explainer = TabularExplainer(loan_frame(), class_names=["no", "yes"], random_state=0)
    exp = explainer.explain(loan_frame().iloc[[0]], frame_model, top_labels=2, num_samples=200)
    restored = Explanation.from_dict(json.loads(json.dumps(exp.to_dict())))
    assert restored == exp
    assert restored.as_map() == exp.as_map() and restored.labels == exp.labels


def test_as_list_is_sorted_by_absolute_weight(mixed_data):
    exp = TabularExplainer(mixed_data, random_state=0).explain(
        mixed_data[0], two_feature_classifier, feature_selection="none", num_samples=300
    )
    magnitudes = [abs(w) for _, w in exp.as_list()]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert [exp.feature_descriptions[i] for i, _ in exp.as_map()[exp.labels[0]]] == [d for d, _ in exp.as_list()]


# ------------------------------------------------------------ sampling scheme
def record_inputs(received):
    def model(rows):
        received.append(np.array(rows, dtype=float))
        return rows[:, 0]

    return model


def test_continuous_samples_follow_the_training_mean_and_spread(gaussian_data):
    received = []
    explainer = TabularExplainer(gaussian_data, mode="regression", discretize_continuous=False, random_state=0)
    explainer.explain(gaussian_data[0], record_inputs(received), num_samples=20000)
    samples = received[0][1:]
    np.testing.assert_allclose(samples.mean(axis=0), gaussian_data.mean(axis=0), atol=0.03 * gaussian_data.std(axis=0).max())
    np.testing.assert_allclose(samples.std(axis=0), gaussian_data.std(axis=0), rtol=0.03)


def test_sampling_around_the_instance_centres_the_draws(gaussian_data):
    received = []
    explainer = TabularExplainer(
        gaussian_data, mode="regression", discretize_continuous=False, sample_around_instance=True, random_state=0
    )
    instance = gaussian_data.mean(axis=0) + 2 * gaussian_data.std(axis=0)
    explainer.explain(instance, record_inputs(received), num_samples=20000)
    np.testing.assert_allclose(received[0][1:].mean(axis=0), instance, atol=0.05 * gaussian_data.std(axis=0).max())


def test_discretized_samples_hit_bins_with_training_frequency_and_stay_in_range(gaussian_data):
    received = []
    explainer = TabularExplainer(gaussian_data, mode="regression", random_state=0)
    explainer.explain(gaussian_data[0], record_inputs(received), num_samples=20000)
    samples = received[-1][1:]
    for j, feature in enumerate(explainer.training_data_stats["features"]):
        bins = np.searchsorted(feature["cuts"], samples[:, j], side="left")
        np.testing.assert_allclose(np.bincount(bins, minlength=len(feature["cuts"]) + 1) / len(bins), feature["bin_frequencies"], atol=0.015)
        assert np.all(samples[:, j] >= np.array(feature["bin_mins"])[bins] - 1e-6)
        assert np.all(samples[:, j] <= np.array(feature["bin_maxs"])[bins] + 1e-6)
