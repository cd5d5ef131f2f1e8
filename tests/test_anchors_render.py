"""Rules (method="anchors") as readers see them: notebook HTML, report, figures, compare, light and dark.

The models are planted so the rule is known: class 1 exactly when x0 > 0.5
and x3 > 0.5 (rows), when the word "superb" is present (text), when the left
segment shows (image).
"""

import dataclasses
import html
import json
import math
import re
import warnings

import numpy as np
import pytest
from browser import CHROMIUM, DARK, chromium
from left_stripe import left_stripe

from lime_kit import Explanation, ImageExplainer, TabularExplainer, TextExplainer, compare
from lime_kit.comparison import Comparison
from lime_kit.plot import explanation_html, plot_comparison, plot_weights
from lime_kit.plot.anchors import partial_rows, rule_text
from lime_kit.plot.image import anchor_picture, plot_heatmap, plot_panel, plot_top_segments
from lime_kit.plot.report import RULE_FOOT, explanation_report
from lime_kit.plot.text import plot_text

NAMES = ["x<b>0", "x1", "x2", "x3 & co"]
CLASSES = ["no", "<yes>"]


def _two_features(rows):
    hit = (rows[:, 0] > 0.5) & (rows[:, 3] > 0.5)
    return np.column_stack([~hit, hit]).astype(float)


@pytest.fixture(scope="module")
def table():
    X = np.random.default_rng(0).uniform(size=(500, 4))
    explainer = TabularExplainer(X, feature_names=NAMES, class_names=CLASSES, discretizer="quartile", random_state=0)
    instance = np.array([0.9, 0.5, 0.5, 0.9])
    rule = explainer.explain(instance, _two_features, method="anchors")
    assert set(rule.anchor_features) == {0, 3} and rule.payload["reached"], "the planted rule must be found"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        lime = explainer.explain(instance, _two_features, labels=[1], num_samples=2000)
    return explainer, instance, rule, lime


DOCUMENT = "A superb <script>alert(1)</script> meal & a superb view, said Tom."


@pytest.fixture(scope="module")
def text_rule():
    predict = lambda docs: np.array([[0.0, 1.0] if "superb" in d else [1.0, 0.0] for d in docs])  # noqa: E731
    exp = TextExplainer(class_names=CLASSES, random_state=0).explain(DOCUMENT, predict, method="anchors")
    assert exp.anchor == ("superb",)
    return exp


@pytest.fixture(scope="module")
def image_rule():
    image, segments, predict = left_stripe()
    exp = ImageExplainer(segmentation=segments, class_names=CLASSES, random_state=0).explain(image, predict, method="anchors")
    assert exp.anchor_features == (0,)
    return exp


