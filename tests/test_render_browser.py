"""The notebook HTML keeps its layout under JupyterLab's stylesheet, measured in headless Chromium.

JupyterLab right-aligns table cells and stripes rows. The page here is what
nbconvert's ``lab`` template makes of a notebook holding explanation outputs
(the same CSS as JupyterLab, light and dark); a small script measures the
rendered boxes and writes them into the DOM, which ``--dump-dom`` returns.
"""

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from lime_kit import TabularExplainer
from lime_kit.plot import explanation_html

nbformat = pytest.importorskip("nbformat")
nbconvert = pytest.importorskip("nbconvert")

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium (CI installs Debian's chromium)")

MEASURE = """
<script>
const box = (el) => el.getBoundingClientRect();
const root = document.querySelector('.lk');
const rows = [...root.querySelectorAll('table.lk-t tr')].filter((tr) => tr.querySelector('td.lk-zero-right'));
const zero = (tr) => box(tr.querySelector('td.lk-zero-left')).right;
const bars = (side) => rows.map((tr) => [tr, tr.querySelector(`td.lk-zero-${side} .bar`)]).filter(([, bar]) => bar);
const probabilities = [...root.querySelectorAll('td.lk-bar .bar')];
const value = root.querySelector('td.hl-pos, td.hl-neg');
const out = {
  zeros: rows.map(zero),
  positive_offsets: bars('right').map(([tr, bar]) => box(bar).left - zero(tr)),
  negative_offsets: bars('left').map(([tr, bar]) => box(bar).right - zero(tr)),
  bar_widths: bars('right').concat(bars('left')).map(([, bar]) => box(bar).width),
  probability_offsets: probabilities.map((bar) => box(bar).left - box(bar.closest('td')).left),
  value_background: getComputedStyle(value).backgroundColor,
  row_backgrounds: rows.map((tr) => getComputedStyle(tr).backgroundColor),
};
const pre = document.createElement('pre');
pre.id = 'lk-measure';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


@pytest.fixture(scope="module")
def fragment():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    explainer = TabularExplainer(X, feature_names=["up", "down", "noise"], class_names=["no", "yes"], random_state=0)

    def predict(rows):
        p = 1 / (1 + np.exp(-(2 * rows[:, 0] - 2 * rows[:, 1])))
        return np.c_[1 - p, p]

    exp = explainer.explain(X[0], predict, labels=[1], num_features=3, num_samples=500)
    assert {w > 0 for _, w in exp.as_list(1)} == {True, False}, "the page needs bars of both signs"
    return explanation_html(exp)


TIE_MEASURE = """
<script>
const box = (el) => el.getBoundingClientRect();
const root = document.querySelector('.lk');
const rows = [...root.querySelectorAll('table.lk-t tr')].filter((tr) => tr.querySelector('td.lk-zero-right'));
const tie = root.querySelector('td.lk-tie');
const names = rows.map((tr) => tr.querySelector('td.lk-zero-right ~ td:not(.num)'));
const out = {
  names: names.map((td) => td.textContent),
  row_tops: rows.map((tr) => box(tr).top),
  row_bottoms: rows.map((tr) => box(tr).bottom),
  names_right: Math.max(...names.map((td) => box(td).right)),
  tie: {top: box(tie).top, bottom: box(tie).bottom, left: box(tie).left, text: tie.textContent,
        image: getComputedStyle(tie).backgroundImage, color: getComputedStyle(tie).color},
  page: getComputedStyle(document.body).backgroundColor,
};
const pre = document.createElement('pre');
pre.id = 'lk-measure';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


def _measure(fragment: str, theme: str, tmp_path, script: str = MEASURE) -> dict:
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("explanation")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": fragment, "text/plain": "explanation"})]
    notebook.cells.append(cell)
    page, _ = HTMLExporter(template_name="lab", theme=theme).from_notebook_node(notebook)
    page = re.sub(r"<script[^>]*\bsrc=[^>]*>\s*</script>", "", page)  # no network: drop CDN scripts
    path = tmp_path / f"lab_{theme}.html"
    path.write_text(page.replace("</body>", script + "</body>"), encoding="utf-8")
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / ('profile_' + theme)}", "--window-size=1200,900", "--dump-dom", path.as_uri(),
    ]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r"<pre id=\"lk-measure\">(.*?)</pre>", dom, re.S)
    assert found, f"the measuring script did not run; chromium printed {dom[-500:]!r}"
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_bars_keep_to_the_zero_line_and_cells_keep_their_colour_under_jupyterlab_css(fragment, theme, tmp_path):
    m = _measure(fragment, theme, tmp_path)
    # One zero line for every row; every positive bar starts on it and every negative bar ends on it,
    # including the short ones (a full-length bar fills its cell whatever the alignment).
    assert max(m["zeros"]) - min(m["zeros"]) <= 1
    assert m["positive_offsets"] and m["negative_offsets"] and min(m["bar_widths"]) < 100
    assert max(abs(offset) for offset in m["positive_offsets"] + m["negative_offsets"]) <= 1.5
    # Probability bars start at their cell's left edge, not pushed right.
    assert len(m["probability_offsets"]) == 2 and max(map(abs, m["probability_offsets"])) <= 1
    # Feature values keep their signed tint; JupyterLab's row stripes do not show through.
    assert m["value_background"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert set(m["row_backgrounds"]) == {"rgba(0, 0, 0, 0)"}


@pytest.fixture(scope="module")
def tied_fragment():
    X = np.random.default_rng(0).normal(size=(300, 4))
    explainer = TabularExplainer(
        X, mode="regression", discretize_continuous=False, feature_names=["up", "down", "half", "none"], random_state=0
    )
    exp = explainer.explain(X[0], lambda r: 2 * r[:, 0] - 2 * r[:, 1] + 0.5 * r[:, 2], num_samples=400)
    assert exp.ties() == [(0, 1)], "up and down weigh the same: the page needs their tie"
    return explanation_html(exp)


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_tied_rows_get_one_bracket_beside_their_names_under_jupyterlab_css(tied_fragment, theme, tmp_path):
    m = _measure(tied_fragment, theme, tmp_path, TIE_MEASURE)
    assert m["names"][:2] == ["up", "down"]
    tie = m["tie"]
    # The bracket spans the rows of "up" and "down", and not the row of "half" below them.
    assert abs(tie["top"] - m["row_tops"][0]) <= 1 and abs(tie["bottom"] - m["row_bottoms"][1]) <= 1
    assert tie["bottom"] <= m["row_tops"][2] + 1
    # It sits right of every feature name, says "tied", and JupyterLab's cell styles left its drawing alone.
    assert tie["left"] >= m["names_right"] - 1 and tie["text"] == "tied"
    assert tie["image"].count("linear-gradient") == 3
    # The word takes the page's text colour: dark on the light theme, light on the dark one.
    ink, page = _luminance(tie["color"]), _luminance(m["page"])
    assert abs(ink - page) > 0.5
