"""Comparing two explanations of one prediction: known answers, refusals, the side-by-side figure."""

import itertools
import json
import math
import warnings

import numpy as np
import pytest

import lime_kit
from lime_kit import Comparison, Explanation, compare
from lime_kit.plot import plot_comparison
from lime_kit.plot.figure import ExplanationFigure

NAMES = ["A", "B", "C", "D", "E", "F"]


def made(weights: dict, names=NAMES, method="lime", labels=(0,), class_names=None, modality="tabular", instance=None,
         **fields):
    """An explanation with chosen weights, ``{name: w}`` (names left out are not selected)."""
    coefficients = sorted(((names.index(n), float(w)) for n, w in weights.items()), key=lambda p: -abs(p[1]))
    per_label = {label: coefficients for label in labels}
    zeros = {label: 0.0 for label in labels}
    mode = "classification" if class_names else "regression"
    return Explanation(
        mode, modality, tuple(labels), list(names), list(names), instance or [0.0] * len(names), per_label, zeros, zeros,
        zeros, {label: 1.0 for label in labels}, [0.5, 0.5] if class_names else [0.0], class_names=class_names,
        method=method, **fields,
    )


BASE = {"A": 5.0, "B": -4.0, "C": 3.0, "D": -2.0, "E": 1.0, "F": 0.5}


def test_the_public_name_is_the_function():
    assert lime_kit.compare is compare and callable(lime_kit.compare)


def test_identical_explanations_agree_completely():
    result = compare(made(BASE), made(BASE, method="kernel_shap"))
    assert (result.top_k_overlap, result.kendall_tau, result.sign_agreement) == (1.0, 1.0, 1.0)
    assert result.disagreements == []
    assert result.top_k_a == result.top_k_b == [0, 1, 2, 3, 4]
    assert (result.method_a, result.method_b, result.k, result.shared) == ("lime", "kernel_shap", 5, 6)


def test_reversed_importance_order_gives_tau_minus_one():
    reversed_weights = dict(zip(BASE, [abs(w) * s for w, s in zip(reversed(list(BASE.values())), [1, -1, 1, -1, 1, 1])]))
    result = compare(made(BASE), made(reversed_weights), k=6)
    assert result.kendall_tau == pytest.approx(-1.0)
    assert result.top_k_overlap == 1.0  # the same six features, only their order differs
    assert result.sign_agreement == 1.0


def test_tau_ranks_magnitudes_so_a_sign_flip_alone_keeps_tau_at_one():
    flipped = dict(BASE, C=-3.0)
    result = compare(made(BASE), made(flipped))
    assert result.kendall_tau == pytest.approx(1.0)
    assert result.sign_agreement == pytest.approx(5 / 6)
    assert [(d.feature, d.description, d.weight_a, d.weight_b, d.reason) for d in result.disagreements] == [
        (2, "C", 3.0, -3.0, "opposite signs")
    ]


def test_a_feature_in_one_top_k_only_is_listed_with_both_weights():
    other = dict(BASE, E=0.1, F=2.5)  # F climbs into the top 5 and pushes E out
    result = compare(made(BASE), made(other), k=5)
    assert result.top_k_overlap == pytest.approx(4 / 6)
    got = {d.description: (d.weight_a, d.weight_b, d.reason) for d in result.disagreements}
    assert got == {"F": (0.5, 2.5, "top 5 of b only"), "E": (1.0, 0.1, "top 5 of a only")}


def test_unselected_features_have_weight_zero_and_no_sign():
    few = {"A": 5.0, "B": -4.0, "C": 3.0}  # e.g. LIME with num_features=3 against Shapley values for all
    result = compare(made(few), made(BASE), k=5)
    assert result.top_k_a == [0, 1, 2]  # zero weights are never "top"
    assert result.top_k_overlap == pytest.approx(3 / 5)
    assert result.shared == 3 and result.sign_agreement == 1.0
    assert {d.description for d in result.disagreements} == {"D", "E"}
    assert all(d.weight_a == 0.0 for d in result.disagreements)
    # over A..F, a ranks A > B > C and ties D, E, F at 0; b agrees on every untied pair
    assert 0.8 < result.kendall_tau < 1.0


