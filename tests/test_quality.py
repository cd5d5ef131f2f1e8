"""Quality figures on every explanation: calibrated intervals, stability, held-out fit, warnings, "auto"."""

import itertools
import json
import warnings

import numpy as np
import pytest

from lime_kit import Explanation, TabularExplainer, TextExplainer
from lime_kit.datasets import load_breast_cancer, load_reviews


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _mean_pairwise_jaccard(explanations, label, k=5):
    sets = [{i for i, _ in e.as_map()[label][:k]} for e in explanations]
    return float(np.mean([len(a & b) / len(a | b) for a, b in itertools.combinations(sets, 2)]))


def test_intervals_cover_true_local_coefficients_under_heteroskedastic_noise():
    # A linear model plus Gaussian noise whose scale grows with |x0|: in the standardized
    # representation the true local coefficient of feature j is beta_j * std_j.
    data_rng = np.random.default_rng(0)
    X = data_rng.normal(size=(500, 4)) * [1.0, 2.0, 0.5, 1.0]
    beta = np.array([1.5, -0.5, 2.0, 0.0])
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    truth = beta * np.array([f["std"] for f in explainer.training_data_stats["features"]])
    covered, total = 0, 0
    for repetition in range(200):
        noise_rng = np.random.default_rng(1000 + repetition)

        def model(rows, noise_rng=noise_rng):
            return rows @ beta + (0.5 + np.abs(rows[:, 0])) * noise_rng.normal(size=len(rows))

        exp = explainer.explain(X[0], model, num_samples=1000, feature_selection="none", random_state=repetition)
        for index, low, high in exp.confidence_intervals(level=0.95):
            covered += low <= truth[index] <= high
            total += 1
    assert total == 800
    assert 0.90 <= covered / total <= 0.99


def test_intervals_are_listed_with_weights_in_map_order():
    X = np.random.default_rng(1).normal(size=(200, 3))
    exp = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0).explain(
        X[0], lambda r: r @ [2.0, -1.0, 0.5] + 0.1 * np.sin(50 * r[:, 0]), num_samples=800
    )
    intervals = exp.confidence_intervals(level=0.9)
    assert [i for i, _, _ in intervals] == [i for i, _ in exp.as_map()[0]]
    for (_, weight), (_, low, high) in zip(exp.as_map()[0], intervals):
        assert low < weight < high
    wide = exp.confidence_intervals(level=0.99)
    assert all(w[2] - w[1] > n[2] - n[1] for w, n in zip(wide, intervals))
    described = exp.as_list(intervals=True)
    assert [row[:2] for row in described] == exp.as_list() and len(described[0]) == 4


@pytest.fixture(scope="module")
def cancer_logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, names, _ = load_breast_cancer()
    return X, names, make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)


def _stability_case(explainer, instance, predict_fn, seeds=10, **kwargs):
    exps = [explainer.explain(instance, predict_fn, labels=[1], random_state=s, **kwargs) for s in range(seeds)]
    estimated = float(np.mean([e.stability[1] for e in exps]))
    return estimated, _mean_pairwise_jaccard(exps, 1)


def test_stability_estimate_predicts_measured_rerun_jaccard(cancer_logistic):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, names, logistic = cancer_logistic
    forest = RandomForestClassifier(n_estimators=30, random_state=0, n_jobs=1).fit(X, logistic.predict(X))
    texts, labels = load_reviews()
    text_model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(texts, labels)
    document = " ".join(texts[:6])
    cases = {
        "cancer logistic, discretized": _stability_case(
            TabularExplainer(X, feature_names=names, random_state=0), X[0], logistic.predict_proba, num_samples=5000
        ),
        "cancer forest, continuous": _stability_case(
            TabularExplainer(X, feature_names=names, discretize_continuous=False, random_state=0),
            X[0], forest.predict_proba, num_samples=5000,
        ),
        "reviews TF-IDF": _stability_case(TextExplainer(random_state=0), document, text_model.predict_proba, num_samples=3000),
    }
    for name, (estimated, measured) in cases.items():
        assert abs(estimated - measured) <= 0.1, (name, estimated, measured)
    # The cases differ: the estimate is informative, not a constant.
    assert max(m for _, m in cases.values()) - min(m for _, m in cases.values()) > 0.1


