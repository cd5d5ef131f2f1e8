"""Notebook 04 shows two explanations side by side; long feature conditions must not spill into the other column.

The page is the notebook's own ``side_by_side`` helper (read from the notebook)
around two explanations with long feature names, measured in headless Chromium
at a narrow and a wide window.
"""

import ast
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

from lime_kit import TabularExplainer

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_trust.ipynb"
CHROMIUM = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None
)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium (CI installs Debian's chromium)")

MEASURE = """
<script>
const columns = [...document.querySelector('#page > div').children];
const out = columns.map((column) => {
  const own = column.getBoundingClientRect();
  const inside = [...column.querySelectorAll('td, span, div, h4, li, b')].map((el) => el.getBoundingClientRect())
    .filter((box) => box.width > 0);
  return {left: own.left, right: own.right, top: own.top, bottom: own.bottom,
          content_left: Math.min(...inside.map((box) => box.left)),
          content_right: Math.max(...inside.map((box) => box.right))};
});
const pre = document.createElement('pre');
pre.id = 'lk-measure';
pre.textContent = JSON.stringify({columns: out, page: document.documentElement.clientWidth});
document.body.appendChild(pre);
</script>
"""


def _side_by_side():
    """The notebook's ``side_by_side`` function, with IPython's HTML replaced by the plain string."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        tree = ast.parse("".join(cell["source"])) if cell["cell_type"] == "code" else None
        for node in getattr(tree, "body", []):
            if isinstance(node, ast.FunctionDef) and node.name == "side_by_side":
                namespace = {"HTML": str}
                exec(compile(ast.Module([node], []), str(NOTEBOOK), "exec"), namespace)
                return namespace["side_by_side"]
    raise AssertionError("notebook 04 no longer defines side_by_side")


@pytest.fixture(scope="module")
def page():
    rng = np.random.default_rng(0)
    names = [
        f"{kind} {part} of the cell nucleus" for kind in ("mean", "worst") for part in ("radius", "texture", "area")
    ]
    X = rng.normal(size=(300, len(names)))
    explainer = TabularExplainer(X, feature_names=names, class_names=["benign", "malignant"], random_state=0)

    def predict(rows):
        p = 1 / (1 + np.exp(-(rows[:, 0] + rows[:, 3] - rows[:, 4])))
        return np.c_[1 - p, p]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        left = explainer.explain(X[0], predict, num_features=5, num_samples=2000)
        right = explainer.explain(X[0], predict, num_features=5, num_samples=150)
    assert max(len(d) for d in left.feature_descriptions) > 35, "the page needs long feature conditions"
    return _side_by_side()(left._repr_html_(), right._repr_html_())


@pytest.mark.parametrize("width", [900, 1500])
def test_columns_hold_their_content_and_do_not_overlap(page, width, tmp_path):
    path = tmp_path / "side_by_side.html"
    path.write_text(f"<html><body><div id='page'>{page}</div>{MEASURE}</body></html>", encoding="utf-8")
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={width},900", "--dump-dom", path.as_uri(),
    ]  # fmt: skip
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r"<pre id=\"lk-measure\">(.*?)</pre>", dom, re.S)
    assert found, f"the measuring script did not run; chromium printed {dom[-500:]!r}"
    measured = json.loads(found.group(1).replace("&quot;", '"'))
    first, second = measured["columns"]
    for column in (first, second):
        # Nothing (a bar, a number, a long condition) sticks out of its column.
        assert column["content_left"] >= column["left"] - 1 and column["content_right"] <= column["right"] + 1
    side_by_side = second["top"] < first["bottom"]
    if side_by_side:
        assert first["right"] <= second["left"]
    else:
        assert second["top"] >= first["bottom"]
    if width >= 1500:
        assert side_by_side, "a wide window shows the two explanations next to each other"
