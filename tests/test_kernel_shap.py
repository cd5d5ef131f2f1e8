"""KernelSHAP (``method="kernel_shap"``): exact Shapley values, the sum constraint, known answers, errors."""

import itertools
import math
import re

import numpy as np
import pytest

from lime_kit import Explanation, TabularExplainer


def exact_shapley(value, d: int) -> np.ndarray:
    """Shapley values of the game ``value(frozenset) -> float`` by enumerating every coalition."""
    cache = {}

    def v(coalition):
        key = frozenset(coalition)
        if key not in cache:
            cache[key] = value(key)
        return cache[key]

    phi = np.zeros(d)
    for j in range(d):
        others = [k for k in range(d) if k != j]
        for size in range(d):
            weight = math.factorial(size) * math.factorial(d - size - 1) / math.factorial(d)
            for coalition in itertools.combinations(others, size):
                phi[j] += weight * (v(coalition + (j,)) - v(coalition))
    return phi


def interacting_model(rows):
    """Nonlinear, with two- and three-way interactions."""
    rows = np.asarray(rows, dtype=float)
    return rows[:, 0] * rows[:, 1] * rows[:, 2] + np.sin(rows[:, 3]) * rows[:, 4] + rows[:, 5] ** 2 - rows[:, 6]


@pytest.fixture(scope="module")
def table():
    X = np.random.default_rng(0).normal(size=(300, 7))
    return X, TabularExplainer(X, mode="regression", random_state=0)


def test_tabular_values_equal_exact_shapley_values_with_a_full_budget(table):
    X, explainer = table
    background, x = X[:6], X[50]

    def value(coalition):
        rows = background.copy()
        rows[:, list(coalition)] = x[list(coalition)]
        return interacting_model(rows).mean()

    exp = explainer.explain(x, interacting_model, method="kernel_shap", background=background, num_samples=2**7)
    np.testing.assert_allclose(exp.weights(), exact_shapley(value, 7), atol=1e-6)
    assert exp.method == "kernel_shap" and len(exp.coefficients[0]) == 7
    assert exp.intercept[0] == pytest.approx(interacting_model(background).mean(), abs=1e-12)
    assert exp.payload["base_value"] == [exp.intercept[0]]
    # Every coalition was enumerated: no sampling error.
    assert max(exp.coefficient_std[0]) < 1e-9 and exp.stability[0] == 1.0


@pytest.mark.parametrize("pairing", ["all", "one"])
def test_tabular_values_sum_to_prediction_minus_base_value(table, pairing):
    X, explainer = table
    exp = explainer.explain(
        X[3], interacting_model, method="kernel_shap", num_samples=40, background_pairing=pairing, random_state=1
    )
    total = exp.intercept[0] + exp.weights().sum()
    assert total == pytest.approx(exp.prediction[0], abs=1e-10)
    assert exp.num_samples <= 40 and exp.payload["background_size"] == 10
    assert all(s > 0 for s in exp.coefficient_std[0])  # sampled coalitions: an honest, nonzero error


def test_linear_model_with_independent_background_gives_weight_times_distance_to_mean():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 6))
    w = np.array([2.0, -1.0, 0.5, 0.0, 3.0, -2.5])
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    background = X[:50]
    exp = explainer.explain(X[7], lambda rows: rows @ w, method="kernel_shap", background=background, num_samples=30)
    np.testing.assert_allclose(exp.weights(), w * (X[7] - background.mean(axis=0)), atol=1e-9)


def test_classification_labels_and_reproducibility(table):
    X, _ = table
    explainer = TabularExplainer(X, class_names=["no", "yes"], random_state=0)

    def proba(rows):
        p = 1 / (1 + np.exp(-interacting_model(rows)))
        return np.column_stack([1 - p, p])

    first = explainer.explain(X[5], proba, method="kernel_shap", num_samples=60, top_labels=2, random_state=4)
    again = explainer.explain(X[5], proba, method="kernel_shap", num_samples=60, top_labels=2, random_state=4)
    other = explainer.explain(X[5], proba, method="kernel_shap", num_samples=60, top_labels=2, random_state=5)
    assert first == again and first.weights(0).tolist() != other.weights(0).tolist()
    batched = explainer.explain(
        X[5], proba, method="kernel_shap", num_samples=60, top_labels=2, random_state=4, batch_size=7
    )
    assert batched == first
    for label in (0, 1):
        assert first.intercept[label] + first.weights(label).sum() == pytest.approx(first.prediction[label], abs=1e-10)
    # Class 0's values mirror class 1's (the probabilities sum to 1).
    np.testing.assert_allclose(first.weights(0), -first.weights(1), atol=1e-9)


