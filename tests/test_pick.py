"""SP-LIME (submodular pick) and the renderers of many explanations."""

import itertools
import math
import types
import warnings

import numpy as np
import pandas as pd
import pytest

from lime_kit import Explanation, TabularExplainer
from lime_kit.pick import coverage, importance_matrix, submodular_pick
from lime_kit.plot.figure import ExplanationFigure
from lime_kit.plot.many import plot_global_importance, plot_picks


def made(weights: dict, names=("A", "B", "C", "D", "E"), labels=(0,), class_names=None, mode="regression"):
    """An explanation with chosen weights: ``{name: w}``, or ``{label: {name: w}}`` for several labels."""
    names = list(names)
    per_label = weights if all(isinstance(k, int) for k in weights) and weights else {labels[0]: weights}
    coefficients = {
        label: sorted(((names.index(n), float(w)) for n, w in per_label.get(label, {}).items()), key=lambda p: -abs(p[1]))
        for label in labels
    }
    zeros = {label: 0.0 for label in labels}
    return Explanation(
        mode, "tabular", tuple(labels), names, names, [0.0] * len(names), coefficients, zeros, zeros, zeros,
        {label: 1.0 for label in labels}, [0.0] * max(len(labels), 1), class_names=class_names,
    )


def reference_pick(W: np.ndarray, budget: int, by_depth: bool = True) -> list[int]:
    """The paper's greedy loop, written plainly: coverage of every candidate set from scratch.

    Ties in coverage go to the larger depth (``sum_j I_j max_{i in V} |W_ij| / max_i |W_ij|``) when
    ``by_depth``, then to the lowest row (lime's rule when not ``by_depth``).
    """
    A = np.abs(W)
    importance = np.sqrt(A.sum(axis=0))
    peak = A.max(axis=0)

    def c(rows):
        return float(((A[list(rows)] > 0).any(axis=0) * importance).sum())

    def d(rows):
        return float((A[list(rows)].max(axis=0) / np.where(peak > 0, peak, 1) * importance).sum())

    picked = []
    for _ in range(budget):
        best, best_row = (-1.0, -1.0), None
        for row in range(len(W)):
            if row in picked:
                continue
            value = (c(picked + [row]), d(picked + [row]) if by_depth else 0.0)
            # strict, with a tolerance for rounding: ties keep the lowest row
            if value[0] > best[0] + 1e-12 or (abs(value[0] - best[0]) <= 1e-12 and value[1] > best[1] + 1e-12):
                best, best_row = value, row
        picked.append(best_row)
    return picked


def random_explanations(seed: int, n: int = 12, n_features: int = 8):
    rng = np.random.default_rng(seed)
    names = [f"f{j}" for j in range(n_features)]
    exps, W = [], np.zeros((n, n_features))
    for i in range(n):
        chosen = rng.choice(n_features, size=rng.integers(1, 4), replace=False)
        W[i, chosen] = rng.normal(size=len(chosen)) * rng.uniform(0.2, 3.0)
        exps.append(made({names[j]: W[i, j] for j in chosen}, names=names))
    return exps, W


