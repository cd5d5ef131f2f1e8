"""Tabular benchmark: lime_kit vs the `lime` package, same model, instance and num_samples.

Run from the repository root (needs ``pip install lime``)::

    python benchmarks/bench_tabular.py            # 10 seeds, 5000 samples
    python benchmarks/bench_tabular.py --seeds 3  # quicker

Prints total seconds, seconds inside predict_fn, explainer overhead (total
minus model), mean pairwise top-5 Jaccard across seeds and the surrogate's
weighted R^2, medians over seeds after one warm-up call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import TimedModel, mean_pairwise_jaccard, print_table, time_explanations  # noqa: E402

from lime_kit import TabularExplainer  # noqa: E402
from lime_kit.datasets import load_breast_cancer  # noqa: E402


def cases():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, names, classes = load_breast_cancer()
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)
    forest = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(X, y)
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(2000, 200))
    ys = (Xs[:, :10] @ np.linspace(2, 0.2, 10) + 0.3 * rng.normal(size=2000) > 0).astype(int)
    synthetic = LogisticRegression(max_iter=2000).fit(Xs, ys)
    for discretize in (True, False):
        kind = "discretized" if discretize else "continuous"
        yield f"cancer/logistic/{kind}", X, names, logistic.predict_proba, discretize
        yield f"cancer/forest/{kind}", X, names, forest.predict_proba, discretize
        yield f"synthetic200/logistic/{kind}", Xs, [f"f{j}" for j in range(200)], synthetic.predict_proba, discretize


def run_lime_kit(X, names, discretize, num_samples, label, seeds, model):
    # Explainers are built outside the timed call, for both tools: construction is paid once. So are
    # lime_kit's bins, learned from the model once per explainer (bench_shortcuts.py reports that cost).
    explainers = {
        seed: TabularExplainer(X, feature_names=names, discretize_continuous=discretize, random_state=seed)
        for seed in seeds
    }
    for explainer in explainers.values():
        explainer.prepared_for(model)

    def explain(seed, model):
        exp = explainers[seed].explain(X[0], model, labels=[label], num_features=10, num_samples=num_samples)
        return {i for i, _ in exp.as_map()[label][:5]}, exp.score[label]

    return explain


def run_lime(X, names, discretize, num_samples, label, seeds, model):
    from lime.lime_tabular import LimeTabularExplainer

    explainers = {
        seed: LimeTabularExplainer(X, feature_names=names, discretize_continuous=discretize, random_state=seed)
        for seed in seeds
    }

    def explain(seed, model):
        exp = explainers[seed].explain_instance(X[0], model, labels=(label,), num_features=10, num_samples=num_samples)
        score = exp.score[label] if isinstance(exp.score, dict) else exp.score
        return {i for i, _ in exp.as_map()[label][:5]}, score

    return explain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--num-samples", type=int, default=5000)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    rows = []
    for name, X, names, predict_proba, discretize in cases():
        label = int(np.argmax(predict_proba(X[:1])[0]))
        model = TimedModel(predict_proba)
        measured = {}
        for tool, runner in (("lime_kit", run_lime_kit), ("lime", run_lime)):
            timing = time_explanations(runner(X, names, discretize, args.num_samples, label, seeds, model), model, seeds)
            measured[tool] = timing
            rows.append(
                {
                    "case": name,
                    "tool": tool,
                    "total s": timing["total"],
                    "model s": timing["model"],
                    "overhead s": timing["overhead"],
                    "top-5 Jaccard": mean_pairwise_jaccard([r[0] for r in timing["results"]]),
                    "R^2": statistics.median(r[1] for r in timing["results"]),
                    "overhead ratio": "",
                }
            )
        rows[-2]["overhead ratio"] = f"1/{measured['lime']['overhead'] / measured['lime_kit']['overhead']:.1f}"
        print(f"done {name}", file=sys.stderr)
    print(f"num_samples={args.num_samples}, seeds={args.seeds}, medians over seeds after one warm-up")
    print_table(rows, ["case", "tool", "total s", "model s", "overhead s", "overhead ratio", "top-5 Jaccard", "R^2"])


if __name__ == "__main__":
    main()
