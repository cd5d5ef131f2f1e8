"""Behaviour of the text modality: tokens, perturbed documents, ground truth, rendering, errors."""

import json
import re
from html import unescape

import numpy as np
import pytest

from lime_kit import Explanation, TextExplainer
from lime_kit.plot import explanation_html
from lime_kit.plot.text import plot_text, text_html, wrap_lines
from lime_kit.text.sampler import DocumentLayout, cosine_distances_to_instance, draw_active, feature_index
from lime_kit.text.tokenize import resolve_span_finder, tokenize

KEYWORD_WEIGHTS = {"excellent": 3.0, "awful": -2.0, "fine": 1.0}
DOCUMENT = "The soup was excellent, the service awful. Seats were fine; the room, the music and the price were ok."


def keyword_score(documents):
    """A model whose output is a known weighted sum of keyword indicators."""
    return np.array(
        [sum(w for word, w in KEYWORD_WEIGHTS.items() if re.search(rf"\b{word}\b", d)) for d in documents]
    )


def keyword_probabilities(documents):
    p = 1 / (1 + np.exp(-(keyword_score(documents) - 1.0)))
    return np.column_stack([1 - p, p])


def words(documents, word):
    return np.array([len(re.findall(rf"\b{word}\b", d)) for d in documents], dtype=float)


def reference_document(text, spans, keep, replacement):
    """Slow, obviously right construction of one perturbed document."""
    out, position = [], 0
    for (start, end), kept in zip(spans, keep):
        out.append(text[position:start])
        out.append(text[start:end] if kept else (replacement or ""))
        position = end
    out.append(text[position:])
    return "".join(out)


# ------------------------------------------------------------ tokenization

def test_default_tokens_are_word_spans_of_the_original_text():
    find_spans, _ = resolve_span_finder(None, None, False)
    doc = tokenize("  Don't panic -- 42 times!\n", find_spans)
    assert doc.tokens == ["Don", "t", "panic", "42", "times"]
    assert all(doc.text[a:b] == t for a, b, t in zip(doc.starts, doc.ends, doc.tokens))


def test_char_level_tokens_are_non_blank_characters():
    find_spans, _ = resolve_span_finder(None, None, True)
    assert tokenize("ab c", find_spans).tokens == ["a", "b", "c"]


def test_user_tokenizer_tokens_are_located_in_order():
    find_spans, _ = resolve_span_finder(None, lambda text: text.split(), False)
    doc = tokenize("to be, or not to be", find_spans)
    assert doc.tokens == ["to", "be,", "or", "not", "to", "be"]
    assert doc.starts.tolist() == [0, 3, 7, 10, 14, 17]


# ------------------------------------------------------------ sampling

def test_removed_feature_counts_are_uniform_and_row_zero_is_the_instance():
    active = draw_active(np.random.default_rng(0), 20_001, 4)
    assert active[0].all()
    removed = 4 - active[1:].sum(axis=1)
    assert removed.min() == 1 and removed.max() == 4
    # k uniform on 1..4: each size about a quarter of the samples
    np.testing.assert_allclose(np.bincount(removed)[1:] / len(removed), 0.25, atol=0.015)


def test_cosine_distance_matches_scikit_learn_times_100():
    from sklearn.metrics import pairwise_distances

    active = draw_active(np.random.default_rng(1), 50, 7)
    expected = 100 * pairwise_distances(active.astype(float), np.ones((1, 7)), metric="cosine").ravel()
    np.testing.assert_allclose(cosine_distances_to_instance(active), expected, atol=1e-9)


@pytest.mark.parametrize("bow, mask", [(True, None), (False, None), (False, "UNKWORDZ"), (False, "[µ]")])
def test_perturbed_documents_equal_a_reference_construction(bow, mask):
    text = "Café déjà vu — naïve café, 日本語 text; Café!\n\tend"
    find_spans, _ = resolve_span_finder(None, None, False)
    doc = tokenize(text, find_spans)
    feature_of_token, features = feature_index(doc.tokens, bow)
    active = draw_active(np.random.default_rng(2), 40, len(features))
    built = DocumentLayout(doc, feature_of_token, len(features), mask).build(active)
    spans = list(zip(doc.starts, doc.ends))
    expected = [reference_document(text, spans, row[feature_of_token], mask) for row in active]
    assert built == expected
    assert built[0] == text


