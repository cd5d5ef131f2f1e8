"""lime_kit.evaluation: deletion/insertion curves, faithfulness and rerun stability against known models."""

import dataclasses
import warnings

import numpy as np
import pytest

from lime_kit import ImageExplainer, TabularExplainer, TextExplainer
from lime_kit.evaluation import (
    CurveResult,
    deletion_curve,
    faithfulness_correlation,
    insertion_curve,
    rerun_stability,
)

# The explanations below are deliberately cheap, so irrelevant features tie and lime_kit says so.
pytestmark = pytest.mark.filterwarnings("ignore:lime_kit. this explanation may be unreliable")

# ------------------------------------------------------------------ models with a known ground truth
LOGISTIC_COEFFICIENTS = np.array([3.0, -2.0, 1.5, 0.0, 0.0, 0.0, 0.0, 0.0])


def logistic_proba(rows):
    p = 1 / (1 + np.exp(-(np.asarray(rows) @ LOGISTIC_COEFFICIENTS)))
    return np.column_stack([1 - p, p])


def keyword_proba(docs):
    """Positive with "good" and "great", negative with "bad"; every other word is ignored."""
    scores = []
    for doc in docs:
        words = doc.lower().split()
        scores.append(2.0 * (words.count("good") + words.count("great")) - 2.0 * words.count("bad"))
    p = 1 / (1 + np.exp(-np.array(scores)))
    return np.column_stack([1 - p, p])


REVIEW = "the food was good and the staff were great but the parking was bad and the music was loud"

# An 32x32 image cut into a 4x4 grid of 8x8 segments; the model reads only the region rows 8:16, cols 8:24
# (segments 5 and 6).
GRID = np.repeat(np.repeat(np.arange(16).reshape(4, 4), 8, axis=0), 8, axis=1)
REGION_SEGMENTS = {5, 6}


def region_proba(images):
    p = np.asarray(images)[:, 8:16, 8:24].mean(axis=(1, 2, 3)) / 255
    return np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def tabular_case():
    X = np.random.default_rng(0).normal(size=(500, 8))
    row = np.array([1.2, -1.0, 1.0, 0.3, -0.5, 0.1, 0.8, -0.2])
    explainer = TabularExplainer(X, class_names=["no", "yes"], random_state=0)
    exp = explainer.explain(row, logistic_proba, num_features=8, num_samples=1000)
    return explainer, row, exp


@pytest.fixture(scope="module")
def text_case():
    explainer = TextExplainer(class_names=["negative", "positive"], random_state=0)
    exp = explainer.explain(REVIEW, keyword_proba, num_features=5, num_samples=500)
    return explainer, REVIEW, exp


@pytest.fixture(scope="module")
def image_case():
    image = np.full((32, 32, 3), 200, dtype=np.uint8)
    image += np.random.default_rng(1).integers(0, 40, size=image.shape, dtype=np.uint8)
    explainer = ImageExplainer(segmentation=GRID, hide_color=0, random_state=0)
    exp = explainer.explain(image, region_proba, labels=[1], num_samples=300)
    return explainer, image, exp


CASES = {"tabular": ("tabular_case", logistic_proba), "text": ("text_case", keyword_proba), "image": ("image_case", region_proba)}


def case(request, name):
    fixture, model = CASES[name]
    explainer, instance, exp = request.getfixturevalue(fixture)
    return explainer, instance, model, exp


# ------------------------------------------------------------------ deletion and insertion beat random
@pytest.mark.parametrize("name", list(CASES))
def test_deletion_of_the_explanation_ranking_beats_random(request, name):
    explainer, instance, model, exp = case(request, name)
    curve = deletion_curve(explainer, instance, model, exp, label=1, random_state=0)
    assert isinstance(curve, CurveResult) and curve.kind == "deletion"
    assert curve.auc < curve.random_auc - 0.05
    # the first step is the intact instance, the last has nothing left of it
    assert curve.fractions[0] == 0 and curve.fractions[-1] == 1
    assert curve.values[0] == pytest.approx(exp.prediction[1])


@pytest.mark.parametrize("name", list(CASES))
def test_insertion_of_the_explanation_ranking_beats_random(request, name):
    explainer, instance, model, exp = case(request, name)
    curve = insertion_curve(explainer, instance, model, exp, label=1, random_state=0)
    assert curve.kind == "insertion"
    assert curve.auc > curve.random_auc + 0.05
    assert curve.values[-1] == pytest.approx(exp.prediction[1])


