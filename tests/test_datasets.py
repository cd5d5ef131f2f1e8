"""Tests for lime_kit.datasets: determinism, committed CSVs, ground truths."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lime_kit.datasets import (
    LOAN_CATEGORICAL,
    LOAN_FEATURES,
    LOAN_IRRELEVANT,
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    SHAPE_COLORS,
    load_breast_cancer,
    load_loan_approval,
    load_reviews,
    loan_approval_logit,
    make_loan_approval,
    make_reviews,
    make_shape_image,
    make_shapes,
    review_sentiment,
)
from lime_kit.datasets.__main__ import write_csvs

DATA_DIR = Path(__file__).resolve().parents[1] / "datasets"


# --- determinism -----------------------------------------------------------

def test_loan_deterministic():
    a = make_loan_approval(300, random_state=3)
    pd.testing.assert_frame_equal(a, make_loan_approval(300, random_state=3))
    assert not a.equals(make_loan_approval(300, random_state=4))


def test_reviews_deterministic():
    t1, y1 = make_reviews(100, random_state=3)
    t2, y2 = make_reviews(100, random_state=3)
    t3, _ = make_reviews(100, random_state=4)
    assert t1 == t2 and np.array_equal(y1, y2)
    assert t1 != t3


def test_shapes_deterministic():
    a = make_shapes(12, size=24, random_state=3)
    b = make_shapes(12, size=24, random_state=3)
    c = make_shapes(12, size=24, random_state=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


# --- committed files -------------------------------------------------------

def test_committed_loan_csv_matches_generator():
    committed = pd.read_csv(DATA_DIR / "loan_approval.csv")
    pd.testing.assert_frame_equal(committed, load_loan_approval(),
                                  check_dtype=False)


def test_committed_reviews_csv_matches_generator():
    committed = pd.read_csv(DATA_DIR / "reviews.csv")
    texts, labels = load_reviews()
    assert list(committed.columns) == ["text", "label"]
    assert committed["text"].tolist() == texts
    np.testing.assert_array_equal(committed["label"].to_numpy(), labels)


def test_cli_writes_identical_bytes(tmp_path):
    for path in write_csvs(tmp_path):
        assert path.read_bytes() == (DATA_DIR / path.name).read_bytes()


# --- loan ground truth -----------------------------------------------------

def test_loan_schema():
    df = load_loan_approval()
    assert list(df.columns) == LOAN_FEATURES + ["approved"]
    assert len(df) == 1000
    assert set(df["approved"].unique()) == {0, 1}
    for col in LOAN_CATEGORICAL:
        assert all(isinstance(v, str) for v in df[col])
    X, y = load_loan_approval(return_X_y=True)
    assert list(X.columns) == LOAN_FEATURES and y.shape == (1000,)


def test_loan_target_follows_logit():
    df = make_loan_approval(4000, random_state=1)
    logit = loan_approval_logit(df)
    assert np.corrcoef(logit, df["approved"])[0, 1] > 0.5
    # Observed approval rate per logit bin tracks sigmoid(logit).
    bins = np.quantile(logit, np.linspace(0, 1, 6))
    idx = np.clip(np.digitize(logit, bins[1:-1]), 0, 4)
    for b in range(5):
        sel = idx == b
        expected = np.mean(1 / (1 + np.exp(-logit[sel])))
        assert abs(df["approved"][sel].mean() - expected) < 0.06


def test_loan_logit_signs_and_irrelevant_columns():
    df = make_loan_approval(200, random_state=2)
    base = loan_approval_logit(df)
    shuffled = df.copy()
    rng = np.random.default_rng(0)
    for col in LOAN_IRRELEVANT:
        shuffled[col] = rng.permutation(shuffled[col].to_numpy())
    shuffled["purpose"] = "business"
    shuffled["age"] = 99
    np.testing.assert_array_equal(loan_approval_logit(shuffled), base)
    np.testing.assert_array_equal(
        loan_approval_logit(df.drop(columns=LOAN_IRRELEVANT)), base)

    def shifted(col, value):
        out = df.copy()
        out[col] = value if not callable(value) else value(out[col])
        return loan_approval_logit(out) - base

    assert np.all(shifted("credit_score", lambda s: s + 50) > 0)
    assert np.all(shifted("income", lambda s: s + 10) > 0)
    assert np.all(shifted("debt_to_income", lambda s: s + 0.1) < 0)
    salaried = loan_approval_logit(df.assign(employment="salaried"))
    unemployed = loan_approval_logit(df.assign(employment="unemployed"))
    assert np.all(unemployed < salaried)


# --- reviews ---------------------------------------------------------------

def test_reviews_follow_keyword_rule():
    texts, labels = load_reviews()
    assert len(texts) == 600 and labels.dtype.kind == "i"
    assert abs(labels.mean() - 0.5) < 0.01
    for text, label in zip(texts, labels):
        tokens = re.findall(r"[a-z]+", text.lower())
        pos = sum(t in POSITIVE_WORDS for t in tokens)
        neg = sum(t in NEGATIVE_WORDS for t in tokens)
        assert pos != neg and label == int(pos > neg)
        assert review_sentiment(text) == label
    assert not set(POSITIVE_WORDS) & set(NEGATIVE_WORDS)


def test_reviews_label_noise():
    texts, clean = make_reviews(400, random_state=5)
    texts_noisy, noisy = make_reviews(400, random_state=5, label_noise=0.1)
    assert texts_noisy == texts
    assert 0 < np.mean(noisy != clean) < 0.2


def test_reviews_learnable():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, labels = load_reviews()
    model = make_pipeline(TfidfVectorizer(), LogisticRegression())
    model.fit(texts[:450], labels[:450])
    assert model.score(texts[450:], labels[450:]) > 0.9


# --- shapes ----------------------------------------------------------------

def test_shapes_masks_and_colours():
    images, labels, masks = make_shapes(30, size=32, random_state=0)
    assert images.shape == (30, 32, 32, 3) and images.dtype == np.uint8
    assert masks.shape == (30, 32, 32) and masks.dtype == bool
    assert np.bincount(labels).tolist() == [10, 10, 10]
    palette = {tuple(c) for c in SHAPE_COLORS.values()}
    for image, mask in zip(images, masks):
        assert mask.any() and not mask.all()
        inside = np.unique(image[mask], axis=0)
        assert len(inside) == 1 and tuple(inside[0]) in palette
        # The shape lies fully inside the frame.
        assert not (mask[0].any() or mask[-1].any()
                    or mask[:, 0].any() or mask[:, -1].any())


@pytest.mark.parametrize("shape", ["circle", "square", "triangle", 1])
def test_make_shape_image(shape):
    image, mask = make_shape_image(shape, size=40, random_state=7)
    assert image.shape == (40, 40, 3) and mask.shape == (40, 40)
    assert len(np.unique(image[mask], axis=0)) == 1
    again, _ = make_shape_image(shape, size=40, random_state=7)
    np.testing.assert_array_equal(image, again)


def test_make_shape_image_rejects_unknown():
    with pytest.raises(ValueError):
        make_shape_image("hexagon")


# --- breast cancer ---------------------------------------------------------

def test_load_breast_cancer():
    X, y, feature_names, class_names = load_breast_cancer()
    assert X.dtype == np.float64 and X.shape == (569, 30)
    assert y.shape == (569,) and set(np.unique(y)) == {0, 1}
    assert len(feature_names) == 30 and class_names == ["malignant", "benign"]
    assert all(isinstance(n, str) for n in feature_names + class_names)