def test_bow_removal_cuts_every_occurrence_and_keeps_separators():
    find_spans, _ = resolve_span_finder(None, None, False)
    doc = tokenize("Hello, world! Hello.", find_spans)
    feature_of_token, features = feature_index(doc.tokens, bow=True)
    assert features == ["Hello", "world"]
    layout = DocumentLayout(doc, feature_of_token, 2, mask_string=None)
    assert layout.build(np.array([[False, True]])) == [", world! ."]


def test_documents_are_built_in_small_row_chunks(monkeypatch):
    import lime_kit.text.sampler as sampler

    monkeypatch.setattr(sampler, "CHUNK_BYTES", 64)  # a few rows per chunk
    find_spans, _ = resolve_span_finder(None, None, False)
    doc = tokenize("one two three four five six seven", find_spans)
    feature_of_token, features = feature_index(doc.tokens, bow=True)
    layout = DocumentLayout(doc, feature_of_token, len(features), None)
    active = draw_active(np.random.default_rng(3), 25, len(features))
    spans = list(zip(doc.starts, doc.ends))
    assert layout.rows_per_chunk < 25
    assert layout.build(active) == [reference_document(doc.text, spans, row, None) for row in active]


# ------------------------------------------------------------ ground truth

def test_keyword_model_top_tokens_are_the_keywords_with_their_signs_and_order():
    exp = TextExplainer(mode="regression", random_state=0).explain(DOCUMENT, keyword_score, num_samples=2000)
    top = exp.as_list()[:3]
    assert [token for token, _ in top] == ["excellent", "awful", "fine"]
    for token, weight in top:
        assert weight == pytest.approx(KEYWORD_WEIGHTS[token], rel=0.05)
    assert all(abs(weight) < 0.1 for _, weight in exp.as_list()[3:])


def test_classifier_explains_the_predicted_class_by_its_keywords():
    exp = TextExplainer(class_names=["bad", "good"], random_state=0).explain(
        DOCUMENT, keyword_probabilities, num_features=3, num_samples=2000
    )
    assert exp.labels == (1,)
    weights = dict(exp.as_list())
    assert set(weights) == set(KEYWORD_WEIGHTS)
    assert weights["excellent"] > weights["fine"] > 0 > weights["awful"]


def test_explicit_labels_and_top_labels():
    explainer = TextExplainer(random_state=0)
    assert explainer.explain(DOCUMENT, keyword_probabilities, labels=[0], num_samples=200).labels == (0,)
    assert explainer.explain(DOCUMENT, keyword_probabilities, top_labels=2, num_samples=200).labels == (1, 0)


def test_positions_distinguish_two_occurrences_and_bow_merges_them():
    text = "bad food and bad service"

    def first_word_is_bad(documents):
        return np.array([d.split()[0] == "bad" for d in documents], dtype=float)

    by_position = TextExplainer(mode="regression", bow=False, random_state=0).explain(
        text, first_word_is_bad, num_samples=1000
    )
    weights = dict(by_position.as_list())
    assert weights["bad@0"] == pytest.approx(1.0, abs=0.05)
    assert abs(weights.get("bad@3", 0.0)) < 0.05
    assert by_position.as_map()[0][0][0] == 0  # feature index = token position

    counted = TextExplainer(mode="regression", bow=True, random_state=0).explain(
        text, lambda docs: words(docs, "bad"), num_samples=1000
    )
    assert [token for token, _ in counted.as_list()].count("bad") == 1
    assert dict(counted.as_list())["bad"] == pytest.approx(2.0, rel=0.05)


def test_mask_string_replaces_and_none_deletes():
    seen = []

    def record(documents):
        seen.extend(documents)
        return np.zeros(len(documents))

    for mask in ("[gone]", None):
        seen.clear()
        TextExplainer(mode="regression", bow=False, mask_string=mask, random_state=0).explain(
            "a b", record, num_samples=50
        )
        expected = {"a b", "[gone] b", "a [gone]", "[gone] [gone]"} if mask else {"a b", " b", "a ", " "}
        assert set(seen) == expected


