"""The standalone HTML reports, rendered in headless Chromium on light and dark pages.

``--dump-dom`` gives the page as the browser built it, so the title, the
feature names and the warnings are checked where a reader would see them;
a screenshot per colour scheme checks that something was drawn and that the
page follows ``prefers-color-scheme``.
"""

import html
import re
import shutil
import subprocess

import numpy as np
import pytest

from lime_kit import TabularExplainer
from lime_kit.plot.report import explanation_report, save_report, set_report

CHROMIUM = next(
    (shutil.which(name) for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome") if shutil.which(name)),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs a headless Chromium at /usr/bin/chromium (bash .ci/run installs Debian's chromium)"
)

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DARK = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]


def _chromium(page, tmp_path, *args: str) -> str:
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1200,1600", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120).stdout


def _rendered_text(page, tmp_path) -> str:
    dom = _chromium(page, tmp_path, "--dump-dom")
    assert "</html>" in dom, "chromium returned no DOM"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", dom)).split())


def _screenshot(page, tmp_path, theme: str) -> np.ndarray:
    from matplotlib.image import imread

    shot = tmp_path / f"{page.stem}_{theme}.png"
    _chromium(page, tmp_path, f"--screenshot={shot}", *(DARK if theme == "dark" else []))
    assert shot.exists(), "chromium wrote no screenshot"
    return imread(shot)[..., :3]


def _predict(rows):
    p = 1 / (1 + np.exp(-(2 * rows[:, 0] - 2 * rows[:, 1])))
    return np.c_[1 - p, p]


@pytest.fixture(scope="module")
def explainer():
    X = np.random.default_rng(0).normal(size=(300, 4))
    return TabularExplainer(X, feature_names=["up", "down", "noise_a", "noise_b"], class_names=["no", "yes"], random_state=0), X


@pytest.fixture(scope="module")
def explanation(explainer):
    explainer, X = explainer
    with pytest.warns(UserWarning, match="unreliable"):
        exp = explainer.explain(X[0], _predict, labels=[1], num_features=4, num_samples=400)
    assert exp.warnings, "the page must have a warning to show: the two noise features tie"
    return exp


def _check_page(page, tmp_path, title: str, must_show: list[str]) -> None:
    source = page.read_text(encoding="utf-8")
    assert "<script" not in source.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", source), "a report must not load anything"
    text = _rendered_text(page, tmp_path)
    assert title in text
    for phrase in must_show:
        assert " ".join(phrase.split()) in text, f"{phrase!r} is not on the rendered page"
    light, dark = _screenshot(page, tmp_path, "light"), _screenshot(page, tmp_path, "dark")
    for shot in (light, dark):
        assert shot.std() > 0.05, "the screenshot is blank"
    # The page follows the reader's colour scheme: a white page in light mode, a dark one in dark mode.
    assert light[:20, :20].mean() > 0.9 and dark[:20, :20].mean() < 0.25
    # Text is drawn in a contrasting colour in both: dark ink on light, light ink on dark.
    assert light.min() < 0.2 and dark.max() > 0.8


def test_explanation_report_shows_title_top_features_intervals_quality_and_warnings(explanation, tmp_path):
    page = tmp_path / "explanation.html"
    page.write_text(explanation_report(explanation, title="Why yes for row 0"), encoding="utf-8")
    top = [description for description, _ in explanation.as_list()[:3]]
    description, weight, low, high = explanation.as_list(intervals=True)[0]
    _check_page(
        page, tmp_path, "Why yes for row 0",
        [*top, *explanation.warnings, f"[{low:+.3g}, {high:+.3g}]", "held-out R²", "stability", "Prediction probabilities"],
    )
    assert page.stat().st_size < 400_000, "one inline chart should keep the page small"


def test_set_report_shows_global_importance_picks_and_every_warning(explainer, tmp_path):
    many = pytest.importorskip("lime_kit.many")
    explainer, X = explainer
    with pytest.warns(UserWarning, match="carry warnings"):
        explanations = many.explain_many(
            explainer, X[:6], _predict, progress=False, random_state=0, num_features=3, num_samples=300
        )
    picks = explanations.submodular_pick(2, random_state=0)
    saved = save_report(explanations, tmp_path / "saved" / "set.html")
    assert saved.read_text(encoding="utf-8") == set_report(explanations), "save_report writes set_report's page"
    page = tmp_path / "set.html"
    page.write_text(set_report(explanations, picks=picks), encoding="utf-8")
    leaders = list(explanations.global_importance().index[:2])
    warned = [note for exp in explanations if exp is not None for note in exp.warnings]
    assert warned, "the set must have warnings to show"
    _check_page(
        page, tmp_path, "lime_kit explanations of 6 instances",
        [*leaders, *warned, "Global importance", "SP-LIME", *(f"Instance {p}" for p in picks)],
    )
