"""The standalone HTML reports, rendered in headless Chromium on light and dark pages.

``--dump-dom`` gives the page as the browser built it, so the title, the
feature names and the warnings are checked where a reader would see them;
a screenshot per colour scheme checks that something was drawn and that the
page follows ``prefers-color-scheme``.
"""

import html
import re
import warnings

import numpy as np
import pytest
from browser import CHROMIUM, DARK, chromium

from lime_kit import TabularExplainer
from lime_kit.plot.report import explanation_report, save_report, set_report

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs a headless Chromium at /usr/bin/chromium (bash .ci/run installs Debian's chromium)"
)


def _chromium(page, tmp_path, *args: str) -> str:
    return chromium(page, tmp_path, *args, size="1200,1600")


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


def _constant(rows):
    return np.full((len(rows), 2), 0.5)


@pytest.fixture(scope="module")
def explainer():
    X = np.random.default_rng(0).normal(size=(300, 4))
    return TabularExplainer(X, feature_names=["up", "down", "noise_a", "noise_b"], class_names=["no", "yes"], random_state=0), X


@pytest.fixture(scope="module")
def tied():
    """An ordinary explanation with a real tie: "up" and "down" weigh the same in the model. No alarm."""
    X = np.random.default_rng(0).normal(size=(300, 4))
    explainer = TabularExplainer(
        X, mode="regression", discretize_continuous=False, feature_names=["up", "down", "noise_a", "noise_b"], random_state=0
    )
    exp = explainer.explain(X[0], lambda rows: 2 * rows[:, 0] - 2 * rows[:, 1] + 0.5 * rows[:, 2], num_samples=400)
    assert exp.ties() == [(0, 1)] and not exp.warnings, "the page must show a tie, and no alarm beside it"
    return exp


@pytest.fixture(scope="module")
def alarmed(explainer):
    """A model whose output never moves: the explanation explains nothing, and says so."""
    explainer, X = explainer
    with pytest.warns(UserWarning, match="unreliable"):
        exp = explainer.explain(X[0], _constant, labels=[1], num_features=4, num_samples=400)
    assert any("did not change" in alarm for alarm in exp.warnings)
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


def test_explanation_report_shows_title_top_features_intervals_quality_and_ties(tied, tmp_path):
    page = tmp_path / "explanation.html"
    page.write_text(explanation_report(tied, title="Why 1.9 for row 0"), encoding="utf-8")
    top = [description for description, _ in tied.as_list()[:3]]
    description, weight, low, high = tied.as_list(intervals=True)[0]
    # "tied" follows the first tied feature in the signed bars and again in the intervals table.
    _check_page(
        page, tmp_path, "Why 1.9 for row 0",
        [*top, *tied.notes, "Notes", f"[{low:+.3g}, {high:+.3g}]", "held-out R²", "settled stability",
         f"{tied.as_list()[0][1]:+.3g} up tied", "sign uncertain"],
    )
    text = _rendered_text(page, tmp_path)
    assert text.count("up tied") == 1 and "down tied" not in text and "noise_a tied" not in text
    assert "Warning" not in text, "an explanation without alarms shows no warnings box"
    assert page.stat().st_size < 400_000, "one inline chart should keep the page small"


def test_explanation_report_shows_the_alarm_of_a_model_that_never_moves(alarmed, tmp_path):
    page = tmp_path / "alarmed.html"
    page.write_text(explanation_report(alarmed, title="Why yes for row 0"), encoding="utf-8")
    _check_page(page, tmp_path, "Why yes for row 0", ["Warning about this explanation", *alarmed.warnings])


def test_set_report_shows_global_importance_picks_and_every_warning(explainer, alarmed, tmp_path):
    many = pytest.importorskip("lime_kit.many")
    explainer, X = explainer
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ordinary explanations of a smooth model raise no alarm
        ordinary = many.explain_many(
            explainer, X[:4], _predict, progress=False, random_state=0, num_features=4, num_samples=300
        )
    with pytest.warns(UserWarning, match="carry warnings"):
        constant = many.explain_many(explainer, X[4:6], _constant, progress=False, random_state=0, num_samples=300)
    explanations = many.ExplanationSet(list(ordinary) + list(constant))
    picks = explanations.submodular_pick(2, random_state=0)
    saved = save_report(explanations, tmp_path / "saved" / "set.html")
    assert saved.read_text(encoding="utf-8") == set_report(explanations), "save_report writes set_report's page"
    page = tmp_path / "set.html"
    page.write_text(set_report(explanations, picks=picks), encoding="utf-8")
    leaders = list(explanations.global_importance().index[:2])
    warned = [alarm for exp in explanations for alarm in exp.warnings]
    noted = sum(bool(exp.notes) for exp in explanations)
    assert len(warned) == 2 and noted, "the set must have warnings and notes to show"
    _check_page(
        page, tmp_path, "lime_kit explanations of 6 instances",
        [*leaders, *warned, "Global importance", "SP-LIME", *(f"Instance {p}" for p in picks),
         "2 with warnings", f"{noted} with notes", "⚠ 2 of 6 explanations with warnings", "settled stability"],
    )
