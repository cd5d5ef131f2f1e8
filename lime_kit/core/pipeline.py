"""The one road every explanation travels: score, weight, fit, package.

A modality's explainer validates its instance, builds
:class:`~lime_kit.core.sampler.Perturbations` and hands them here together
with its payload; this module never looks at what the inputs are.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from lime_kit.core.batching import predict_in_batches
from lime_kit.core.kernels import resolve_kernel
from lime_kit.core.sampler import Perturbations
from lime_kit.core.stability import bootstrap_stability
from lime_kit.core.surrogate import fit_surrogates
from lime_kit.core.validation import choose_labels
from lime_kit.explanation import Explanation

__all__ = ["explain_perturbations", "effective_sample_size"]


def effective_sample_size(weights: np.ndarray) -> float:
    """Return Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    return float(weights.sum() ** 2 / np.dot(weights, weights))


def explain_perturbations(
    perturbations: Perturbations,
    predict_fn: Callable[[Any], Any],
    *,
    mode: str,
    modality: str,
    feature_names: list,
    feature_descriptions: list,
    instance: Any,
    default_kernel_width: float,
    kernel_width: float | None = None,
    kernel: Callable[[np.ndarray], np.ndarray] | None = None,
    labels=None,
    top_labels: int | None = None,
    num_features: int = 10,
    feature_selection: str = "auto",
    model_regressor=None,
    batch_size: int = 1000,
    class_names: list | None = None,
    random_state: int | None = None,
    payload: dict | None = None,
    stability_resamples: int = 0,
    rng: np.random.Generator | None = None,
) -> Explanation:
    """Score the perturbations with the model, fit the surrogates, return an Explanation.

    Callers (the modality explainers) have validated their own arguments;
    this function validates what only it sees: the model's outputs. With
    ``stability_resamples > 0`` the surrogate is refitted that many times on
    bootstrap reweightings of the same samples (drawn from ``rng``, after all
    sampling) to estimate how stable the top features are; the model is not
    called again.
    """
    kernel_fn, width = resolve_kernel(kernel, kernel_width, default_kernel_width)
    outputs = predict_in_batches(
        predict_fn, perturbations.build_inputs, perturbations.num_samples, batch_size, mode
    )
    if mode == "classification" and class_names is not None and len(class_names) != outputs.shape[1]:
        raise ValueError(
            f"class_names has {len(class_names)} names but predict_fn returned "
            f"{outputs.shape[1]} classes; pass one name per output column"
        )
    chosen = choose_labels(outputs[0], mode, labels, top_labels)
    weights = np.asarray(kernel_fn(perturbations.distances), dtype=np.float64)
    if weights.shape != (perturbations.num_samples,) or not np.all(np.isfinite(weights)) or weights.min() < 0:
        raise ValueError("the kernel must return one finite, non-negative weight per sample")
    fit_options = dict(
        num_features=num_features,
        feature_selection=feature_selection,
        model_regressor=model_regressor,
        constant_features=perturbations.constant_features,
    )
    targets = outputs[:, list(chosen)]
    fits = fit_surrogates(perturbations.Z, targets, weights, **fit_options)
    if not isinstance(stability_resamples, numbers.Integral) or stability_resamples < 0:
        raise ValueError(f"stability_resamples must be a non-negative integer, got {stability_resamples!r}")
    stability = {}
    if stability_resamples:
        if rng is None:
            raise ValueError("stability_resamples needs the explanation's random Generator (rng=)")
        scores = bootstrap_stability(perturbations.Z, targets, weights, fits, rng, int(stability_resamples), **fit_options)
        stability = dict(zip(chosen, scores))
    return Explanation(
        mode=mode,
        modality=modality,
        labels=chosen,
        feature_names=list(feature_names),
        feature_descriptions=list(feature_descriptions),
        instance=instance,
        coefficients={label: fit.coefficients for label, fit in zip(chosen, fits)},
        intercept={label: fit.intercept for label, fit in zip(chosen, fits)},
        local_pred={label: fit.local_pred for label, fit in zip(chosen, fits)},
        prediction={label: float(outputs[0, label]) for label in chosen},
        score={label: fit.score for label, fit in zip(chosen, fits)},
        model_output=[float(v) for v in outputs[0]],
        class_names=None if class_names is None else [str(c) for c in class_names],
        num_samples=perturbations.num_samples,
        kernel_width=width,
        effective_sample_size=effective_sample_size(weights),
        random_state=random_state,
        payload=payload or {},
        stability=stability,
    )
