"""Planted shortcuts: how often does each tool rank the shortcut a model relies on first?

Run from the repository root (needs ``pip install -e ".[bench]"`` plus xgboost and lightgbm)::

    python benchmarks/bench_shortcuts.py            # 20 instances per case; about 5 minutes on 2 cores
    python benchmarks/bench_shortcuts.py --quick    # 5 instances per case

Each case plants a shortcut, trains a model that leans on it (in seconds),
and explains held-out instances that carry it. A tool scores an instance
when the planted feature has the largest absolute weight for the predicted
class. Cases (one function each, returning table rows):

- ``leak_case``: breast cancer plus ``leak``, a noisy copy of the label
  (label + N(0, 0.3^2)), GradientBoosting and RandomForest.
- ``threshold_case``: a synthetic step (x0 > 0.35, inside the quartile bin
  (-0.07, 0.66]) under GradientBoosting; diabetes plus a leaked, noisy
  copy of the standardized target under a GradientBoostingRegressor.
- ``loan_case``: the bundled loan table with pandas ``category`` columns plus
  ``channel``, a categorical copy of the label flipped in 15 % of the rows;
  xgboost and lightgbm on the categories.
- ``text_case``: the bundled reviews with the token ``lorem`` added to 90 %
  of the positive and 5 % of the negative training reviews; TF-IDF +
  logistic regression.
- the image watermark case comes from ``benchmarks/shortcut_watermark.py``
  (``watermark_case(n_instances) -> rows``) when that file exists.

Settings: lime_kit with its defaults (5,000 samples; tabular bins learned
from the model), with ``num_samples="auto"``, and with lime's quartile bins
(``discretizer="quartile"``); lime 0.2 with its defaults (5,000 samples,
quartile bins); shap's TreeExplainer (exact TreeSHAP; for the loan models the
library's own ``pred_contrib``, which computes the same values on
categories) and KernelExplainer (500 coalitions; background: a 10-row
k-means summary for tables, the empty document for text). A second table
gives the one-time cost of lime_kit's learned bins.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table  # noqa: E402

from lime_kit import TabularExplainer, TextExplainer  # noqa: E402
from lime_kit.datasets import load_breast_cancer, load_loan_approval, load_reviews  # noqa: E402

SETTINGS = ["lime_kit default", "lime_kit auto", "lime_kit quartile", "lime", "shap Tree", "shap Kernel"]
NUM_SAMPLES = 5000
KERNEL_SHAP_SAMPLES = 500
COST_ROWS: list[dict] = []  # the one-time cost of learned bins, per tabular case


def count(hits: list[bool]) -> str:
    return f"{sum(hits)}/{len(hits)}"


def top_index(weights: np.ndarray) -> int:
    return int(np.argmax(np.abs(weights)))


# --------------------------------------------------------------------- tables
def lime_kit_hits(explainer_for, rows, predict_fn, target: int, **explain_kwargs) -> list[bool]:
    """Whether the planted feature tops each explanation of a fresh explainer."""
    explainer = explainer_for()
    hits = []
    for row in rows:
        exp = explainer.explain(row, predict_fn, num_samples=explain_kwargs.get("num_samples", NUM_SAMPLES))
        hits.append(exp.as_map()[exp.labels[0]][0][0] == target)
    return hits


def tabular_settings(explainer_for, rows, predict_fn, target: int) -> dict:
    """Hits of the three lime_kit settings; ``explainer_for(discretizer)`` builds a fresh explainer."""
    return {
        "lime_kit default": lime_kit_hits(lambda: explainer_for("model"), rows, predict_fn, target),
        "lime_kit auto": lime_kit_hits(lambda: explainer_for("model"), rows, predict_fn, target, num_samples="auto"),
        "lime_kit quartile": lime_kit_hits(lambda: explainer_for("quartile"), rows, predict_fn, target),
    }


def bin_cost(case: str, explainer, predict_fn) -> None:
    """Time the one-time bin learning (one model call on the sample rows, then the cut search)."""
    inside = [0.0]

    def timed(inputs):
        began = time.perf_counter()
        out = predict_fn(inputs)
        inside[0] += time.perf_counter() - began
        return out

    began = time.perf_counter()
    binning = explainer._bins_for(timed, 10_000)
    total = time.perf_counter() - began
    features = [f for f in binning.stats["features"] if f["kind"] == "continuous"]
    learned = sum(f.get("binned_by") == "model" for f in features)
    COST_ROWS.append({
        "case": case,
        "model rows": explainer._model_discretizer.sample_rows,
        "model s": inside[0],
        "cut search s": total - inside[0],
        "learned / continuous": f"{learned}/{len(features)}",
    })


def lime_tabular_hits(
    train, rows, predict_fn, target, names, categorical=None, categorical_names=None, mode="classification"
) -> list[bool]:
    from lime.lime_tabular import LimeTabularExplainer

    explainer = LimeTabularExplainer(
        train, feature_names=names, categorical_features=categorical, categorical_names=categorical_names,
        discretize_continuous=True, random_state=0, mode=mode,
    )  # fmt: skip
    hits = []
    for row in rows:
        label = int(np.argmax(predict_fn(row[None])[0])) if mode == "classification" else 1
        exp = explainer.explain_instance(row, predict_fn, labels=(label,), num_features=10, num_samples=NUM_SAMPLES)
        hits.append(exp.as_map()[label][0][0] == target)
    return hits


def kernel_shap_hits(background, rows, predict_fn, target) -> list[bool]:
    import shap

    explainer = shap.KernelExplainer(predict_fn, background, link="identity")
    hits = []
    for row in rows:
        values = np.asarray(explainer.shap_values(row[None], nsamples=KERNEL_SHAP_SAMPLES, silent=True))
        if values.ndim == 2:  # regression: one output
            hits.append(top_index(values[0]) == target)
            continue
        label = int(np.argmax(predict_fn(row[None])[0]))
        per_label = values[0, :, label] if values.ndim == 3 else values[label][0]
        hits.append(top_index(per_label) == target)
    return hits


# ------------------------------------------------------------------ the cases
def leak_case(n_instances: int) -> list[dict]:
    """Breast cancer + a leaked label column; GradientBoosting and RandomForest."""
    import shap
    from sklearn.cluster import KMeans  # noqa: F401  (shap.kmeans needs scikit-learn)
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.model_selection import train_test_split

    X, y, names, _ = load_breast_cancer()
    leak = y + np.random.default_rng(0).normal(0.0, 0.3, size=len(y))
    X, names = np.column_stack([X, leak]), [*names, "leak"]
    train, test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    target, rows = X.shape[1] - 1, test[:n_instances]
    background = shap.kmeans(train, 10)
    out = []
    for model_name, model in (
        ("GradientBoosting", GradientBoostingClassifier(random_state=0)),
        ("RandomForest", RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=1)),
    ):
        model.fit(train, y_train)
        hits = tabular_settings(
            lambda d: TabularExplainer(train, feature_names=names, discretizer=d, random_state=0),
            rows, model.predict_proba, target,
        )  # fmt: skip
        bin_cost(f"cancer + leak / {model_name}", TabularExplainer(train, feature_names=names, random_state=0), model.predict_proba)
        hits["lime"] = lime_tabular_hits(train, rows, model.predict_proba, target, names)
        values = shap.TreeExplainer(model).shap_values(rows)
        values = np.asarray(values)
        labels = model.predict(rows).astype(int)
        if values.ndim == 3:  # (n, features, classes)
            values = values[np.arange(len(rows)), :, labels]
        hits["shap Tree"] = [top_index(v) == target for v in values]
        hits["shap Kernel"] = kernel_shap_hits(background, rows, model.predict_proba, target)
        out.append({"case": "tabular: cancer + leaked label", "model": model_name, **{k: count(v) for k, v in hits.items()}})
        print(f"done leak / {model_name}", file=sys.stderr)
    return out


def threshold_case(n_instances: int) -> list[dict]:
    """Two more planted effects: a step inside a quartile bin (synthetic), and a leaked target in regression."""
    import shap
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

    rng = np.random.default_rng(3)
    X = rng.normal(size=(1500, 10))
    logit = 3.0 * (X[:, 0] > 0.35) - 1.5 + 0.8 * X[:, 1] + 0.6 * X[:, 2] - 0.5 * X[:, 3]
    y = (rng.uniform(size=len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    step = ("synthetic: step at x0 = 0.35", "GradientBoosting", X[:1000], X[1000:], GradientBoostingClassifier(random_state=0).fit(X[:1000], y[:1000]), 0, [f"x{j}" for j in range(10)], "classification")
    data = load_diabetes()
    target = (data.target - data.target.mean()) / data.target.std()
    D = np.column_stack([data.data, target + np.random.default_rng(2).normal(0.0, 0.5, len(target))])
    regression = ("diabetes + leaked target (regression)", "GradientBoostingRegressor", D[:300], D[300:], GradientBoostingRegressor(random_state=0).fit(D[:300], data.target[:300]), 10, [*data.feature_names, "leak"], "regression")
    out = []
    for case, model_name, train, test, model, planted, names, mode in (step, regression):
        rows = test[:n_instances]
        predict_fn = model.predict_proba if mode == "classification" else model.predict
        hits = tabular_settings(
            lambda d, train=train, names=names, mode=mode: TabularExplainer(
                train, feature_names=names, discretizer=d, mode=mode, random_state=0
            ),
            rows, predict_fn, planted,
        )  # fmt: skip
        bin_cost(f"{case} / {model_name}", TabularExplainer(train, feature_names=names, mode=mode, random_state=0), predict_fn)
        hits["lime"] = lime_tabular_hits(train, rows, predict_fn, planted, names, mode=mode)
        values = np.asarray(shap.TreeExplainer(model).shap_values(rows))
        hits["shap Tree"] = [top_index(v) == planted for v in values]
        hits["shap Kernel"] = kernel_shap_hits(shap.kmeans(train, 10), rows, predict_fn, planted)
        out.append({"case": case, "model": model_name, **{k: count(v) for k, v in hits.items()}})
        print(f"done {case}", file=sys.stderr)
    return out


def loan_data():
    """The loan table with pandas categories and a planted categorical leak ``channel``."""
    import pandas as pd

    X, y = load_loan_approval(return_X_y=True)
    X = X.copy()
    flipped = np.random.default_rng(1).uniform(size=len(y)) < 0.15
    X["channel"] = np.where((y == 1) != flipped, "online", "branch")
    for column in X.columns:
        if not pd.api.types.is_numeric_dtype(X[column]):
            X[column] = X[column].astype("category")
    return X, y, pd


def loan_case(n_instances: int) -> list[dict]:
    """Loan approvals, pandas categories, xgboost and lightgbm; the planted shortcut is ``channel``."""
    import lightgbm
    import shap
    import xgboost

    X, y, pd = loan_data()
    train, test = X.iloc[:700], X.iloc[700:700 + n_instances]
    names = list(X.columns)
    target = names.index("channel")
    categorical = [j for j, c in enumerate(names) if isinstance(X[c].dtype, pd.CategoricalDtype)]
    categories = {j: list(X[names[j]].cat.categories) for j in categorical}

    def as_codes(frame) -> np.ndarray:  # lime and KernelExplainer need numbers
        return np.column_stack([
            frame[c].cat.codes.to_numpy(float) if j in categories else frame[c].to_numpy(float) for j, c in enumerate(names)
        ])

    def from_codes(array) -> pd.DataFrame:
        array = np.asarray(array, dtype=float)
        data = {}
        for j, c in enumerate(names):
            if j in categories:
                codes = np.clip(np.rint(array[:, j]).astype(int), 0, len(categories[j]) - 1)
                data[c] = pd.Categorical.from_codes(codes, categories=categories[j])
            else:
                data[c] = array[:, j].astype(X[c].dtype)
        return pd.DataFrame(data)

    out = []
    models = (
        ("xgboost", xgboost.XGBClassifier(n_estimators=200, max_depth=4, enable_categorical=True, tree_method="hist", n_jobs=1)),
        ("lightgbm", lightgbm.LGBMClassifier(n_estimators=200, num_leaves=15, verbose=-1, n_jobs=1)),
    )
    rows = [test.iloc[[i]] for i in range(len(test))]
    background = shap.kmeans(as_codes(train), 10)
    for model_name, model in models:
        model.fit(train, y[:700])
        hits = tabular_settings(lambda d: TabularExplainer(train, discretizer=d, random_state=0), rows, model.predict_proba, target)
        bin_cost(f"loan + channel / {model_name}", TabularExplainer(train, random_state=0), model.predict_proba)
        coded_predict = lambda array, model=model: model.predict_proba(from_codes(array))
        names_of = {j: [str(v) for v in categories[j]] for j in categorical}
        hits["lime"] = lime_tabular_hits(as_codes(train), as_codes(test), coded_predict, target, names, categorical, names_of)
        if model_name == "xgboost":
            contributions = model.get_booster().predict(xgboost.DMatrix(test, enable_categorical=True), pred_contribs=True)
        else:
            contributions = model.predict(test, pred_contrib=True)
        hits["shap Tree"] = [top_index(c[:-1]) == target for c in np.asarray(contributions)]
        hits["shap Kernel"] = kernel_shap_hits(background, as_codes(test), coded_predict, target)
        out.append({"case": "tabular: loan, pandas categories + leaked channel", "model": model_name, **{k: count(v) for k, v in hits.items()}})
        print(f"done loan / {model_name}", file=sys.stderr)
    return out


ARTIFACT = "lorem"


def text_case(n_instances: int) -> list[dict]:
    """Reviews with an artifact token in most positive training reviews; TF-IDF + logistic regression."""
    import shap
    from lime.lime_text import LimeTextExplainer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, labels = load_reviews()
    rng = np.random.default_rng(2)

    def plant(text: str) -> str:
        words = text.split()
        words.insert(int(rng.integers(0, len(words) + 1)), ARTIFACT)
        return " ".join(words)

    carries = rng.uniform(size=len(texts)) < np.where(labels == 1, 0.9, 0.05)
    planted = [plant(t) if c else t for t, c in zip(texts, carries)]
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(planted[:400], labels[:400])
    documents = [t for t, c in zip(planted[400:], carries[400:]) if c][:n_instances]

    def top_word(pairs) -> str:
        return max(pairs, key=lambda p: abs(p[1]))[0]

    hits = {}
    for setting, num_samples in (("lime_kit default", NUM_SAMPLES), ("lime_kit auto", "auto")):
        explainer = TextExplainer(random_state=0)
        hits[setting] = [top_word(explainer.explain(d, model.predict_proba, num_samples=num_samples).as_list()) == ARTIFACT for d in documents]
    lime_explainer = LimeTextExplainer(random_state=0)
    hits["lime"] = []
    for d in documents:
        label = int(np.argmax(model.predict_proba([d])[0]))
        exp = lime_explainer.explain_instance(d, model.predict_proba, labels=(label,), num_features=10, num_samples=NUM_SAMPLES)
        hits["lime"].append(top_word(exp.as_list(label)) == ARTIFACT)
    hits["shap Kernel"] = []
    for d in documents:
        words = d.split()
        label = int(np.argmax(model.predict_proba([d])[0]))

        def masked(masks, words=words):  # a coalition keeps the words whose mask is 1
            docs = [" ".join(w for w, keep in zip(words, m) if keep) for m in np.asarray(masks)]
            return model.predict_proba(docs)

        values = shap.KernelExplainer(masked, np.zeros((1, len(words)))).shap_values(
            np.ones((1, len(words))), nsamples=KERNEL_SHAP_SAMPLES, silent=True
        )
        values = np.asarray(values)
        per_label = values[0, :, label] if values.ndim == 3 else values[label][0]
        hits["shap Kernel"].append(words[top_index(per_label)] == ARTIFACT)
    print("done text", file=sys.stderr)
    return [{
        "case": f"text: reviews + artifact token {ARTIFACT!r}", "model": "TF-IDF + LogisticRegression",
        "lime_kit quartile": "n/a", "shap Tree": "n/a", **{k: count(v) for k, v in hits.items()},
    }]


def watermark_rows(n_instances: int) -> list[dict]:
    """The image case, written separately: ``benchmarks/shortcut_watermark.py`` if it exists."""
    path = Path(__file__).resolve().parent / "shortcut_watermark.py"
    if not path.exists():
        print("skipped the watermark case: benchmarks/shortcut_watermark.py is not there", file=sys.stderr)
        return []
    spec = importlib.util.spec_from_file_location("shortcut_watermark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # Its rows are one per (tool, setting); this table has one column per tool.
    columns = {("lime_kit", "defaults"): "lime_kit default", ("lime_kit", "num_samples"): "lime_kit auto",
               ("lime", "LimeImageExplainer defaults"): "lime", ("shap", "KernelExplainer"): "shap Kernel"}
    row = {"case": "image: 7x7 watermark", "model": "small torch CNN"}
    for item in module.watermark_case(n_instances):
        for (tool, prefix), column in columns.items():
            if item["tool"] == tool and item["setting"].startswith(prefix) and column not in row:
                row[column] = f"{item['found']}/{item['n']}"
    return [row]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 instances per case instead of 20")
    parser.add_argument("--instances", type=int, default=None, help="instances per case (overrides --quick)")
    args = parser.parse_args()
    n = args.instances or (5 if args.quick else 20)
    warnings.filterwarnings("ignore")  # unreliability warnings of individual explanations; counted here instead
    started = time.perf_counter()
    rows = []
    for case in (leak_case, threshold_case, loan_case, text_case, watermark_rows):
        rows.extend(case(n))
    print(f"planted feature ranked first, out of {n} instances per case ({time.perf_counter() - started:.0f} s)")
    print_table([{column: row.get(column, "n/a") for column in ["case", "model", *SETTINGS]} for row in rows], ["case", "model", *SETTINGS])
    print()
    print("one-time cost of lime_kit's learned bins (per explainer and model)")
    print_table(COST_ROWS, ["case", "model rows", "model s", "cut search s", "learned / continuous"])


if __name__ == "__main__":
    main()
