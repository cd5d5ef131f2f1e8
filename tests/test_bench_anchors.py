"""The Anchors benchmark's plumbing: its models mean what the table says, and it runs without alibi.

``benchmarks/bench_anchors.py`` compares lime_kit with alibi, which lives in
its own environment; CI never has it, so these tests check the parts that
decide what the table means: the lexicon model is the corpus's labelling rule,
the watermark model's true anchor is the watermark's segments, the summary
counts only measured anchors, and a missing alibi is said in words.
"""

import sys
import types
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import anchors_recipes as recipes  # noqa: E402
import bench_anchors  # noqa: E402

from lime_kit.datasets import NEGATIVE_WORDS, POSITIVE_WORDS, load_reviews  # noqa: E402


def test_lexicon_model_is_the_corpus_labelling_rule():
    texts, labels = load_reviews()
    predicted = recipes.lexicon_proba(texts, POSITIVE_WORDS, NEGATIVE_WORDS).argmax(1)
    assert np.array_equal(predicted, labels)
    # with every keyword gone the review ties, and a tie is negative
    assert recipes.lexicon_proba(["The plot was UNK ."], POSITIVE_WORDS, NEGATIVE_WORDS).argmax(1).tolist() == [0]


def test_watermark_is_the_anchor_of_the_image_case():
    data = bench_anchors.image_data(3)
    images, segments, fills = data["images"], data["segments"], data["fills"]
    assert recipes.watermark_proba(images).argmax(1).tolist() == [1, 1, 1]
    for image, seg, fill in zip(images, segments, fills):
        assert seg.min() == 0 and np.array_equal(np.unique(seg), np.arange(seg.max() + 1))
        patch = np.isin(seg, recipes.patch_segments(seg))
        everything_else_hidden = np.where(patch[..., None], image, fill)
        patch_hidden = np.where(patch[..., None], fill, image)
        assert recipes.watermark_proba(np.stack([everything_else_hidden, patch_hidden])).argmax(1).tolist() == [1, 0]


def test_summary_takes_medians_and_counts_only_measured_anchors():
    records = [
        {"seconds": 1.0, "model_rows": 100, "length": 1, "precision": 1.0, "coverage": 0.5, "fresh_precision": 0.95},
        {"seconds": 3.0, "model_rows": 300, "length": 3, "precision": 0.9, "coverage": 0.1, "fresh_precision": 0.5},
        {"seconds": 2.0, "model_rows": 200, "length": 2, "precision": 0.95, "coverage": 0.2, "fresh_precision": None},
    ]
    summary = bench_anchors.summarise(records, floor=0.9)
    assert summary["seconds"] == 2.0 and summary["rows"] == 200 and summary["length"] == 2
    assert summary["measured"] == 2 and summary["holds"] == 0.5


def test_missing_alibi_is_said_in_words_and_lime_kit_runs_alone(capsys, tmp_path):
    bench_anchors.main(["--cases", "cancer-lr", "--rows", "1", "--no-lime-kit", "--alibi-python", str(tmp_path / "python")])
    out = capsys.readouterr().out
    assert f"alibi not available: no interpreter at {tmp_path / 'python'}" in out


def test_lime_kit_half_counts_model_rows_and_uses_fresh_precision(monkeypatch):
    """A stub stands in for the method; the benchmark must count rows itself and report anchor_precision."""
    import lime_kit.evaluation
    from lime_kit import TabularExplainer

    def explain(self, instance, predict_fn, **keywords):
        assert keywords["method"] == "anchors" and keywords["threshold"] == 0.95 and keywords["tolerance"] == 0.05
        predict_fn(np.repeat(instance[None], 250, axis=0))
        return types.SimpleNamespace(anchor=("a <= 1",), anchor_features=(3,), precision=0.97, coverage=0.25,
                                     num_samples=250, labels=[1])

    monkeypatch.setattr(TabularExplainer, "explain", explain)
    monkeypatch.setattr(lime_kit.evaluation, "anchor_precision", lambda *a, num_samples, random_state: 0.5,
                        raising=False)
    args, _ = bench_anchors.parse_args(["--rows", "2", "--fresh-samples", "100"])
    records = bench_anchors._lime_kit_case("cancer-lr", args, None, None)
    assert [r["model_rows"] for r in records] == [250, 250]
    assert [r["fresh_precision"] for r in records] == [0.5, 0.5]
    assert bench_anchors.summarise(records, floor=0.9)["holds"] == 0.0


def test_unknown_case_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit):
        bench_anchors.parse_args(["--cases", "cancer-svm"])
    assert "unknown case(s) ['cancer-svm']; choose from" in capsys.readouterr().err
