"""Alarms that are rare and mean something, and "auto" that knows when to stop.

Run from the repository root (needs ``pip install -e ".[bench]"``)::

    python benchmarks/bench_alarms.py            # 8 instances x 10 seeds per case; about 15 minutes on 2 cores
    python benchmarks/bench_alarms.py --quick    # 3 instances x 6 seeds, a few cases

For every case (ordinary models on tabular rows, documents and images) and
every instance, the same explanation is made with ``seeds`` different seeds at
5,000 samples. Per case the first table gives:

- **warned**: the share of those explanations that raise a ``UserWarning``
  (the target: at most 1 in 5);
- **unstable**: instances whose *measured* rerun agreement on the settled top
  5 (over the seeds, by :func:`lime_kit.ranks.settled_agreement`: the share of
  each rerun's settled features that another rerun also places in its top 5
  or its tie across rank 5) is below 0.8, and **recall**: the share of those instances' explanations that
  still raise a warning (the target: at least 95 %);
- **settled J**: the measured agreement on the settled top 5, median over
  instances, next to the median estimate ``exp.settled_stability``, the
  plain top-5 Jaccard and the plain Jaccard of the settled sets;
- **ties**: the share of explanations that show at least one tie;
- **sets unstable** and **recall (sets)**: the same with the stricter reading of
  agreement, the plain Jaccard of the reruns' settled sets (a feature settled by
  one rerun and shown tied across rank 5 by another counts as a disagreement).

A second table repeats this at 300 samples, where some instances' reruns
really disagree, to measure the recall. The last table runs ``num_samples="auto"`` (``max_samples=20000``) on every
instance and seed: median samples, the share stopped at the cap, why they
stopped, and the measured agreement of the settled top 5 across seeds.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text import train_model  # noqa: E402
from common import mean_pairwise_jaccard, print_table  # noqa: E402

from lime_kit import ImageExplainer, TabularExplainer, TextExplainer  # noqa: E402
from lime_kit.datasets import load_reviews  # noqa: E402
from lime_kit.ranks import settled_agreement  # noqa: E402

UNSTABLE = 0.8
#: The second run of every instance, small enough that some reruns really disagree.
FEW_SAMPLES = 300


def rerun_agreement(explanations, label) -> float:
    """Measured agreement of reruns on the settled top 5, by the definition the estimate uses."""
    d = len(explanations[0].feature_names)
    settled, candidates = np.zeros((len(explanations), d), dtype=bool), np.zeros((len(explanations), d), dtype=bool)
    for row, exp in enumerate(explanations):
        settled[row, exp.settled_features(label)] = True
        candidates[row, exp.top_candidates(label)] = True
    return settled_agreement(settled, candidates)


def _explain_quietly(explain, seed, num_samples):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exp = explain(seed, num_samples)
    return exp, any(issubclass(w.category, UserWarning) and "lime_kit" in str(w.message) for w in caught)


def tabular_cases():
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cancer = load_breast_cancer()
    X, y = cancer.data, cancer.target
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)
    forest = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(X, y)
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(2000, 200))
    ys = (Xs[:, :10] @ np.linspace(2, 0.2, 10) + 0.3 * rng.normal(size=2000) > 0).astype(int)
    synthetic_lr = LogisticRegression(max_iter=2000).fit(Xs, ys)
    synthetic_rf = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(Xs, ys)
    yield "cancer LR discretized", X, logistic.predict_proba, True, "classification"
    yield "cancer RF discretized", X, forest.predict_proba, True, "classification"
    yield "cancer LR continuous", X, logistic.predict_proba, False, "classification"
    yield "200 features RF discretized", Xs, synthetic_rf.predict_proba, True, "classification"
    yield "200 features LR discretized", Xs, synthetic_lr.predict_proba, True, "classification"
    yield "200 features LR continuous", Xs, synthetic_lr.predict_proba, False, "classification"
    diabetes = load_diabetes()
    regressor = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=1).fit(diabetes.data, diabetes.target)
    yield "diabetes RF regression", diabetes.data, regressor.predict, True, "regression"
    wine = load_wine()
    multiclass = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(wine.data, wine.target)
    yield "wine LR 3 classes", wine.data, multiclass.predict_proba, True, "classification"


def _documents(texts, count, rng):
    """Documents of 20-60 words: consecutive reviews joined up to a random length."""
    out, start = [], 0
    for _ in range(count):
        wanted, words = int(rng.integers(20, 61)), []
        while len(words) < wanted:
            words += texts[start % len(texts)].split()
            start += 1
        out.append(" ".join(words[:wanted]))
    return out


def lexicon_model(model):
    """A lexicon sentiment model: +1 / -1 for the TF-IDF model's 60 most positive / negative words."""
    vectorizer, classifier = model.steps[0][1], model.steps[-1][1]
    vocabulary = np.array(vectorizer.get_feature_names_out())
    order = np.argsort(classifier.coef_[0])
    lexicon = {**{w: -1.0 for w in vocabulary[order[:60]]}, **{w: 1.0 for w in vocabulary[order[-60:]]}}

    def predict_proba(docs):
        scores = np.array([sum(lexicon.get(w, 0.0) for w in d.lower().split()) for d in docs])
        positive = 1.0 / (1.0 + np.exp(-scores))
        return np.column_stack([1 - positive, positive])

    return predict_proba


