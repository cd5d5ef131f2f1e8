"""A dozen explanations recorded as JSON, to show that a refactoring changes no result.

``python tests/golden_cases.py`` rewrites ``tests/golden/*.json`` from the current code; do that only when
a change of results is intended and said so in the commit. ``tests/test_golden.py`` compares.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).resolve().parent / "golden"


def _tabular():
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from lime_kit import TabularExplainer

    X, y = load_breast_cancer(return_X_y=True)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)
    explainer = TabularExplainer(X, random_state=0)
    yield "tabular_lime_model_bins", lambda: explainer.explain(X[3], logistic.predict_proba, num_samples=1500)
    quartile = TabularExplainer(X, discretizer="quartile", random_state=1)
    yield "tabular_lime_quartile", lambda: quartile.explain(X[7], logistic.predict_proba, num_samples=1500)
    continuous = TabularExplainer(X, discretize_continuous=False, random_state=2)
    yield "tabular_lime_continuous", lambda: continuous.explain(X[11], logistic.predict_proba, num_samples=1500)
    yield "tabular_lime_auto", lambda: explainer.explain(X[5], logistic.predict_proba, num_samples="auto", max_samples=4000)
    yield "tabular_kernel_shap", lambda: explainer.explain(
        X[3], logistic.predict_proba, method="kernel_shap", num_samples=800, num_features=8
    )
    Xd, yd = load_diabetes(return_X_y=True)
    forest = RandomForestRegressor(n_estimators=20, random_state=0, n_jobs=1).fit(Xd, yd)
    regression = TabularExplainer(Xd, mode="regression", random_state=3)
    yield "tabular_anchors", lambda: explainer.explain(X[3], logistic.predict_proba, method="anchors")
    yield "tabular_regression", lambda: regression.explain(Xd[0], forest.predict, num_samples=1200)
    Xw, yw = load_wine(return_X_y=True)
    wine = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(Xw, yw)
    multiclass = TabularExplainer(Xw, random_state=4)
    yield "tabular_top_labels", lambda: multiclass.explain(Xw[60], wine.predict_proba, top_labels=3, num_samples=1200)
    yield "tabular_many_n_jobs_2", lambda: explainer.explain_many(
        X[:4], logistic.predict_proba, n_jobs=2, progress=False, num_samples=800
    )


def _text():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from lime_kit import TextExplainer
    from lime_kit.datasets import load_reviews

    texts, labels = load_reviews()
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(texts, labels)
    explainer = TextExplainer(class_names=["negative", "positive"], random_state=5)
    document = texts[2]
    yield "text_lime", lambda: explainer.explain(document, model.predict_proba, num_samples=1000)
    yield "text_lime_auto", lambda: explainer.explain(document, model.predict_proba, num_samples="auto", max_samples=4000)
    yield "text_anchors", lambda: explainer.explain(document, model.predict_proba, method="anchors")
    yield "text_kernel_shap", lambda: explainer.explain(document, model.predict_proba, method="kernel_shap", num_samples=600)


def _image():
    from lime_kit import ImageExplainer
    from lime_kit.datasets import make_shape_image

    image = make_shape_image("square", size=48, random_state=0)[0]

    def brightness(batch):
        mean = np.asarray(batch, dtype=np.float64)[:, 12:36, 12:36].mean(axis=(1, 2, 3)) / 255
        return np.column_stack([1 - mean, mean])

    explainer = ImageExplainer(random_state=6)
    yield "image_lime", lambda: explainer.explain(image, brightness, num_samples=400)
    yield "image_anchors", lambda: explainer.explain(image, brightness, method="anchors")
    yield "image_kernel_shap", lambda: explainer.explain(image, brightness, method="kernel_shap", num_samples=300)


def cases():
    yield from _tabular()
    yield from _text()
    yield from _image()


def as_json(result) -> object:
    """An explanation's dict without timings; an ExplanationSet as the list of its explanations."""
    explanations = result if isinstance(result, list) else getattr(result, "explanations", None)
    if explanations is not None:
        return [as_json(exp) for exp in explanations]
    data = result.to_dict()
    data.pop("timings", None)
    return json.loads(json.dumps(data))


def record() -> None:
    GOLDEN.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in cases():
            (GOLDEN / f"{name}.json").write_text(json.dumps(as_json(make()), sort_keys=True) + "\n")
            print("recorded", name)


if __name__ == "__main__":
    record()
