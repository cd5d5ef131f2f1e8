"""The models of ``bench_anchors.py``, built the same way on both sides of the comparison.

This file imports only numpy and scikit-learn, never lime_kit: the alibi
worker runs in its own environment (alibi pins numpy<2) and rebuilds every
model from these recipes, so that both tools explain the same models and the
same rows. Data that only lime_kit can make (the review texts, the shape
images) travel to the worker in the spec file instead.
"""

from __future__ import annotations

import re

import numpy as np

#: case name -> (scikit-learn dataset, model)
TABULAR_CASES = {
    "cancer-rf": ("breast_cancer", "random_forest"),
    "cancer-lr": ("breast_cancer", "scaled_logistic"),
    "wine-rf": ("wine", "random_forest"),
}
#: case name -> text model
TEXT_CASES = {"text-tfidf": "tfidf_logistic", "text-lexicon": "lexicon"}
#: case name -> image model
IMAGE_CASES = {"image-watermark": "watermark"}
ALL_CASES = (*TABULAR_CASES, *TEXT_CASES, *IMAGE_CASES)

SPLIT = {"test_size": 0.25, "random_state": 0}
#: The watermark: a 7x7 patch in the top-left corner, painted white.
PATCH = (slice(2, 9), slice(2, 9))
PATCH_COLOR = 255
_TOKEN = re.compile(r"[a-z]+")


def tabular_case(name: str) -> dict:
    """Data, split and fitted model of one tabular case (rows to explain: the test rows, in order)."""
    from sklearn.datasets import load_breast_cancer, load_wine
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    dataset, model_name = TABULAR_CASES[name]
    bunch = {"breast_cancer": load_breast_cancer, "wine": load_wine}[dataset]()
    X = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    X_train, X_test, y_train, _ = train_test_split(X, y, **SPLIT)
    if model_name == "random_forest":
        model = RandomForestClassifier(n_estimators=100, random_state=0)
    else:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X_train, y_train)
    return {
        "X_train": X_train,
        "X_test": X_test,
        "feature_names": [str(f) for f in bunch.feature_names],
        "class_names": [str(c) for c in bunch.target_names],
        "model": model,
        "predict_proba": model.predict_proba,
    }


def split_texts(texts: list, labels) -> tuple[list, np.ndarray, list]:
    """``(train_texts, train_labels, test_texts)`` with the same split as the tabular cases."""
    from sklearn.model_selection import train_test_split

    train, test, y_train, _ = train_test_split(list(texts), np.asarray(labels), **SPLIT)
    return train, y_train, test


def lexicon_proba(texts, positive, negative) -> np.ndarray:
    """A model that only counts words: P(positive) = sigmoid(2 (#positive - #negative)); a tie is negative."""
    positive, negative = frozenset(positive), frozenset(negative)
    scores = np.empty(len(texts))
    for i, text in enumerate(texts):
        tokens = _TOKEN.findall(str(text).lower())
        scores[i] = sum(t in positive for t in tokens) - sum(t in negative for t in tokens)
    p = 1 / (1 + np.exp(-2 * scores))
    p = np.where(scores == 0, 0.49, p)  # a tie leans negative, so argmax never sits on 0.5
    return np.column_stack([1 - p, p])


def text_model(name: str, train_texts: list, train_labels, positive, negative):
    """``predict_proba(list of str)`` of one text case."""
    kind = TEXT_CASES[name]
    if kind == "lexicon":
        return lambda texts: lexicon_proba(texts, positive, negative)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    pipeline.fit(list(train_texts), np.asarray(train_labels))
    return lambda texts: pipeline.predict_proba(list(texts))


def watermark_proba(batch) -> np.ndarray:
    """A classifier that learnt the shortcut: 'marked' when the corner patch is bright (class 1)."""
    batch = np.asarray(batch)
    brightness = batch[:, PATCH[0], PATCH[1]].mean(axis=(1, 2, 3))
    marked = 1 / (1 + np.exp(-(brightness - 200) / 10))
    return np.column_stack([1 - marked, marked])


def patch_segments(segments: np.ndarray) -> list[int]:
    """Segments that hold watermark pixels: an anchor must keep them all to keep the prediction."""
    return sorted(int(s) for s in np.unique(segments[PATCH]))


class RowCounter:
    """Wrap a predictor and count the rows (texts, images) it scores."""

    def __init__(self, predict):
        self.predict = predict
        self.rows = 0

    def __call__(self, batch):
        self.rows += len(batch)
        return np.asarray(self.predict(batch))
