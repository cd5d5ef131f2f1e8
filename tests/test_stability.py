"""The stability figure: simulated reruns by default, exact bootstrap refits on request."""

import json

import numpy as np
import pytest

from lime_kit import Explanation, TabularExplainer, TextExplainer


def test_clear_signal_is_stable_and_noise_is_not():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8))
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    clear = explainer.explain(X[0], lambda r: r @ [5.0, 4.0, 3.0, 2.0, 1.0, 0, 0, 0], stability_resamples=10)
    assert clear.stability[0] == 1.0
    noise_model = lambda r: np.random.default_rng(len(r)).normal(size=len(r))  # no structure at all
    noisy = explainer.explain(X[0], noise_model, num_samples=300, stability_resamples=10)
    assert noisy.stability[0] < 0.8


def test_stability_costs_no_model_calls_and_is_reproducible():
    calls = []
    model = lambda docs: (calls.append(len(docs)), [float("good" in d) for d in docs])[1]
    explainer = TextExplainer(mode="regression", random_state=1)
    a = explainer.explain("good food , slow service", model, num_samples=200, stability_resamples=5)
    n_calls = len(calls)
    b = explainer.explain("good food , slow service", model, num_samples=200)
    assert len(calls) == 2 * n_calls
    assert a.as_map() == b.as_map() and set(b.stability) == {0}
    assert explainer.explain("good food , slow service", model, num_samples=200, stability_resamples=5) == a


def test_stability_survives_json_and_rejects_bad_counts():
    X = np.random.default_rng(2).normal(size=(100, 3))
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    exp = explainer.explain(X[0], lambda r: r[:, 0], num_samples=200, stability_resamples=3)
    assert Explanation.from_dict(json.loads(json.dumps(exp.to_dict()))) == exp
    with pytest.raises(ValueError, match="stability_resamples must be a non-negative integer"):
        explainer.explain(X[0], lambda r: r[:, 0], stability_resamples=-1)
