"""explain_many and ExplanationSet: what a user explaining many predictions sees."""

import io
import re
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lime_kit import ExplanationSet, ImageExplainer, TabularExplainer, TextExplainer
from lime_kit.many import explain_many, instance_seeds

COEF = np.array([5.0, 1.0, 0.0, 0.0])
X = np.random.default_rng(0).normal(size=(200, 4))
FAST = {"num_samples": 300, "progress": False}

# The summary warnings are asserted where they matter; elsewhere they are expected noise.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*explanations carry warnings:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*instances could not be explained:UserWarning"),
]


def linear(rows):
    """A regression whose local weights are known: 5 * x0 + x1."""
    return rows @ COEF


def noise(rows):
    """A model with no linear structure at any scale a surrogate can see."""
    return np.sin(1000 * rows @ [1.0, 2.0, 3.0, 4.0])


class CountingModel:
    """The linear model, counting how often it is pickled (in this process, where loky pickles tasks)."""

    pickles = 0

    def __call__(self, rows):
        return rows @ COEF

    def __getstate__(self):
        type(self).pickles += 1
        return self.__dict__


@pytest.fixture(scope="module")
def explainer():
    return TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)


@pytest.fixture(scope="module")
def with_failures(explainer):
    """Ten rows, two of them (3 and 7) unexplainable: a NaN in the row."""
    rows = X[:10].copy()
    rows[[3, 7], 1] = np.nan
    with pytest.warns(UserWarning, match="2 of 10 instances could not be explained"):
        return explainer.explain_many(rows, linear, errors="keep", num_features=2, **FAST)


# ------------------------------------------------------------------ sequence
def test_set_behaves_like_a_sequence(explainer, with_failures):
    s = with_failures
    assert len(s) == 10 and list(s) == s.explanations
    assert s[0].modality == "tabular" and s[-1] is s.explanations[9] and s[np.int64(2)] is s.explanations[2]
    assert s[3] is None and s[7] is None
    part = s[2:8:2]
    assert isinstance(part, ExplanationSet) and len(part) == 3
    assert part.explanations == [s[2], s[4], s[6]] and part.failures == []
    tail = s[5:]
    assert tail.failures == [(2, s.failures[1][1])] and tail[2] is None
    with pytest.raises(TypeError, match="int or a slice"):
        s["x0"]


def test_set_refuses_a_failure_without_a_none_entry(with_failures):
    with pytest.raises(ValueError, match="does not match a None entry"):
        ExplanationSet(with_failures.explanations, [(0, "ValueError: boom")])


# ------------------------------------------------------------------ frames
def test_to_frame_holds_each_weight_where_selected_and_nan_elsewhere(explainer, with_failures):
    frame = with_failures.to_frame()
    assert list(frame.columns) == ["x0", "x1", "x2", "x3"] and frame.index.name == "instance"
    assert frame.shape == (10, 4)
    # Standardized features: the local weight of x0 is its coefficient times its training spread.
    present = [i for i in range(10) if i not in (3, 7)]
    np.testing.assert_allclose(frame.loc[present, "x0"], 5 * X[:, 0].std(), rtol=0.05)
    np.testing.assert_allclose(frame.loc[present, "x1"], 1 * X[:, 1].std(), rtol=0.05)
    assert frame[["x2", "x3"]].isna().all().all()
    assert frame.loc[[3, 7]].isna().all().all()
    for i in present:
        assert frame.loc[i, "x0"] == with_failures[i].weights()[0]