@pytest.fixture(scope="module")
def real_explanations():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    explainer = TabularExplainer(
        X, feature_names=["age", "income", "debt", "tenure", "noise"], mode="regression",
        discretize_continuous=False, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return [
            explainer.explain(row, lambda r: 3 * r[:, 0] + 2 * r[:, 1] * r[:, 2] - r[:, 3], num_samples=300, num_features=3)
            for row in X[:20]
        ]


# ------------------------------------------------------------------ picking


def test_greedy_picks_explanations_that_cover_different_features():
    # The second explanation has the single largest weight, but only repeats B: coverage prefers C and D.
    exps = [made({"A": 1.0, "B": 1.0}), made({"B": 5.0}), made({"C": 1.0, "D": -1.0})]
    assert submodular_pick(exps, budget=2) == [0, 2]


def test_greedy_matches_the_papers_algorithm_on_random_explanations():
    differs_from_lime = 0
    for seed in range(10):
        exps, W = random_explanations(seed)
        picks = submodular_pick(exps, budget=5)
        assert picks == reference_pick(W, 5), seed
        lime_picks = reference_pick(W, 5, by_depth=False)
        # Depth only breaks lime's ties, so the first pick covers as much as lime's.
        assert coverage(exps, picks[:1]) == pytest.approx(coverage(exps, lime_picks[:1])), seed
        differs_from_lime += picks != lime_picks
    assert differs_from_lime > 0  # the random sets do contain ties, so depth is exercised


def test_coverage_is_lime_formula_and_grows_with_each_pick():
    exps = [made({"A": 4.0, "B": -1.0}), made({"B": 8.0}), made({"C": 9.0})]
    # I = sqrt(sum |w|): A 2, B 3, C 3.
    assert coverage(exps, [0]) == pytest.approx(5.0)
    assert coverage(exps, [1]) == pytest.approx(3.0)
    assert coverage(exps, [0, 2]) == pytest.approx(8.0)
    assert coverage(exps, range(3)) == pytest.approx(8.0)
    exps, _ = random_explanations(3)
    picks = submodular_pick(exps, budget=len(exps))
    values = [coverage(exps, picks[:k]) for k in range(len(picks) + 1)]
    assert all(b >= a for a, b in zip(values, values[1:]))
    assert values[-1] == pytest.approx(coverage(exps, range(len(exps))))


def test_greedy_coverage_is_close_to_the_best_possible_set():
    exps, _ = random_explanations(7, n=9)
    for budget in (1, 2, 3):
        greedy = coverage(exps, submodular_pick(exps, budget=budget))
        best = max(coverage(exps, rows) for rows in itertools.combinations(range(9), budget))
        assert greedy >= (1 - 1 / math.e) * best
        if budget == 1:
            assert greedy == pytest.approx(best)


def test_ties_go_to_the_lowest_position_and_every_pick_is_distinct():
    exps = [made({"A": 1.0}), made({"A": 1.0}), made({"B": 1.0}), made({"B": 1.0})]
    assert submodular_pick(exps, budget=4) == [0, 2, 1, 3]


def test_when_every_feature_is_selected_the_weights_decide_the_picks():
    # Every explanation selected all five features (num_features >= n_features): selection says nothing.
    rng = np.random.default_rng(0)
    background = [{name: float(w) for name, w in zip("ABCDE", rng.uniform(0.01, 0.05, 5))} for _ in range(12)]
    strong = {5: ("A", 3.0), 8: ("B", 2.0), 10: ("C", -1.5)}
    for row, (name, weight) in strong.items():
        background[row][name] = weight
    exps = [made(weights) for weights in background]
    picks = submodular_pick(exps, budget=3)
    assert picks == [5, 8, 10]  # the rows that show A, B and C at their strongest, largest importance first
    assert coverage(exps, [0]) == pytest.approx(coverage(exps, range(12)))  # selection alone covers all at once


def test_picks_with_all_features_follow_where_each_feature_matters():
    # y leans on x0 for x4 > 1, on x1 for x4 < -1, and barely on x2 otherwise: explanations at those rows
    # carry the large weights, and with num_features=5 every explanation selects every feature.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 5))
    X[:40, 4] = rng.permutation(np.linspace(-2.5, 2.5, 40))

    def model(r):
        return 3 * r[:, 0] * (r[:, 4] > 1) + 3 * r[:, 1] * (r[:, 4] < -1) + 0.2 * r[:, 2]

    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exps = [explainer.explain(row, model, num_samples=600, num_features=5) for row in X[:40]]
    W, _ = importance_matrix(exps)
    assert (W > 0).all()
    picks = submodular_pick(exps, budget=2)
    assert picks != [0, 1]
    # The two picks show x0 and x1 near their largest weights over the 40 explanations.
    for j in (0, 1):
        assert W[picks, j].max() >= 0.75 * W[:, j].max(), j
    assert {int(X[p, 4] > 0) for p in picks} == {0, 1}  # one pick from each regime


def test_importance_matrix_lines_features_up_by_name():
    good = made({"good": 2.0, "movie": -0.5}, names=["good", "movie", "plot"])
    bad = made({"bad": -3.0, "movie": 1.0}, names=["bad", "movie"])
    W, names = importance_matrix([good, None, bad])
    assert names == ["good", "movie", "plot", "bad"]
    np.testing.assert_allclose(W, [[2.0, 0.5, 0.0, 0.0], [0.0, 1.0, 0.0, 3.0]])


def test_a_name_repeated_in_one_explanation_adds_up():
    exp = made({}, names=["the", "cat", "the"])
    exp.coefficients[0] = [(0, 1.0), (2, -2.0), (1, 0.5)]
    W, names = importance_matrix([exp])
    assert names == ["the", "cat"]
    np.testing.assert_allclose(W, [[3.0, 0.5]])


def test_label_by_index_or_class_name_and_explanations_without_it_are_left_out():
    kwargs = dict(class_names=["no", "yes"], mode="classification")
    exps = [
        made({0: {"A": 1.0}, 1: {"B": 1.0}}, labels=(0, 1), **kwargs),
        made({0: {"A": 2.0}, 1: {"C": 1.0}}, labels=(0, 1), **kwargs),
        made({0: {"D": 9.0}}, labels=(0,), **kwargs),  # top_labels=1 on an instance predicted "no"
    ]
    W_yes, names = importance_matrix(exps, label="yes")
    assert W_yes.shape[0] == 2
    np.testing.assert_allclose(W_yes[:, names.index("B")], [1.0, 0.0])
    np.testing.assert_allclose(importance_matrix(exps, label=1)[0], W_yes)
    W_first, names = importance_matrix(exps)  # each explanation's first label
    np.testing.assert_allclose(W_first[:, names.index("A")], [1.0, 2.0, 0.0])
    # D is the strongest feature of label "no", but the third explanation says nothing about "yes".
    assert submodular_pick(exps, budget=1) == [2]
    with pytest.warns(UserWarning, match="more than the 2 candidate"):
        assert submodular_pick(exps, budget=3, label="yes") == [0, 1]
    assert coverage(exps, [2], label="yes") == 0.0


def test_a_label_no_explanation_explained_is_refused_with_the_explained_labels():
    exps = [made({"A": 1.0}, labels=(0,), class_names=["no", "yes"], mode="classification")]
    with pytest.raises(ValueError, match="label 'maybe' was not explained by any explanation; explained labels are \\['no'\\]"):
        submodular_pick(exps, budget=1, label="maybe")
    with pytest.raises(ValueError, match="label 1 was not explained"):
        importance_matrix(exps, label=1)


def test_failed_instances_are_skipped_but_positions_refer_to_the_original_list():
    exps = [None, made({"A": 1.0}), None, made({"B": 5.0}), made({"A": 1.0})]
    assert submodular_pick(exps, budget=2) == [3, 1]
    as_set = types.SimpleNamespace(explanations=exps)
    assert submodular_pick(as_set, budget=2) == [3, 1]
    assert coverage(exps, [0, 2]) == 0.0
    with pytest.warns(UserWarning, match="budget=9 is more than the 3"):
        assert sorted(submodular_pick(exps, budget=9)) == [1, 3, 4]


def test_full_is_lime_name_for_greedy():
    exps, _ = random_explanations(1)
    assert submodular_pick(exps, budget=3, method="full") == submodular_pick(exps, budget=3)


def test_budget_above_the_number_of_explanations_warns_and_returns_all_in_pick_order():
    exps = [made({"A": 1.0}), made({"B": 3.0, "C": 1.0})]
    with pytest.warns(UserWarning, match="returning all of them in pick order"):
        assert submodular_pick(exps, budget=5) == [1, 0]


# ------------------------------------------------------------- sample method


def test_sample_method_is_reproducible_and_depends_on_the_seed():
    exps, _ = random_explanations(5, n=30)
    first = submodular_pick(exps, budget=3, method="sample", sample_size=6, random_state=0)
    assert first == submodular_pick(exps, budget=3, method="sample", sample_size=6, random_state=0)
    results = {tuple(submodular_pick(exps, budget=3, method="sample", sample_size=6, random_state=s)) for s in range(8)}
    assert len(results) > 1
    generator = np.random.default_rng(0)
    assert submodular_pick(exps, budget=3, method="sample", sample_size=6, random_state=generator) == first


def test_sample_method_picks_greedily_within_its_candidates():
    exps, W = random_explanations(2, n=20)
    picks = submodular_pick(exps, budget=4, method="sample", sample_size=8, random_state=3)
    candidates = np.sort(np.random.default_rng(3).choice(20, size=8, replace=False))
    assert set(picks) <= set(candidates.tolist())
    # Greedy among the candidates, with importance from all explanations.
    importance = np.sqrt(np.abs(W).sum(axis=0))
    covered = np.zeros(W.shape[1], dtype=bool)
    for pick in picks:
        gains = {int(c): float(((W[c] != 0) & ~covered) @ importance) for c in candidates if c not in picks[: picks.index(pick)]}
        assert gains[pick] == pytest.approx(max(gains.values()))
        covered |= W[pick] != 0


def test_sample_method_breaks_ties_by_lowest_position():
    exps = [made({"A": 1.0}) for _ in range(10)]
    for seed in range(5):
        candidates = np.random.default_rng(seed).choice(10, size=4, replace=False)
        picks = submodular_pick(exps, budget=2, method="sample", sample_size=4, random_state=seed)
        assert picks == sorted(candidates.tolist())[:2]


def test_sample_size_above_the_count_warns_and_equals_greedy():
    exps, _ = random_explanations(4)
    with pytest.warns(UserWarning, match="sample_size=1000 is larger than the 12"):
        picks = submodular_pick(exps, budget=3, method="sample", random_state=0)
    assert picks == submodular_pick(exps, budget=3)


def test_picking_never_touches_numpy_global_random_state():
    exps, _ = random_explanations(6, n=20)
    before = np.random.get_state()
    submodular_pick(exps, budget=3, method="sample", sample_size=5, random_state=1)
    submodular_pick(exps, budget=3, method="sample", sample_size=5)
    submodular_pick(exps, budget=3)
    after = np.random.get_state()
    assert before[0] == after[0] and before[2:] == after[2:]
    np.testing.assert_array_equal(before[1], after[1])


# ------------------------------------------------------------------- errors


@pytest.mark.parametrize("budget", [0, -2, 2.5, True, "3", None])
def test_budget_must_be_a_positive_integer(budget):
    with pytest.raises(ValueError, match="budget must be a positive integer"):
        submodular_pick([made({"A": 1.0})], budget=budget)


def test_bad_method_sample_size_and_inputs_are_refused_clearly():
    exps = [made({"A": 1.0})]
    with pytest.raises(ValueError, match="method must be 'greedy' or 'sample'"):
        submodular_pick(exps, budget=1, method="random")
    with pytest.raises(ValueError, match="sample_size must be a positive integer"):
        submodular_pick(exps, budget=1, method="sample", sample_size=0)
    with pytest.raises(ValueError, match="no explanations to pick from"):
        submodular_pick([None, None], budget=1)
    with pytest.raises(ValueError, match="no explanations to pick from"):
        submodular_pick([], budget=1)
    with pytest.raises(TypeError, match="position 1 is a dict"):
        submodular_pick([exps[0], {"A": 1.0}], budget=1)
    with pytest.raises(TypeError, match="not a single Explanation"):
        submodular_pick(exps[0], budget=1)
    with pytest.raises(ValueError, match="picks must be positions between 0 and 0"):
        coverage(exps, [3])


# ---------------------------------------------------------- real explanations


def test_real_explanations_are_picked_with_growing_coverage(real_explanations):
    picks = submodular_pick(real_explanations, budget=4)
    assert len(set(picks)) == 4 and all(0 <= p < 20 for p in picks)
    W, names = importance_matrix(real_explanations)
    assert W.shape == (20, 5) and names == ["age", "income", "debt", "tenure", "noise"]
    # The largest-coverage explanation comes first: nothing else covers more on its own.
    assert coverage(real_explanations, picks[:1]) == pytest.approx(max(coverage(real_explanations, [i]) for i in range(20)))
    values = [coverage(real_explanations, picks[:k]) for k in range(1, 5)]
    assert values == sorted(values)


# ---------------------------------------------------------------- renderers


def test_global_importance_bars_are_mean_absolute_weights_largest_on_top(real_explanations):
    fig = plot_global_importance(real_explanations, num_features=3)
    assert isinstance(fig, ExplanationFigure) and len(fig.axes) == 1
    ax = fig.axes[0]
    mean = np.mean([np.abs(e.weights()) for e in real_explanations], axis=0)
    order = np.argsort(-mean)[:3]
    names = real_explanations[0].feature_names
    bars = sorted(ax.patches, key=lambda b: -b.get_y())  # top to bottom
    assert [t.get_text() for t in ax.get_yticklabels()] == [names[j] for j in order]
    np.testing.assert_allclose([b.get_width() for b in bars], mean[order])
    selected = [sum(e.weights()[j] != 0 for e in real_explanations) for j in order]
    assert [t.get_text().split(" (")[0] for t in ax.texts] == [f"in {k}/20" for k in selected]
    assert "over 20 explanations" in ax.get_title(loc="left")


def test_global_importance_reads_an_explanation_set_and_draws_into_a_given_axes(real_explanations):
    frame = pd.DataFrame({"importance": [0.9, 0.4, 0.0], "selected": [1.0, 0.5, 0.0]}, index=["x", "y", "z"])
    fake_set = types.SimpleNamespace(explanations=[None, *real_explanations[:2]], global_importance=lambda label=None: frame)
    host = ExplanationFigure()
    ax = host.add_subplot()
    assert plot_global_importance(fake_set, ax=ax) is host
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]  # z was never selected
    assert sorted(b.get_width() for b in ax.patches) == [0.4, 0.9]
    assert [t.get_text() for t in ax.texts] == ["in 2/2 (100%)", "in 1/2 (50%)"]


