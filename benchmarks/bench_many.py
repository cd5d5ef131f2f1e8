"""Batch benchmark: explain_many with n_jobs=1 and n_jobs=2 vs the `lime` package in a loop, and peak memory.

Run from the repository root (needs ``pip install lime``)::

    python benchmarks/bench_many.py           # 2,000 rows; memory for 100 vs 10,000 rows (several minutes)
    python benchmarks/bench_many.py --quick   # 300 rows; memory for 100 vs 1,000 rows

Same model for every tool: scikit-learn's breast-cancer data
(``lime_kit.datasets.load_breast_cancer``), a StandardScaler +
LogisticRegression pipeline, 1,000 samples and 10 features per explanation,
the rows of the data set cycled to the requested count. BLAS runs on one
thread in this process; loky limits each of its workers to one thread too, so
``n_jobs=2`` on 2 cores is compared with one core doing the same work.

Throughput: the median of ``--repeats`` timed runs of each lime_kit setting
after a warm-up call, which for ``n_jobs=2`` also starts loky's worker
processes (they are reused by every later call; the first call's time,
workers included, is printed apart). lime explains ``--lime-rows`` rows in a
plain loop (it is slow, so fewer rows; rows per second is what is compared).

Memory: ``tracemalloc`` in this process with ``n_jobs=1``. "peak" is the
largest traced allocation during the call; "held" is what the returned
ExplanationSet keeps (about 10 kB per explanation of 30 features, so it grows
with the rows by construction); "working" = peak - held is the memory the
batch needs on top of its results, which must not grow with the rows. The
"streamed" row explains the large batch in blocks of 100 rows, each appended
to a JSON lines file with ``save(path, append=True)``: then nothing grows.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table  # noqa: E402

from lime_kit import ExplanationSet, TabularExplainer  # noqa: E402
from lime_kit.datasets import load_breast_cancer  # noqa: E402

NUM_SAMPLES = 1000
NUM_FEATURES = 10
WARM_UP_ROWS = 20


def setup():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, names, classes = load_breast_cancer()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)
    explainer = TabularExplainer(X, feature_names=names, class_names=classes, random_state=0)
    return X, names, classes, model, explainer


def rows_of(X: np.ndarray, n: int) -> np.ndarray:
    return X[np.arange(n) % len(X)]


def explain_many(explainer, model, rows, n_jobs: int):
    return explainer.explain_many(
        rows, model.predict_proba, n_jobs=n_jobs, progress=False, num_samples=NUM_SAMPLES, num_features=NUM_FEATURES
    )


def time_lime_kit(explainer, model, rows, n_jobs: int, repeats: int) -> tuple[float, float]:
    """(median seconds, seconds of the first call) for explaining ``rows``."""
    start = time.perf_counter()
    explain_many(explainer, model, rows[:WARM_UP_ROWS], n_jobs)  # warm-up; starts the workers
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = explain_many(explainer, model, rows, n_jobs)
        times.append(time.perf_counter() - start)
        assert len(result) == len(rows) and not result.failures
    return statistics.median(times), first


def time_lime(X, names, classes, model, rows) -> float:
    from lime.lime_tabular import LimeTabularExplainer

    explainer = LimeTabularExplainer(X, feature_names=names, class_names=classes, random_state=0)
    explainer.explain_instance(rows[0], model.predict_proba, num_samples=NUM_SAMPLES, num_features=NUM_FEATURES)
    start = time.perf_counter()
    for row in rows:
        explainer.explain_instance(row, model.predict_proba, num_samples=NUM_SAMPLES, num_features=NUM_FEATURES)
    return time.perf_counter() - start


def traced(call) -> tuple[float, float]:
    """(peak MB, held MB) of ``call()`` under tracemalloc, relative to before the call."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = call()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return (peak - base) / 1e6, (current - base) / 1e6


