"""The explainer base, methods as objects and the modality registry keep every old call working."""

import inspect

import numpy as np
import pytest

from lime_kit import ImageExplainer, TabularExplainer, TextExplainer
from lime_kit.core.methods import KernelShap, Lime, method_names, resolve_method
from lime_kit.core.modality import get_modality, registered_modalities


def _tabular():
    X = np.random.default_rng(0).normal(size=(200, 3))
    return X, TabularExplainer(X, mode="regression", random_state=0)


def test_a_method_object_gives_the_same_explanation_as_its_name_and_keywords():
    X, explainer = _tabular()
    model = lambda rows: rows[:, 0] * rows[:, 1] + rows[:, 2]  # noqa: E731
    by_name = explainer.explain(X[0], model, method="kernel_shap", background=X[:10], background_pairing="one", num_samples=200)
    by_object = explainer.explain(X[0], model, method=KernelShap(background=X[:10], background_pairing="one"), num_samples=200)
    assert by_name.as_list() == by_object.as_list() and by_object.method == "kernel_shap"
    assert explainer.explain(X[0], model, method=Lime(), num_samples=300).as_list() == explainer.explain(
        X[0], model, num_samples=300
    ).as_list()


def test_method_keywords_are_refused_where_they_do_not_belong():
    X, explainer = _tabular()
    with pytest.raises(ValueError, match="background_pairing is used by method='kernel_shap' only"):
        explainer.explain(X[0], lambda r: r[:, 0], background_pairing="one")
    with pytest.raises(ValueError, match=r"pass KernelShap\(background=\.\.\.\)"):
        explainer.explain(X[0], lambda r: r[:, 0], method=KernelShap(), background=X[:5])
    with pytest.raises(ValueError, match="background is used by tabular explainers only"):
        TextExplainer().explain("a b c", lambda docs: [len(d) for d in docs], method=KernelShap(background=3))
    with pytest.raises(ValueError, match="method must be one of"):
        resolve_method("rules_of_thumb")
    assert method_names() == ("lime", "kernel_shap", "anchors")
    with pytest.raises(ValueError, match="threshold is used by method='anchors' only"):
        explainer.explain(X[0], lambda r: r[:, 0], threshold=0.9)


def test_shared_keywords_are_keyword_only_and_unknown_ones_are_refused():
    for cls, first in ((TabularExplainer, "instance"), (TextExplainer, "text"), (ImageExplainer, "image")):
        parameters = inspect.signature(cls.explain).parameters
        assert list(parameters)[:3] == ["self", first, "predict_fn"]
        assert parameters["num_samples"].kind is inspect.Parameter.KEYWORD_ONLY
        assert "num_samples : int or \"auto\"" in cls.explain.__doc__
    X, explainer = _tabular()
    with pytest.raises(TypeError):
        explainer.explain(X[0], lambda r: r[:, 0], None)
    with pytest.raises(TypeError, match="num_sample"):
        explainer.explain(X[0], lambda r: r[:, 0], num_sample=10)


def test_modalities_are_looked_up_by_name():
    assert registered_modalities() == ("tabular", "text", "image")
    assert get_modality("image").explainer is ImageExplainer
    assert get_modality("text").renderer == "lime_kit.plot.text:text_html"
    with pytest.raises(ValueError, match=r"unknown modality 'audio'; the known modalities are \['tabular', 'text', 'image'\]"):
        get_modality("audio")
    with pytest.raises(ValueError, match=r"instances has shape \(3,\); pass a 2-D array"):
        get_modality("tabular").split(np.zeros(3))


def test_kernel_shap_leaves_the_rows_own_sampler_as_built():
    X, explainer = _tabular()
    sampler = explainer.instance_sampler(X[0])
    explainer.explain(X[0], lambda r: r[:, 0], method="kernel_shap", background=X[:5], num_samples=20)
    assert sampler.random_removal and sampler.background_weights is None
