"""A fourth modality, declared in this file alone, works with every part of lime_kit that is not its own.

A univariate time series whose interpretable features are windows of
``WINDOW`` points; a hidden window is replaced by the series mean (or by
``fill=``). The whole modality is the 47 lines (37 not blank) between the
markers below: a renderer, ``series_html``, and ``WindowExplainer``, a
subclass of the shared base :class:`lime_kit.core.explainer.Explainer` that
gives its declaration, one own ``explain`` keyword and its documentation, a
constructor, a sampler and ``_prepare``. Nothing outside this file was
touched. ``explain`` (with either method), ``explain_many`` (in process and
with ``n_jobs=2``), the evaluation module, ``explanation_html`` and the JSON
round trip find the modality only through its declaration.
"""

from __future__ import annotations

import inspect
from html import escape

import numpy as np
import pytest

from lime_kit import Explanation, ExplanationSet
from lime_kit.core.explainer import Explainer, Prepared
from lime_kit.core.pipeline import ExplanationContext
from lime_kit.core.sampler import InstanceSampler, Perturbations
from lime_kit.core.validation import explainer_seed
from lime_kit.evaluation import deletion_curve, faithfulness_correlation
from lime_kit.modalities import get_modality, register_modality, registered_modalities, unregister_modality
from lime_kit.plot import explanation_html

WINDOW = 10


# --- the modality: begins here
def series_html(explanation: Explanation, label=None) -> str:
    rows = "".join(f"<li>{escape(name)}: {weight:+.3f}</li>" for name, weight in explanation.as_list(label))
    return f"<ul class='lk-series'>{rows}</ul>"


class WindowExplainer(Explainer):
    """Explains a model of one time series by hiding windows of it."""

    modality = {"name": "series", "instance": "series", "renderer": series_html}
    explain_options = {"fill": None}
    explain_doc = """
        Explain ``predict_fn``'s output for one series.

        series : array-like of shape (n_points,)
        predict_fn : callable
            Takes an array ``(n, n_points)``, returns ``(n,)`` values.
        fill : float, optional
            The value of a hidden window's points; default the series mean.
        """

    def __init__(self, window: int = WINDOW, random_state=None):
        self.window, self.mode, self.class_names, self.kernel, self.kernel_width = window, "regression", None, None, None
        self.random_state, self._seed = random_state, explainer_seed(random_state)

    def instance_sampler(self, series, fill=None) -> InstanceSampler:
        series = np.asarray(series, dtype=float)
        owner = np.arange(len(series)) // self.window  # the window of every point
        fill, n_windows = series.mean() if fill is None else fill, int(owner[-1]) + 1

        def inputs(keep: np.ndarray) -> np.ndarray:
            return np.where(np.asarray(keep, dtype=bool)[:, owner], series, fill)

        def draw(rng: np.random.Generator, n: int) -> Perturbations:
            keep = rng.random((n, n_windows)) < rng.random((n, 1))
            keep[0] = True
            return Perturbations(Z=keep.astype(np.float32), distances=100.0 * (1.0 - keep.mean(axis=1)),
                                 build_inputs=lambda start, stop: inputs(keep[start:stop]))

        return InstanceSampler(draw=draw, n_features=n_windows, bytes_per_sample=8.0 * len(series),
                               keep_inputs=lambda keep, rng=None, background_rows=None: inputs(keep))

    def _prepare(self, series, predict_fn, options_for, fill) -> Prepared:
        sampler = self.instance_sampler(series, fill)
        names = [f"t{k * self.window}-{(k + 1) * self.window - 1}" for k in range(sampler.n_features)]
        context = ExplanationContext(self.modality.name, names, names, np.asarray(series, dtype=float).tolist(),
                                     {"window": self.window, "fill": fill})
        return Prepared(sampler, predict_fn, options_for(25.0, batch_size=1000), context)
# --- the modality: ends here


unregister_modality("series")  # defining the class declared it; the fixture declares it while these tests run


def peak_model(batch: np.ndarray) -> np.ndarray:
    """Reads points 20-29 only: the third window is the whole story."""
    return np.asarray(batch)[:, 20:30].sum(axis=1)