def test_weights_within_float_rounding_of_zero_have_no_sign():
    shapley = dict(BASE, E=-3e-16, F=2e-16)  # what a Shapley value of an ignored feature looks like
    result = compare(made(BASE), made(shapley), k=6)
    assert result.sign_agreement == 1.0 and result.shared == 4
    assert result.top_k_b == [0, 1, 2, 3]
    assert {d.description for d in result.disagreements} == {"E", "F"}
    assert all(d.reason == "top 6 of a only" for d in result.disagreements)


def test_disagreements_come_largest_first_and_both_reasons_are_named():
    other = dict(BASE, E=-0.5, F=2.5)
    result = compare(made(BASE), made(other), k=5)
    assert [d.description for d in result.disagreements] == ["F", "E"]
    assert result.disagreements[1].reason == "opposite signs; top 5 of a only"


def with_std(weights: dict, stds: dict, **kwargs):
    """``made`` with a standard error per weight, ``{name: std}``, in the order of the coefficients."""
    exp = made(weights, **kwargs)
    for label, pairs in exp.coefficients.items():
        exp.coefficient_std[label] = [stds[exp.feature_names[i]] for i, _ in pairs]
    return exp


def test_disagreements_inside_the_noise_do_not_count():
    # One dominant weight (12x the next); the rest are under 0.02, each well inside its 95 % interval.
    a = with_std({"A": 0.24, "B": 0.019, "C": -0.012, "D": 0.008, "E": -0.004, "F": 0.001}, dict.fromkeys(NAMES, 0.012))
    b = with_std({"A": 0.25, "B": -0.006, "C": 0.003, "D": -0.015, "E": 0.018, "F": 0.010}, dict.fromkeys(NAMES, 0.012))
    result = compare(a, b, k=5)
    assert result.disagreements == []
    assert result.top_k_a == result.top_k_b == [0]
    assert (result.top_k_overlap, result.kendall_tau, result.sign_agreement, result.shared) == (1.0, 1.0, 1.0, 1)
    assert result.noise_a == result.noise_b == [1, 2, 3, 4, 5]
    # The same weights measured ten times more precisely are resolved: now they do disagree.
    sharp_a = with_std(dict(zip(NAMES, [0.24, 0.019, -0.012, 0.008, -0.004, 0.001])), dict.fromkeys(NAMES, 0.0012))
    sharp_b = with_std(dict(zip(NAMES, [0.25, -0.006, 0.003, -0.015, 0.018, 0.010])), dict.fromkeys(NAMES, 0.0012))
    sharp = compare(sharp_a, sharp_b, k=5)
    assert {d.name for d in sharp.disagreements} >= {"B", "E"}
    assert sharp.top_k_overlap < 1.0


def test_a_dominant_feature_rerun_with_another_seed_agrees():
    from lime_kit import TabularExplainer

    X = np.random.default_rng(0).normal(size=(500, 8))

    def model(rows):
        p = 1 / (1 + np.exp(-(4 * rows[:, 0] + 0.05 * rows[:, 1])))
        return np.c_[1 - p, p]

    explainer = TabularExplainer(X, discretizer="quartile", random_state=0)  # the review's setting
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a, b = (explainer.explain(X[1], model, labels=[1], num_samples=2000, random_state=s) for s in (1, 2))
    result = compare(a, b, k=5)
    assert result.top_k_overlap == 1.0 and result.disagreements == []
    assert result.top_k_a == result.top_k_b == [0]


def test_a_feature_in_one_top_k_only_within_noise_of_the_other_weight_counts_as_shared():
    # E ranks 5th in a and 6th in b with the same weight up to its error: a boundary effect, not a disagreement.
    stds = dict.fromkeys(NAMES, 0.05)
    a = with_std({"A": 5.0, "B": -4.0, "C": 3.0, "D": -2.0, "E": 1.00, "F": 0.98}, stds)
    b = with_std({"A": 5.0, "B": -4.0, "C": 3.0, "D": -2.0, "E": 0.98, "F": 1.00}, stds)
    result = compare(a, b, k=5)
    assert result.top_k_a != result.top_k_b
    assert result.disagreements == [] and result.top_k_overlap == 1.0


def test_without_standard_errors_weights_under_five_percent_of_the_largest_are_noise():
    # 0.1 is 2 % of the largest weight, 5.0: its sign means nothing
    result = compare(made(dict(BASE, E=0.1)), made(dict(BASE, E=-0.1)), k=6)
    assert result.disagreements == []
    assert result.noise_a == result.noise_b == [4] and result.shared == 5 and result.sign_agreement == 1.0
    flipped = compare(made(BASE), made(dict(BASE, E=-0.5)), k=6)  # 10 %: a real opposite sign
    assert [(d.name, d.reason) for d in flipped.disagreements] == [("E", "opposite signs")]


