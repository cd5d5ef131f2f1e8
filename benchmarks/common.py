"""Shared benchmark helpers: time spent inside the model, top-k stability, tables.

Every benchmark script compares lime_kit with the `lime` package on the same
model, instance and num_samples in one run, and reports medians over seeds
after one warm-up call.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable


class TimedModel:
    """Wrap ``predict_fn`` and accumulate the seconds spent inside it."""

    def __init__(self, predict_fn: Callable):
        self.predict_fn = predict_fn
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, inputs):
        start = time.perf_counter()
        out = self.predict_fn(inputs)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return out

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0


def time_explanations(explain: Callable[[int, TimedModel], object], model: TimedModel, seeds) -> dict:
    """Run ``explain(seed, model)`` once to warm up, then once per seed.

    Returns the median total seconds, median model seconds, median overhead
    (total minus model) and the per-seed results.
    """
    explain(seeds[0], model)
    totals, model_times, results = [], [], []
    for seed in seeds:
        model.reset()
        start = time.perf_counter()
        results.append(explain(seed, model))
        totals.append(time.perf_counter() - start)
        model_times.append(model.seconds)
    overheads = [t - m for t, m in zip(totals, model_times)]
    return {
        "total": statistics.median(totals),
        "model": statistics.median(model_times),
        "overhead": statistics.median(overheads),
        "results": results,
    }


def mean_pairwise_jaccard(feature_sets: list[set]) -> float:
    """Mean Jaccard similarity over all pairs of top-k feature sets (1 = identical)."""
    pairs = list(itertools.combinations(feature_sets, 2))
    if not pairs:
        return 1.0
    return statistics.fmean(len(a & b) / len(a | b) if a | b else 1.0 for a, b in pairs)


def print_table(rows: list[dict], columns: list[str]) -> None:
    """Print rows as an aligned Markdown table."""
    def cell(value):
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    widths = {c: max(len(c), *(len(cell(r[c])) for r in rows)) for c in columns}
    print("| " + " | ".join(c.ljust(widths[c]) for c in columns) + " |")
    print("|" + "|".join("-" * (widths[c] + 2) for c in columns) + "|")
    for row in rows:
        print("| " + " | ".join(cell(row[c]).ljust(widths[c]) for c in columns) + " |")