@pytest.fixture(scope="module")
def series_modality():
    register_modality(WindowExplainer.modality)
    yield get_modality("series")
    unregister_modality("series")


@pytest.fixture
def series():
    return np.random.default_rng(0).normal(size=(4, 50)) + np.arange(4)[:, None]


def test_the_base_gives_the_new_explainer_the_shared_keywords_and_their_documentation():
    parameters = inspect.signature(WindowExplainer.explain).parameters
    assert list(parameters)[:3] == ["self", "series", "predict_fn"]
    assert parameters["num_samples"].kind is inspect.Parameter.KEYWORD_ONLY and parameters["fill"].default is None
    assert "fill : float, optional" in WindowExplainer.explain.__doc__
    assert "num_samples : int or \"auto\"" in WindowExplainer.explain.__doc__
    with pytest.raises(TypeError, match="window"):
        WindowExplainer().explain(np.zeros(50), peak_model, window=5)


def test_a_declared_modality_explains_and_ranks_the_window_the_model_reads(series_modality, series):
    exp = WindowExplainer(random_state=0).explain(series[0], peak_model, num_samples=500)
    assert exp.modality == "series" and "series" in registered_modalities()
    assert series_modality.explainer is WindowExplainer
    assert exp.as_list()[0][0] == "t20-29"
    assert exp == WindowExplainer(random_state=0).explain(series[0], peak_model, num_samples=500)


def test_kernel_shap_runs_on_the_new_modality_with_no_code_of_its_own(series_modality, series):
    exp = WindowExplainer(random_state=0).explain(series[0], peak_model, method="kernel_shap")
    assert exp.method == "kernel_shap" and exp.num_samples == 2**5 - 2  # every coalition: exact values
    assert exp.as_list()[0] == ("t20-29", pytest.approx(series[0, 20:30].sum() - 10 * series[0].mean()))
    assert exp.intercept[0] + exp.weights().sum() == pytest.approx(exp.prediction[0])


def test_the_own_keyword_reaches_the_sampler(series_modality, series):
    window = series[3, 20:30]
    for fill, removed in ((None, window.sum() - 10 * series[3].mean()), (0.0, window.sum())):
        exp = WindowExplainer(random_state=0).explain(series[3], peak_model, num_samples=300, fill=fill)
        assert exp.payload["fill"] == fill
        # The weight of window 20-29 is what hiding it removes (less the ridge's shrinkage).
        assert exp.as_list()[0] == ("t20-29", pytest.approx(removed, rel=0.15))


def test_explain_many_stores_and_reloads_the_new_modality(series_modality, series, tmp_path):
    explainer = WindowExplainer(random_state=0)
    explanations = explainer.explain_many(series, peak_model, num_samples=300, progress=False)
    assert [exp.as_list()[0][0] for exp in explanations] == ["t20-29"] * 4
    assert explanations.global_importance().index[0] == "t20-29"
    assert explanations[2] == explainer.explain(series[2], peak_model, num_samples=300,
                                                random_state=explanations[2].random_state)
    assert ExplanationSet.load(explanations.save(tmp_path / "series.jsonl")) == explanations
    assert Explanation.from_json(explanations[0].to_json()) == explanations[0]


def test_explain_many_in_two_workers_gives_the_in_process_explanations(series_modality, series):
    explainer = WindowExplainer(random_state=0)
    in_process = explainer.explain_many(series, peak_model, num_samples=300, progress=False)
    assert explainer.explain_many(series, peak_model, num_samples=300, progress=False, n_jobs=2) == in_process


def test_explain_many_refuses_the_new_modality_s_instance_name_and_unknown_keywords(series_modality, series):
    explainer = WindowExplainer(random_state=0)
    for keywords, named in [({"series": series[0]}, "'series'"), ({"num_sample": 10}, "'num_sample'")]:
        with pytest.raises(TypeError, match=rf"does not take: \[{named}\]; it takes \[.*'fill'"):
            explainer.explain_many(series, peak_model, progress=False, **keywords)


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
