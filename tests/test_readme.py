"""The README's Python examples run as written, so they cannot drift from the code."""

import re
import warnings
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _sections() -> dict[str, list[str]]:
    """Python code blocks of the README, by the ``## `` section they sit in."""
    blocks: dict[str, list[str]] = {}
    for section in re.split(r"^## ", README, flags=re.MULTILINE)[1:]:
        title = section.splitlines()[0].strip()
        blocks[title] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return blocks


SECTIONS = _sections()


def _run(code: str, namespace: dict | None = None) -> dict:
    namespace = {} if namespace is None else namespace
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exec(compile(code, "README.md", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def tabular_namespace():
    (code,) = SECTIONS["Tabular rows"]
    return _run(code)


def test_tabular_example_runs_and_shows_what_its_comments_say(tabular_namespace):
    exp = tabular_namespace["exp"]
    assert len(exp.as_list()) == 6 and len(exp.as_list(intervals=True)[0]) == 4
    assert any(name.startswith("debt_to_income") for name, _ in exp.as_list())


def test_checking_example_continues_the_tabular_one(tabular_namespace):
    (code,) = SECTIONS["Checking an explanation"]
    namespace = _run(code, dict(tabular_namespace))
    assert namespace["curve"].auc < namespace["curve"].random_auc


def test_shapley_example_runs_and_adds_up():
    (code,) = SECTIONS["Shapley values (KernelSHAP)"]
    exp = _run(code)["exp"]
    assert exp.method == "kernel_shap" and len(exp.as_list()) == 4


@pytest.mark.parametrize("section", ["Text documents", "Images"])
def test_modality_examples_run(section):
    namespace = _run(SECTIONS[section][0])
    assert namespace["exp"].modality in ("text", "image")


def test_gpu_image_example_runs_on_whatever_device_there_is():
    pytest.importorskip("torch")
    (code,) = [block for block in SECTIONS["Images"] if "torch_predict_fn" in block]
    exp = _run(code)["exp"]
    assert exp.modality == "image" and set(exp.timings) == {"segmentation", "sampling", "model", "fit", "total"}


def test_text_on_the_gpu_example_runs_on_cpu():
    pytest.importorskip("torch")
    pytest.importorskip("tokenizers")
    sections = re.split(r"^### ", README, flags=re.MULTILINE)
    (section,) = [part for part in sections if part.startswith("Text models on the GPU")]
    namespace = _run(re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[0])
    assert namespace["exp"].modality == "text" and len(namespace["exp"].as_list()) == 10


def test_comparing_example_runs():
    (code,) = SECTIONS["Comparing explanations (LIME vs SHAP)"]
    namespace = _run(code)
    comparison = namespace["comparison"]
    assert (comparison.method_a, comparison.method_b) == ("lime", "kernel_shap")
    assert len(namespace["fig"].axes) == 2


def test_sp_lime_example_runs():
    sections = re.split(r"^### ", README, flags=re.MULTILINE)
    (section,) = [part for part in sections if part.startswith("Picking representative explanations")]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[0]
    namespace = _run(code)
    assert len(namespace["picks"]) == 4


def test_coming_from_lime_imports_work():
    code = SECTIONS["Coming from lime"][0]
    namespace = _run(code)
    assert hasattr(namespace["lime_tabular"], "LimeTabularExplainer")


def test_anchors_example_finds_the_rule_its_comments_give():
    code = SECTIONS["Rules with Anchors"][0]  # the second block is the compare example (test_anchors_render)
    namespace = _run(code)
    exp = namespace["exp"]
    assert set(exp.anchor) == {"purpose=car", "income > 0.50"}
    assert exp.precision == 1.0 and exp.precision_bounds[0] >= 0.9
    assert 0.12 < exp.coverage < 0.22
    assert [step["feature"] for step in exp.partial_anchors] == list(exp.anchor_features)
