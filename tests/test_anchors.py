"""Anchors (``method="anchors"``): known rules, honest precision bounds, reproducibility and bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest

from lime_kit import Explanation, ImageExplainer, TabularExplainer, TextExplainer
from lime_kit.core.methods import Anchors
from lime_kit.evaluation import anchor_precision


def _colour_table(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.uniform(size=(n, 5)), columns=[f"x{i}" for i in range(5)])
    frame["x3"] = rng.choice(["red", "green", "blue"], size=n)
    return frame


def _red_and_large(frame):
    yes = ((frame["x0"] > 0.5) & (frame["x3"] == "red")).to_numpy()
    return np.column_stack([~yes, yes]).astype(float)


def test_the_planted_rule_is_found_on_a_table():
    frame = _colour_table()
    explainer = TabularExplainer(frame, random_state=0)
    row = frame.iloc[0].copy()
    row["x0"], row["x3"] = 0.8, "red"
    exp = explainer.explain(row, _red_and_large, method="anchors", threshold=0.95)
    assert exp.method == "anchors" and exp.labels == (1,)
    assert set(exp.anchor_features) == {0, 3}
    assert "x3=red" in exp.anchor
    # The model's bins put the cut of x0 where the model changes, so the predicate is the model's own.
    x0 = next(p for p in exp.anchor if p.startswith("x0") or "< x0" in p)
    assert x0 == "x0 > 0.50"
    assert exp.precision >= 0.95 and exp.precision_bounds[0] >= 0.90
    # Coverage: x0 > 0.5 and red, drawn independently with their training frequencies; its bounds hold the truth.
    truth = (frame["x0"] > 0.5).mean() * (frame["x3"] == "red").mean()
    low, high = exp.coverage_bounds
    assert low <= truth <= high and high - low < 0.03
    assert anchor_precision(explainer, row, _red_and_large, exp, num_samples=5000, random_state=1) == 1.0


def test_partial_anchors_grow_to_the_rule_and_as_list_reads_them():
    frame = _colour_table()
    explainer = TabularExplainer(frame, random_state=0)
    row = frame.iloc[0].copy()
    row["x0"], row["x3"] = 0.8, "red"
    exp = explainer.explain(row, _red_and_large, method="anchors")
    steps = exp.partial_anchors
    assert [step["feature"] for step in steps] == list(exp.anchor_features)
    assert steps[-1]["precision"] == exp.precision and steps[-1]["coverage"] == exp.coverage
    coverages = [step["coverage"] for step in steps]
    assert coverages == sorted(coverages, reverse=True)  # every predicate narrows the rule
    assert [d for d, _ in exp.as_list()] == list(exp.anchor)
    added = [w for _, w in exp.as_list()]
    assert np.isclose(exp.intercept[1] + sum(added), exp.precision)
    assert exp.as_map() == {1: [(f, w) for f, w in zip(exp.anchor_features, added)]}


def test_a_keyword_model_gets_its_keyword():
    text = "the plot was dull but the acting was wonderful and the music great"

    def keyword(docs):
        yes = np.array(["wonderful" in d for d in docs], dtype=float)
        return np.column_stack([1 - yes, yes])

    exp = TextExplainer(random_state=0).explain(text, keyword, method="anchors")
    assert exp.anchor == ("wonderful",)
    assert exp.precision == 1.0
    assert 0.45 < exp.coverage < 0.55  # each other word is kept with probability 1/2


def test_an_image_model_that_looks_at_one_segment_gets_that_segment():
    image = np.zeros((64, 64, 3))
    image[32:, 32:] = 0.9
    segments = np.zeros((64, 64), dtype=int)
    segments[:32, 32:], segments[32:, :32], segments[32:, 32:] = 1, 2, 3

    def bright_corner(batch):
        yes = (np.asarray(batch)[:, 40:60, 40:60].mean(axis=(1, 2, 3)) > 0.5).astype(float)
        return np.column_stack([1 - yes, yes])

    exp = ImageExplainer(segmentation=lambda im: segments, random_state=0).explain(image, bright_corner, method="anchors")
    assert exp.anchor_features == (3,)
    assert exp.precision == 1.0


def _three_of_ten(docs, needed=("w1", "w2")):
    """Class 1 when w0 is present and any of ``needed`` is: precision of {w0} is 1 - 2**-len(needed)."""
    words = [set(d.split()) for d in docs]
    yes = np.array([("w0" in w) and any(n in w for n in needed) for w in words], dtype=float)
    return np.column_stack([1 - yes, yes])


@pytest.mark.parametrize("needed, threshold", [(("w1", "w2"), 0.7), (("w1", "w2", "w3"), 0.85)])
def test_reported_precision_bounds_cover_the_known_precision(needed, threshold):
    text = " ".join(f"w{i}" for i in range(10))
    explainer = TextExplainer(random_state=0)
    delta, runs, below, above = 0.1, 30, 0, 0
    for seed in range(runs):
        exp = explainer.explain(
            text, lambda docs: _three_of_ten(docs, needed), method="anchors", threshold=threshold, delta=delta,
            random_state=seed,
        )
        assert "w0" in exp.anchor, exp.anchor  # no rule without it keeps the class
        # Words other than w0..w3 do not matter: a rule with any needed word always keeps the class.
        truth = 1.0 if set(exp.anchor) & set(needed) else 1 - 0.5 ** len(needed)
        low, high = exp.precision_bounds
        below += low <= truth
        above += high >= truth
    assert below >= (1 - delta) * runs and above >= (1 - delta) * runs


def test_same_random_state_same_rule_and_explain_many_does_not_depend_on_n_jobs():
    frame = _colour_table()
    explainer = TabularExplainer(frame, random_state=0)
    rows = frame.iloc[:4].copy()
    rows["x3"] = "red"
    one = explainer.explain(rows.iloc[0], _red_and_large, method="anchors", random_state=5)
    again = explainer.explain(rows.iloc[0], _red_and_large, method="anchors", random_state=5)
    assert one == again
    serial = explainer.explain_many(rows, _red_and_large, method="anchors", random_state=3, n_jobs=1)
    parallel = explainer.explain_many(rows, _red_and_large, method="anchors", random_state=3, n_jobs=2)
    assert list(serial) == list(parallel)
    assert all(e.method == "anchors" for e in serial)


def test_anchors_survive_json():
    frame = _colour_table()
    explainer = TabularExplainer(frame, random_state=0)
    exp = explainer.explain(frame.iloc[1], _red_and_large, method="anchors")
    back = Explanation.from_json(exp.to_json())
    assert back == exp
    assert back.anchor == exp.anchor and isinstance(back.anchor_features, tuple)
    assert isinstance(back.precision_bounds, tuple) and back.partial_anchors == exp.partial_anchors
    lime = explainer.explain(frame.iloc[1], _red_and_large, num_samples=500)
    assert "precision" not in lime.to_dict() and lime.anchor is None


@pytest.mark.parametrize("threshold", [0, 1, 1.5, -0.2, "high", True])
def test_threshold_outside_0_1_is_refused(threshold):
    frame = _colour_table(200)
    with pytest.raises(ValueError, match="threshold must be a number strictly between 0 and 1"):
        TabularExplainer(frame).explain(frame.iloc[0], _red_and_large, method="anchors", threshold=threshold)


@pytest.mark.parametrize(
    "keywords, message",
    [
        ({"delta": 0}, "delta must be"),
        ({"tolerance": 0.99}, "tolerance must be"),
        ({"beam_size": 0}, "beam_size must be"),
        ({"max_model_rows": 1}, "max_model_rows must be"),
        ({"selection_tolerance": 0}, "selection_tolerance must be"),
    ],
)
def test_bad_search_options_are_refused(keywords, message):
    with pytest.raises(ValueError, match=message):
        Anchors(**keywords)


def test_a_model_whose_prediction_never_changes_gets_the_empty_rule_said_plainly():
    constant = lambda docs: np.tile([0.3, 0.7], (len(docs), 1))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exp = TextExplainer(random_state=0).explain("a b c d", constant, method="anchors")
    assert exp.anchor == () and exp.precision == 1.0 and exp.coverage == 1.0
    assert any("the rule is empty and applies everywhere" in note for note in exp.notes)
    assert exp.warnings == []


def test_a_budget_too_small_returns_the_best_rule_marked_with_a_warning():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(2000, 8))

    def coin(rows):  # class 1 on about 60 % of inputs, whatever is held: no rule reaches 0.95
        yes = (np.sin(rows.sum(axis=1) * 1e4) > -0.2).astype(float)
        return np.column_stack([1 - yes, yes])

    explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    with pytest.warns(UserWarning, match="no rule keeps class '1' with precision 0.95"):
        exp = explainer.explain(X[0], coin, method="anchors", max_model_rows=3000)
    assert exp.payload["reached"] is False and exp.payload["stopped"] == "max_model_rows"
    assert exp.num_samples <= 3000
    assert exp.warnings and "raise max_model_rows" in exp.warnings[0]


def test_a_boundary_inside_the_instance_s_bin_is_called_fragile_and_finer_bins_reach_the_threshold():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(2000, 4))

    def above(rows):  # class 1 when x0 > 0.55: inside the quartile bin (0.5, 0.75] of the instance's x0
        yes = (rows[:, 0] > 0.55).astype(float)
        return np.column_stack([1 - yes, yes])

    row = np.array([0.62, 0.5, 0.5, 0.5])
    with pytest.warns(UserWarning, match="however many features it holds") as caught:
        coarse = TabularExplainer(X, discretizer="quartile", random_state=0).explain(row, above, method="anchors")
    assert coarse.payload["reached"] is False
    assert "finer bins (e.g. discretizer='decile')" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the advice works: decile bins put the boundary outside x0's bin
        fine = TabularExplainer(X, discretizer="decile", random_state=0).explain(row, above, method="anchors")
    assert fine.anchor_features == (0,) and fine.payload["reached"] is True


def test_anchors_refuses_what_it_cannot_explain():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    with pytest.raises(ValueError, match="finds a rule that keeps a predicted class"):
        TabularExplainer(X, mode="regression").explain(X[0], lambda r: r[:, 0], method="anchors")
    proba = lambda r: np.column_stack([r[:, 0] > 0, r[:, 0] <= 0]).astype(float)  # noqa: E731
    with pytest.raises(ValueError, match="needs discretize_continuous=True"):
        TabularExplainer(X, discretize_continuous=False).explain(X[0], proba, method="anchors")
    with pytest.raises(ValueError, match="explains one class at a time"):
        TabularExplainer(X).explain(X[0], proba, method="anchors", top_labels=2)
    with pytest.raises(ValueError, match="model_regressor is a lime surrogate"):
        from sklearn.linear_model import Ridge

        TabularExplainer(X).explain(X[0], proba, method="anchors", model_regressor=Ridge())


def test_another_label_than_the_predicted_class_is_explained_with_a_note():
    frame = _colour_table()
    explainer = TabularExplainer(frame, random_state=0)
    row = frame.iloc[0].copy()
    row["x0"], row["x3"] = 0.2, "blue"  # predicted class 0; ask what would make it 1
    with pytest.warns(UserWarning, match="no rule keeps class '1'"):
        exp = explainer.explain(row, _red_and_large, method="anchors", labels=1, max_model_rows=5000)
    assert exp.labels == (1,)
    assert any("is not the predicted class at the instance" in note for note in exp.notes)


def test_examples_are_the_scored_inputs_themselves():
    frame = _colour_table()
    explainer = TabularExplainer(frame, discretizer="quartile", random_state=0)

    def mostly(rows):  # red, x0 > 0.5 and x1 > 0.1: the rule {x0, x3} keeps class 1 about 90 % of the time
        yes = ((rows["x0"] > 0.5) & (rows["x3"] == "red") & (rows["x1"] > 0.1)).to_numpy()
        return np.column_stack([~yes, yes]).astype(float)

    row = frame.iloc[0].copy()
    row["x0"], row["x1"], row["x3"] = 0.8, 0.6, "red"
    exp = explainer.explain(row, mostly, method="anchors", threshold=0.85)
    assert set(exp.anchor_features) == {0, 3}
    examples = exp.anchor_examples
    assert examples["kept"] and examples["changed"]
    for outcome, label in (("kept", 1), ("changed", 0)):
        # Rebuilt from the saved generator state, they are the inputs the model scored: the same outcomes ...
        rows = pd.DataFrame(examples[f"{outcome}_inputs"], columns=frame.columns)
        assert (mostly(rows).argmax(axis=1) == label).all()
        # ... and each satisfies the rule.
        assert (rows["x3"] == "red").all() and (rows["x0"] > 0.75).all()
        assert all({0, 3} <= set(agreeing) for agreeing in examples[outcome])