def test_exact_estimates_have_no_noise_band():
    exact = with_std(dict(BASE, F=0.001), dict.fromkeys(NAMES, 0.0), method="kernel_shap")
    result = compare(made(BASE), exact, k=6)
    assert result.noise_b == [] and 5 in result.top_k_b


def test_a_disagreement_carries_the_feature_name_and_old_json_still_reads():
    names = ["age", "income", "debt", "tenure", "score", "region"]
    a = made({"age": 5.0, "income": 3.0}, names=names, instance=[1.0] * 6)
    b = made({"age": 5.0, "income": -3.0}, names=names, instance=[1.0] * 6)
    (disagreement,) = compare(a, b).disagreements
    assert (disagreement.feature, disagreement.name, disagreement.reason) == (1, "income", "opposite signs")
    old = compare(a, b).to_dict()
    for d in old["disagreements"]:
        del d["name"]  # a Comparison saved before the name existed
    assert Comparison.from_dict(old).disagreements[0].feature == 1


def test_label_by_class_name_and_json_round_trip():
    classes = ["no", "yes"]
    a = made(BASE, labels=(0, 1), class_names=classes)
    b = made(dict(BASE, A=-5.0), labels=(1,), class_names=classes, method="kernel_shap")
    result = compare(a, b, label="yes")
    assert (result.label, result.label_name) == (1, "yes")
    assert len(result.disagreements) == 1
    text = json.dumps(result.to_dict())
    assert Comparison.from_dict(json.loads(text)) == result


def test_nan_figures_become_null_in_json():
    result = compare(made({"A": 1.0}), made({"B": 1.0}))
    assert math.isnan(result.sign_agreement)  # no feature weighed by both
    assert result.top_k_overlap == 0.0
    assert json.loads(json.dumps(result.to_dict()))["sign_agreement"] is None


@pytest.mark.parametrize(
    "other, match",
    [
        (made(BASE, modality="text"), "tabular regression explanation with a text regression"),
        (made({"A": 1.0}, names=NAMES[:5]), "6 features and exp_b 5"),
        (made({"A": 1.0}, names=["A", "B", "X", "D", "E", "F"]), "feature 2 is 'C' in exp_a and 'X' in exp_b"),
        (made(BASE, instance=[1.0] * 6), "different instances"),
        (made(BASE, labels=(3,)), r"label 'prediction' \(column 0\) is explained in exp_a but not in exp_b"),
    ],
)
def test_mismatched_explanations_are_refused(other, match):
    with pytest.raises(ValueError, match=match):
        compare(made(BASE), other)


def test_unknown_label_and_bad_k_are_refused():
    with pytest.raises(ValueError, match="exp_a: label 'maybe' was not explained"):
        compare(made(BASE, class_names=["no", "yes"]), made(BASE, class_names=["no", "yes"]), label="maybe")
    with pytest.raises(ValueError, match="k must be a positive integer"):
        compare(made(BASE), made(BASE), k=0)
    with pytest.raises(ValueError, match="name their classes differently"):
        compare(made(BASE, class_names=["no", "yes"]), made(BASE, class_names=["bad", "good"]))


def test_different_segment_maps_are_refused():
    segments = np.zeros((4, 4), dtype=int)
    a = made(BASE, modality="image", payload={"segments": segments})
    b = made(BASE, modality="image", payload={"segments": segments.T.copy() + np.eye(4, dtype=int)})
    with pytest.raises(ValueError, match="different segment maps"):
        compare(a, b)


def test_side_by_side_figure_shows_both_in_one_feature_order():
    a = made(BASE)
    b = made(dict(BASE, C=-3.0, E=0.1, F=2.5), method="kernel_shap")
    fig = plot_comparison(a, b, k=5)
    assert isinstance(fig, ExplanationFigure) and len(fig.axes) == 2
    left, right = ([bar.get_gid() for bar in ax.containers[0]] for ax in fig.axes)
    assert left == right == [NAMES[i] for i in compare(a, b).features]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == left
    assert fig.axes[0].get_title(loc="left").startswith("LIME")
    assert fig.axes[1].get_title(loc="left").startswith("KernelSHAP")
    hatched = {bar.get_gid(): bar.get_hatch() for bar in fig.axes[1].containers[0]}
    assert hatched["C"] and hatched["F"] and hatched["E"] and not hatched["A"]  # the three disagreements only
    assert "opposite signs" in [t.get_text() for t in fig.legends[0].get_texts()]
    beside = sorted(t.get_text() for t in fig.axes[1].texts)  # the reasons in words, right of the right chart
    assert beside == ["opposite signs", "top 5 of KernelSHAP only", "top 5 of LIME only"]


