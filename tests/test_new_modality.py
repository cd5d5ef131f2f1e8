"""A fourth modality, declared in this file alone, works with every part of lime_kit that is not its own.

A univariate time series whose interpretable features are windows of
``WINDOW`` points; a removed window is replaced by the series mean. The
explainer below is everything the modality writes; ``explain_many``, the
evaluation module, ``explanation_html`` and the JSON round trip find it only
through its :class:`~lime_kit.modalities.Modality` declaration.

What the core side must provide for this test to shrink: the explainer
here still builds the pipeline's options and context by hand
(``options_for``, ``ExplanationContext``, ``explain_instance``); with the
shared explainer base it reduces to the sampler, and its declaration moves
to ``lime_kit.core.modality``.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pytest

from lime_kit import Explanation, ExplanationSet
from lime_kit.core.options import options_for
from lime_kit.core.pipeline import ExplanationContext, explain_instance
from lime_kit.core.sampler import InstanceSampler, Perturbations
from lime_kit.core.validation import explainer_seed
from lime_kit.evaluation import deletion_curve, faithfulness_correlation
from lime_kit.many import ExplainManyMixin
from lime_kit.modalities import (
    Modality,
    get_modality,
    register_modality,
    registered_modalities,
    unregister_modality,
)
from lime_kit.plot import explanation_html

WINDOW = 10


class WindowExplainer(ExplainManyMixin):
    """Explains a model of one time series by hiding windows of it (replaced by the series mean)."""

    def __init__(self, window: int = WINDOW, random_state=None):
        self.window = window
        self.mode, self.class_names = "regression", None
        self.kernel, self.kernel_width = None, None
        self.random_state, self._seed = random_state, explainer_seed(random_state)

    def instance_sampler(self, series) -> InstanceSampler:
        series = np.asarray(series, dtype=float)
        owner = np.arange(len(series)) // self.window  # the window of every point
        n_windows = int(owner[-1]) + 1
        mean = series.mean()

        def inputs(keep: np.ndarray) -> np.ndarray:
            return np.where(np.asarray(keep, dtype=bool)[:, owner], series, mean)

        def draw(rng: np.random.Generator, n: int) -> Perturbations:
            keep = rng.random((n, n_windows)) < rng.random((n, 1))
            keep[0] = True
            distances = 100.0 * (1.0 - keep.mean(axis=1))
            return Perturbations(Z=keep.astype(np.float32), distances=distances,
                                 build_inputs=lambda start, stop: inputs(keep[start:stop]))

        return InstanceSampler(draw=draw, n_features=n_windows, bytes_per_sample=8.0 * len(series),
                               keep_inputs=lambda keep, rng=None, background_rows=None: inputs(keep))

    def explain(self, series, predict_fn, num_features=None, num_samples=1000, labels=None, random_state=None):
        options = options_for(self, 25.0, random_state=random_state, num_samples=num_samples, labels=labels,
                              num_features=num_features, max_samples=20_000, target_stability=0.95,
                              feature_selection="auto", model_regressor=None, top_labels=None, batch_size=1000,
                              stability_resamples=0, method="lime")
        sampler = self.instance_sampler(series)
        names = [f"t{k * self.window}-{(k + 1) * self.window - 1}" for k in range(sampler.n_features)]
        context = ExplanationContext(modality="series", feature_names=names, feature_descriptions=names,
                                     instance=np.asarray(series, dtype=float).tolist(),
                                     payload={"window": self.window})
        return explain_instance(sampler, predict_fn, options, context)


def series_html(explanation: Explanation, label=None) -> str:
    rows = "".join(f"<li>{escape(name)}: {weight:+.3f}</li>" for name, weight in explanation.as_list(label))
    return f"<ul class='lk-series'>{rows}</ul>"


def peak_model(batch: np.ndarray) -> np.ndarray:
    """Reads points 20-29 only: the third window is the whole story."""
    return np.asarray(batch)[:, 20:30].sum(axis=1)


@pytest.fixture(scope="module")
def series_modality():
    register_modality(Modality("series", WindowExplainer, series_html))
    yield get_modality("series")
    unregister_modality("series")


@pytest.fixture
def series():
    return np.random.default_rng(0).normal(size=(4, 50)) + np.arange(4)[:, None]


def test_a_declared_modality_explains_and_ranks_the_window_the_model_reads(series_modality, series):
    exp = WindowExplainer(random_state=0).explain(series[0], peak_model, num_samples=500)
    assert exp.modality == "series" and "series" in registered_modalities()
    assert exp.as_list()[0][0] == "t20-29"
    assert exp == WindowExplainer(random_state=0).explain(series[0], peak_model, num_samples=500)


def test_explain_many_stores_and_reloads_the_new_modality(series_modality, series, tmp_path):
    explainer = WindowExplainer(random_state=0)
    explanations = explainer.explain_many(series, peak_model, num_samples=300, progress=False)
    assert [exp.as_list()[0][0] for exp in explanations] == ["t20-29"] * 4
    assert explanations.global_importance().index[0] == "t20-29"
    assert explanations[2] == explainer.explain(series[2], peak_model, num_samples=300,
                                                random_state=explanations[2].random_state)
    assert ExplanationSet.load(explanations.save(tmp_path / "series.jsonl")) == explanations
    assert Explanation.from_json(explanations[0].to_json()) == explanations[0]


def test_evaluation_removes_windows_the_modality_s_way(series_modality, series):
    explainer = WindowExplainer(random_state=0)
    exp = explainer.explain(series[1], peak_model, num_samples=500)
    curve = deletion_curve(explainer, series[1], peak_model, exp, random_state=0)
    assert curve.auc < curve.random_auc
    assert faithfulness_correlation(explainer, series[1], peak_model, exp) > 0.9


def test_the_declared_renderer_draws_the_new_modality(series_modality, series):
    exp = WindowExplainer(random_state=0).explain(series[0], peak_model, num_samples=300)
    assert explanation_html(exp).startswith("<ul class='lk-series'><li>t20-29")
    assert exp._repr_html_() == explanation_html(exp)


def test_an_undeclared_modality_is_a_clear_error_naming_the_known_ones(series):
    exp = WindowExplainer(random_state=0).explain(series[0], peak_model, num_samples=300)
    exp.modality = "audio"
    with pytest.raises(ValueError, match=r"unknown modality 'audio'; the known modalities are \['tabular', 'text', 'image'"):
        explanation_html(exp)
