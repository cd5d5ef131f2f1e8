"""KernelSHAP on rows: every coalition with every background row ("all") or with one random row ("one").

Breast cancer (30 features), a RandomForest and LogisticRegression, a
10-row k-means background. The reference is "all" with 20,000 coalitions.
For each setting it prints the model rows scored, the RMS error of the values
against the reference (median over seeds), the mean reported standard error
(``coefficient_std``) next to the seed-to-seed spread it should match, and
the top-5 stability over seeds. Run: ``python benchmarks/bench_shap_pairing.py``.
"""

from __future__ import annotations

import statistics
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks.common import mean_pairwise_jaccard, print_table
from lime_kit import TabularExplainer

SEEDS = range(8)


def main() -> None:
    data = load_breast_cancer()
    X, y = data.data, data.target
    models = {
        "random forest": RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y),
        "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y),
    }
    explainer = TabularExplainer(X, feature_names=list(data.feature_names), random_state=0)
    row = X[7]
    rows = []
    warnings.simplefilter("ignore", UserWarning)
    for name, model in models.items():
        explain = dict(labels=[1], method="kernel_shap", background=10)
        reference = explainer.explain(row, model.predict_proba, num_samples=20_000, random_state=99, **explain).weights(1)
        for pairing, budget in [("all", 500), ("all", 2000), ("one", 500), ("one", 2000), ("one", 5000), ("one", 20000)]:
            runs = [
                explainer.explain(row, model.predict_proba, num_samples=budget, background_pairing=pairing,
                                  random_state=seed, **explain)
                for seed in SEEDS
            ]
            values = np.array([exp.weights(1) for exp in runs])
            reported = np.mean([np.mean(exp.coefficient_std[1]) for exp in runs])
            tops = [{i for i, _ in exp.coefficients[1][:5]} for exp in runs]
            rows.append({
                "model": name,
                "pairing": pairing,
                "coalitions": budget,
                "model rows": runs[0].payload["model_rows"],
                "rms error": f"{statistics.median(np.sqrt(((values - reference) ** 2).mean(axis=1))):.2e}",
                "seed spread": f"{values.std(axis=0, ddof=1).mean():.2e}",
                "reported se": f"{reported:.2e}",
                "top-5 stability": f"{mean_pairwise_jaccard(tops):.2f}",
            })
    print_table(rows, list(rows[0]))


if __name__ == "__main__":
    main()