def test_side_by_side_bars_carry_each_explanations_own_weights():
    a, b = made(BASE), made(dict(BASE, C=-3.0), method="kernel_shap")
    fig = plot_comparison(a, b, k=3)
    for ax, weights in zip(fig.axes, (a.weights(0), b.weights(0))):
        widths = {bar.get_gid(): bar.get_width() for bar in ax.containers[0]}
        assert widths == {name: weights[NAMES.index(name)] for name in widths}


LONG_NAMES = [
    "age of the applicant at the time of the application in whole years",
    "ratio of monthly debt payments to monthly gross income (debt_to_income)",
    "credit_score",
    "x",
    "number of years with the current employer, self-employment included",
    "purpose_of_the_loan_as_stated_on_the_application_form=education",
]


def _drawn_texts(fig) -> list:
    """``(text, window extent)`` of every text the figure draws, after laying it out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    # Tick labels of ticks outside the view limits are kept by matplotlib but not drawn.
    undrawn = set()
    for ax in fig.axes:
        for axis, (low, high) in ((ax.xaxis, sorted(ax.get_xlim())), (ax.yaxis, sorted(ax.get_ylim()))):
            for tick in axis.get_major_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    undrawn |= {id(tick.label1), id(tick.label2)}
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in undrawn
    ]


@pytest.mark.parametrize("class_name", ["yes", "approved after a manual review by the credit committee"])
def test_side_by_side_texts_stay_inside_the_figure_and_do_not_overlap_with_long_names(class_name):
    a = made(dict(zip(LONG_NAMES, [0.5, -0.4, 0.3, -0.2, 0.1, 0.05])), names=LONG_NAMES, class_names=["no", class_name],
             labels=(1,))
    b = made(dict(zip(LONG_NAMES, [0.5, -0.3, -0.3, -0.2, 0.01, 0.25])), names=LONG_NAMES, class_names=["no", class_name],
             labels=(1,), method="kernel_shap")
    fig = plot_comparison(a, b, k=5)
    texts = _drawn_texts(fig)
    frame = fig.bbox
    for text, box in texts:
        assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, f"{text!r} runs past the figure's side"
        assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, f"{text!r} runs past the figure's top or bottom"
    for (text_1, box_1), (text_2, box_2) in itertools.combinations(texts, 2):
        overlap_x = min(box_1.x1, box_2.x1) - max(box_1.x0, box_2.x0)
        overlap_y = min(box_1.y1, box_2.y1) - max(box_1.y0, box_2.y0)
        assert overlap_x <= 0.5 or overlap_y <= 0.5, f"{text_1!r} overlaps {text_2!r}"
    # Long descriptions wrap instead of squeezing the charts: each chart keeps a usable width.
    for ax in fig.axes:
        assert ax.get_window_extent().width >= 0.22 * frame.width
    assert [bar.get_gid() for bar in fig.axes[0].containers[0]][0] == LONG_NAMES[0]  # gids keep the whole name


def test_side_by_side_fades_weights_inside_the_noise():
    stds = dict.fromkeys(NAMES, 0.012)
    a = with_std({"A": 0.24, "B": 0.019, "C": -0.012, "D": 0.008, "E": -0.004, "F": 0.001}, stds)
    b = with_std({"A": 0.25, "B": -0.006, "C": 0.003, "D": -0.015, "E": 0.018, "F": 0.010}, stds, method="kernel_shap")
    fig = plot_comparison(a, b, k=5)
    for ax in fig.axes:
        alphas = {bar.get_gid(): bar.get_alpha() for bar in ax.containers[0]}
        assert alphas.pop("A") is None and set(alphas.values()) == {0.35}
        assert not any(bar.get_hatch() for bar in ax.containers[0])  # no disagreement inside the noise
    assert "inside the noise (95 % interval covers 0)" in [t.get_text() for t in fig.legends[0].get_texts()]
