"""Sets of rules (``explain_many(..., method="anchors")``): frames, picks, report and figures speak of rules.

The planted model approves exactly when income > 0.5 and debt <= 0.5, so the
rules must name income and debt and never the noise column; whether a rule
applies to another row is checked against the rows' raw values, not against
the descriptions the code under test compares.
"""

import html
import json
import re
import warnings

import numpy as np
import pytest
from browser import CHROMIUM, DARK, chromium
from left_stripe import left_stripe

from lime_kit import ExplanationSet, ImageExplainer, TabularExplainer, TextExplainer
from lime_kit.cli import main
from lime_kit.explanation_set import QUALITY_COLUMNS, RULE_QUALITY_COLUMNS
from lime_kit.pick import coverage, rule_matches
from lime_kit.plot.many import plot_global_importance, plot_picks, plot_rules
from lime_kit.plot.report import set_html, set_report

NAMES = ["income", "debt", "age", "noise"]
CLASSES = ["declined", "approved"]
WEIGHT_WORDS = ("fit R²", "held-out R²", "mean |weight|", "surrogate weight", "SP-LIME", "Global importance")


def _approve(rows):
    hit = (rows[:, 0] > 0.5) & (rows[:, 1] <= 0.5)
    return np.column_stack([~hit, hit]).astype(float)