def test_heldout_score_separates_a_linear_model_from_noise():
    X = np.random.default_rng(2).normal(size=(300, 5))
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    linear = explainer.explain(X[0], lambda r: r @ [1.0, 2.0, 0.0, 0.0, -1.0], num_samples=1000)
    noise = explainer.explain(X[0], lambda r: np.random.default_rng(len(r)).normal(size=len(r)), num_samples=1000)
    assert linear.heldout_score[0] > 0.999
    assert noise.heldout_score[0] < 0.05 < noise.score[0] + 0.05  # in-sample R² flatters, held-out does not
    assert noise.heldout_score[0] < noise.score[0]
    assert linear.local_gap[0] == pytest.approx(abs(linear.local_pred[0] - linear.prediction[0]))


def test_constant_model_warns_instead_of_crashing():
    X = np.random.default_rng(3).normal(size=(100, 3))
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    with pytest.warns(UserWarning, match="did not change across the 500 samples"):
        exp = explainer.explain(X[0], lambda r: np.full(len(r), 0.3), num_samples=500)
    assert all(abs(w) < 1e-9 for _, w in exp.as_list())
    assert any("did not change" in w for w in exp.warnings)


def test_tied_words_are_a_tie_group_and_a_note_not_a_ranking():
    tied = ["alpha", "beta", "gamma", "delta", "omega", "sigma"]
    document = " ".join(tied + ["filler"] * 4)

    def lexicon(docs):  # six words with exactly equal weight: no sample size can rank them
        return [sum(word in d.split() for word in tied) / 6 for d in docs]

    exp = TextExplainer(mode="regression", random_state=0).explain(document, lexicon, num_samples=2000)
    groups = exp.ties(k=5)
    assert len(groups) == 1 and set(groups[0]) == set(range(6)), groups  # the whole group, past rank 5 too
    assert exp.settled_features(k=5) == []
    tie_notes = [n for n in exp.notes if "tied" in n]
    assert tie_notes and all(repr(word) in tie_notes[0] for word in tied) and "filler" not in tie_notes[0]
    # No settled top 5 is an alarm, and it says that no sample size would separate exact ties.
    assert any("only 0 of the top 5" in w and "no sample size" in w for w in exp.warnings)


def test_auto_stops_within_2000_samples_on_a_linear_model_and_records_why():
    from sklearn.ensemble import RandomForestRegressor

    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 6))
    linear = lambda r: r @ [3.0, -2.0, 1.5, 1.0, 0.5, 0.0]
    forest = RandomForestRegressor(n_estimators=20, random_state=0, n_jobs=1).fit(X, linear(X) + rng.normal(size=400))
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    fast = explainer.explain(X[0], linear, num_samples="auto")
    assert fast.num_samples <= 2000 and fast.rounds[-1]["stopped"] == "settled"
    assert fast.ties() == [] and [i for i, _, _ in fast.rank_intervals()][:5] == [0, 1, 2, 3, 4]
    slow = explainer.explain(X[0], forest.predict, num_samples="auto", max_samples=8000)
    assert 2000 <= slow.num_samples <= 8000
    assert [r["num_samples"] for r in slow.rounds] == [1000, 2000, 4000, 8000][: len(slow.rounds)]
    assert "stopped" in slow.rounds[-1] and all("stopped" not in r for r in slow.rounds[:-1])
    again = explainer.explain(X[0], forest.predict, num_samples="auto", max_samples=8000)
    assert again == slow


def test_auto_stops_early_on_ties_that_no_sample_size_separates():
    tied = ["alpha", "beta", "gamma", "delta", "omega", "sigma"]
    lexicon = lambda docs: [sum(word in d.split() for word in tied) / 6 for d in docs]
    exp = TextExplainer(mode="regression", random_state=0).explain(" ".join(tied), lexicon, num_samples="auto")
    assert exp.num_samples <= 2000
    assert exp.rounds[-1]["stopped"] == "ties cannot be separated within max_samples"
    assert set(exp.ties()[0]) == set(range(6))


def test_auto_never_exceeds_max_samples_and_says_so_when_unsettled():
    X = np.random.default_rng(7).normal(size=(300, 8))
    calls = []

    def noisy(rows):  # eight close slopes under heavy noise: the top 5 settles only slowly
        calls.append(len(rows))
        return rows @ np.linspace(1.0, 0.3, 8) + 3 * np.random.default_rng(len(rows)).normal(size=len(rows))

    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    with pytest.warns(UserWarning, match="stopped at max_samples=3000 before"):
        exp = explainer.explain(X[0], noisy, num_samples="auto", max_samples=3000, target_stability=1.0)
    assert exp.num_samples == 3000 == sum(calls)
    assert [r["num_samples"] for r in exp.rounds] == [1000, 2000, 3000]
    assert exp.rounds[-1]["stopped"] == "max_samples"