def test_single_distinct_token_still_explained():
    exp = TextExplainer(mode="regression", random_state=0).explain(
        "wow wow wow!", lambda docs: words(docs, "wow"), num_samples=100
    )
    # Every perturbation removes the only feature, far from the instance: the
    # ridge shrinks the weight (as in lime), but the sign and the token hold.
    [(token, weight)] = exp.as_list()
    assert token == "wow" and weight > 0


def test_character_level_explanation_finds_the_decisive_character():
    exp = TextExplainer(mode="regression", char_level=True, random_state=0).explain(
        "x?y", lambda docs: [float("?" in d) for d in docs], num_samples=500
    )
    assert exp.as_list()[0][0] == "?"


# ------------------------------------------------------------ reproducibility, batching, JSON

def test_same_seed_same_explanation_and_other_seed_other_samples():
    explainer = TextExplainer(random_state=7)
    first = explainer.explain(DOCUMENT, keyword_probabilities, num_samples=300)
    assert first == explainer.explain(DOCUMENT, keyword_probabilities, num_samples=300)
    assert first == TextExplainer(random_state=7).explain(DOCUMENT, keyword_probabilities, num_samples=300)
    assert first != explainer.explain(DOCUMENT, keyword_probabilities, num_samples=300, random_state=8)


def test_explainer_without_seed_draws_one_and_repeats_it():
    explainer = TextExplainer()
    first = explainer.explain(DOCUMENT, keyword_probabilities, num_samples=200)
    assert isinstance(first.random_state, int)
    assert first == explainer.explain(DOCUMENT, keyword_probabilities, num_samples=200)


def test_model_sees_batches_no_larger_than_batch_size():
    sizes = []

    def model(documents):
        assert isinstance(documents, list) and all(isinstance(d, str) for d in documents)
        sizes.append(len(documents))
        return keyword_probabilities(documents)

    TextExplainer(random_state=0).explain(DOCUMENT, model, num_samples=1050, batch_size=100)
    assert sizes == [100] * 10 + [50]


def test_json_round_trip_keeps_tokens_and_spans():
    text = "Great <b>pasta</b> & so-so wine."
    exp = TextExplainer(bow=False, random_state=0).explain(text, keyword_probabilities, num_samples=200)
    back = Explanation.from_json(json.dumps(exp.to_dict()))
    assert back == exp and back.instance == text
    assert [text[a:b] for a, b in back.payload["spans"]] == back.payload["tokens"]
    assert back.feature_descriptions[1] == "b@1"


def test_explanation_does_not_mutate_inputs_and_keeps_text_verbatim():
    text = "  Mixed CASE, odd   spacing\n"
    exp = TextExplainer(random_state=0).explain(text, keyword_probabilities, num_samples=100)
    assert exp.instance == text


# ------------------------------------------------------------ rendering

def _document_block(html):
    return re.search(r"<div class='lk-doc'>(.*?)</div>", html, re.S).group(1)


def test_html_reproduces_the_whole_document_escaped_and_in_order():
    text = "Nice <script>alert('x')</script> & \"quoted\" excellent\n  soup < awful"
    exp = TextExplainer(random_state=0).explain(text, keyword_probabilities, num_samples=300)
    html = explanation_html(exp)
    assert "<script" not in html and "&lt;" in html
    block = _document_block(html)
    assert unescape(re.sub(r"<[^>]+>", "", block)) == text


def test_html_highlights_exactly_the_selected_token_spans():
    exp = TextExplainer(random_state=0).explain(DOCUMENT, keyword_probabilities, num_features=3, num_samples=500)
    block = _document_block(text_html(exp))
    highlighted = [unescape(t) for t in re.findall(r"<span class='lk-tok'[^>]*>(.*?)</span>", block)]
    selected = {exp.feature_names[i] for i, _ in exp.coefficients[exp.labels[0]]}
    expected = [token for token in exp.payload["tokens"] if token in selected]
    assert highlighted == expected
    # colour by sign: 'awful' speaks against the positive class
    awful = re.search(r"style='background: rgba\((\d+), (\d+), (\d+), ([\d.]+)\)' title='awful", block)
    assert awful.group(1, 2, 3) == ("230", "97", "1")