def test_global_importance_ranks_the_dominant_feature_first(with_failures):
    table = with_failures.global_importance()
    assert list(table.index) == ["x0", "x1", "x2", "x3"]
    assert list(table.columns) == ["importance", "selected"]
    present = [e for e in with_failures if e is not None]
    assert table.loc["x0", "importance"] == pytest.approx(np.mean([abs(e.weights()[0]) for e in present]))
    assert table["selected"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert table.loc["x2", "importance"] == 0.0


def test_frames_read_the_label_asked_for_by_index_or_name():
    explainer = TabularExplainer(X, class_names=["low", "high"], discretize_continuous=False, random_state=1)

    def proba(rows):
        p = 1 / (1 + np.exp(-2 * rows[:, 0]))
        return np.column_stack([1 - p, p])

    s = explainer.explain_many(X[:4], proba, labels=[0, 1], **FAST)
    # With two classes the probabilities sum to one, so the surrogates' weights are opposite.
    np.testing.assert_allclose(s.to_frame("high").to_numpy(), -s.to_frame(0).to_numpy(), atol=1e-9)
    assert s.global_importance(label="high").index[0] == "x0"
    with pytest.raises(ValueError, match="was not explained by any explanation"):
        s.to_frame("medium")


def test_frames_leave_nan_where_an_explanation_did_not_explain_the_label():
    explainer = TabularExplainer(X, class_names=["a", "b"], discretize_continuous=False, random_state=1)

    def proba(rows):
        p = 1 / (1 + np.exp(-3 * rows[:, 0]))
        return np.column_stack([1 - p, p])

    rows = np.array([[2.0, 0, 0, 0], [-2.0, 0, 0, 0]])
    s = explainer.explain_many(rows, proba, **FAST)  # the predicted class: "b" for the first, "a" for the second
    frame = s.to_frame("b")
    assert frame.loc[0].notna().any() and frame.loc[1].isna().all()
    assert s.global_importance("b").loc["x0", "selected"] == 1.0


def test_quality_frame_reports_each_explanations_figures(explainer, with_failures):
    quality = with_failures.quality_frame()
    assert list(quality.columns) == [
        "label", "score", "heldout_score", "stability", "settled_stability", "num_samples", "warnings", "notes"
    ]
    exp = with_failures[0]
    assert quality.loc[0, "score"] == exp.score[0] and quality.loc[0, "heldout_score"] == exp.heldout_score[0]
    assert quality.loc[0, "stability"] == exp.stability[0] and quality.loc[0, "num_samples"] == 300
    assert quality.loc[0, "settled_stability"] == exp.settled_stability[0]
    assert (quality.drop(index=[3, 7])["heldout_score"] > 0.99).all()
    assert (quality.drop(index=[3, 7])["warnings"] == 0).all()
    # Two selected weights, 5 and 1, fitted exactly: nothing tied, nothing to note.
    assert (quality.drop(index=[3, 7])["notes"] == 0).all()
    assert quality.loc[[3, 7]].isna().all().all()


def test_quality_frame_counts_notes_such_as_ties_apart_from_warnings(explainer):
    # x2 and x3 do not enter the model: their zero weights tie, which is a note, not a warning.
    s = explainer.explain_many(X[:3], linear, **FAST)
    quality = s.quality_frame()
    assert all(e.ties() == [(2, 3)] for e in s)
    assert quality["notes"].tolist() == [len(e.notes) for e in s] and (quality["notes"] >= 1).all()
    assert (quality["warnings"] == 0).all()


def test_unreliable_explanations_give_one_summary_warning_not_one_each(explainer):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = explainer.explain_many(X[:6], noise, **FAST)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert messages == ["6 of 6 explanations carry warnings; see ExplanationSet.quality_frame() and each "
                        "explanation's .warnings"]
    quality = s.quality_frame()
    assert (quality["heldout_score"] < 0.2).all() and (quality["warnings"] >= 1).all()
    assert all(any("held-out" in w for w in e.warnings) for e in s)
    # The filter that silenced the per-explanation warnings is gone again.
    with pytest.warns(UserWarning, match="this explanation may be unreliable"):
        explainer.explain(X[0], noise, num_samples=300)


# ------------------------------------------------------------------ storage
def test_save_and_load_round_trip_failures_included(with_failures, tmp_path):
    path = with_failures.save(tmp_path / "set.jsonl")
    lines = path.read_text().splitlines()
    assert len(lines) == 10 and lines[3].startswith('{"failure": [3, "ValueError: ')
    loaded = ExplanationSet.load(path)
    assert loaded == with_failures and loaded.failures == with_failures.failures
    assert ExplanationSet.load(with_failures[:0].save(tmp_path / "empty.jsonl")) == ExplanationSet([])


def test_appending_batches_loads_as_one_set(with_failures, tmp_path):
    path = tmp_path / "batches.jsonl"
    with_failures[:5].save(path)
    with_failures[5:].save(path, append=True)
    assert ExplanationSet.load(path) == with_failures
    with_failures[:2].save(path)  # append=False replaces the file
    assert len(ExplanationSet.load(path)) == 2


def test_a_truncated_last_line_is_skipped_and_cut_before_appending(with_failures, tmp_path):
    path = with_failures.save(tmp_path / "set.jsonl")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # an interrupted write of the last line
    with pytest.warns(UserWarning, match="skipped a partial last line"):
        loaded = ExplanationSet.load(path)
    assert loaded == with_failures[:9]
    with pytest.warns(UserWarning, match="removed a partial last line"):
        with_failures[9:].save(path, append=True)
    assert ExplanationSet.load(path) == with_failures


def test_a_corrupt_line_in_the_middle_is_an_error_naming_it(with_failures, tmp_path):
    path = with_failures.save(tmp_path / "set.jsonl")
    lines = path.read_text().splitlines(keepends=True)
    lines[4] = '{"not": "an explanation"}\n'
    path.write_text("".join(lines))
    with pytest.raises(ValueError, match="line 5: not an explanation"):
        ExplanationSet.load(path)


# ------------------------------------------------------------------ seeds and workers
def test_results_do_not_depend_on_n_jobs_but_on_random_state(explainer):
    one = explainer.explain_many(X[:12], linear, n_jobs=1, random_state=3, **FAST)
    two = explainer.explain_many(X[:12], linear, n_jobs=2, random_state=3, **FAST)
    other = explainer.explain_many(X[:12], linear, n_jobs=2, random_state=4, **FAST)
    assert one == two
    assert all(a.random_state != b.random_state for a, b in zip(one, other))
    assert all(a.to_dict() != b.to_dict() for a, b in zip(one, other))
    # A seed depends on the position only: a prefix of the instances gets the same explanations.
    assert explainer.explain_many(X[:5], linear, random_state=3, **FAST) == one[:5]


def test_each_instance_seed_is_recorded_and_redoes_its_explanation(explainer):
    s = explainer.explain_many(X[:3], linear, num_features=2, **FAST)
    assert [e.random_state for e in s] == instance_seeds(explainer._seed, 3)
    assert explainer.explain_many(X[:3], linear, num_features=2, random_state=explainer._seed, **FAST) == s
    redone = explainer.explain(X[1], linear, num_features=2, num_samples=300, random_state=s[1].random_state)
    assert redone == s[1]


def test_the_model_is_pickled_per_chunk_not_per_instance(explainer):
    CountingModel.pickles = 0
    s = explainer.explain_many(X[:40], CountingModel(), n_jobs=2, **FAST)
    assert len(s) == 40 and not s.failures
    assert 1 <= CountingModel.pickles <= 8  # at most CHUNKS_PER_WORKER chunks for each of the 2 workers


def test_a_model_that_cannot_be_pickled_runs_on_threads(explainer):
    lock = threading.Lock()

    def locked(rows):
        with lock:
            return rows @ COEF

    with pytest.raises(ValueError, match='cannot be pickled.*backend="threading"'):
        explainer.explain_many(X[:6], locked, n_jobs=2, **FAST)
    threaded = explainer.explain_many(X[:6], locked, n_jobs=2, backend="threading", **FAST)
    assert threaded == explainer.explain_many(X[:6], linear, **FAST)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_errors_raise_names_the_first_failing_instance(explainer, n_jobs):
    rows = X[:20].copy()
    rows[[17, 5], 2] = np.inf
    with pytest.raises(ValueError, match=r"^instance 5: ValueError: .*x2") as info:
        explainer.explain_many(rows, linear, n_jobs=n_jobs, **FAST)
    assert isinstance(info.value.__cause__, ValueError)


def test_errors_keep_lists_failures_and_keeps_the_others(explainer, with_failures):
    assert [position for position, _ in with_failures.failures] == [3, 7]
    assert all("ValueError: " in message and "x1" in message for _, message in with_failures.failures)
    clean = explainer.explain_many(X[:10], linear, num_features=2, **FAST)
    for i in range(10):
        assert with_failures[i] is None if i in (3, 7) else with_failures[i] == clean[i]
    parallel = explainer.explain_many(
        X[:10].copy() * np.where(np.isin(np.arange(10), [3, 7]), np.nan, 1)[:, None],
        linear, n_jobs=2, errors="keep", num_features=2, **FAST,
    )
    assert [p for p, _ in parallel.failures] == [3, 7] and parallel[0] == clean[0]


# ------------------------------------------------------------------ instances
def test_dataframe_rows_are_matched_by_column_name(explainer):
    frame = pd.DataFrame(X[:4], columns=["x0", "x1", "x2", "x3"])
    named = TabularExplainer(frame, mode="regression", discretize_continuous=False, random_state=0)
    shuffled = frame[["x3", "x1", "x0", "x2"]]
    assert named.explain_many(shuffled, linear, **FAST) == named.explain_many(frame, linear, **FAST)


def test_instances_of_the_wrong_shape_or_keywords_are_refused_up_front(explainer):
    with pytest.raises(ValueError, match="2-D array with one row per instance"):
        explainer.explain_many(X[0], linear, **FAST)
    with pytest.raises(ValueError, match="a pandas Series"):
        explainer.explain_many(pd.Series(X[0]), linear, **FAST)
    with pytest.raises(TypeError, match=r"does not take: \['num_feature'\]"):
        explainer.explain_many(X[:2], linear, num_feature=3, **FAST)
    with pytest.raises(ValueError, match="errors must be 'raise'"):
        explainer.explain_many(X[:2], linear, errors="ignore", **FAST)
    with pytest.raises(ValueError, match="n_jobs must be"):
        explainer.explain_many(X[:2], linear, n_jobs=0, **FAST)
    assert len(explainer.explain_many(X[:0], linear, **FAST)) == 0


def _sentiment(texts):
    p = np.array([0.9 if "good" in t.split() else 0.2 for t in texts])
    return np.column_stack([1 - p, p])


def test_text_instances_are_a_list_of_documents():
    explainer = TextExplainer(class_names=["bad", "good"], random_state=0)
    docs = ["a good film", "not a good plot at all", "dull and long"]
    s = explain_many(explainer, docs, _sentiment, labels=[1], num_features=2, **FAST)
    assert [e.instance for e in s] == docs
    assert s[0].as_list(label=1)[0][0] == "good" and s[1].as_list(label=1)[0][0] == "good"
    assert s.global_importance(label="good").index[0] == "good"
    with pytest.raises(ValueError, match="single string"):
        explainer.explain_many("a good film", _sentiment, **FAST)


def test_image_instances_are_a_list_or_an_array_of_images():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 60, size=(3, 16, 16, 3), dtype=np.uint8)
    images[:, :4] += 150  # a bright top band: segment 0

    def brightness_of_top(batch):
        p = batch[:, :4].mean(axis=(1, 2, 3)) / 255
        return np.column_stack([1 - p, p])

    segments = np.repeat(np.arange(4), 64).reshape(16, 16)
    explainer = ImageExplainer(segmentation=segments, hide_color=0, random_state=0)
    from_array = explainer.explain_many(images, brightness_of_top, labels=[1], num_features=1, **FAST)
    from_list = explainer.explain_many(list(images), brightness_of_top, labels=[1], num_features=1, **FAST)
    assert from_array == from_list and len(from_array) == 3
    assert [e.as_map()[1][0][0] for e in from_array] == [0, 0, 0]


