"""KernelSHAP benchmark: lime_kit's ``method="kernel_shap"`` against shap's ``KernelExplainer``.

Run from the repository root (needs ``pip install -e ".[bench]"``, which brings shap)::

    python benchmarks/bench_shap.py            # 10 seeds; about 5 minutes on 2 cores
    python benchmarks/bench_shap.py --quick    # 3 seeds, smaller reference: about a minute

Cases: breast cancer (30 features) with a RandomForest and with a
StandardScaler + LogisticRegression, and the 200-feature synthetic set of
``bench_tabular.py`` with its LogisticRegression; the explained row is the
first, the label its predicted class, the output the class probability.

Both tools get the same background: lime_kit's 10-row k-means summary of the
training data (``background=10``: rows weighted by cluster size), handed to
shap as the same rows with the same weights (as ``shap.kmeans`` would), the same
coalition budget (shap's ``nsamples`` = lime_kit's ``num_samples``) and
``l1_reg=False`` for shap, so that both return a value for every feature
(shap's default since 0.47 keeps 10 features). shap draws from numpy's global
random state, so it is seeded with ``np.random.seed`` before each call.

Per tool and budget, medians over the seeds after one warm-up call:

- model rows scored per explanation, total, model and overhead seconds
  (overhead = total minus the time inside the model, ``common.TimedModel``);
- ``error``: ``||values - reference|| / ||reference||``, the reference being
  shap with a large budget (``--reference`` coalitions; exact enumeration is
  out of reach at 30 and 200 features);
- ``to shap``: the same distance between lime_kit's and shap's values for
  the same seed, next to ``shap seed-to-seed`` (between two shap seeds): at
  equal coalitions the first should not exceed the second;
- ``top-5 Jaccard``: mean pairwise overlap of the top 5 ``|value|`` over the
  seeds;
- a row for lime_kit's ``num_samples="auto"`` (rounds of coalitions until the
  top 5 settle, at most ``max_samples=20000``), one for the cheaper
  ``background_pairing="one"`` mode (one background row per coalition) and,
  at the same number of model rows, the full product with a tenth of the
  coalitions.
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

from common import TimedModel, mean_pairwise_jaccard, print_table, time_explanations  # noqa: E402

from lime_kit import TabularExplainer  # noqa: E402
from lime_kit.datasets import load_breast_cancer  # noqa: E402

TOP_K = 5
BACKGROUND_SIZE = 10


class CountingModel(TimedModel):
    """A TimedModel that also counts the rows it scores."""

    def __init__(self, predict_fn):
        super().__init__(predict_fn)
        self.rows = 0

    def __call__(self, inputs):
        self.rows += len(inputs)
        return super().__call__(inputs)

    def reset(self) -> None:
        super().reset()
        self.rows = 0


def cases():
    """(name, X, feature names, predict_proba)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, names, _ = load_breast_cancer()
    forest = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(X, y)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)
    yield "cancer/forest", X, names, forest.predict_proba
    yield "cancer/logistic", X, names, logistic.predict_proba
    # The synthetic set of bench_tabular.py.
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(2000, 200))
    ys = (Xs[:, :10] @ np.linspace(2, 0.2, 10) + 0.3 * rng.normal(size=2000) > 0).astype(int)
    synthetic = LogisticRegression(max_iter=2000).fit(Xs, ys)
    yield "synthetic200/logistic", Xs, [f"f{j}" for j in range(200)], synthetic.predict_proba


def shap_runner(background, label: int, instance: np.ndarray, model: CountingModel, budget: int):
    """``explain(seed, model) -> (values, rows)`` with shap's KernelExplainer, built once outside the timing."""
    import shap

    explainer = shap.KernelExplainer(model, background, link="identity")

    def explain(seed, model):
        np.random.seed(seed)  # shap has no seed argument (shap issue #1835)
        values = np.asarray(explainer.shap_values(instance[None], nsamples=budget, l1_reg=False, silent=True))
        return values.reshape(instance.shape[0], -1)[:, label], model.rows

    return explain


def lime_kit_runner(explainer: TabularExplainer, label: int, instance: np.ndarray, budget, **options):
    """``explain(seed, model) -> (values, rows, coalitions)`` with lime_kit's KernelSHAP."""

    def explain(seed, model):
        exp = explainer.explain(
            instance, model, labels=[label], method="kernel_shap", background=BACKGROUND_SIZE, num_samples=budget,
            random_state=seed, **options,
        )
        return exp.weights(label), model.rows, exp.num_samples

    return explain


