"""The tabular renderers: bar chart, notebook HTML, saved files, the demo command."""


import numpy as np
import pytest
from matplotlib.colors import to_hex

from lime_kit import Explanation, TabularExplainer
from lime_kit.cli import main
from lime_kit.plot import explanation_html, plot_weights, save_explanation
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
