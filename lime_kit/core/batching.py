"""Batched evaluation of the user's model over perturbed samples."""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

import numpy as np

from lime_kit.core.validation import check_integer, check_predictions

__all__ = ["predict_in_batches"]


def predict_in_batches(
    predict_fn: Callable[[Any], Any],
    build_inputs: Callable[[int, int], Any],
    num_samples: int,
    batch_size: int,
    mode: str,
    n_outputs: int | None = None,
    timings: dict | None = None,
) -> np.ndarray:
    """Score ``num_samples`` perturbed inputs with one ``predict_fn`` call per batch.

    Model inputs are built batch by batch, so only ``batch_size`` of them
    exist at once.

    ``n_outputs``, when known from an earlier round, is enforced on every batch.
    ``timings``, when given, accumulates the seconds spent building inputs
    (``"sampling"``) and in ``predict_fn`` (``"model"``).

    Returns
    -------
    ndarray of shape (num_samples, n_outputs)
    """
    if not callable(predict_fn):
        raise TypeError(f"predict_fn must be callable, got {type(predict_fn).__name__}")
    batch_size = check_integer("batch_size", batch_size)
    outputs = None
    building = scoring = 0.0
    for start in range(0, num_samples, batch_size):
        stop = min(start + batch_size, num_samples)
        began = perf_counter()
        inputs = build_inputs(start, stop)
        built = perf_counter()
        predictions = predict_fn(inputs)
        building, scoring = building + built - began, scoring + perf_counter() - built
        batch = check_predictions(
            predictions,
            stop - start,
            mode,
            n_outputs if outputs is None else outputs.shape[1],
        )
        if outputs is None:
            outputs = np.empty((num_samples, batch.shape[1]))
        outputs[start:stop] = batch
    if timings is not None:
        timings["sampling"] = timings.get("sampling", 0.0) + building
        timings["model"] = timings.get("model", 0.0) + scoring
    return outputs