def shared_background(explainer: TabularExplainer, names: list[str]):
    """lime_kit's k-means summary (rows, cluster-share weights) as a shap ``DenseData`` with the same weights."""
    from shap.utils._legacy import DenseData

    from lime_kit.tabular.background import resolve_background

    rows, weights = resolve_background(
        explainer.schema, BACKGROUND_SIZE, explainer._training_rows, explainer._seed, explainer._backgrounds
    )
    return DenseData(np.asarray(rows, dtype=float), list(names), None, np.array(weights, dtype=float))


def distance(a: np.ndarray, b: np.ndarray, reference: np.ndarray) -> float:
    """``||a - b||`` relative to the reference values' norm."""
    return float(np.linalg.norm(a - b) / np.linalg.norm(reference))


def top_set(values: np.ndarray) -> set:
    return set(np.argsort(-np.abs(values), kind="stable")[:TOP_K].tolist())


def measure(name, X, names, predict_proba, args, seeds) -> list[dict]:
    instance = np.asarray(X[0], dtype=float)
    label = int(np.argmax(predict_proba(instance[None])[0]))
    # Built once, outside the timing, for both tools; explanations differ only by their seed.
    explainer = TabularExplainer(X, feature_names=names, random_state=0)
    background = shared_background(explainer, names)
    model = CountingModel(predict_proba)

    reference, _ = shap_runner(background, label, instance, model, args.reference)(12345, model)
    model.reset()

    measured = {}
    shap_timing = time_explanations(shap_runner(background, label, instance, model, args.budget), model, seeds)
    measured[("shap", args.budget)] = shap_timing
    shap_values = [r[0] for r in shap_timing["results"]]
    runs = [
        ("lime_kit", args.budget, {}),
        ("lime_kit pairing=one", args.budget, {"background_pairing": "one"}),
        # As many model rows as pairing="one" at the full budget: which spends them better?
        ("lime_kit", args.budget // BACKGROUND_SIZE, {}),
        ("lime_kit auto", "auto", {}),
    ]
    for tool, budget, options in runs:
        runner = lime_kit_runner(explainer, label, instance, budget, **options)
        measured[(tool, budget)] = time_explanations(runner, model, seeds)

    spread = statistics.median(distance(a, b, reference) for a, b in itertools.combinations(shap_values, 2))
    table = []
    shap_overhead = shap_timing["overhead"]
    for (tool, budget), timing in measured.items():
        values = [r[0] for r in timing["results"]]
        row = {
            "case": name,
            "tool": tool,
            "coalitions": _coalitions(tool, timing, budget),
            "model rows": int(statistics.median(r[1] for r in timing["results"])),
            "total s": timing["total"],
            "model s": timing["model"],
            "overhead s": timing["overhead"],
            "overhead vs shap": timing["overhead"] / shap_overhead,
            "error": statistics.median(distance(v, reference, reference) for v in values),
            "to shap": "" if tool == "shap" else statistics.median(
                distance(v, s, reference) for v, s in zip(values, shap_values)
            ),
            "shap seed-to-seed": spread,
            "top-5 Jaccard": mean_pairwise_jaccard([top_set(v) for v in values]),
        }
        table.append(row)
    return table


def _coalitions(tool: str, timing: dict, budget: int) -> str:
    if tool != "lime_kit auto":
        return str(budget)
    used = [r[2] for r in timing["results"]]
    return f"{int(statistics.median(used))} (median)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=5000, help="coalitions for both tools (shap's nsamples)")
    parser.add_argument("--reference", type=int, default=100_000, help="shap's coalitions for the reference values")
    parser.add_argument("--quick", action="store_true", help="3 seeds, a 20,000-coalition reference, cancer/forest only")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.reference = 3, 20_000
    seeds = list(range(args.seeds))
    table = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lime_kit's per-explanation warnings; the table has the figures
        for name, X, names, predict_proba in cases():
            if args.quick and name != "cancer/forest":
                continue
            table.extend(measure(name, X, names, predict_proba, args, seeds))
            print(f"done {name}", file=sys.stderr)
    print(
        f"budget {args.budget} coalitions, background {BACKGROUND_SIZE} k-means rows, reference shap at "
        f"{args.reference} coalitions, {args.seeds} seeds, medians after one warm-up"
    )
    print_table(table, ["case", "tool", "coalitions", "model rows", "total s", "model s", "overhead s",
                        "overhead vs shap", "error", "to shap", "shap seed-to-seed", "top-5 Jaccard"])


if __name__ == "__main__":
    main()