def test_json_round_trip_and_renderers(table, tmp_path):
    from lime_kit.plot import explanation_html, plot_weights, save_explanation

    X, explainer = table
    exp = explainer.explain(X[1], interacting_model, method="kernel_shap", num_samples=50)
    back = Explanation.from_json(exp.to_json())
    assert back == exp and back.method == "kernel_shap" and back.payload["base_value"] == exp.payload["base_value"]
    assert "x0" in explanation_html(back)
    figure = plot_weights(back)
    assert len(figure.axes[0].patches) == 7
    save_explanation(back, tmp_path / "shap.html")
    assert "x0" in (tmp_path / "shap.html").read_text(encoding="utf-8")


def test_num_features_keeps_the_largest_values_and_the_sum(table):
    X, explainer = table
    exp = explainer.explain(X[2], interacting_model, method="kernel_shap", num_samples=2**7, num_features=3)
    assert len(exp.coefficients[0]) == 3
    assert exp.intercept[0] + exp.weights().sum() == pytest.approx(exp.prediction[0], abs=1e-10)


def test_auto_reaches_a_stable_ranking_and_reports_rounds(table):
    X, explainer = table
    exp = explainer.explain(X[9], interacting_model, method="kernel_shap", num_samples="auto", max_samples=126)
    assert exp.rounds and exp.num_samples <= 126
    assert exp.intercept[0] + exp.weights().sum() == pytest.approx(exp.prediction[0], abs=1e-10)


def test_dataframe_with_categories_and_a_dataframe_background():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "age": rng.integers(20, 70, 200),
        "colour": rng.choice(["red", "green", "blue"], 200),
        "income": rng.normal(50, 10, 200),
    })

    def model(rows):
        return rows["age"].to_numpy() * 0.1 + (rows["colour"] == "red").to_numpy() * 2.0 + rows["income"].to_numpy() * 0.01

    explainer = TabularExplainer(frame, mode="regression", random_state=0)
    exp = explainer.explain(frame.iloc[[0]], model, method="kernel_shap", num_samples=6)
    assert exp.intercept[0] + exp.weights().sum() == pytest.approx(exp.prediction[0], abs=1e-10)
    assert any(d.startswith("colour=") for d, _ in exp.as_list())
    given = explainer.explain(frame.iloc[[0]], model, method="kernel_shap", background=frame.iloc[:5], num_samples=6)
    assert given.payload["background_size"] == 5


def test_clear_errors(table):
    X, explainer = table
    f = interacting_model
    with pytest.raises(ValueError, match="method must be one of"):
        explainer.explain(X[0], f, method="shap")
    with pytest.raises(ValueError, match="background is used by method='kernel_shap' only"):
        explainer.explain(X[0], f, background=X[:5])
    with pytest.raises(ValueError, match="background_pairing is used by method='kernel_shap' only"):
        explainer.explain(X[0], f, background_pairing="one")
    with pytest.raises(ValueError, match="background_pairing must be one of"):
        explainer.explain(X[0], f, method="kernel_shap", background_pairing="some")
    with pytest.raises(ValueError, match=r"background has shape \(5, 3\)"):
        explainer.explain(X[0], f, method="kernel_shap", background=X[:5, :3])
    with pytest.raises(ValueError, match="positive number of k-means rows"):
        explainer.explain(X[0], f, method="kernel_shap", background=0)
    with pytest.raises(ValueError, match="model_regressor is a lime surrogate"):
        from sklearn.linear_model import Ridge

        explainer.explain(X[0], f, method="kernel_shap", model_regressor=Ridge())
    from_stats = TabularExplainer(training_data_stats=explainer.training_data_stats, mode="regression")
    with pytest.raises(ValueError, match="built from training_data_stats"):
        from_stats.explain(X[0], f, method="kernel_shap")


def test_background_with_wrong_columns_names_them():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": np.arange(30.0), "b": np.arange(30.0) ** 2})
    explainer = TabularExplainer(frame, mode="regression", random_state=0)
    with pytest.raises(ValueError, match=r"background row 0: row is missing 1 training column\(s\): 'b'"):
        explainer.explain(frame.iloc[[0]], lambda r: r["a"].to_numpy(), method="kernel_shap", background=frame[["a"]])