def _text(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded, blanks collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", fragment, flags=re.S))).split())


# ------------------------------------------------------------------ HTML


def test_tabular_html_states_the_rule_in_order_with_its_bounds_threshold_and_partial_anchors(table):
    rule = table[2]
    fragment = explanation_html(rule)
    seen = _text(fragment)
    first, second = rule.anchor
    assert f"IF {first} AND {second} THEN <yes>" in seen
    assert "precision ≥ 0.95 reached" in seen
    low, high = rule.precision_bounds
    assert f"precision {rule.precision:.3f}" in seen and f"90 % bounds {low:.3f} – {high:.3f}" in seen
    coverage_low, coverage_high = rule.coverage_bounds
    assert f"{rule.coverage * 100:.1f} %" in seen
    assert f"{coverage_low * 100:.1f} % – {coverage_high * 100:.1f} %" in seen
    # One row per step after the header: the empty rule, then each predicate with its own precision and bounds.
    steps = partial_rows(rule)
    assert len(steps) == len(rule.anchor) + 1
    for step in steps[1:]:
        low, high = step["precision_bounds"]
        assert f"+ {step['predicate']} {step['precision']:.3f}" in seen
        assert f"{low:.3f} – {high:.3f}" in seen
    # The empty rule's precision is what the first predicate added to.
    assert steps[0]["precision"] == pytest.approx(rule.partial_anchors[0]["precision"] - rule.partial_anchors[0]["added_precision"])
    # Weights' figures would mislead here: no R², no signed weights.
    assert "R²" not in seen and "local weights" not in seen
    assert "<script" not in fragment


def test_names_and_class_names_are_escaped_in_the_rule(table):
    fragment = explanation_html(table[2])
    assert "<yes>" not in fragment and "&lt;yes&gt;" in fragment
    assert "x<b>0" not in fragment and "x&lt;b&gt;0" in fragment
    assert "x3 &amp; co" in fragment


def test_rule_not_reached_is_marked_beside_the_rule_and_warned(table):
    explainer, instance = table[:2]
    with pytest.warns(UserWarning, match="no rule keeps"):
        short = explainer.explain(instance, _two_features, method="anchors", threshold=0.99, max_model_rows=300)
    assert not short.payload["reached"]
    seen = _text(explanation_html(short))
    assert "threshold 0.99 not reached" in seen and "precision ≥ 0.99 reached" not in seen
    assert "Warning about this explanation" in seen and "no rule keeps" in seen


def test_text_html_marks_every_occurrence_of_the_rule_words_and_escapes_the_document(text_rule):
    fragment = explanation_html(text_rule)
    document = fragment.split("<div class='lk-doc'>")[1].split("</div>")[0]
    marked = re.findall(r"<span class='lk-anc'[^>]*>([^<]*)</span>", document)
    assert marked == ["superb", "superb"]  # both occurrences, nothing else
    assert "<script>alert" not in fragment and "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment
    assert "IF “superb” in the text THEN <yes>" in _text(fragment)


def test_image_overlay_keeps_the_rule_segments_and_greys_the_rest(image_rule):
    picture = anchor_picture(image_rule)
    factor = picture.shape[0] // 8
    segments = np.repeat(np.repeat(np.asarray(image_rule.payload["segments"]), factor, 0), factor, 1)
    others = picture[segments != 0]
    assert np.allclose(others[:, 0], others[:, 1]) and np.allclose(others[:, 1], others[:, 2]), "the rest is grey"
    assert 0.3 < others.mean() < 0.8, "greyed, not blacked out"
    kept = picture[segments == 0]
    outline = np.isclose(kept, [31 / 255, 120 / 255, 180 / 255]).all(axis=1)
    assert outline.any() and np.allclose(kept[~outline], 1.0), "the rule's segment shows as it is, outlined"
    fragment = explanation_html(image_rule)
    assert fragment.count("data:image/png;base64,") == 2
    assert "IF segment 0" in _text(fragment)


def test_json_round_trip_renders_the_same(table, text_rule, image_rule):
    for exp in (table[2], text_rule, image_rule):
        again = Explanation.from_json(exp.to_json())
        assert explanation_html(again) == explanation_html(exp)


def test_empty_rule_reads_always_the_class():
    X = np.random.default_rng(0).uniform(size=(200, 3))
    explainer = TabularExplainer(X, class_names=CLASSES, random_state=0)
    exp = explainer.explain(X[0], lambda rows: np.tile([0.1, 0.9], (len(rows), 1)), method="anchors")
    assert exp.anchor == ()
    assert rule_text(exp) == "ALWAYS <yes>"
    seen = _text(explanation_html(exp))
    assert "ALWAYS <yes> (the empty rule: nothing needs to hold)" in seen and "IF " not in seen


# ------------------------------------------------------------------ figures and report


def test_plot_weights_draws_the_rule_as_it_grew_not_bars_of_added_precision(table):
    rule = table[2]
    fig = plot_weights(rule)
    precision_axis = fig.axes[0]
    labels = [t.get_text() for t in precision_axis.get_yticklabels()]
    assert labels == ["(nothing held)", *(f"+ {p}" for p in rule.anchor)]
    assert rule_text(rule) in fig._suptitle.get_text()
    # The dots sit at each step's precision, top to bottom.
    dots = precision_axis.lines[0].get_xdata()
    assert np.allclose(dots, [s["precision"] for s in partial_rows(rule)])


def test_weight_pictures_refuse_a_rule_and_say_what_to_draw(table, image_rule):
    for draw in (plot_heatmap, plot_top_segments):
        with pytest.raises(ValueError, match="plot_anchor_image"):
            draw(image_rule)
    with pytest.raises(ValueError, match="lime_kit.compare"):
        plot_comparison(table[2], table[3])
    assert len(plot_panel(image_rule).axes) == 2


def test_plot_text_marks_the_rule_words_only(text_rule):
    from matplotlib.patches import Rectangle

    fig = plot_text(text_rule)
    boxes = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert len(boxes) == 2
    assert fig.axes[0].get_title(loc="left").startswith("IF “superb” in the text THEN <yes>")


def test_report_of_a_rule_has_the_chart_and_no_surrogate_figures(table):
    page = explanation_report(table[2])
    seen = _text(page)
    assert "Precision and coverage as the rule grew" in seen and "model rows · anchors" in seen
    assert RULE_FOOT in seen
    assert "R²" not in seen and "confidence intervals" not in seen
    assert page.count("data:image/png;base64,") == 1 and "<script" not in page


# ------------------------------------------------------------------ compare


def test_compare_a_rule_with_lime_names_the_features_both_name(table):
    rule, lime = table[2], table[3]
    result = compare(rule, lime)
    assert result.kind == "rule_and_weights" and result.k == 2
    assert sorted(result.named_by_both) == [0, 3] and result.top_k_overlap == 1.0
    assert math.isnan(result.kendall_tau) and result.sign_agreement == 1.0 and result.disagreements == []
    # A larger k takes more of the weights' features, which the rule does not name; noise stays out of the top k.
    planted = dataclasses.replace(lime, coefficients={1: [(0, 0.4), (3, 0.35), (1, -0.1), (2, 0.01)]}, coefficient_std={})
    wider = compare(planted, rule, k=3)
    assert wider.k == 3 and wider.top_k_a == [0, 3, 1] and wider.top_k_overlap == pytest.approx(2 / 3)
    assert [(d.feature, d.reason) for d in wider.disagreements] == [(1, "top 3 of a only, weighed against the class")]
    assert compare(planted, rule, k=4).top_k_a == [0, 3, 1], "x2's weight is inside the noise"


def test_compare_flags_a_rule_feature_that_the_weights_count_against_the_class(table):
    rule, lime = table[2], table[3]
    flipped = dataclasses.replace(lime, coefficients={1: [(0, 0.4), (3, -0.3), (1, 0.01)]}, coefficient_std={})
    result = compare(rule, flipped)
    assert result.sign_agreement == 0.5
    reasons = {d.feature: d.reason for d in result.disagreements}
    assert reasons == {3: "in the rule, but b weighs it against the class"}


def test_compare_two_rules_by_their_feature_sets_whatever_the_order(table):
    rule = table[2]
    reordered = dataclasses.replace(rule, anchor_features=tuple(reversed(rule.anchor_features)))
    same = compare(rule, reordered)
    assert same.kind == "rules" and same.top_k_overlap == 1.0 and same.disagreements == []
    shorter = dataclasses.replace(rule, anchor_features=(0,))
    result = compare(rule, shorter)
    assert result.top_k_overlap == 0.5 and [(d.feature, d.reason) for d in result.disagreements] == [(3, "rule of a only")]
    back = Comparison.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.named_by_both == [0] and back.kind == "rules"


# ------------------------------------------------------------------ in a browser


def _chromium(page, tmp_path, *args: str, size: str = "1200,1400") -> str:
    return chromium(page, tmp_path, *args, size=size)


MEASURE = """
<script>
const pill = document.querySelector('.lk-pred');
const pills = [...document.querySelectorAll('.lk-pred')];
const out = {overflow: Math.max(...pills.map((p) => p.getBoundingClientRect().right)) - document.documentElement.clientWidth,
             pills: pills.map((p) => p.getBoundingClientRect().top),
             ink: getComputedStyle(pill).color, page: getComputedStyle(document.body).backgroundColor};
const pre = document.createElement('pre'); pre.id = 'lk-measure'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium at /usr/bin/chromium")
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_long_rule_wraps_between_predicates_and_reads_in_both_themes(theme, tmp_path):
    from lime_kit.plot.save import standalone_html

    X = np.random.default_rng(0).uniform(size=(400, 6))
    names = [f"a_rather_long_feature_name_{j}" for j in range(6)]
    explainer = TabularExplainer(X, feature_names=names, class_names=CLASSES, discretizer="quartile", random_state=0)

    def predict(rows):
        hit = (rows[:, :4] > 0.3).all(axis=1)
        return np.column_stack([~hit, hit]).astype(float)

    exp = explainer.explain(np.full(6, 0.9), predict, method="anchors")
    assert len(exp.anchor) >= 3, "the page needs a rule longer than the window"
    page = tmp_path / "rule.html"
    page.write_text(standalone_html(explanation_html(exp), "rule").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = _chromium(page, tmp_path, "--dump-dom", *(DARK if theme == "dark" else []), size="560,900")
    found = re.search(r"<pre id=\"lk-measure\">(.*?)</pre>", dom, re.S)
    assert found, f"the measuring script did not run; chromium printed {dom[-300:]!r}"
    m = json.loads(html.unescape(found.group(1)))
    assert m["overflow"] <= 0, "the rule runs past the window's right edge"
    assert len(set(m["pills"])) > 1, "a long rule wraps onto more lines"
    assert abs(_luminance(m["ink"]) - _luminance(m["page"])) > 0.5, "the predicates read on the page"
    shot = tmp_path / f"rule_{theme}.png"
    _chromium(page, tmp_path, f"--screenshot={shot}", *(DARK if theme == "dark" else []), size="560,900")
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    assert pixels.std() > 0.05
    assert (pixels[:20, :20].mean() > 0.9) if theme == "light" else (pixels[:20, :20].mean() < 0.25)


@pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium at /usr/bin/chromium")
def test_a_narrow_window_scrolls_the_wide_tables_not_the_page(tmp_path):
    from lime_kit.plot.report import explanation_report

    X = np.random.default_rng(0).uniform(size=(400, 12))
    names = [f"a_rather_long_feature_name_{j}" for j in range(12)]
    explainer = TabularExplainer(X, feature_names=names, class_names=CLASSES, discretizer="quartile", random_state=0)

    def predict(rows):
        hit = (rows[:, :2] > 0.5).all(axis=1) & (rows[:, 2] > 0.1)
        return np.column_stack([~hit, hit]).astype(float)

    exp = explainer.explain(np.full(12, 0.9), predict, method="anchors", threshold=0.85)
    assert exp.anchor_examples.get("kept_inputs"), "the page needs the wide examples grid"
    probe = (
        "<pre id='lk-width'></pre><script>document.getElementById('lk-width').textContent = "
        "document.documentElement.scrollWidth + ' ' + document.documentElement.clientWidth;</script>"
    )
    page = tmp_path / "narrow.html"
    page.write_text(explanation_report(exp).replace("</body>", probe + "</body>"), encoding="utf-8")
    found = re.search(r"<pre id=\"lk-width\">(\d+) (\d+)</pre>", _chromium(page, tmp_path, "--dump-dom", size="640,900"))
    assert found, "the measuring script did not run"
    scrolled, window = int(found.group(1)), int(found.group(2))
    assert scrolled <= window, f"the page is {scrolled} px wide in a {window} px window"


def test_readme_example_of_comparing_a_rule_runs_and_prints_what_it_says(capsys):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Showing and comparing rules", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[0]  # the first: compare
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        namespace = {}
        exec(compile(code, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert result.kind == "rule_and_weights" and result.k == len(namespace["rule"].anchor)
    printed = capsys.readouterr().out
    assert "named by both" in printed and "weighed against the class" in printed