def test_image_deletion_hides_the_region_first(image_case):
    explainer, image, exp = image_case
    assert {index for index, _ in exp.as_map()[1][:2]} == REGION_SEGMENTS
    curve = deletion_curve(explainer, image, region_proba, exp, label=1, random_state=0)
    assert curve.fractions[:3] == [0, 1 / 16, 2 / 16]
    assert curve.values[2] == 0.0  # both region segments hidden by hide_color=0
    assert curve.values[-1] == 0.0


def test_reversed_ranking_does_worse_than_random(tabular_case):
    explainer, row, exp = tabular_case
    flipped = dataclasses.replace(exp, coefficients={1: [(i, -w) for i, w in exp.coefficients[1]]})
    good = deletion_curve(explainer, row, logistic_proba, exp, random_state=0)
    bad = deletion_curve(explainer, row, logistic_proba, flipped, random_state=0)
    assert bad.auc > bad.random_auc > good.auc


def test_text_masking_mode_also_beats_random():
    explainer = TextExplainer(bow=False, random_state=0)
    exp = explainer.explain(REVIEW, keyword_proba, num_features=5, num_samples=500)
    curve = deletion_curve(explainer, REVIEW, keyword_proba, exp, random_state=0)
    assert len(curve.fractions) == len(REVIEW.split()) + 1
    assert curve.auc < curve.random_auc - 0.05


def test_absolute_order_removes_negative_evidence_early(text_case):
    explainer, text, exp = text_case
    signed = deletion_curve(explainer, text, keyword_proba, exp, random_state=0)
    absolute = deletion_curve(explainer, text, keyword_proba, exp, order="absolute", random_state=0)
    # by |weight| "bad" goes third, with "good" and "great"; by signed weight it goes last
    assert absolute.values[3] == pytest.approx(0.5) and signed.values[3] == pytest.approx(1 / (1 + np.exp(2)))
    assert signed.values[-2] == pytest.approx(1 / (1 + np.exp(2))) and signed.values[-1] == pytest.approx(0.5)


def test_many_features_are_evaluated_at_about_fifty_steps():
    words = [f"w{i}" for i in range(120)]
    text = " ".join(words)

    def predict(docs):
        p = np.array([0.2 + 0.6 * d.split().count("w7") for d in docs])
        return np.column_stack([1 - p, p])

    explainer = TextExplainer(random_state=0)
    exp = explainer.explain(text, predict, num_features=3, num_samples=300)
    curve = deletion_curve(explainer, text, predict, exp, random_orders=2, random_state=0)
    assert len(curve.fractions) == 51
    assert np.all(np.diff(curve.fractions) > 0)
    assert curve.values[1] == pytest.approx(0.2)  # "w7" goes in the first step
    assert len(deletion_curve(explainer, text, predict, exp, steps=10, random_orders=2).fractions) == 11


def test_auc_is_the_trapezoid_area(tabular_case):
    explainer, row, exp = tabular_case
    curve = deletion_curve(explainer, row, logistic_proba, exp, random_state=0)
    assert curve.auc == pytest.approx(np.trapezoid(curve.values, curve.fractions))
    assert curve.random_auc == pytest.approx(np.trapezoid(curve.random_values, curve.fractions))
    assert curve.label == 1 and curve.label_name == "yes"


def test_curves_are_reproducible_with_random_state(tabular_case):
    explainer, row, exp = tabular_case
    first = deletion_curve(explainer, row, logistic_proba, exp, random_state=3)
    assert deletion_curve(explainer, row, logistic_proba, exp, random_state=3) == first
    assert deletion_curve(explainer, row, logistic_proba, exp, random_state=4).random_values != first.random_values


def test_model_is_called_in_batches_of_at_most_batch_size(tabular_case):
    explainer, row, exp = tabular_case
    sizes = []

    def counting(rows):
        sizes.append(len(rows))
        return logistic_proba(rows)

    deletion_curve(explainer, row, counting, exp, random_orders=2, repeats=4, batch_size=25, random_state=0)
    assert max(sizes) <= 25 and sum(sizes) == 3 * 9 * 4  # orders x steps x repeats


def test_class_name_selects_the_label(tabular_case):
    explainer, row, exp = tabular_case
    assert deletion_curve(explainer, row, logistic_proba, exp, label="yes", random_state=0).label == 1