def test_picks_grid_has_one_titled_chart_per_pick(real_explanations, tmp_path):
    picks = submodular_pick(real_explanations, budget=5)
    fig = plot_picks(real_explanations, picks, num_features=3, columns=2)
    assert isinstance(fig, ExplanationFigure) and len(fig.axes) == 5
    for ax, pick in zip(fig.axes, picks):
        assert ax.get_title(loc="left").startswith(f"instance {pick}\n")
        assert len(ax.patches) == min(3, len(real_explanations[pick].coefficients[0]))
    rows_and_columns = [(ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start) for ax in fig.axes]
    assert rows_and_columns == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]
    assert fig.get_suptitle().startswith("5 picked explanations of 20: they cover ")
    fig.savefig(tmp_path / "picks.png")
    assert (tmp_path / "picks.png").stat().st_size > 10_000


def test_picks_grid_refuses_bad_positions(real_explanations):
    with_failure = [None, *real_explanations[:3]]
    with pytest.raises(ValueError, match="position 0 has no explanation"):
        plot_picks(with_failure, [1, 0])
    with pytest.raises(ValueError, match="between 0 and 3"):
        plot_picks(with_failure, [4])
    with pytest.raises(ValueError, match="picks is empty"):
        plot_picks(with_failure, [])
    with pytest.raises(ValueError, match="columns must be a positive integer"):
        plot_picks(with_failure, [1], columns=0)