# ---------------------------------------------------------------- text and images
WORDS = "the food was good but the service was slow and rude".split()


def keyword_score(present: set) -> float:
    """A keyword model with interactions: 'good' counts only with 'food', 'slow' and 'rude' reinforce."""
    return (
        2.0 * ("good" in present) * ("food" in present)
        - 1.0 * ("slow" in present)
        - 0.5 * ("rude" in present)
        - 1.5 * ("slow" in present) * ("rude" in present)
        + 0.3 * ("but" in present)
    )


def keyword_model(documents):
    return [keyword_score(set(doc.split())) for doc in documents]


def test_text_values_equal_exact_shapley_values_with_a_full_budget():
    from lime_kit import TextExplainer

    text = " ".join(WORDS)
    explainer = TextExplainer(mode="regression", random_state=0)
    exp = explainer.explain(text, keyword_model, method="kernel_shap", num_samples=2**10)
    features = exp.feature_names  # distinct words, 9 of them
    assert len(features) == 9 and len(exp.coefficients[0]) == 9
    exact = exact_shapley(lambda coalition: keyword_score({features[j] for j in coalition}), len(features))
    np.testing.assert_allclose(exp.weights(), exact, atol=1e-6)
    assert exp.intercept[0] == pytest.approx(keyword_score(set()))
    assert exp.intercept[0] + exp.weights().sum() == pytest.approx(exp.prediction[0], abs=1e-12)


@pytest.mark.parametrize("bow", [True, False])
def test_text_sampled_values_sum_exactly(bow):
    from lime_kit import TextExplainer

    text = " ".join(WORDS * 2)
    explainer = TextExplainer(mode="regression", bow=bow, random_state=0)
    exp = explainer.explain(text, keyword_model, method="kernel_shap", num_samples=200)
    assert exp.method == "kernel_shap" and len(exp.coefficients[0]) == len(exp.feature_names)
    assert exp.intercept[0] + exp.weights().sum() == pytest.approx(exp.prediction[0], abs=1e-10)
    assert exp.num_samples == 200


def test_image_values_sum_exactly_and_match_exact_values():
    from lime_kit import ImageExplainer

    image = np.zeros((6, 8), dtype=np.uint8)
    image[:, 4:] = 200
    image[:3] += 20
    segments = np.repeat([[0, 0, 1, 1, 2, 2, 3, 3]], 6, axis=0) + 4 * (np.arange(6)[:, None] >= 3)

    def model(batch):  # nonlinear: the right half counts only when bright enough
        right = batch[:, :, 4:].astype(float).mean(axis=(1, 2))
        return np.column_stack([np.tanh(right / 100.0) * batch[:, 0, 0], np.sqrt(right)])

    explainer = ImageExplainer(mode="regression", segmentation=segments, hide_color=0, random_state=0)
    exp = explainer.explain(image, lambda b: model(b)[:, 1], method="kernel_shap", num_samples=2**8)

    def value(coalition):
        hidden = image.copy()
        hidden[~np.isin(segments, list(coalition))] = 0
        return float(np.sqrt(hidden[:, 4:].astype(float).mean()))

    np.testing.assert_allclose(exp.weights(), exact_shapley(value, 8), atol=1e-6)
    sampled = explainer.explain(image, lambda b: model(b)[:, 1], method="kernel_shap", num_samples=30)
    assert sampled.intercept[0] + sampled.weights().sum() == pytest.approx(sampled.prediction[0], abs=1e-10)
    assert sampled.payload["base_value"] == [pytest.approx(0.0)]
    back = Explanation.from_json(sampled.to_json())
    assert back == sampled
    from lime_kit.plot import explanation_html

    assert "<img" in explanation_html(back)


def test_renderers_say_base_value_and_shapley_values_not_surrogate_terms():
    from lime_kit.plot import explanation_html, plot_weights

    X = np.random.default_rng(0).normal(size=(100, 3))
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    exp = explainer.explain(X[0], lambda rows: rows @ [1.0, 2.0, 0.0], method="kernel_shap", background=5)
    from matplotlib.text import Text

    visible = re.sub(r"<[^>]*>", " ", explanation_html(exp))  # tags and tooltips dropped
    assert "base value" in visible and "Shapley values" in visible and "surrogate" not in visible
    fig = plot_weights(exp)
    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "Shapley value" in texts and "base value" in texts and "surrogate" not in texts
