"""LIME: a kernel-weighted linear surrogate fitted on random perturbations of the instance."""

from __future__ import annotations

from time import perf_counter

import numpy as np

from lime_kit.core.batching import predict_in_batches
from lime_kit.core.methods.base import Method, MethodRun, auto_schedule, effective_sample_size
from lime_kit.core.methods.weights import WeightsRun
from lime_kit.core.quality import assess_quality
from lime_kit.core.sampler import InstanceSampler
from lime_kit.core.surrogate import candidate_features, fit_surrogates, single_threaded_blas, weighted_moments

__all__ = ["Lime"]

#: Alarms: a kernel resting on fewer effective samples than this, a held-out R² below this ...
LOW_EFFECTIVE_SAMPLES = 50
POOR_HELDOUT_R2 = 0.0
#: ... and a note below this.
LOW_HELDOUT_R2 = 0.2


class Lime(Method):
    """lime's method: random perturbations weighted by a kernel on their distance, a weighted ridge surrogate.

    It has no options of its own: the surrogate's (``num_features``,
    ``feature_selection``, ``model_regressor``, the kernel) are shared
    ``explain`` keywords.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> explainer.explain(X[0], lambda rows: rows[:, 0], method=Lime(), num_samples=300).method
    'lime'
    """

    name = "lime"

    def start(self, sampler: InstanceSampler, options) -> MethodRun:
        return _LimeRun(sampler, options)

    def label_checks(self, exp, label: int, name: str) -> tuple[list[str], list[str]]:
        heldout = exp.heldout_score[label]
        if heldout < POOR_HELDOUT_R2:
            return [
                f"the linear surrogate for {name} predicts samples it did not see worse than a constant would "
                f"(held-out R² {heldout:.2f}): the weights are not a description of the model here; try a "
                "smaller kernel_width or another representation"
            ], []
        if heldout < LOW_HELDOUT_R2:
            return [], [
                f"the linear surrogate for {name} fits moderately on samples it did not see (held-out R² "
                f"{heldout:.2f}): the model is not close to linear in these features here, so read the weights "
                "as rough tendencies"
            ]
        return [], []

    def overall_checks(self, exp) -> list[str]:
        if exp.effective_sample_size < LOW_EFFECTIVE_SAMPLES:
            return [
                f"the kernel gives weight to only about {exp.effective_sample_size:.0f} effective samples (of "
                f"{exp.num_samples}); widen kernel_width or use more samples"
            ]
        return []


class _LimeRun(WeightsRun):
    """Samples scored so far: Z, distances and model outputs, grown round by round."""

    def __init__(self, sampler: InstanceSampler, options):
        self.sampler, self.options = sampler, options
        self.schedule = [options.num_samples] if options.num_samples is not None else auto_schedule(options.max_samples)
        self.keep_copies = len(self.schedule) > 1  # a sampler's Z may be scratch memory reused by its next draw
        self.Z = self.distances = self.outputs = None

    @property
    def count(self) -> int:
        return 0 if self.Z is None else self.Z.shape[0]

    def _add(self, Z: np.ndarray, distances: np.ndarray, outputs: np.ndarray) -> None:
        if self.Z is None:
            self.Z = np.array(Z) if self.keep_copies else Z
            self.distances, self.outputs = np.asarray(distances, dtype=np.float64), outputs
        else:
            self.Z = np.concatenate([self.Z, Z])
            self.distances = np.concatenate([self.distances, distances])
            self.outputs = np.concatenate([self.outputs, outputs])

    def score_round(self, total: int, predict_fn, timings: dict) -> None:
        options = self.options
        offset = 0 if self.count == 0 else 1  # later rounds drop the instance's row
        began = perf_counter()
        block = self.sampler.draw(options.rng, total - self.count + offset)
        timings["sampling"] += perf_counter() - began
        n_new = block.num_samples - offset
        outputs = predict_in_batches(
            predict_fn,
            lambda start, stop: block.build_inputs(start + offset, stop + offset),
            n_new,
            options.batch_size,
            options.mode,
            None if self.outputs is None else self.outputs.shape[1],
            timings,
        )
        self._add(block.Z[offset:], block.distances[offset:], outputs)

    def fit(self, labels, quality_rng: np.random.Generator):
        """Weight all samples so far, fit every label's surrogate and assess it."""
        options, constant = self.options, self.sampler.constant_features
        weights = np.asarray(options.kernel(self.distances), dtype=np.float64)
        if weights.shape != (self.count,) or not np.all(np.isfinite(weights)) or weights.min() < 0:
            raise ValueError("the kernel must return one finite, non-negative weight per sample")
        if weights.sum() <= 0:
            raise ValueError("the kernel gave every sample weight 0; use a wider kernel_width")
        targets = self.outputs[:, list(labels)]
        effective_n = effective_sample_size(weights)
        with single_threaded_blas(), np.errstate(divide="ignore", invalid="ignore"):
            moments = weighted_moments(self.Z, targets, weights, folds=options.cv_folds)
            fits = fit_surrogates(
                self.Z, targets, weights, options.num_features, options.feature_selection, options.model_regressor,
                constant, moments,
            )
            figures = assess_quality(
                self.Z, targets, weights, fits, moments, candidate_features(moments, constant),
                num_features=options.num_features,
                feature_selection=options.feature_selection,
                model_regressor=options.model_regressor,
                rng=quality_rng,
                effective_n=effective_n,
                stability_resamples=options.stability_resamples,
                constant_features=constant,
            )
        return fits, figures, targets, effective_n