# ------------------------------------------------------------------ faithfulness
def test_faithfulness_is_high_on_a_linear_model():
    X = np.random.default_rng(0).normal(size=(500, 5))
    coefficients = np.array([3.0, -2.0, 1.0, 0.5, 0.0])
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    row = np.full(5, 1.2)
    exp = explainer.explain(row, lambda rows: rows @ coefficients, num_samples=1000)
    r = faithfulness_correlation(explainer, row, lambda rows: rows @ coefficients, exp, random_state=0)
    assert r > 0.8
    negated = dataclasses.replace(exp, coefficients={0: [(i, -w) for i, w in exp.coefficients[0]]})
    assert faithfulness_correlation(explainer, row, lambda rows: rows @ coefficients, negated, random_state=0) < -0.8


def test_faithfulness_on_text_keywords(text_case):
    explainer, text, exp = text_case
    assert faithfulness_correlation(explainer, text, keyword_proba, exp) > 0.8


def test_faithfulness_needs_two_features(text_case):
    explainer, text, _ = text_case
    one = explainer.explain(text, keyword_proba, num_features=1, num_samples=300)
    with pytest.raises(ValueError, match="at least 2"):
        faithfulness_correlation(explainer, text, keyword_proba, one)


# ------------------------------------------------------------------ rerun stability
def test_rerun_stability_is_one_on_an_exactly_linear_model():
    X = np.random.default_rng(0).normal(size=(400, 8))
    coefficients = np.array([6.0, -5.0, 4.0, 3.0, -2.5, 0.0, 0.0, 0.0])
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    result = rerun_stability(explainer, X[0], lambda rows: rows @ coefficients, seeds=5, k=5, num_samples=300)
    assert result.jaccard == 1.0
    assert all(top == {0, 1, 2, 3, 4} for top in result.top_sets)
    assert [e.random_state for e in result.explanations] == [0, 1, 2, 3, 4]
    assert max(result.weight_spread[j] for j in range(5)) < 0.05


def test_rerun_stability_is_below_one_on_a_noisy_model():
    X = np.random.default_rng(0).normal(size=(400, 8))
    noise = np.random.default_rng(5)
    explainer = TabularExplainer(X, mode="regression", random_state=0)

    def noisy(rows):
        return 0.3 * np.asarray(rows)[:, 0] + noise.normal(size=len(rows))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the reruns' own warnings are not re-emitted
        result = rerun_stability(explainer, X[0], noisy, seeds=[10, 11, 12, 13], k=3, num_samples=100)
    assert result.jaccard < 1
    assert result.seeds == [10, 11, 12, 13] and len(result.top_sets) == 4
    assert any(spread > 0 for spread in result.weight_spread.values())


def test_rerun_stability_passes_label_to_explain(text_case):
    explainer, text, _ = text_case
    result = rerun_stability(explainer, text, keyword_proba, seeds=2, label="negative", num_samples=200)
    assert result.label == 0 and all(e.labels == (0,) for e in result.explanations)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"seeds": 1}, "seeds"), ({"seeds": [3]}, "at least 2"), ({"k": 0}, "k must"), ({"random_state": 1}, "seeds=")],
)
def test_rerun_stability_rejects_bad_arguments(text_case, kwargs, message):
    explainer, text, _ = text_case
    with pytest.raises(ValueError, match=message):
        rerun_stability(explainer, text, keyword_proba, **kwargs)


# ------------------------------------------------------------------ clear errors
def test_label_not_explained_is_refused(tabular_case):
    explainer, row, exp = tabular_case
    with pytest.raises(ValueError, match="was not explained"):
        deletion_curve(explainer, row, logistic_proba, exp, label=0)


def test_explanation_from_another_modality_is_refused(tabular_case, text_case):
    explainer, row, _ = tabular_case
    _, _, text_exp = text_case
    with pytest.raises(ValueError, match="text explanation but the explainer is a TabularExplainer"):
        insertion_curve(explainer, row, logistic_proba, text_exp)


def test_explanation_of_another_document_is_refused(text_case):
    explainer, _, exp = text_case
    with pytest.raises(ValueError, match="features but the explainer finds"):
        deletion_curve(explainer, "a good day", keyword_proba, exp)


def test_explanation_of_another_row_warns(tabular_case):
    explainer, row, exp = tabular_case
    with pytest.warns(UserWarning, match="another instance or model"):
        deletion_curve(explainer, -row, logistic_proba, exp, random_state=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"order": "magnitude"}, "order must be"), ({"random_orders": 0}, "random_orders"), ({"repeats": 0}, "repeats"),
     ({"steps": 0}, "steps")],
)
def test_bad_curve_arguments_are_refused(tabular_case, kwargs, message):
    explainer, row, exp = tabular_case
    with pytest.raises(ValueError, match=message):
        deletion_curve(explainer, row, logistic_proba, exp, **kwargs)
