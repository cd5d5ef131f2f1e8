"""Continuous features are selected by their contribution at the instance, not by their slope."""

import numpy as np
import pytest

from lime_kit import TabularExplainer, TextExplainer
from lime_kit.core.surrogate import select_features

W = np.array([4.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # slopes, in training standard deviations
# The instance in training standard deviations: the two steepest features sit near their mean.
Z0 = np.array([0.02, -0.05, 2.5, -3.0, 1.5, 0.8, -0.6, 1.1])


@pytest.fixture(scope="module")
def explainer_and_instance():
    X = np.random.default_rng(0).normal(size=(2000, 8)) * [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 1.0, 0.2]
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    stats = explainer.training_data_stats["features"]
    mean, std = np.array([f["mean"] for f in stats]), np.array([f["std"] for f in stats])
    beta = W / std  # the model in raw units: slope W per standard deviation
    return explainer, mean + Z0 * std, (lambda rows: rows @ beta), beta * (mean + Z0 * std - mean)


def selected(exp):
    return {i for i, _ in exp.as_map()[0]}


def test_highest_weights_keeps_the_largest_contributions_at_the_instance(explainer_and_instance):
    explainer, x, model, contributions = explainer_and_instance
    exp = explainer.explain(x, model, num_features=3, feature_selection="highest_weights", num_samples=2000)
    # For a linear model with independent features, beta_j (x_j - mean_j) is the exact Shapley value.
    assert selected(exp) == set(np.argsort(-np.abs(contributions))[:3]) == {2, 3, 4}


def test_highest_slopes_keeps_the_steepest_features(explainer_and_instance):
    explainer, x, model, _ = explainer_and_instance
    exp = explainer.explain(x, model, num_features=3, feature_selection="highest_slopes", num_samples=2000)
    assert {0, 1} <= selected(exp)  # steepest, though the instance sits at their mean


def test_auto_above_six_features_ranks_by_contribution(explainer_and_instance):
    explainer, x, model, _ = explainer_and_instance
    exp = explainer.explain(x, model, num_features=7, num_samples=2000)
    assert selected(exp) == set(range(8)) - {0}  # the steepest feature contributes least here
    slopes = explainer.explain(x, model, num_features=7, feature_selection="highest_slopes", num_samples=2000)
    assert 0 in selected(slopes)


def test_contribution_ranking_is_reproducible(explainer_and_instance):
    explainer, x, model, _ = explainer_and_instance

    def noisy(rows):
        return model(rows) + np.sin(7 * rows[:, 0] * rows[:, 4])

    first = explainer.explain(x, noisy, num_features=4, random_state=5)
    again = explainer.explain(x, noisy, num_features=4, random_state=5)
    assert first.as_map() == again.as_map()
    assert first.stability == again.stability


def test_the_stability_estimate_simulates_the_same_rule(explainer_and_instance):
    # Equal slopes and distinct contributions: reruns that ranked by slope would pick 3 of 8 near-equal
    # weights at random; ranked by contribution they keep the three features farthest from the mean.
    explainer, x, _, _ = explainer_and_instance
    stats = explainer.training_data_stats["features"]
    std = np.array([f["std"] for f in stats])

    def model(rows):
        return rows @ (1.0 / std) + 0.5 * np.sin(3 * rows[:, 5] / std[5])

    reruns = [
        explainer.explain(x, model, num_features=3, feature_selection="highest_weights", random_state=s)
        for s in range(4)
    ]
    assert all(selected(e) == {2, 3, 4} for e in reruns)
    assert min(e.stability[0] for e in reruns) > 0.9


def test_select_features_multiplies_by_the_instance_row():
    gram, cross = np.eye(3) * 100.0, np.array([[300.0, 200.0, 100.0]])  # weights 3, 2, 1
    candidates = np.arange(3)
    instance = np.array([0.1, 1.0, 5.0])  # contributions 0.3, 2, 5
    assert list(select_features(gram, cross, candidates, 1, "highest_weights", 100, instance)[0]) == [2]
    assert list(select_features(gram, cross, candidates, 1, "highest_slopes", 100, instance)[0]) == [0]
    assert list(select_features(gram, cross, candidates, 1, "highest_weights", 100)[0]) == [0]


def test_binary_features_rank_the_same_either_way():
    # Present tokens and same-bin indicators are 1 at the instance: contribution and slope agree.
    def predict_proba(docs):
        score = np.array([d.count("good") - d.count("bad") + 0.3 * d.count("fine") for d in docs], dtype=float)
        p = 1 / (1 + np.exp(-score))
        return np.column_stack([1 - p, p])

    text = "good food, bad service, fine room, good view, quiet street, bad parking, fine price"
    by_weight = TextExplainer().explain(
        text, predict_proba, num_features=3, feature_selection="highest_weights", random_state=1
    )
    by_slope = TextExplainer().explain(
        text, predict_proba, num_features=3, feature_selection="highest_slopes", random_state=1
    )
    assert by_weight.as_map() == by_slope.as_map()

    X = np.random.default_rng(1).normal(size=(500, 5))
    explainer = TabularExplainer(X, mode="regression", discretizer="quartile", random_state=0)
    binned = [
        explainer.explain(
            X[3], lambda rows: rows @ [3.0, -2.0, 1.0, 0.5, 0.0], num_features=2, feature_selection=method
        )
        for method in ("highest_weights", "highest_slopes")
    ]
    assert binned[0].as_map() == binned[1].as_map()


def test_unknown_selection_is_refused_with_the_choices():
    X = np.random.default_rng(0).normal(size=(100, 3))
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    with pytest.raises(ValueError, match="highest_slopes"):
        explainer.explain(X[0], lambda rows: rows[:, 0], feature_selection="slopes")
