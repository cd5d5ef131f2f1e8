"""Trust benchmark: rerun stability of lime and lime_kit, num_samples="auto", and the quality figures.

Run from the repository root (needs ``pip install -e ".[bench]"``)::

    python benchmarks/bench_trust.py              # 10 seeds; about 10 minutes on 2 cores
    python benchmarks/bench_trust.py --seeds 4    # quicker, noisier

Per case, one table row with:

- the mean pairwise top-5 Jaccard of 10 reruns (different seeds) of lime and
  of lime_kit at 5,000 samples (explained label: the predicted class,
  ``num_features=10``, both tools' defaults otherwise);
- lime_kit's own stability estimate at 5,000 samples (the mean of
  ``exp.stability`` over the reruns), to compare with the measured value;
- lime_kit ``num_samples="auto"``: median samples used, rerun Jaccard of the
  top 5 (and the worst top-k Jaccard for k = 1..5), held-out R^2;
- with "auto": the Jaccard of the reruns' settled top 5, and how many explanations show a tie
  or raise an alarm.

A second table checks the 95 % intervals against known local coefficients,
and a third measures what the quality figures cost: the time inside
``assess_quality`` against the rest of the explainer's overhead.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tabular import cases as tabular_cases  # noqa: E402
from bench_text import document_of, train_model  # noqa: E402
from common import TimedModel, mean_pairwise_jaccard, print_table  # noqa: E402

import lime_kit.core.pipeline as pipeline  # noqa: E402
from lime_kit import TabularExplainer, TextExplainer  # noqa: E402
from lime_kit.datasets import load_reviews  # noqa: E402

TOP_K = 5


def jaccard(sets: list[set]) -> float:
    return statistics.fmean(len(a & b) / len(a | b) if a | b else 1.0 for a, b in itertools.combinations(sets, 2))


def top_sets(explanations, label, k=TOP_K) -> list[set]:
    return [{i for i, _ in e.as_map()[label][:k]} for e in explanations]


def mars(X):
    """Friedman's MARS test function, as in the S-LIME paper (Zhou, Hooker & Wang, KDD 2021)."""
    X = np.asarray(X)
    return 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]


def cases():
    """(name, lime_kit explain(seed, num_samples), lime explain(seed) or None, label)."""
    from sklearn.ensemble import RandomForestClassifier

    for name, X, names, predict_proba, discretize in tabular_cases():
        if name.startswith("cancer/forest"):
            continue
        label = int(np.argmax(predict_proba(X[:1])[0]))
        yield name, *_tabular(X, names, predict_proba, discretize, label), label
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(2000, 200))
    ys = (Xs[:, :10] @ np.linspace(2, 0.2, 10) + 0.3 * rng.normal(size=2000) > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(Xs, ys)
    label = int(forest.predict(Xs[:1])[0])
    yield "synthetic200/forest/discretized", *_tabular(Xs, [f"f{j}" for j in range(200)], forest.predict_proba, True, label), label

    texts, labels = load_reviews()
    model = train_model(texts, labels)
    for tokens in (50, 300):
        document = document_of(texts, tokens)
        label = int(np.argmax(model.predict_proba([document])[0]))
        yield f"reviews TF-IDF/{tokens} tokens", *_text(document, model.predict_proba, label), label

    X = np.random.default_rng(0).uniform(size=(1000, 5))
    x = np.array([0.51, 0.49, 0.5, 0.5, 0.5])
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, sample_around_instance=True)

    def explain_mars(seed, num_samples):
        return explainer.explain(
            x, mars, num_features=5, feature_selection="lasso_path", num_samples=num_samples, random_state=seed
        )

    yield "MARS (S-LIME), lasso path", explain_mars, None, 0


def _tabular(X, names, predict_proba, discretize, label):
    from lime.lime_tabular import LimeTabularExplainer

    explainer = TabularExplainer(X, feature_names=names, discretize_continuous=discretize)
    lime_explainers = {}

    def explain(seed, num_samples):
        return explainer.explain(X[0], predict_proba, labels=[label], num_features=10, num_samples=num_samples, random_state=seed)

    def explain_lime(seed):
        lime_explainers.setdefault(seed, LimeTabularExplainer(X, feature_names=names, discretize_continuous=discretize, random_state=seed))
        return lime_explainers[seed].explain_instance(X[0], predict_proba, labels=(label,), num_features=10, num_samples=5000)

    return explain, explain_lime


def _text(document, predict_proba, label):
    from lime.lime_text import LimeTextExplainer

    def explain(seed, num_samples):
        return TextExplainer().explain(document, predict_proba, labels=[label], num_features=10, num_samples=num_samples, random_state=seed)

    def explain_lime(seed):
        return LimeTextExplainer(random_state=seed).explain_instance(document, predict_proba, labels=(label,), num_features=10, num_samples=5000)

    return explain, explain_lime


