"""The deletion/insertion curve renderer draws a CurveResult against its random-order baseline."""

from types import SimpleNamespace

import numpy as np
import pytest

from lime_kit.plot.curves import plot_curves
from lime_kit.plot.figure import ExplanationFigure


def _result(kind="deletion", **changes):
    fractions = np.linspace(0, 1, 6).tolist()
    values = [1.0, 0.5, 0.3, 0.2, 0.1, 0.0] if kind == "deletion" else [0.0, 0.5, 0.7, 0.8, 0.9, 1.0]
    fields = dict(
        kind=kind, fractions=fractions, values=values, random_values=[1 - f if kind == "deletion" else f for f in fractions],
        auc=0.3 if kind == "deletion" else 0.7, random_auc=0.5, label=1, label_name="cat",
    )
    fields.update(changes)
    return SimpleNamespace(**fields)


@pytest.mark.parametrize("kind", ["deletion", "insertion"])
def test_curve_and_random_baseline_are_drawn_with_their_areas(kind):
    result = _result(kind)
    fig = plot_curves(result)
    assert isinstance(fig, ExplanationFigure)
    ax = fig.axes[0]
    explained, baseline = ax.get_lines()
    assert explained.get_ydata().tolist() == result.values and baseline.get_ydata().tolist() == result.random_values
    assert explained.get_xdata().tolist() == result.fractions
    assert "AUC 0.500" in baseline.get_label() and f"AUC {result.auc:.3f}" in explained.get_label()
    verb = "removed" if kind == "deletion" else "added"
    assert verb in ax.get_xlabel() and "cat" in ax.get_ylabel()
    assert ax.get_title(loc="left").startswith(f"{kind} curve: beats random order")


def test_title_says_when_the_explanation_does_not_beat_random_order():
    title = plot_curves(_result("deletion", auc=0.7)).axes[0].get_title(loc="left")
    assert "does not beat random order" in title and "lower AUC is better" in title


def test_draws_into_a_given_axes_and_accepts_a_dict():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    assert plot_curves(vars(_result("insertion")), ax=ax) is ax.figure and len(ax.get_lines()) == 2


def test_mismatched_lengths_and_unknown_kinds_are_refused_clearly():
    with pytest.raises(ValueError, match="one entry per step"):
        plot_curves(_result(values=[1.0, 0.0]))
    sideways = _result()
    sideways.kind = "sideways"
    with pytest.raises(ValueError, match="kind must be 'deletion' or 'insertion'"):
        plot_curves(sideways)
    with pytest.raises(ValueError, match="has no 'auc'"):
        plot_curves({"kind": "deletion"} | {k: v for k, v in vars(_result()).items() if k not in ("kind", "auc")})


def test_draws_a_real_deletion_curve():
    evaluation = pytest.importorskip("lime_kit.evaluation")
    from lime_kit import TabularExplainer

    X = np.random.default_rng(0).normal(size=(200, 3))

    def predict(rows):
        p = 1 / (1 + np.exp(-3 * rows[:, 0]))
        return np.column_stack([1 - p, p])

    explainer = TabularExplainer(X, class_names=["no", "yes"], random_state=0)
    row = np.array([1.5, 0.0, 0.0])
    exp = explainer.explain(row, predict, labels=[1], num_samples=300)
    curve = evaluation.deletion_curve(explainer, row, predict, exp, random_state=0)
    ax = plot_curves(curve).axes[0]
    assert ax.get_lines()[0].get_ydata().tolist() == pytest.approx(curve.values)
    assert "yes" in ax.get_ylabel()