def cases(n_instances: int, quick: bool):
    for name, X, predict, discretize, mode in tabular_cases():
        if quick and "200" in name and "RF" not in name:
            continue
        explainer = TabularExplainer(X, mode=mode, discretize_continuous=discretize, random_state=0)
        rows = np.random.default_rng(1).choice(len(X), n_instances, replace=False)
        for row in rows:
            yield name, (lambda seed, n, x=X[row], e=explainer, p=predict: e.explain(x, p, num_samples=n, random_state=seed))
    texts, labels = load_reviews()
    model = train_model(texts, labels)
    documents = _documents(texts, n_instances, np.random.default_rng(2))
    for name, predict in (("TF-IDF + LR, 20-60 words", model.predict_proba), ("lexicon, 20-60 words", lexicon_model(model))):
        explainer = TextExplainer(random_state=0)
        for document in documents:
            yield name, (lambda seed, n, d=document, e=explainer, p=predict: e.explain(d, p, num_samples=n, random_state=seed))
    if not quick:
        from lime_kit.datasets import make_shapes

        images = make_shapes(n_instances, size=64, random_state=0)[0]

        def brightness_model(batch):  # a smooth "classifier": how bright the centre is against the border
            batch = np.asarray(batch, dtype=np.float64)
            centre = batch[:, 16:48, 16:48].mean(axis=(1, 2, 3)) / 255
            border = batch.mean(axis=(1, 2, 3)) / 255
            p = 1 / (1 + np.exp(-8 * (centre - border)))
            return np.column_stack([1 - p, p])

        explainer = ImageExplainer(random_state=0)
        for image in images:
            yield "shapes, brightness model", (lambda seed, n, im=image, e=explainer: e.explain(im, brightness_model, num_samples=n, random_state=seed))


def measure(n_instances: int, seeds: list[int], quick: bool, auto: bool):
    by_case = collections.defaultdict(list)
    for name, explain in cases(n_instances, quick):
        fixed = [_explain_quietly(explain, seed, 5000) for seed in seeds]
        # Few samples make reruns disagree for real: that is where the alarms' recall is measured.
        result = {"fixed": fixed, "few": [_explain_quietly(explain, seed, FEW_SAMPLES) for seed in seeds]}
        if auto:
            result["auto"] = [_explain_quietly(explain, seed, "auto") for seed in seeds]
        by_case[name].append(result)
        print(f"  {name}: instance {len(by_case[name])} done", file=sys.stderr)
    return by_case