def streamed(explainer, model, rows, block: int, folder: str) -> int:
    path = Path(folder) / "explanations.jsonl"
    for start in range(0, len(rows), block):
        explain_many(explainer, model, rows[start:start + block], 1).save(path, append=start > 0)
    return path.stat().st_size


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows explained by lime_kit per timed run")
    parser.add_argument("--lime-rows", type=int, default=200, help="rows explained by lime's loop")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per lime_kit setting (median)")
    parser.add_argument("--memory-rows", type=int, nargs=2, default=[100, 10_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--quick", action="store_true", help="300 rows, 30 lime rows, 1 repeat, memory 100 vs 1,000")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.lime_rows, args.repeats, args.memory_rows = 300, 30, 1, [100, 1000]

    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore", UserWarning)  # the summaries of unreliable explanations; not timed here
    X, names, classes, model, explainer = setup()
    print("load average before (1, 5, 15 min): " + load_average())
    with threadpool_limits(limits=1, user_api="blas"):
        rows = rows_of(X, args.rows)
        one, one_first = time_lime_kit(explainer, model, rows, 1, args.repeats)
        two, two_first = time_lime_kit(explainer, model, rows, 2, args.repeats)
        lime_seconds = time_lime(X, names, classes, model, rows_of(X, args.lime_rows))

        lime_rate = args.lime_rows / lime_seconds
        table = [
            {"tool": "lime_kit", "n_jobs": 1, "rows": args.rows, "seconds": one, "first call s": one_first,
             "rows/s": args.rows / one, "speed-up vs n_jobs=1": 1.0, "rows/s vs lime": args.rows / one / lime_rate},
            {"tool": "lime_kit", "n_jobs": 2, "rows": args.rows, "seconds": two, "first call s": two_first,
             "rows/s": args.rows / two, "speed-up vs n_jobs=1": one / two, "rows/s vs lime": args.rows / two / lime_rate},
            {"tool": "lime (loop)", "n_jobs": 1, "rows": args.lime_rows, "seconds": lime_seconds, "first call s": "-",
             "rows/s": lime_rate, "speed-up vs n_jobs=1": "-", "rows/s vs lime": 1.0},
        ]
        print(f"\nThroughput: breast cancer, logistic pipeline, {NUM_SAMPLES} samples, {NUM_FEATURES} features; "
              f"lime_kit medians of {args.repeats} after a warm-up; 'first call' = the warm-up of "
              f"{WARM_UP_ROWS} rows, loky workers started in it for n_jobs=2\n")
        print_table(table, list(table[0]))

        small, large = args.memory_rows
        memory = []
        for n in (small, large):
            batch = rows_of(X, n)  # made outside the traced call: the input is the user's, not ours
            peak, held = traced(lambda batch=batch: explain_many(explainer, model, batch, 1))
            memory.append({"rows": n, "mode": "ExplanationSet in memory", "peak MB": peak, "held MB": held,
                           "working MB (peak - held)": peak - held})
        with tempfile.TemporaryDirectory() as folder:
            peak, held = traced(lambda: streamed(explainer, model, batch, 100, folder))
            memory.append({"rows": large, "mode": "streamed, 100 per save(append=True)", "peak MB": peak,
                           "held MB": held, "working MB (peak - held)": peak - held})
            assert len(ExplanationSet.load(Path(folder) / "explanations.jsonl")) == large
    ratio_working = memory[1]["working MB (peak - held)"] / memory[0]["working MB (peak - held)"]
    ratio_streamed = memory[2]["peak MB"] / memory[0]["peak MB"]
    print(f"\nPeak memory (tracemalloc, n_jobs=1): {small} vs {large} rows\n")
    print_table(memory, list(memory[0]))
    print(
        f"\nworking memory {large} / {small} rows: {ratio_working:.2f}x; streamed peak {large} / in-memory peak "
        f"{small} rows: {ratio_streamed:.2f}x; speed-up n_jobs=2: {one / two:.2f}x; n_jobs=1 vs lime: "
        f"{args.rows / one / lime_rate:.1f}x rows/s"
    )
    print(f"load average after (1, 5, 15 min): {load_average()}; on a shared machine other work skews timings")


if __name__ == "__main__":
    main()
