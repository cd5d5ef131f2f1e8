"""The default tabular bins follow the model: cut points, reproducibility, fallbacks and their one model call."""

import json
import pickle
import threading

import numpy as np
import pytest

from lime_kit import TabularExplainer
from lime_kit.compat.lime_tabular import LimeTabularExplainer
from lime_kit.tabular.discretize import ModelDiscretizer, PercentileDiscretizer, contrast_cut_points

pytestmark = [
    pytest.mark.filterwarnings("ignore:lime_kit. this explanation may be unreliable"),
    pytest.mark.filterwarnings("ignore:.*explanations carry warnings"),
]

THRESHOLD = 0.35  # inside the quartile bin (-0.07, 0.66] of a standard normal column
BIN_ROWS = ModelDiscretizer().sample_rows


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).normal(size=(1000, 5))


def step_model(rows):
    """P(class 1) jumps by 4 logits where x0 crosses THRESHOLD; x1 and x2 act linearly, x3 and x4 not at all."""
    rows = np.asarray(rows)
    logit = 4.0 * (rows[:, 0] > THRESHOLD) + 1.0 * rows[:, 1] + 0.5 * rows[:, 2] - 2.0
    p = 1 / (1 + np.exp(-logit))
    return np.column_stack([1 - p, p])


class CountingModel:
    """A model whose predict_proba records the size of every call."""

    def __init__(self):
        self.sizes = []

    def predict_proba(self, rows):
        self.sizes.append(len(rows))
        return step_model(rows)


def top_feature(exp):
    return exp.as_map()[exp.labels[0]][0][0]


# ------------------------------------------------------------- what the bins find
def test_default_ranks_a_threshold_inside_a_quartile_bin_first_where_quartiles_do_not(X):
    hits = {}
    for discretizer in ("model", "quartile"):
        explainer = TabularExplainer(X, discretizer=discretizer, random_state=0)
        hits[discretizer] = sum(top_feature(explainer.explain(row, step_model, num_samples=2000)) == 0 for row in X[:20])
    assert hits["model"] >= 19
    assert hits["quartile"] <= 14


def test_learned_cut_sits_on_the_model_threshold_and_reads_as_a_condition(X):
    explainer = TabularExplainer(X, random_state=0)
    row = X[np.argmax(X[:, 0] > 1.0)]
    exp = explainer.explain(row, step_model, num_samples=1000)
    features = explainer.training_data_stats["features"]
    assert features[0]["cuts"] == pytest.approx([THRESHOLD], abs=0.02)
    assert features[0]["binned_by"] == "model"
    assert exp.feature_descriptions[0] == f"x0 > {features[0]['cuts'][0]:.2f}"
    assert exp.payload["discretizer"] == "model"
    # x3 and x4 do not move the output: they keep lime's quartiles.
    for j in (3, 4):
        assert features[j]["binned_by"] == "quartiles"
        assert features[j]["cuts"] == pytest.approx(np.percentile(X[:, j], [25, 50, 75]).tolist())


def test_contrast_cuts_place_one_cut_on_a_step_two_around_a_bump_none_on_noise():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, 2000)
    noise = 0.05 * rng.normal(size=(2000, 1))
    step = contrast_cut_points(x, (x > 0.62)[:, None] + noise)
    assert step == pytest.approx([0.62], abs=0.01)
    bump = contrast_cut_points(x, (np.abs(x) < 0.3)[:, None] + noise)
    assert bump == pytest.approx([-0.3, 0.3], abs=0.01)
    assert contrast_cut_points(x, noise) is None
    trend = contrast_cut_points(x, x[:, None] + noise)  # a straight line is cut once, near the middle
    assert len(trend) == 1 and abs(trend[0]) < 0.2


def test_cuts_of_whole_numbers_are_values_of_the_column():
    ages = np.random.default_rng(2).integers(18, 80, 2000).astype(float)
    cuts = contrast_cut_points(ages, (ages > 40.5)[:, None].astype(float))
    assert cuts.tolist() == [40.0]  # "age <= 40" / "age > 40", not 40.50


# -------------------------------------------------------------- reproducibility
def test_cut_points_are_reproducible_and_do_not_change_with_the_seed(X):
    def learned(seed):
        explainer = TabularExplainer(X, random_state=seed)
        explainer.explain(X[0], step_model, num_samples=200)
        return [f["cuts"] for f in explainer.training_data_stats["features"]]

    # Like quartiles, the bins belong to the data and the model: reruns with other seeds share them.
    assert learned(3) == learned(3) == learned(4) == learned(None)
    assert learned(4)[0] == pytest.approx([THRESHOLD], abs=0.02)


def test_bins_do_not_depend_on_the_seed_of_the_call_or_on_n_jobs(X):
    explainer = TabularExplainer(X, random_state=0)
    model = CountingModel()
    explainer.explain(X[0], model.predict_proba, num_samples=300, random_state=123)
    stats = json.dumps(explainer.training_data_stats)
    serial = TabularExplainer(X, random_state=0).explain_many(X[:4], step_model, num_samples=300, progress=False)
    threaded = TabularExplainer(X, random_state=0).explain_many(
        X[:4], step_model, num_samples=300, progress=False, n_jobs=2, backend="threading"
    )
    assert serial == threaded
    fresh = TabularExplainer(X, random_state=0)
    fresh.explain_many(X[:2], step_model, num_samples=300, progress=False)
    assert json.dumps(fresh.training_data_stats) == stats