def alarm_rows(by_case, run: str = "fixed") -> list[dict]:
    rows = []
    for name, instances in by_case.items():
        warned = unstable = unstable_warned = unstable_total = tied = total = 0
        settled_j, plain_j, estimates, settled_sets_j = [], [], [], []
        sets_unstable = sets_warned = sets_total = 0
        for result in instances:
            explanations = [exp for exp, _ in result[run]]
            flags = [flag for _, flag in result[run]]
            label = explanations[0].labels[0]
            agreement = rerun_agreement(explanations, label)
            settled_j.append(agreement)
            settled_sets_j.append(mean_pairwise_jaccard([set(e.settled_features(label)) for e in explanations]))
            if settled_sets_j[-1] < UNSTABLE:  # the stricter reading: the settled sets themselves differ
                sets_unstable += 1
                sets_warned += sum(flags)
                sets_total += len(flags)
            plain_j.append(mean_pairwise_jaccard([{i for i, _ in e.as_map()[label][:5]} for e in explanations]))
            estimates.append(statistics.fmean(e.settled_stability[label] for e in explanations))
            warned += sum(flags)
            total += len(flags)
            tied += sum(bool(e.ties(label)) for e in explanations)
            if agreement < UNSTABLE:
                unstable += 1
                unstable_warned += sum(flags)
                unstable_total += len(flags)
        rows.append({
            "case": name,
            "warned": f"{warned}/{total}",
            "unstable": f"{unstable}/{len(instances)}",
            "recall": f"{unstable_warned}/{unstable_total}" if unstable_total else "-",
            "settled J": statistics.median(settled_j),
            "estimate": statistics.median(estimates),
            "top-5 J": statistics.median(plain_j),
            "settled sets J": statistics.median(settled_sets_j),
            "ties": f"{tied}/{total}",
            "sets unstable": f"{sets_unstable}/{len(instances)}",
            "recall (sets)": f"{sets_warned}/{sets_total}" if sets_total else "-",
        })
    return rows


def auto_rows(by_case) -> list[dict]:
    rows = []
    for name, instances in by_case.items():
        samples, reasons, agreements = [], collections.Counter(), []
        for result in instances:
            explanations = [exp for exp, _ in result["auto"]]
            label = explanations[0].labels[0]
            samples += [e.num_samples for e in explanations]
            reasons.update(e.rounds[-1].get("stopped", "?") for e in explanations)
            agreements.append(rerun_agreement(explanations, label))
        rows.append({
            "case": name,
            "median samples": statistics.median(samples),
            "at cap": f"{reasons['max_samples']}/{len(samples)}",
            "stopped because": ", ".join(f"{reason} {count}" for reason, count in reasons.most_common()),
            "settled J": statistics.median(agreements),
            "worst settled J": min(agreements),
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-auto", action="store_true")
    args = parser.parse_args()
    instances, seeds = (3, 6) if args.quick else (args.instances, args.seeds)
    by_case = measure(instances, list(range(seeds)), args.quick, not args.no_auto)
    print(f"\nAlarms at 5,000 samples ({instances} instances x {seeds} seeds per case; unstable: measured "
          f"settled-top-5 agreement below {UNSTABLE})")
    rows = alarm_rows(by_case)
    print_table(rows, ["case", "warned", "unstable", "recall", "settled J", "estimate", "top-5 J", "settled sets J",
                       "sets unstable", "recall (sets)", "ties"])
    warned = [int(r["warned"].split("/")[0]) for r in rows]
    total = [int(r["warned"].split("/")[1]) for r in rows]
    print(f"overall: {sum(warned)}/{sum(total)} explanations warned ({sum(warned) / sum(total):.0%})")
    print(f"\nRecall at {FEW_SAMPLES} samples (same instances and seeds): do explanations that reruns contradict warn?")
    few = alarm_rows(by_case, "few")
    print_table(few, ["case", "warned", "unstable", "recall", "settled J", "estimate", "sets unstable", "recall (sets)", "settled sets J"])
    for column in ("recall", "recall (sets)"):
        hits = [r[column].split("/") for r in few if r[column] != "-"]
        if hits:
            caught, of = sum(int(a) for a, _ in hits), sum(int(b) for _, b in hits)
            print(f"overall {column}: {caught}/{of} explanations of unstable instances warned ({caught / of:.0%})")
    if not args.no_auto:
        print(f"\nnum_samples='auto' (max_samples=20000; {instances} instances x {seeds} seeds)")
        print_table(auto_rows(by_case), ["case", "median samples", "at cap", "stopped because", "settled J", "worst settled J"])


if __name__ == "__main__":
    main()
