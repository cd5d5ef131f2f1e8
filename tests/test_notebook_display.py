"""Figures show themselves in Jupyter: no pyplot import, no %matplotlib magic, a working show()."""

import warnings

import numpy as np
import pytest

from lime_kit import TabularExplainer
from lime_kit.plot import plot_weights
from lime_kit.plot.figure import ExplanationFigure

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

SETUP = """
import numpy as np
from lime_kit import ImageExplainer, TabularExplainer, TextExplainer
from lime_kit.plot import plot_weights
from lime_kit.plot.curves import plot_curves
from lime_kit.plot.image import plot_panel
from lime_kit.plot.text import plot_text

X = np.random.default_rng(0).normal(size=(200, 3))
exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
words = TextExplainer(mode="regression", random_state=0).explain(
    "good food, bad service", lambda docs: [d.count("good") for d in docs], num_samples=100)
segments = np.repeat([[0, 0, 1, 1]], 4, axis=0)
picture = ImageExplainer(mode="regression", segmentation=segments, random_state=0).explain(
    np.arange(16, dtype=np.uint8).reshape(4, 4), lambda b: b.mean(axis=(1, 2)), num_samples=30)
"""

CELLS = {
    "weights": "plot_weights(exp)",
    "text": "plot_text(words)",
    "panel": "plot_panel(picture)",
    "curves": (
        "plot_curves(dict(kind='deletion', fractions=[0, 0.5, 1], values=[1, 0.4, 0], "
        "random_values=[1, 0.7, 0], auc=0.45, random_auc=0.6, label=0, label_name='prediction'))"
    ),
    "show": "fig = plot_weights(exp)\nfig.show()",
    "no_pyplot": "import sys\nassert 'matplotlib.pyplot' not in sys.modules, 'a renderer imported pyplot'",
}


@pytest.fixture(scope="module")
def executed_cells():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP)] + [nbformat.v4.new_code_cell(src) for src in CELLS.values()]
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return dict(zip(CELLS, notebook.cells[1:]))


def _errors(cell):
    return [f"{o['ename']}: {o['evalue']}" for o in cell.outputs if o.output_type == "error"]


@pytest.mark.parametrize("name", ["weights", "text", "panel", "curves"])
def test_a_cell_ending_in_a_renderer_shows_a_png_in_a_fresh_kernel(executed_cells, name):
    cell = executed_cells[name]
    assert not _errors(cell)
    shown = [o for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(shown) == 1, f"{name}: outputs were {[list(o.get('data', {})) for o in cell.outputs]}"
    assert shown[0]["metadata"]["image/png"]["width"] > 100  # sized in CSS pixels, rendered at 2x


def test_figure_show_displays_the_chart_in_a_notebook(executed_cells):
    cell = executed_cells["show"]
    assert not _errors(cell)
    assert [o.output_type for o in cell.outputs if "image/png" in o.get("data", {})] == ["display_data"]


def test_renderers_do_not_need_pyplot(executed_cells):
    assert not _errors(executed_cells["no_pyplot"])


def test_show_outside_a_notebook_warns_instead_of_raising():
    X = np.random.default_rng(0).normal(size=(100, 3))
    exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=100)
    fig = plot_weights(exp)
    assert isinstance(fig, ExplanationFigure)
    with pytest.warns(UserWarning, match="savefig"):
        fig.show()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.show(warn=False)
    # Still a plain matplotlib Figure for everything else.
    png = fig._repr_png_()[0]
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(fig.axes) == 1