def test_progress_false_prints_nothing(explainer, capsys):
    explainer.explain_many(X[:3], linear, num_samples=300, progress=False)
    explainer.explain_many(X[:3], linear, num_samples=300, progress=True)  # not a terminal here: stays off
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_counts_instances_on_a_terminal(explainer, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    explainer.explain_many(X[:3], linear, num_samples=300)
    assert "3/3" in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    explainer.explain_many(X[:3], linear, num_samples=300, progress=False)
    assert quiet.getvalue() == ""


# ------------------------------------------------------------------ views
def test_submodular_pick_returns_positions_in_the_set(with_failures):
    pytest.importorskip("lime_kit.pick")
    picks = with_failures.submodular_pick(budget=2)
    assert len(picks) == 2 and not {3, 7} & set(picks)
    assert all(with_failures[p] is not None for p in picks)


def test_html_falls_back_to_a_quality_table_without_the_report_module(with_failures, monkeypatch):
    monkeypatch.setitem(sys.modules, "lime_kit.plot.report", None)
    html = with_failures._repr_html_()
    assert "<table" in html and "heldout_score" in html and "2 failed" in html


def test_readme_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the example saves a file
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = re.split(r"^## ", readme, flags=re.MULTILINE)
    found = [s for s in section if s.startswith("Explaining many predictions")]
    if not found:
        pytest.skip("README has no 'Explaining many predictions' section yet")
    code = re.findall(r"```python\n(.*?)```", found[0], flags=re.DOTALL)[0]
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exec(compile(code, "README.md", "exec"), namespace)
    explanations = namespace["explanations"]
    assert isinstance(explanations, ExplanationSet) and len(explanations) == 200
    assert ExplanationSet.load(tmp_path / "explanations.jsonl") == explanations
    assert explanations.global_importance().index[0] in namespace["names"]
