"""The perturbed rows handed to predict_fn reuse a buffer only when nobody else holds it."""

import numpy as np

from lime_kit import TabularExplainer


def _explainer():
    X = np.random.default_rng(0).normal(size=(200, 4))
    return X, TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)


def test_rows_a_model_keeps_are_never_overwritten_by_the_next_explanation():
    X, explainer = _explainer()
    kept = []

    def remembering_model(rows):
        kept.append(rows)  # a model (or a cache) that holds on to its input
        return rows[:, 0] * 2.0

    explainer.explain(X[0], remembering_model, num_samples=500, random_state=1)
    first = kept[0].copy()
    explainer.explain(X[1], remembering_model, num_samples=500, random_state=2)
    assert kept[1] is not kept[0]
    np.testing.assert_array_equal(kept[0], first)


def test_reused_rows_give_the_same_explanation_as_fresh_ones():
    X, explainer = _explainer()

    def model(rows):
        return rows @ [1.0, -2.0, 0.5, 0.0]

    first = explainer.explain(X[0], model, num_samples=500, random_state=3)
    explainer.explain(X[1], model, num_samples=700, random_state=4)  # another size in between
    again = explainer.explain(X[0], model, num_samples=500, random_state=3)
    assert again.coefficients == first.coefficients
    assert again.coefficient_std == first.coefficient_std