def test_repr_html_dispatches_to_the_text_renderer():
    exp = TextExplainer(random_state=0).explain(DOCUMENT, keyword_probabilities, num_samples=100)
    assert "lk-doc" in exp._repr_html_()


def test_wrap_lines_keeps_every_drawn_character_in_place():
    text = "alpha beta\ngamma delta epsilon zeta"
    lines, line_of, column_of = wrap_lines(text, 11)
    assert lines == ["alpha beta", "gamma delta", "epsilon", "zeta"]
    drawn = np.flatnonzero(line_of >= 0)
    assert all(lines[line_of[i]][column_of[i]] == text[i] for i in drawn)


def test_plot_text_draws_one_box_per_highlighted_token():
    exp = TextExplainer(random_state=0).explain(DOCUMENT, keyword_probabilities, num_features=3, num_samples=300)
    fig = plot_text(exp, width=40)
    ax = fig.axes[0]
    selected = {exp.feature_names[i] for i, _ in exp.coefficients[exp.labels[0]]}
    boxes = [patch for patch in ax.patches if type(patch).__name__ == "Rectangle"]
    assert len(boxes) == sum(token in selected for token in exp.payload["tokens"])


# ------------------------------------------------------------ errors

@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        ("", {}, "text is empty"),
        ("... !!! ...", {}, "found no tokens"),
        ("some words", {"tokenizer": lambda text: []}, "found no tokens"),
        ("some words", {"tokenizer": lambda text: ["other"]}, "does not occur in the text"),
        ("some words", {"tokenizer": lambda text: ["WORDS".lower(), "some"]}, "reading order"),
        ("some words", {"token_pattern": "("}, "not a valid regular expression"),
        ("some words", {"token_pattern": r"\w", "char_level": True}, "pass only one of"),
    ],
)
def test_bad_documents_and_tokenizers_are_refused_with_a_reason(text, kwargs, message):
    with pytest.raises(ValueError, match=message):
        TextExplainer(**kwargs).explain(text, keyword_probabilities, num_samples=10)


def test_non_string_document_is_refused():
    with pytest.raises(TypeError, match="text must be a str"):
        TextExplainer().explain(["a list", "of documents"], keyword_probabilities)


def test_wrong_prediction_shape_is_explained():
    with pytest.raises(ValueError, match="did you pass model.predict instead of model.predict_proba"):
        TextExplainer().explain(DOCUMENT, keyword_score, num_samples=10)
    with pytest.raises(ValueError, match=r"it must return one value per input"):
        TextExplainer(mode="regression").explain(DOCUMENT, keyword_probabilities, num_samples=10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_features": 0}, "num_features must be a positive integer"),
        ({"num_samples": 1}, "num_samples must be an integer >= 2"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"feature_selection": "best"}, "feature_selection must be one of"),
        ({"distance_metric": "nope"}, "distance_metric 'nope' is not supported"),
    ],
)
def test_bad_explain_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TextExplainer().explain(DOCUMENT, keyword_probabilities, **kwargs)


def test_demo_writes_highlighted_png_html_and_json(tmp_path):
    from lime_kit.datasets import load_reviews
    from lime_kit.demos import run_demo
    from lime_kit.demos.text import DEMO_REVIEW

    paths = run_demo("text", tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        ["text_review.png", "text_review_weights.png", "text_review.html", "text_review.json"]
    )
    exp = Explanation.from_json((tmp_path / "text_review.json").read_text(encoding="utf-8"))
    assert exp.instance == load_reviews()[0][DEMO_REVIEW]
    page = (tmp_path / "text_review.html").read_text(encoding="utf-8")
    assert unescape(re.sub(r"<[^>]+>", "", _document_block(page))) == exp.instance
    assert (tmp_path / "text_review.png").read_bytes()[:4] == b"\x89PNG"
