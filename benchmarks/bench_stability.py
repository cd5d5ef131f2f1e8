"""Stability at equal samples: lime and lime_kit rerun on the same instances, in one run.

For every case, several instances are each explained with 10 seeds by
``lime`` 0.2.0.1 and by lime_kit at 5,000 samples (explained label: the
predicted class, ``num_features=10``, both tools' defaults otherwise), and
the top 5 of ``as_map()`` is compared across seeds. Columns, as means over
the instances:

- ``lime J``, ``lime_kit J``: mean pairwise top-5 Jaccard of the 10 reruns;
- ``slopes J`` (continuous cases): lime_kit with
  ``feature_selection="highest_slopes"``, the ranking by ``|weight|`` it used
  before ``highest_weights`` became lime's ``|weight x instance|``;
- ``within 0.05``: instances where lime_kit's Jaccard is at least lime's
  minus 0.05;
- ``shared``, ``slopes shared``: features lime_kit's top 5 shares with lime's
  (same seed, mean);
- ``lime R^2``, ``lime_kit R^2``, ``slopes R^2``: the surrogates' weighted R^2.

Run from the repository root::

    python benchmarks/bench_stability.py                  # 5 instances x 10 seeds; about 8 minutes on 2 cores
    python benchmarks/bench_stability.py --instances 2    # quicker
    python benchmarks/bench_stability.py --per-instance   # one row per instance as well
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_alarms import lexicon_model  # noqa: E402
from bench_text import document_of, train_model  # noqa: E402
from common import print_table  # noqa: E402

from lime_kit import TabularExplainer, TextExplainer  # noqa: E402
from lime_kit.datasets import load_breast_cancer, load_reviews  # noqa: E402

SAMPLES, TOP_K, NUM_FEATURES = 5000, 5, 10


def jaccard(sets: list[set]) -> float:
    return statistics.fmean(len(a & b) / len(a | b) if a | b else 1.0 for a, b in itertools.combinations(sets, 2))


def top(exp, label) -> set:
    return {i for i, _ in exp.as_map()[label][:TOP_K]}


def tabular_cases(n_instances: int):
    """(case, continuous, [(instance name, lime_kit explain(seed, selection), lime explain(seed), label)])."""
    from lime.lime_tabular import LimeTabularExplainer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, names, _ = load_breast_cancer()
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)
    forest = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(X, y)
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(2000, 200))
    ys = (Xs[:, :10] @ np.linspace(2, 0.2, 10) + 0.3 * rng.normal(size=2000) > 0).astype(int)
    synthetic = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(Xs, ys)
    specs = [
        ("breast cancer, LR, continuous", X, names, logistic.predict_proba, False),
        ("breast cancer, RF, continuous", X, names, forest.predict_proba, False),
        ("breast cancer, LR, discretized", X, names, logistic.predict_proba, True),
        ("200 features, RF, discretized", Xs, [f"f{j}" for j in range(200)], synthetic.predict_proba, True),
    ]
    for case, data, feature_names, predict_proba, discretize in specs:
        explainer = TabularExplainer(data, feature_names=feature_names, discretize_continuous=discretize)
        rows = [0, *np.random.default_rng(1).choice(np.arange(1, len(data)), n_instances - 1, replace=False)]
        instances = []
        for row in rows:
            x = data[row]
            label = int(np.argmax(predict_proba(x[None])[0]))

            def explain(seed, selection, x=x, label=label, predict_proba=predict_proba, explainer=explainer):
                return explainer.explain(
                    x, predict_proba, labels=[label], num_features=NUM_FEATURES, num_samples=SAMPLES,
                    feature_selection=selection, random_state=seed,
                )  # fmt: skip

            def explain_lime(
                seed,
                x=x,
                label=label,
                predict_proba=predict_proba,
                data=data,
                names=feature_names,
                discretize=discretize,
            ):
                lime = LimeTabularExplainer(
                    data, feature_names=names, discretize_continuous=discretize, random_state=seed
                )
                return lime.explain_instance(
                    x, predict_proba, labels=(label,), num_features=NUM_FEATURES, num_samples=SAMPLES
                )

            instances.append((f"row {row}", explain, explain_lime, label))
        yield case, not discretize, instances


def text_cases(n_instances: int):
    from lime.lime_text import LimeTextExplainer

    texts, labels = load_reviews()
    model = train_model(texts, labels)
    # About 50 word tokens each, starting at different reviews.
    documents = [document_of(texts[start:], 50) for start in range(0, 40 * n_instances, 40)]
    for case, predict_proba in (
        ("TF-IDF + LR, 50-token review", model.predict_proba),
        ("lexicon model, 50-token review", lexicon_model(model)),
    ):
        instances = []
        for number, document in enumerate(documents):
            label = int(np.argmax(predict_proba([document])[0]))

            def explain(seed, selection, document=document, label=label, predict_proba=predict_proba):
                return TextExplainer().explain(
                    document, predict_proba, labels=[label], num_features=NUM_FEATURES, num_samples=SAMPLES,
                    feature_selection=selection, random_state=seed,
                )  # fmt: skip

            def explain_lime(seed, document=document, label=label, predict_proba=predict_proba):
                return LimeTextExplainer(random_state=seed).explain_instance(
                    document, predict_proba, labels=(label,), num_features=NUM_FEATURES, num_samples=SAMPLES
                )

            instances.append((f"document {number}", explain, explain_lime, label))
        yield case, False, instances


def measure(case, continuous, instances, seeds) -> list[dict]:
    rows = []
    for instance, explain, explain_lime, label in instances:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lime_kit's tie warnings are expected here; the table is the point
            kit = [explain(seed, "auto") for seed in seeds]
            slopes = [explain(seed, "highest_slopes") for seed in seeds] if continuous else None
        lime = [explain_lime(seed) for seed in seeds]
        kit_top, lime_top = [top(e, label) for e in kit], [top(e, label) for e in lime]
        row = {
            "case": case,
            "instance": instance,
            "lime J": jaccard(lime_top),
            "lime_kit J": jaccard(kit_top),
            "slopes J": jaccard([top(e, label) for e in slopes]) if slopes else float("nan"),
            "shared": statistics.fmean(len(a & b) for a, b in zip(kit_top, lime_top)),
            "slopes shared": statistics.fmean(len(top(e, label) & b) for e, b in zip(slopes, lime_top))
            if slopes
            else float("nan"),
            "lime R^2": statistics.fmean(float(e.score) for e in lime),
            "lime_kit R^2": statistics.fmean(e.score[label] for e in kit),
            "slopes R^2": statistics.fmean(e.score[label] for e in slopes) if slopes else float("nan"),
        }
        row["within 0.05"] = row["lime_kit J"] >= row["lime J"] - 0.05
        rows.append(row)
        print(f"done {case} {instance}", file=sys.stderr)
    return rows


def summary(rows: list[dict]) -> list[dict]:
    out = []
    for case, group in itertools.groupby(rows, key=lambda r: r["case"]):
        group = list(group)
        mean = {
            key: statistics.fmean(r[key] for r in group)
            for key in group[0]
            if key not in ("case", "instance", "within 0.05")
        }
        out.append({"case": case, **mean, "within 0.05": f"{sum(r['within 0.05'] for r in group)}/{len(group)}"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--instances", type=int, default=5)
    parser.add_argument("--per-instance", action="store_true")
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    rows = []
    for case, continuous, instances in itertools.chain(tabular_cases(args.instances), text_cases(args.instances)):
        rows += measure(case, continuous, instances, seeds)
    columns = ["lime J", "lime_kit J", "slopes J", "within 0.05", "shared", "slopes shared"]
    columns += ["lime R^2", "lime_kit R^2", "slopes R^2"]
    print(f"Top-{TOP_K} stability at {SAMPLES} samples, {args.seeds} seeds, means over {args.instances} instances")
    print_table(summary(rows), ["case", *columns])
    if args.per_instance:
        print("\nPer instance")
        print_table(rows, ["case", "instance", *columns])


if __name__ == "__main__":
    main()
