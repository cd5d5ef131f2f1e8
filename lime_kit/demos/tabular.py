"""Tabular demo: why was this simulated loan application approved or declined?"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lime_kit import TabularExplainer
from lime_kit.datasets import LOAN_CATEGORICAL, load_loan_approval


def train_loan_model(X, y):
    """A gradient-boosting pipeline that takes the raw DataFrame (strings included).

    The classic single-threaded booster keeps the demo quick even on a busy
    2-core machine, where OpenMP-threaded models can stall.
    """
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    encode = make_column_transformer(
        (OrdinalEncoder(), LOAN_CATEGORICAL), remainder="passthrough", verbose_feature_names_out=False
    )
    model = make_pipeline(encode, GradientBoostingClassifier(n_estimators=150, max_depth=3, random_state=0))
    return model.fit(X, y)


def run(folder: Path) -> list[Path]:
    X, y = load_loan_approval(return_X_y=True)
    model = train_loan_model(X, y)
    explainer = TabularExplainer(X, class_names=["declined", "approved"], random_state=0)
    # A borderline application makes a more telling example than a certain one.
    row = int(np.argmin(np.abs(model.predict_proba(X)[:, 1] - 0.7)))
    explanation = explainer.explain(X.iloc[[row]], model.predict_proba, num_features=8)
    from lime_kit.plot import save_explanation

    png, html = save_explanation(explanation, folder, stem="tabular_loan")
    json_path = folder / "tabular_loan.json"
    json_path.write_text(explanation.to_json(indent=1), encoding="utf-8")
    return [png, html, json_path]