def test_auto_stops_on_pure_noise_once_no_budget_can_settle_it_and_alarms():
    X = np.random.default_rng(7).normal(size=(300, 8))
    noise = lambda rows: np.random.default_rng(len(rows)).normal(size=len(rows))
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    with pytest.warns(UserWarning, match="only 0 of the top 5"):
        exp = explainer.explain(X[0], noise, num_samples="auto")
    assert exp.num_samples < 20000 and exp.rounds[-1]["stopped"] == "ties cannot be separated within max_samples"
    assert any("worse than a constant" in w for w in exp.warnings)


def test_quality_fields_survive_json():
    X = np.random.default_rng(5).normal(size=(100, 4))
    exp = TabularExplainer(X, mode="regression", random_state=0).explain(
        X[0], lambda r: r[:, 0] + 0.1 * r[:, 1], num_samples="auto", max_samples=2000
    )
    back = Explanation.from_dict(json.loads(json.dumps(exp.to_dict())))
    assert back == exp
    for name in ("heldout_score", "local_gap", "coefficient_std", "stability", "warnings", "notes", "rounds"):
        assert getattr(back, name) == getattr(exp, name), name
    for name in ("rank_bounds", "settled_stability"):
        assert getattr(back, name) == getattr(exp, name) and getattr(exp, name), name
    assert back.confidence_intervals() == exp.confidence_intervals()
    assert back.rank_intervals() == exp.rank_intervals() and back.ties() == exp.ties()


def test_warnings_are_emitted_once_as_user_warning():
    X = np.random.default_rng(6).normal(size=(100, 3))
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exp = explainer.explain(X[0], lambda r: np.zeros(len(r)), num_samples=200)
    lime_kit_warnings = [w for w in caught if "lime_kit" in str(w.message)]
    assert len(lime_kit_warnings) == 1
    assert all(message in str(lime_kit_warnings[0].message) for message in exp.warnings)


def test_an_output_that_barely_moves_is_an_alarm_scaled_to_the_output():
    X = np.random.default_rng(8).normal(size=(200, 3))
    explainer = TabularExplainer(X, random_state=0)

    def whisper(rows):  # moves by 1e-6: weights of 1e-6 with a perfect fit would otherwise pass silently
        p = 0.7 + 1e-6 * np.tanh(np.asarray(rows)[:, 0])
        return np.column_stack([1 - p, p])

    with pytest.warns(UserWarning, match="moved by at most"):
        exp = explainer.explain(X[0], whisper, num_samples=1000)
    assert any("check that predict_fn uses its input" in w for w in exp.warnings)
    # The same movement on a regression output of scale 1e-5 is a real signal, not an alarm.
    tiny = TabularExplainer(X, mode="regression", random_state=0)
    quiet = tiny.explain(X[0], lambda rows: 1e-5 * np.tanh(np.asarray(rows)[:, 0]), num_samples=1000)
    assert not any("did not change" in w or "moved by at most" in w for w in quiet.warnings)


def test_a_fill_that_hides_nothing_is_named_instead_of_blaming_predict_fn():
    from lime_kit import ImageExplainer

    flat = np.full((32, 32, 3), 120, dtype=np.uint8)  # every segment is its own mean colour
    model = lambda batch: np.column_stack([np.asarray(batch, float).mean(axis=(1, 2, 3)) / 255] * 2) * [1, 0] + [0, 0.5]
    with pytest.warns(UserWarning, match="hiding a segment cannot change this image"):
        exp = ImageExplainer(hide_color="mean", random_state=0).explain(flat, model, num_samples=200)
    assert not any("check that predict_fn uses its input" in w for w in exp.warnings)


def test_every_explained_label_gets_its_own_rank_intervals():
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_wine(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)
    exp = TabularExplainer(X, random_state=0).explain(X[0], model.predict_proba, top_labels=3, num_samples=2000)
    assert set(exp.rank_bounds) == set(exp.labels) == {0, 1, 2}
    for label in exp.labels:
        assert [i for i, _, _ in exp.rank_intervals(label)] == [i for i, _ in exp.as_map()[label]]
        assert 0 <= exp.settled_stability[label] <= 1
