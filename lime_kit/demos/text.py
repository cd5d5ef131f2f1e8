"""Text demo: which words made a sentiment model call this review positive or negative?"""

from __future__ import annotations

from pathlib import Path

from lime_kit import TextExplainer
from lime_kit.datasets import load_reviews

CLASS_NAMES = ["negative", "positive"]
# A positive review with negative words in it too ("Excellent", "adored" but
# also "disappointing", "disliked"), so the highlighting shows both colours.
DEMO_REVIEW = 6


def train_review_model(texts, labels):
    """TF-IDF features and a logistic regression, as one scikit-learn pipeline on raw strings."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(texts, labels)


def run(folder: Path) -> list[Path]:
    from lime_kit.plot import save_explanation
    from lime_kit.plot.bars import plot_weights
    from lime_kit.plot.text import plot_text

    texts, labels = load_reviews()
    model = train_review_model(texts, labels)
    explainer = TextExplainer(class_names=CLASS_NAMES, random_state=0)
    explanation = explainer.explain(texts[DEMO_REVIEW], model.predict_proba, num_features=6)
    png, html = save_explanation(explanation, folder, stem="text_review", figure=plot_text(explanation))
    weights_png = folder / "text_review_weights.png"
    plot_weights(explanation).savefig(weights_png, dpi=120)
    json_path = folder / "text_review.json"
    json_path.write_text(explanation.to_json(indent=1), encoding="utf-8")
    return [png, weights_png, html, json_path]