def stability_rows(seeds: list[int]) -> list[dict]:
    rows = []
    for name, explain, explain_lime, label in cases():
        fixed = [explain(seed, 5000) for seed in seeds]
        auto = [explain(seed, "auto") for seed in seeds]
        lime_jaccard = jaccard(top_sets([explain_lime(seed) for seed in seeds], label)) if explain_lime else float("nan")
        worst_k = min(jaccard(top_sets(auto, label, k)) for k in range(1, TOP_K + 1))
        rows.append({
            "case": name,
            "lime J@5000": lime_jaccard,
            "lime_kit J@5000": jaccard(top_sets(fixed, label)),
            "estimate@5000": statistics.fmean(e.stability[label] for e in fixed),
            "auto samples": statistics.median(e.num_samples for e in auto),
            "auto J": jaccard(top_sets(auto, label)),
            "auto worst J@k": worst_k,
            "auto held-out R^2": statistics.fmean(e.heldout_score[label] for e in auto),
            "auto settled J": mean_pairwise_jaccard([set(e.settled_features(label)) for e in auto]),
            "auto with ties": f"{sum(bool(e.ties(label)) for e in auto)}/{len(auto)}",
            "auto warned": f"{sum(bool(e.warnings) for e in auto)}/{len(auto)}",
        })
        print(f"done {name}", file=sys.stderr)
    return rows


def coverage_rows(repetitions: int) -> list[dict]:
    """Linear model plus Gaussian noise (homoskedastic and heteroskedastic): do 95 % intervals cover the truth?"""
    rows = []
    X = np.random.default_rng(0).normal(size=(500, 4)) * [1.0, 2.0, 0.5, 1.0]
    beta = np.array([1.5, -0.5, 2.0, 0.0])
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    truth = beta * np.array([f["std"] for f in explainer.training_data_stats["features"]])
    for noise_name, scale in (("constant noise", lambda rows: 1.0), ("noise grows with |x0|", lambda rows: 0.5 + np.abs(rows[:, 0]))):
        for num_samples in (1000, 5000):
            covered = total = 0
            for repetition in range(repetitions):
                noise = np.random.default_rng(10_000 + repetition)
                model = lambda rows, noise=noise, scale=scale: rows @ beta + scale(rows) * noise.normal(size=len(rows))
                exp = explainer.explain(X[0], model, num_samples=num_samples, feature_selection="none", random_state=repetition)
                for index, low, high in exp.confidence_intervals(level=0.95):
                    covered += low <= truth[index] <= high
                    total += 1
            rows.append({"model": f"linear, {noise_name}", "samples": num_samples, "intervals": total, "coverage": covered / total})
    return rows


def cost_rows(seeds: list[int]) -> list[dict]:
    """Time inside the quality figures against the rest of lime_kit's own overhead (5,000 samples)."""
    spent = [0.0]
    original = pipeline.assess_quality

    def timed(*args, **kwargs):
        start = time.perf_counter()
        result = original(*args, **kwargs)
        spent[0] += time.perf_counter() - start
        return result

    pipeline.assess_quality = timed
    rows = []
    try:
        for name, X, names, predict_proba, discretize in tabular_cases():
            explainer = TabularExplainer(X, feature_names=names, discretize_continuous=discretize, random_state=0)
            model = TimedModel(predict_proba)
            explainer.explain(X[0], model, num_features=10, num_samples=5000)
            overheads, quality = [], []
            for seed in seeds * 3:
                model.reset()
                spent[0] = 0.0
                start = time.perf_counter()
                explainer.explain(X[0], model, num_features=10, num_samples=5000, random_state=seed)
                overheads.append(time.perf_counter() - start - model.seconds)
                quality.append(spent[0])
            overhead, figures = statistics.median(overheads), statistics.median(quality)
            rows.append({
                "case": name,
                "overhead s": overhead,
                "quality figures s": figures,
                "extra over the rest": f"{figures / (overhead - figures):.0%}",
            })
    finally:
        pipeline.assess_quality = original
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--coverage-repetitions", type=int, default=200)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    warnings.simplefilter("ignore")
    print(f"Rerun stability (mean pairwise top-5 Jaccard over {args.seeds} seeds; J@k: top-k Jaccard)")
    print_table(stability_rows(seeds), [
        "case", "lime J@5000", "lime_kit J@5000", "estimate@5000", "auto samples", "auto J", "auto worst J@k",
        "auto held-out R^2", "auto settled J", "auto with ties", "auto warned",
    ])
    print(f"\nCoverage of 95 % intervals ({args.coverage_repetitions} repetitions x 4 coefficients)")
    print_table(coverage_rows(args.coverage_repetitions), ["model", "samples", "intervals", "coverage"])
    print("\nCost of the quality figures (medians, 5,000 samples, num_features=10)")
    print_table(cost_rows(seeds), ["case", "overhead s", "quality figures s", "extra over the rest"])


if __name__ == "__main__":
    main()
