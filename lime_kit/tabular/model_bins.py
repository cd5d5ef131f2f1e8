"""Bins that follow the model: how a TabularExplainer learns its default cut points, once per model.

LIME describes a continuous feature by the bin the instance falls in, and
its weight measures how the model's output differs inside that bin from
outside it. Bins that ignore the model (quartiles) hide a threshold that
falls inside a bin. Here the explainer scores one sample of rows with the
model and lets :class:`~lime_kit.tabular.discretize.ModelDiscretizer` cut
each feature where the output changes.

The rows are the explainer's training rows with every column drawn
independently (with replacement), the way LIME's own samples are drawn, so
the cuts follow what the model does on the samples the explanation will
see, and a feature correlated with an important one does not inherit its
cuts. Like quartiles, the cuts are part of the representation, not of one
explanation's sampling: the sample comes from a fixed seed, so explainers
with any ``random_state`` get the same bins for the same data and model, and
reruns with other seeds differ only by the sampling noise that
``exp.stability`` measures. They are also the same whatever explains first,
``explain`` or ``explain_many``, on any number of workers.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lime_kit.core.batching import predict_in_batches
from lime_kit.tabular.discretize import ModelDiscretizer
from lime_kit.tabular.sampler import TabularSampler
from lime_kit.tabular.schema import TabularSchema
from lime_kit.tabular.stats import bin_stats

__all__ = ["Binning", "MODELS_REMEMBERED", "learn_model_stats", "same_model"]

#: Models whose learned bins an explainer keeps (the most recently used ones).
MODELS_REMEMBERED = 4
#: Seed of the bin sample: fixed, so the bins do not change with the explainer's random_state.
BIN_SEED = 0x62696E73


@dataclass(frozen=True)
class Binning:
    """The bins of one explanation: their name, the training statistics and the sampler that draws from them."""

    name: str
    stats: dict
    sampler: TabularSampler


def same_model(a: Callable, b: Callable) -> bool:
    """Whether two predict_fns are the same: the same object, or the same bound method of the same model.

    ``model.predict_proba`` builds a new bound method on every access; those compare equal.
    """
    if a is b:
        return True
    return isinstance(a, types.MethodType) and isinstance(b, types.MethodType) and a == b


def independent_rows(training_rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows whose every column is drawn independently from that column of ``training_rows``.

    training_rows : ndarray of shape (n_rows, n_features), encoded.
    Returns an ndarray of shape (n, n_features).
    """
    picks = rng.integers(0, len(training_rows), size=(n, training_rows.shape[1]))
    return np.take_along_axis(training_rows, picks, axis=0)


def learn_model_stats(
    schema: TabularSchema,
    base_stats: dict,
    training_rows: np.ndarray,
    predict_fn: Callable[[Any], Any],
    mode: str,
    discretizer: ModelDiscretizer,
    batch_size: int,
) -> dict:
    """Training statistics whose continuous features are cut where ``predict_fn``'s output changes.

    Scores ``discretizer.sample_rows`` rows in one batched call (more only
    when ``batch_size`` is smaller). A feature along which the output does
    not change detectably keeps its quartile bins from ``base_stats``. Every
    continuous feature records where its cuts came from in ``"binned_by"``
    (``"model"`` or ``"quartiles"``); the bin statistics of learned cuts
    are computed on ``training_rows``.
    """
    rng = np.random.default_rng(BIN_SEED)
    rows = independent_rows(training_rows, discretizer.sample_rows, rng)
    outputs = predict_in_batches(predict_fn, lambda start, stop: schema.decode(rows[start:stop]), len(rows), batch_size, mode)
    features = []
    for j, feature in enumerate(base_stats["features"]):
        if feature["kind"] != "continuous":
            features.append(feature)
            continue
        cuts = discretizer.learned_cut_points(rows[:, j], outputs)
        if cuts is None:
            features.append({**feature, "binned_by": "quartiles"})
        else:
            learned = bin_stats(training_rows[:, j], np.asarray(cuts, dtype=float), feature["mean"])
            features.append({**feature, **learned, "binned_by": "model"})
    return {**base_stats, "discretizer": "model", "features": features}
