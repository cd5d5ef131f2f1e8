"""The tabular renderers: bar chart, notebook HTML, saved files, the demo command."""


import numpy as np
import pytest
from matplotlib.colors import to_hex

from lime_kit import Explanation, TabularExplainer
from lime_kit.cli import main
from lime_kit.plot import explanation_html, plot_weights, save_explanation
from lime_kit.plot.bars import TIE_GID
from lime_kit.plot.colors import NEGATIVE, POSITIVE


@pytest.fixture(scope="module")
def explanation():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    explainer = TabularExplainer(
        X, feature_names=["a<b>", "beta", "gamma", "delta"], mode="regression", discretize_continuous=False,
        random_state=0,
    )
    return explainer.explain(X[0], lambda r: 2 * r[:, 0] - 3 * r[:, 1] + 0.1 * r[:, 2], num_features=3)


def test_bar_chart_colours_bars_by_sign_and_labels_them(explanation):
    fig = plot_weights(explanation)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [d for d, _ in reversed(explanation.as_list())]
    colours = [to_hex(bar.get_facecolor()) for bar in ax.patches]
    signs = [w > 0 for _, w in reversed(explanation.as_list())]
    assert colours == [POSITIVE if s else NEGATIVE for s in signs]
    assert "prediction" in ax.get_title(loc="left")


def test_html_escapes_names_and_shows_weights_and_values(explanation):
    html = explanation_html(explanation)
    assert "a&lt;b&gt;" in html and "a<b>" not in html
    assert "<script" not in html
    for _description, weight in explanation.as_list():
        assert f"{weight:+.3g}" in html
    assert f"{explanation.instance[1]:.4g}" in html
    assert explanation._repr_html_() == html


def test_save_writes_png_and_standalone_html(tmp_path, explanation):
    png, page = save_explanation(explanation, tmp_path, stem="one")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "prefers-color-scheme: dark" in text


def test_demo_command_writes_an_explanation(tmp_path, capsys):
    assert main(["demo", "tabular", "--out", str(tmp_path)]) == 0
    assert str(tmp_path) in capsys.readouterr().out
    exp = Explanation.from_json((tmp_path / "tabular_loan.json").read_text())
    # The loan data's ground truth: credit score drives the decision, purpose and age do not.
    top = [description for description, _ in exp.as_list()[:3]]
    assert any(d.startswith("credit_score") or "credit_score" in d for d in top)
    assert (tmp_path / "tabular_loan.png").exists() and (tmp_path / "tabular_loan.html").exists()


def _with_quality(explanation, **fields):
    """A copy of ``explanation`` with quality fields set by hand (the renderers only read them)."""
    copy = Explanation.from_dict(explanation.to_dict())
    for name, value in fields.items():
        setattr(copy, name, value)
    return copy


def test_regression_html_says_raises_and_lowers_and_gives_the_scale(explanation):
    html = explanation_html(explanation)
    assert "raises the prediction" in html and "lowers it" in html
    assert "for prediction" not in html and "Why prediction" not in html
    # The unit of the bars: the model's value and the surrogate's intercept + features at the instance.
    assert f"model prediction = {explanation.prediction[0]:.4g}" in html
    assert f"intercept {explanation.intercept[0]:.4g}" in html
    assert f"surrogate {explanation.local_pred[0]:.4g}" in html


def test_classification_html_names_the_class_and_its_probability():
    X = np.random.default_rng(1).normal(size=(200, 2))
    exp = TabularExplainer(X, class_names=["no", "yes"], random_state=0).explain(
        X[0], lambda r: np.c_[1 - 1 / (1 + np.exp(-r[:, 0])), 1 / (1 + np.exp(-r[:, 0]))], labels=[1], num_samples=300
    )
    html = explanation_html(exp)
    assert "Why yes: local weights" in html and "for yes" in html and "against yes" in html
    assert f"model p(yes) = {exp.prediction[1]:.4g}" in html and "in probability" in html


def test_html_shows_every_quality_figure_and_the_warnings_escaped(explanation):
    exp = _with_quality(
        explanation,
        heldout_score={0: 0.812},
        stability={0: 0.93},
        local_gap={0: 0.0123},
        warnings=["weights of <x> and y are tied within noise", "few samples"],
    )
    html = explanation_html(exp)
    assert "fit R² <b>" in html and "held-out R² <b>0.812</b>" in html and "stability <b>0.93</b>" in html
    assert "local gap <b>0.0123</b>" in html
    assert f"{exp.num_samples} samples, effective {exp.effective_sample_size:.0f}" in html
    assert "class='lk-warn'" in html and "Warnings about this explanation" in html
    assert "<li>weights of &lt;x&gt; and y are tied within noise</li><li>few samples</li>" in html


def test_html_leaves_out_missing_figures_of_older_explanations(explanation):
    old = _with_quality(explanation, heldout_score={}, stability={0: float("nan")}, local_gap={}, warnings=[],
                        coefficient_std={}, settled_stability={}, rank_bounds={}, notes=[])
    html = explanation_html(old)
    assert "held-out" not in html and "stability" not in html and "nan" not in html.lower()
    assert "lk-warn'" not in html and "lk-notes'" not in html and "lk-tie" not in html.split("</style>")[-1]