@pytest.fixture(scope="module")
def planted():
    X = np.random.default_rng(1).uniform(size=(400, 4))
    explainer = TabularExplainer(X, feature_names=NAMES, class_names=CLASSES, discretizer="quartile", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rules = explainer.explain_many(X[:14], _approve, method="anchors", progress=False)
    return explainer, X, rules


@pytest.fixture(scope="module")
def weights(planted):
    explainer, X, _ = planted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return explainer.explain_many(X[:4], _approve, num_samples=400, progress=False)


def _text(fragment: str) -> str:
    """What a reader sees: tags and styles dropped, entities decoded, blanks collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", fragment, flags=re.S))).split())


def _holds(predicate: str, row: np.ndarray, X: np.ndarray) -> bool:
    """Evaluate a quartile predicate ("0.25 < income <= 0.50", "debt <= 0.25", "income > 0.75") on raw values.

    The printed edges are the training quartiles rounded; the row is compared with the quartiles themselves.
    """

    def edge(feature: str, printed: str) -> float:
        quartiles = np.percentile(X[:, NAMES.index(feature)], [25, 50, 75])
        nearest = quartiles[np.argmin(np.abs(quartiles - float(printed)))]
        assert abs(nearest - float(printed)) < 0.005, f"{printed} is not a quartile of {feature}"
        return nearest

    numbers, name = r"(-?\d+(?:\.\d+)?)", r"(\w+)"
    if m := re.fullmatch(rf"{numbers} < {name} <= {numbers}", predicate):
        value = row[NAMES.index(m[2])]
        return edge(m[2], m[1]) < value <= edge(m[2], m[3])
    if m := re.fullmatch(rf"{name} <= {numbers}", predicate):
        return row[NAMES.index(m[1])] <= edge(m[1], m[2])
    m = re.fullmatch(rf"{name} > {numbers}", predicate)
    assert m, f"unexpected predicate {predicate!r}"
    return row[NAMES.index(m[1])] > edge(m[1], m[2])


# ------------------------------------------------------------------ frames


def test_quality_frame_of_rules_has_each_rules_figures_and_no_fit(planted):
    _, _, rules = planted
    frame = rules.quality_frame()
    assert tuple(frame.columns) == RULE_QUALITY_COLUMNS
    assert not {"heldout_score", "stability", "settled_stability"} & set(frame.columns)
    for position, exp in enumerate(rules):
        row = frame.loc[position]
        assert row["precision"] == exp.precision and row["coverage"] == exp.coverage
        assert (row["precision_low"], row["precision_high"]) == tuple(exp.precision_bounds)
        assert row["reached"] == exp.payload["reached"] and row["rule_length"] == len(exp.anchor)
        assert row["label"] == exp.labels[0] and row["num_samples"] == exp.num_samples
    assert frame["reached"].dtype == "boolean" and frame["rule_length"].dtype == "Int64"


def test_rule_frames_survive_saving_and_a_failed_instance_is_missing_throughout(planted, tmp_path):
    _, _, rules = planted
    with_failure = ExplanationSet([*rules.explanations, None], [(len(rules), "ValueError: boom")])
    back = ExplanationSet.load(with_failure.save(tmp_path / "rules.jsonl"))
    frame = back.quality_frame()
    assert frame.iloc[:-1].equals(rules.quality_frame())
    assert frame.iloc[-1].isna().all()


def test_global_importance_of_rules_counts_the_rules_that_name_each_feature(planted):
    _, _, rules = planted
    frame = rules.global_importance()
    assert list(frame.columns) == ["in_rules", "rules", "mean_added_precision"]
    for feature, name in enumerate(NAMES):
        naming = [exp for exp in rules if feature in exp.anchor_features]
        assert frame.loc[name, "rules"] == len(naming)
        assert frame.loc[name, "in_rules"] == pytest.approx(len(naming) / len(rules))
        added = [w for exp in naming for f, w in exp.as_map()[exp.labels[0]] if f == feature]
        if naming:
            assert frame.loc[name, "mean_added_precision"] == pytest.approx(np.mean(added))
    # The planted features lead and the noise column is in no rule.
    assert set(frame.index[:2]) == {"income", "debt"} and frame.loc["noise", "rules"] == 0
    assert np.isnan(frame.loc["noise", "mean_added_precision"])
    assert frame["in_rules"].is_monotonic_decreasing


def test_global_importance_of_rules_for_one_class_counts_its_rules_only(planted):
    _, _, rules = planted
    approved = [exp for exp in rules if exp.labels[0] == 1]
    frame = rules.global_importance(label="approved")
    assert frame["rules"].max() == len(approved) > 0
    assert frame.loc["income", "in_rules"] == pytest.approx(
        sum(0 in exp.anchor_features for exp in approved) / len(approved)
    )


def test_weight_sets_keep_their_columns(weights):
    assert tuple(weights.quality_frame().columns) == QUALITY_COLUMNS
    assert list(weights.global_importance().columns) == ["importance", "selected"]


def test_a_mixed_set_has_both_groups_of_columns_and_refuses_one_ranking(planted, weights):
    _, _, rules = planted
    mixed = ExplanationSet([*weights.explanations, *rules.explanations[:3]])
    frame = mixed.quality_frame()
    assert frame["method"].tolist() == ["lime"] * 4 + ["anchors"] * 3
    assert frame["heldout_score"].iloc[:4].notna().all() and frame["heldout_score"].iloc[4:].isna().all()
    assert frame["precision"].iloc[:4].isna().all() and frame["precision"].iloc[4:].notna().all()
    with pytest.raises(ValueError, match="mixes methods.*with_method"):
        mixed.global_importance()
    with pytest.raises(ValueError, match="mix methods"):
        mixed.submodular_pick(2)
    with pytest.raises(ValueError, match="mix methods"):
        plot_global_importance(mixed)
    assert [exp is not None for exp in mixed.with_method("anchors")] == [False] * 4 + [True] * 3
    assert mixed.with_method("anchors").global_importance()["rules"].sum() > 0


# ------------------------------------------------------------------ picks


def test_a_rule_covers_the_rows_whose_values_satisfy_it_and_whose_class_it_keeps(planted):
    _, X, rules = planted
    applies, covers, rule_positions, instance_positions = rule_matches(rules)
    assert list(rule_positions) == list(instance_positions) == list(range(len(rules)))
    predicted = _approve(X[: len(rules)]).argmax(axis=1)
    for i, exp in enumerate(rules):
        truth = [all(_holds(p, X[j], X) for p in exp.anchor) for j in range(len(rules))]
        assert applies[i].tolist() == truth, f"rule {i} {exp.anchor}"
        assert covers[i].tolist() == [t and predicted[j] == exp.labels[0] for j, t in enumerate(truth)]
        assert covers[i, i], "a rule always covers its own instance"
    assert applies.sum() > covers.trace(), "the set needs rules that apply beyond their own instance"


def test_rule_pick_takes_the_rule_covering_most_then_the_most_new_instances(planted):
    _, _, rules = planted
    _, covers, _, _ = rule_matches(rules)
    picks = rules.submodular_pick(3)
    assert len(set(picks)) == 3
    assert covers[picks[0]].sum() == covers.sum(axis=1).max()
    best_second = max((covers[picks[0]] | covers[j]).sum() for j in range(len(rules)))
    assert (covers[picks[0]] | covers[picks[1]]).sum() == best_second
    assert coverage(rules, picks) == (covers[picks].any(axis=0)).sum()
    assert coverage(rules, range(len(rules))) == len(rules)
    # For one class, only its rules are candidates.
    approved = rules.submodular_pick(2, label="approved")
    assert all(rules[p].labels[0] == 1 for p in approved)


def test_text_rules_cover_the_documents_that_hold_their_words():
    docs = ["great movie loved it", "terrible plot", "great acting awful plot", "the great cast", "awful film"]

    def predict(texts):
        p = np.array([0.9 if "great" in t.split() else 0.1 for t in texts])
        return np.column_stack([1 - p, p])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rules = TextExplainer(class_names=["neg", "pos"], random_state=0).explain_many(
            docs, predict, method="anchors", progress=False
        )
    assert rules[0].anchor == ("great",)
    _, covers, _, _ = rule_matches(rules)
    assert covers[0].tolist() == ["great" in d.split() for d in docs]
    assert rules.submodular_pick(2) == [0, 1]  # the "great" rule, then the empty rule for neg
    assert coverage(rules, [0, 1]) == len(docs)


@pytest.fixture(scope="module")
def image_rules():
    image, segments, predict = left_stripe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        explainer = ImageExplainer(segmentation=segments, class_names=CLASSES, random_state=0)
        return explainer.explain_many([image, image.copy()], predict, method="anchors", progress=False)


def test_rules_about_images_are_not_matched_across_images(image_rules):
    with pytest.raises(ValueError, match="segments of one image"):
        image_rules.submodular_pick(1)
    page = _text(set_report(image_rules))
    assert "Rules about images are not picked" in page and "Instance 0:" not in page


# ------------------------------------------------------------------ report and figures


def test_set_report_of_rules_shows_the_rules_and_no_surrogate_vocabulary(planted):
    _, _, rules = planted
    page = _text(set_report(rules))
    for word in WEIGHT_WORDS:
        assert word not in page, f"{word!r} is surrogate vocabulary"
    for exp in rules:
        assert all(predicate in page for predicate in exp.anchor)
    assert "The rules" in page and "Features the rules name" in page and "Representative rules" in page
    reached = sum(bool(exp.payload["reached"]) for exp in rules)
    assert f"{reached} of {len(rules)} reach the threshold 0.95" in page
    picks = rules.submodular_pick(4)
    assert f"Instance {picks[0]}: predicted" in page and "Why " in page  # the single rule's view
    assert "Each anchor is a rule" in page
    fragment = _text(set_html(rules))
    assert "The rules" in fragment and not any(word in fragment for word in WEIGHT_WORDS)


def test_default_picks_stop_once_no_rule_covers_a_new_instance(planted):
    _, _, rules = planted
    page = _text(set_report(rules))
    shown = [int(p) for p in re.findall(r"Instance (\d+): predicted", page)]
    assert shown and shown == rules.submodular_pick(len(shown))
    covered = [coverage(rules, shown[: k + 1]) for k in range(len(shown))]
    assert all(b > a for a, b in zip(covered, covered[1:])), "every shown pick covers new instances"


def test_mixed_set_report_says_so_and_keeps_each_vocabulary_to_its_part(planted, weights):
    _, _, rules = planted
    page = _text(set_report(ExplanationSet([*weights.explanations, *rules.explanations[:3]])))
    assert "This set mixes methods (4 made with lime, 3 made with anchors)" in page
    assert "Weights (lime): quality" in page and "Rules (anchors)" in page and "Not picked" in page


def test_weight_set_report_is_unchanged_in_vocabulary(weights):
    page = _text(set_report(weights))
    assert "fit R²" in page and "Global importance" in page and "SP-LIME" in page and "The rules" not in page


def test_rules_figure_counts_features_and_plots_precision_against_coverage(planted):
    _, _, rules = planted
    fig = plot_global_importance(rules)  # what the command line saves for a set
    counts, scatter = fig.axes[:2]
    named = rules.global_importance()
    named = named[named["rules"] > 0]
    assert [t.get_text() for t in counts.get_yticklabels()] == list(named.index)
    assert [p.get_width() for p in counts.patches] == pytest.approx(named["in_rules"].tolist())
    points = np.vstack([c.get_offsets() for c in scatter.collections if len(c.get_offsets()) and c.get_label()[:5] == "rules"])
    expected = sorted((exp.coverage, exp.precision) for exp in rules)
    np.testing.assert_allclose(sorted(map(tuple, points.tolist())), expected)
    assert "share of perturbed inputs" in scatter.get_xlabel() and "weight" not in counts.get_xlabel()
    hollow = [c for c in scatter.collections if "not reached" in c.get_label()]
    assert sum(len(c.get_offsets()) for c in hollow) == sum(not exp.payload["reached"] for exp in rules)
    assert len(plot_rules(rules, label="approved").axes) == 2


def test_plot_picks_draws_each_picked_rule_as_it_grew(planted):
    _, _, rules = planted
    picks = rules.submodular_pick(2)
    fig = plot_picks(rules, picks)
    assert len(fig.axes) == 4  # precision and coverage per rule
    assert f"cover {coverage(rules, picks):.0f} of the {len(rules)} explained instances" in fig._suptitle.get_text()


def test_command_line_writes_rule_figures_for_many_rows(tmp_path, capsys):
    joblib = pytest.importorskip("joblib")
    pd = pytest.importorskip("pandas")
    from sklearn.ensemble import RandomForestClassifier

    X = pd.DataFrame(np.random.default_rng(0).uniform(size=(300, 4)), columns=list("abcd"))
    model = RandomForestClassifier(20, random_state=0).fit(X, (X["a"] > 0.5).astype(int))
    joblib.dump(model, tmp_path / "rf.joblib")
    X.to_csv(tmp_path / "rows.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        main(["explain", "tabular", "--model", str(tmp_path / "rf.joblib"), "--data", str(tmp_path / "rows.csv"),
              "--rows", "0:6", "--method", "anchors", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert "rules: 6 of 6 reach the threshold" in out
    assert "features the rules name (share of rules):\n    a  100%" in out
    header, first = (tmp_path / "out" / "tabular_rows_0-5_global.csv").read_text().splitlines()[:2]
    assert header == "feature,in_rules,rules,mean_added_precision" and first.startswith("a,1.0,6,")
    page = _text((tmp_path / "out" / "tabular_rows_0-5.html").read_text(encoding="utf-8"))
    assert "The rules" in page and "fit R²" not in page
    assert (tmp_path / "out" / "tabular_rows_0-5.png").stat().st_size > 10_000


def test_readme_example_of_a_set_of_rules_prints_what_it_says(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Showing and comparing rules", 1)[1].split("\n## ", 1)[0]
    code = [block for block in re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL) if "explain_many" in block]
    assert len(code) == 1
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        namespace = {}
        exec(compile(code[0], "README.md", "exec"), namespace)
    assert namespace["picks"] == [4, 9, 0] and coverage(namespace["rules"], namespace["picks"]) == 8
    importance = namespace["rules"].global_importance()
    assert importance["rules"].head(3).tolist() == [10, 8, 8] and importance.index[0] == "credit_score"
    printed = capsys.readouterr().out
    assert "[4, 9, 0] 8.0" in printed and (tmp_path / "loan_rules.html").exists()


# ------------------------------------------------------------------ in a browser

MEASURE = """
<script>
const root = document.documentElement;
const pills = [...document.querySelectorAll('td.lk-rc .lk-pred')];
const out = {overflow: root.scrollWidth - root.clientWidth,
             pill_right: Math.max(...pills.map((p) => p.getBoundingClientRect().right)),
             cell_right: Math.max(...pills.map((p) => p.closest('td').getBoundingClientRect().right)),
             ink: getComputedStyle(document.querySelector('td.lk-rc')).color,
             page: getComputedStyle(document.body).backgroundColor};
const pre = document.createElement('pre'); pre.id = 'lk-measure'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


def _chromium(page, tmp_path, *args: str) -> str:
    return chromium(page, tmp_path, *args, size="1000,1400")


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium at /usr/bin/chromium")
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_rules_report_reads_in_a_browser_light_and_dark(planted, theme, tmp_path):
    from matplotlib.image import imread

    _, _, rules = planted
    source = set_report(rules, title="Loan rules")
    assert "<script" not in source.lower()
    page = tmp_path / "rules.html"
    page.write_text(source.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    extra = DARK if theme == "dark" else []
    dom = _chromium(page, tmp_path, "--dump-dom", *extra)
    found = re.search(r"<pre id=\"lk-measure\">(.*?)</pre>", dom, re.S)
    assert found, f"the measuring script did not run; chromium printed {dom[-300:]!r}"
    m = json.loads(html.unescape(found.group(1)))
    assert m["overflow"] <= 0, "the page scrolls sideways"
    assert m["pill_right"] <= m["cell_right"] + 1, "a predicate runs out of its rule cell"
    assert abs(_luminance(m["ink"]) - _luminance(m["page"])) > 0.5, "the rules read on the page"
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", dom)).split())
    assert "Loan rules" in shown and all(p in shown for exp in rules for p in exp.anchor)
    shot = tmp_path / f"rules_{theme}.png"
    _chromium(page, tmp_path, f"--screenshot={shot}", *extra)
    pixels = imread(shot)[..., :3]
    assert pixels.std() > 0.05, "the screenshot is blank"
    assert (pixels[:20, :20].mean() > 0.9) if theme == "light" else (pixels[:20, :20].mean() < 0.25)
