"""``exp.timings``: where an explanation's seconds went, in every modality."""

from __future__ import annotations

import time

import numpy as np
import pytest

from lime_kit import Explanation, ImageExplainer, TabularExplainer, TextExplainer
from lime_kit.datasets import make_shape_image

pytestmark = pytest.mark.filterwarnings("ignore:lime_kit. this explanation may be unreliable")

PARTS = ("segmentation", "sampling", "model", "fit")


def _tabular():
    X = np.random.default_rng(0).normal(size=(200, 6))
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    return lambda: explainer.explain(X[0], lambda rows: np.tanh(rows @ np.arange(6.0)), num_samples=3000)


def _text():
    document = " ".join(f"w{i % 40}" for i in range(200))
    explainer = TextExplainer(mode="regression", random_state=0)
    return lambda: explainer.explain(document, lambda docs: np.array([d.count("w3 ") for d in docs], float))


def _image():
    image, _ = make_shape_image("circle", size=96, random_state=0)
    explainer = ImageExplainer(mode="regression", segmentation="slic", random_state=0)
    return lambda: explainer.explain(image, lambda batch: batch[:, 30:60, 30:60].mean(axis=(1, 2, 3)), num_samples=500)


@pytest.mark.parametrize("make_run", [_tabular, _text, _image], ids=["tabular", "text", "image"])
def test_timings_cover_the_wall_time_of_explain_and_survive_json(make_run):
    run = make_run()
    run()  # first calls pay imports and caches
    gaps = []
    for _ in range(3):  # the best of three: a stray pause of the test machine is not the explainer's
        began = time.perf_counter()
        exp = run()
        wall = time.perf_counter() - began
        assert set(exp.timings) == {*PARTS, "total"} and all(exp.timings[p] >= 0 for p in PARTS)
        gaps.append(abs(sum(exp.timings[p] for p in PARTS) - wall) / wall)
    assert min(gaps) <= 0.10
    assert exp.timings["total"] <= wall
    assert Explanation.from_json(exp.to_json()).timings == exp.timings


def test_segmentation_time_is_counted_only_where_there_is_segmentation():
    assert _tabular()().timings["segmentation"] == 0.0
    assert _image()().timings["segmentation"] > 0.0


def test_timings_do_not_make_reruns_unequal():
    run = _tabular()
    first, second = run(), run()
    assert first.timings != second.timings and first == second