def test_quartile_keyword_gives_lime_bins_and_no_extra_model_call(X):
    model = CountingModel()
    explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    exp = explainer.explain(X[0], model.predict_proba, num_samples=700)
    assert model.sizes == [700]
    for j, feature in enumerate(explainer.training_data_stats["features"]):
        assert feature["cuts"] == np.percentile(X[:, j], [25, 50, 75]).tolist()
        assert "binned_by" not in feature
    # The same as the quartile path taken by a user discretizer object: the pre-existing behaviour.
    by_object = TabularExplainer(X, discretizer=PercentileDiscretizer((25, 50, 75)), random_state=0)
    assert exp.as_list() == by_object.explain(X[0], step_model, num_samples=700).as_list()
    assert exp.payload["discretizer"] == "quartile"


def test_lime_compatible_explainer_keeps_quartiles(X):
    model = CountingModel()
    explainer = LimeTabularExplainer(X, random_state=0)
    explainer.explain_instance(X[0], model.predict_proba, num_samples=500)
    assert model.sizes == [500]
    cuts = explainer.explainer.training_data_stats["features"][0]["cuts"]
    assert cuts == np.percentile(X[:, 0], [25, 50, 75]).tolist()


# ------------------------------------------------------ the one extra model call
def test_model_is_called_once_for_the_bins_across_repeated_explains(X):
    model = CountingModel()
    explainer = TabularExplainer(X, random_state=0)
    for row in X[:3]:
        explainer.explain(row, model.predict_proba, num_samples=500)  # a new bound method every time
    explainer.explain(X[3], model.predict_proba, num_samples="auto", max_samples=2000)
    assert model.sizes[:2] == [BIN_ROWS, 500]
    assert model.sizes.count(BIN_ROWS) == 1
    explainer.explain_many(X[:4], model.predict_proba, num_samples=500, progress=False)
    assert model.sizes.count(BIN_ROWS) == 1


def test_explain_many_learns_the_bins_once_before_its_workers_start(X):
    model = CountingModel()
    explainer = TabularExplainer(X, random_state=0)
    explainer.explain_many(X[:6], model.predict_proba, num_samples=300, progress=False, n_jobs=3, backend="threading")
    assert model.sizes[0] == BIN_ROWS and model.sizes.count(BIN_ROWS) == 1
    assert explainer.training_data_stats["features"][0]["binned_by"] == "model"


def test_a_second_model_gets_its_own_bins(X):
    explainer = TabularExplainer(X, random_state=0)
    explainer.explain(X[0], step_model, num_samples=300)
    flipped = lambda rows: step_model(-np.asarray(rows))  # its threshold is at x0 = -THRESHOLD
    explainer.explain(X[0], flipped, num_samples=300)
    assert explainer.training_data_stats["features"][0]["cuts"] == pytest.approx([-THRESHOLD], abs=0.02)
    explainer.explain(X[0], step_model, num_samples=300)
    assert explainer.training_data_stats["features"][0]["cuts"] == pytest.approx([THRESHOLD], abs=0.02)


def test_kernel_shap_learns_no_bins(X):
    model = CountingModel()
    TabularExplainer(X, random_state=0).explain(X[0], model.predict_proba, method="kernel_shap", num_samples=64)
    assert BIN_ROWS not in model.sizes


def test_impossible_request_is_refused_before_the_bins_call_the_model(X):
    model = CountingModel()
    with pytest.raises(MemoryError):
        TabularExplainer(X, random_state=0).explain(X[0], model.predict_proba, num_samples=10**12)
    assert model.sizes == []


# ---------------------------------------------------- fallbacks and consistency
def test_explainer_built_from_statistics_uses_their_bins_and_learns_nothing(X):
    full = TabularExplainer(X, random_state=0)
    before = json.loads(json.dumps(full.training_data_stats))  # no model seen yet: quartiles
    assert before["features"][0]["cuts"] == np.percentile(X[:, 0], [25, 50, 75]).tolist()
    exp = full.explain(X[0], step_model, num_samples=400)
    after = json.loads(json.dumps(full.training_data_stats))
    model = CountingModel()
    light = TabularExplainer(training_data_stats=after, random_state=0)
    assert light.explain(X[0], model.predict_proba, num_samples=400).as_list() == exp.as_list()
    assert model.sizes == [400]
    from_quartiles = TabularExplainer(training_data_stats=before, random_state=0)
    assert from_quartiles.explain(X[0], step_model, num_samples=400).feature_descriptions[0].startswith("-0.07 < x0")


def test_pickled_explainer_leaves_the_models_behind(X):
    lock = threading.Lock()  # cannot be pickled

    def model(rows):
        with lock:
            return step_model(rows)

    explainer = TabularExplainer(X, random_state=0)
    exp = explainer.explain(X[1], model, num_samples=300)
    restored = pickle.loads(pickle.dumps(explainer))
    assert restored.training_data_stats == explainer.training_data_stats
    assert restored.explain(X[1], step_model, num_samples=300).coefficients != {}  # learns again for a new model
    assert exp.payload["discretizer"] == "model"


def test_model_discretizer_options_are_checked():
    with pytest.raises(ValueError, match="max_bins must be at least 2"):
        ModelDiscretizer(max_bins=1)
    with pytest.raises(ValueError, match="min_share must be between 0 and 0.5"):
        ModelDiscretizer(min_share=0.6)


def test_model_discretizer_object_tunes_the_default(X):
    model = CountingModel()
    explainer = TabularExplainer(X, discretizer=ModelDiscretizer(max_bins=2, sample_rows=500), random_state=0)
    explainer.explain(X[0], model.predict_proba, num_samples=300)
    assert model.sizes == [500, 300]
    learned = [f for f in explainer.training_data_stats["features"] if f["binned_by"] == "model"]
    assert len(learned) >= 2 and all(len(f["cuts"]) == 1 for f in learned)
    assert explainer.training_data_stats["features"][0]["cuts"] == pytest.approx([THRESHOLD], abs=0.03)