def test_bar_chart_draws_confidence_intervals_and_names_their_level(explanation):
    stds = [0.05 * (k + 1) for k in range(len(explanation.coefficients[0]))]
    exp = _with_quality(explanation, coefficient_std={0: stds})
    ax = plot_weights(exp, level=0.9).axes[0]
    assert "90% confidence intervals" in ax.get_xlabel()
    (segments,) = [c for c in ax.collections if len(c.get_segments()) == len(stds)]
    drawn = sorted(round(float(seg[1][0] - seg[0][0]), 6) for seg in segments.get_segments())
    expected = sorted(round(high - low, 6) for _, low, high in exp.confidence_intervals(0, 0.9))
    assert drawn == pytest.approx(expected)
    # Without standard errors there is nothing to draw and the label says nothing about intervals.
    bare = plot_weights(_with_quality(explanation, coefficient_std={})).axes[0]
    assert "interval" not in bare.get_xlabel() and not [c for c in bare.collections if len(c.get_segments())]


@pytest.mark.parametrize("name", ["report.html", "report.png", "report.json"])
def test_save_to_a_file_name_writes_files_next_to_it_not_a_folder(tmp_path, explanation, name):
    png, page = save_explanation(explanation, tmp_path / "out" / name)
    assert (png, page) == (tmp_path / "out" / "report.png", tmp_path / "out" / "report.html")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "report.png"]


def test_save_rejects_a_file_name_and_a_different_stem(tmp_path, explanation):
    with pytest.raises(ValueError, match="pass either a folder"):
        save_explanation(explanation, tmp_path / "report.html", stem="other")


@pytest.fixture(scope="module")
def tied():
    """"up" and "down" weigh the same in the model (2 and -2): a tie the samples cannot resolve."""
    X = np.random.default_rng(0).normal(size=(300, 4))
    explainer = TabularExplainer(
        X, mode="regression", discretize_continuous=False, feature_names=["up", "down", "half", "none"], random_state=0
    )
    exp = explainer.explain(X[0], lambda r: 2 * r[:, 0] - 2 * r[:, 1] + 0.5 * r[:, 2], num_samples=400)
    assert exp.ties() == [(0, 1)] and [d for d, _ in exp.as_list()[:2]] == ["up", "down"]
    return exp


def _tie_marks(ax):
    """The "tied" labels and the bracket lines drawn beside the bars (outside the axes, right of them)."""
    texts = [t for t in ax.texts if t.get_gid() == TIE_GID]
    lines = [line for line in ax.lines if line.get_gid() == TIE_GID]
    # Drawn right of the plotting area (axes x > 1), where no bar or error bar can be covered.
    assert all(min(line.get_xdata()) > 1 for line in lines) and all(t.get_position()[0] > 1 for t in texts)
    return texts, lines


def test_bar_chart_brackets_tied_bars_and_says_tied(tied, explanation):
    fig = plot_weights(tied)
    ax = fig.axes[0]
    texts, lines = _tie_marks(ax)
    assert [t.get_text() for t in texts] == ["tied"] and len(lines) == 1
    fig.canvas.draw()  # the layout leaves room for the label: it is inside the saved picture
    assert texts[0].get_window_extent().x1 <= fig.bbox.x1
    # The bracket spans exactly the bars of "up" and "down" (the top two) and not the bar below them.
    names = [t.get_text() for t in ax.get_yticklabels()]
    centre = {name: bar.get_y() + bar.get_height() / 2 for name, bar in zip(names, ax.patches)}
    ys = lines[0].get_ydata()
    assert min(ys) < centre["down"] < centre["up"] < max(ys) and min(ys) > centre["half"]
    assert texts[0].get_position()[1] == pytest.approx((centre["up"] + centre["down"]) / 2, abs=0.01)
    assert "brackets: tied ranks" in ax.get_xlabel()
    # An explanation whose ranks are all resolved gets no bracket.
    assert not explanation.ties()
    untied = plot_weights(explanation).axes[0]
    assert _tie_marks(untied) == ([], []) and "tied" not in untied.get_xlabel()


def test_bar_chart_says_how_many_of_a_tie_group_are_cut_off(tied):
    texts, lines = _tie_marks(plot_weights(tied, num_features=1).axes[0])
    assert [t.get_text() for t in texts] == ["tied with 1 not shown"] and len(lines) == 1


def test_html_brackets_tied_rows_and_lists_notes_in_a_quiet_box(tied):
    exp = _with_quality(tied, notes=[*tied.notes, "a <note>"])
    html = explanation_html(exp)
    body = html.split("</style>")[-1]
    # One bracket cell, spanning the two tied rows, right after the first tied feature's name.
    assert body.count("class='lk-tie'") == 1
    assert "<td>up</td><td class='lk-tie' rowspan='2' title='order not resolved" in body
    assert ">tied</td>" in body
    # Notes sit in their own grey box, not the amber warnings box; they are escaped like everything else.
    assert "class='lk-notes'" in body and "lk-warn" not in body
    assert "<li>a &lt;note&gt;</li>" in body
    assert f"settled stability <b>{tied.settled_stability[0]:.2f}</b>" in body
