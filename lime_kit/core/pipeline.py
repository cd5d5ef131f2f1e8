"""The one road every explanation travels: sample, score, weight, fit, assess, package.

A modality's explainer validates its instance and hands this module an
:class:`~lime_kit.core.sampler.InstanceSampler` plus what describes the
features; this module never looks at what the inputs are. It asks the sampler
for rows in rounds (one round for a fixed ``num_samples``; with ``"auto"``,
1,000 samples and then doubling until two rounds in a row find the ranking of
the top features stable), keeps
every sample scored so far, and refits on all of them after each round.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import numpy as np

from lime_kit.core.batching import predict_in_batches
from lime_kit.core.options import ExplainOptions
from lime_kit.core.quality import QualityFigures, assess_quality, unresolved_ranks
from lime_kit.core.sampler import InstanceSampler
from lime_kit.core.shapley import CoalitionSamples
from lime_kit.core.surrogate import candidate_features, fit_surrogates, single_threaded_blas, weighted_moments
from lime_kit.core.validation import check_memory, choose_labels, probability_warning
from lime_kit.explanation import Explanation

__all__ = ["ExplanationContext", "auto_schedule", "effective_sample_size", "explain_instance"]

#: Samples in the first round of ``num_samples="auto"``; each later round doubles the total.
AUTO_FIRST_ROUND = 1000
#: Below these, an explanation carries a warning.
LOW_STABILITY = 0.8
LOW_HELDOUT_R2 = 0.2
LOW_EFFECTIVE_SAMPLES = 50
#: A surrogate missing the model's value at the instance by more than this share of the output's range.
LARGE_LOCAL_GAP = 0.2


@dataclass
class ExplanationContext:
    """What a modality tells the pipeline about the instance's features.

    ``started`` is the ``time.perf_counter()`` at which the explainer began
    and ``segmentation_seconds`` the part of its preparation spent
    segmenting the instance; the rest of its preparation (validating,
    encoding, setting up the sampler) counts as sampling.
    """

    modality: str
    feature_names: list
    feature_descriptions: list
    instance: Any
    payload: dict = field(default_factory=dict)
    started: float | None = None
    segmentation_seconds: float = 0.0


def effective_sample_size(weights: np.ndarray) -> float:
    """Return Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    return float(weights.sum() ** 2 / np.dot(weights, weights))


def auto_schedule(max_samples: int, first: int = AUTO_FIRST_ROUND) -> list[int]:
    """Total samples after each round of ``"auto"``: ``first``, then doubling, capped at ``max_samples``.

    Examples
    --------
    >>> auto_schedule(20000)
    [1000, 2000, 4000, 8000, 16000, 20000]
    """
    totals = [min(first, max_samples)]
    while totals[-1] < max_samples:
        totals.append(min(2 * totals[-1], max_samples))
    return totals


class _Samples:
    """Samples scored so far: Z, distances and model outputs, grown round by round."""

    def __init__(self, keep_copies: bool):
        self.keep_copies = keep_copies  # a sampler's Z may be scratch memory reused by its next draw
        self.Z = self.distances = self.outputs = None

    @property
    def count(self) -> int:
        return 0 if self.Z is None else self.Z.shape[0]

    def add(self, Z: np.ndarray, distances: np.ndarray, outputs: np.ndarray) -> None:
        if self.Z is None:
            self.Z = np.array(Z) if self.keep_copies else Z
            self.distances, self.outputs = np.asarray(distances, dtype=np.float64), outputs
        else:
            self.Z = np.concatenate([self.Z, Z])
            self.distances = np.concatenate([self.distances, distances])
            self.outputs = np.concatenate([self.outputs, outputs])


def _score_round(
    sampler: InstanceSampler, samples: _Samples, total: int, predict_fn, options: ExplainOptions, timings: dict
) -> None:
    """Draw and score the samples that bring ``samples`` up to ``total``."""
    offset = 0 if samples.count == 0 else 1  # later rounds drop the instance's row
    began = perf_counter()
    block = sampler.draw(options.rng, total - samples.count + offset)
    timings["sampling"] += perf_counter() - began
    n_new = block.num_samples - offset
    outputs = predict_in_batches(
        predict_fn,
        lambda start, stop: block.build_inputs(start + offset, stop + offset),
        n_new,
        options.batch_size,
        options.mode,
        None if samples.outputs is None else samples.outputs.shape[1],
        timings,
    )
    samples.add(block.Z[offset:], block.distances[offset:], outputs)


def _label_checks(outputs: np.ndarray, options: ExplainOptions) -> tuple[tuple[int, ...], list[str]]:
    class_names = options.class_names
    if options.mode == "classification" and class_names is not None and len(class_names) != outputs.shape[1]:
        raise ValueError(
            f"class_names has {len(class_names)} names but predict_fn returned "
            f"{outputs.shape[1]} classes; pass one name per output column"
        )
    chosen = choose_labels(outputs[0], options.mode, options.labels, options.top_labels, class_names)
    notes = []
    if options.mode == "classification":
        note = probability_warning(outputs)
        if note:
            notes.append(note)
    return chosen, notes


def _is_settled(figures: QualityFigures, options: ExplainOptions) -> bool:
    """Reruns would agree on the top 1, 2, ..., k features (k = 5) at least ``target_stability`` of the time."""
    agree = min(min(per_k, default=0.0) for per_k in figures.agreement) >= options.target_stability
    return agree and all(len(unresolved_ranks(figures, i)[0]) == 0 for i in range(len(figures.stability)))


def _fit_and_assess(samples: _Samples, chosen, sampler: InstanceSampler, options: ExplainOptions, quality_rng):
    """Weight all samples so far, fit every label's surrogate and assess it; returns fits, figures, targets, n_eff."""
    weights = np.asarray(options.kernel(samples.distances), dtype=np.float64)
    if weights.shape != (samples.count,) or not np.all(np.isfinite(weights)) or weights.min() < 0:
        raise ValueError("the kernel must return one finite, non-negative weight per sample")
    if weights.sum() <= 0:
        raise ValueError("the kernel gave every sample weight 0; use a wider kernel_width")
    targets = samples.outputs[:, list(chosen)]
    effective_n = effective_sample_size(weights)
    with single_threaded_blas(), np.errstate(divide="ignore", invalid="ignore"):
        moments = weighted_moments(samples.Z, targets, weights, folds=options.cv_folds)
        fits = fit_surrogates(
            samples.Z, targets, weights, options.num_features, options.feature_selection, options.model_regressor,
            sampler.constant_features, moments,
        )
        figures = assess_quality(
            samples.Z, targets, weights, fits, moments, candidate_features(moments, sampler.constant_features),
            num_features=options.num_features,
            feature_selection=options.feature_selection,
            model_regressor=options.model_regressor,
            rng=quality_rng,
            effective_n=effective_n,
            stability_resamples=options.stability_resamples,
            constant_features=sampler.constant_features,
            rank_agreement=options.num_samples is None,
        )
    return fits, figures, targets, effective_n


def explain_instance(
    sampler: InstanceSampler,
    predict_fn: Callable[[Any], Any],
    options: ExplainOptions,
    context: ExplanationContext,
) -> Explanation:
    """Score perturbations of one instance, fit the surrogates, assess them, return an Explanation.

    Callers (the modality explainers) have validated their own arguments and
    built ``options`` with :meth:`ExplainOptions.from_call`; this function
    validates what only it sees: the model's outputs.
    """
    entered = perf_counter()
    started = entered if context.started is None else context.started
    preparing = entered - started - context.segmentation_seconds
    timings = {"segmentation": context.segmentation_seconds, "sampling": preparing, "model": 0.0, "fit": 0.0}
    shapley = options.method == "kernel_shap"
    # KernelSHAP: samples are coalitions, weighted by the Shapley kernel and fitted under the sum constraint.
    samples = CoalitionSamples(sampler, options.background_pairing) if shapley else None
    budget_cap = samples.max_coalitions if shapley else None
    if shapley:
        schedule = _shapley_schedule(options, budget_cap)
    else:
        schedule = [options.num_samples] if options.num_samples is not None else auto_schedule(options.max_samples)
    check_memory(schedule[-1], sampler.bytes_per_sample + 64, "max_samples" if options.num_samples is None else "num_samples")
    # Quality figures draw from their own stream, so they never shift the samples of later rounds.
    quality_rng = np.random.default_rng(options.rng.integers(0, 2**63, size=2))
    samples = samples if shapley else _Samples(keep_copies=len(schedule) > 1)
    rounds, chosen, notes, settled_before = [], None, [], False
    for total in schedule:
        if shapley:
            samples.score_round(total, predict_fn, options, timings)
        else:
            _score_round(sampler, samples, total, predict_fn, options, timings)
        fitting = perf_counter()
        if chosen is None:
            chosen, notes = _label_checks(samples.outputs, options)
        if shapley:
            with single_threaded_blas():
                fits, figures, targets, effective_n = samples.fit_and_assess(chosen, options, quality_rng)
        else:
            fits, figures, targets, effective_n = _fit_and_assess(samples, chosen, sampler, options, quality_rng)
        timings["fit"] += perf_counter() - fitting
        rounds.append({"num_samples": samples.count, "stability": min(figures.stability)})
        settled = options.num_samples is None and _is_settled(figures, options)
        # Two settled rounds in a row: one estimate can look settled by chance near a tie.
        if settled and settled_before:
            break
        settled_before = settled
    packaging = perf_counter()  # building the result and its warnings counts as fitting
    prediction = {label: float(samples.outputs[0, label]) for label in chosen}
    explanation = Explanation(
        mode=options.mode,
        modality=context.modality,
        labels=chosen,
        feature_names=list(context.feature_names),
        feature_descriptions=list(context.feature_descriptions),
        instance=context.instance,
        coefficients={label: fit.coefficients for label, fit in zip(chosen, fits)},
        intercept={label: fit.intercept for label, fit in zip(chosen, fits)},
        local_pred={label: fit.local_pred for label, fit in zip(chosen, fits)},
        prediction=prediction,
        score={label: fit.score for label, fit in zip(chosen, fits)},
        model_output=[float(v) for v in samples.outputs[0]],
        class_names=options.class_names,
        num_samples=samples.count,
        kernel_width=options.kernel_width,
        effective_sample_size=effective_n,
        random_state=options.seed,
        payload=context.payload,
        stability={label: float(s) for label, s in zip(chosen, figures.stability)},
        heldout_score={label: float(s) for label, s in zip(chosen, figures.heldout_score)},
        local_gap={label: abs(fit.local_pred - prediction[label]) for label, fit in zip(chosen, fits)},
        coefficient_std={label: list(s) for label, s in zip(chosen, figures.coefficient_std)},
        rounds=rounds if options.num_samples is None else [],
        method=options.method,
    )
    if shapley:
        explanation.payload = {**context.payload, **_shapley_payload(samples, options)}
    explanation.warnings = notes + _reliability_warnings(explanation, figures, targets, options)
    if explanation.warnings:
        warnings.warn(
            "lime_kit: this explanation may be unreliable:\n- " + "\n- ".join(explanation.warnings),
            UserWarning,
            stacklevel=3,
        )
    finished = perf_counter()
    timings["fit"] += finished - packaging
    explanation.timings = {**timings, "total": finished - started}
    return explanation


def _shapley_schedule(options: ExplainOptions, cap: int) -> list[int]:
    """Coalition budgets per round: one round, or ``"auto"``'s doubling; never more than all coalitions."""
    if options.num_samples is not None:
        return [max(0, min(options.num_samples, cap))]
    return auto_schedule(max(1, min(options.max_samples, cap)), first=min(AUTO_FIRST_ROUND, max(1, cap)))


def _shapley_payload(samples: CoalitionSamples, options: ExplainOptions) -> dict:
    """What a KernelSHAP explanation states besides its values: the base value and what was scored."""
    return {
        "base_value": [float(v) for v in samples.base],
        "background_size": len(samples.background_weights),
        "background_pairing": samples.pairing,
        "model_rows": samples.model_rows,
    }


def _reliability_warnings(exp: Explanation, figures: QualityFigures, targets: np.ndarray, options) -> list[str]:
    """The explanation's weaknesses in plain words, most serious first."""
    out = []
    for position, label in enumerate(exp.labels):
        name = f"class {exp.label_name(label)!r}" if exp.mode == "classification" else "the prediction"
        if np.ptp(targets[:, position]) == 0:
            out.append(
                f"the model's output for {name} did not change across the {exp.num_samples} samples: no perturbation "
                "moved it, so every weight is 0 and explains nothing (check that predict_fn uses its input)"
            )
            continue
        tied, first, last = unresolved_ranks(figures, position)
        if len(tied):
            names = ", ".join(repr(exp.feature_descriptions[j]) for j in tied)
            ranks = f"rank {first} is" if first == last else f"ranks {first}-{last} are"
            out.append(
                f"{ranks} not resolved for {name}: {names} swap places across simulated reruns (their weights are "
                "within sampling noise of each other); more samples may separate them, or they matter equally"
            )
        if exp.stability[label] < LOW_STABILITY:
            out.append(
                f"the top {figures.top_k} features for {name} are unstable: a rerun with another seed is expected to "
                f"share only about {exp.stability[label]:.0%} of them (stability {exp.stability[label]:.2f}); use "
                "more samples, or num_samples='auto' to sample until they are stable"
            )
        spread = float(np.ptp(targets[:, position]))
        if exp.local_gap[label] > LARGE_LOCAL_GAP * spread:
            out.append(
                f"at the instance itself the surrogate gives {exp.local_pred[label]:.3g} where the model gives "
                f"{exp.prediction[label]:.3g} (a gap of {exp.local_gap[label]:.2g}, {exp.local_gap[label] / spread:.0%} "
                f"of the model's range over the samples): the weights describe the neighbourhood more than this point"
            )
        # Shapley values need no linear model: an additive fit that misses interactions is no warning there.
        if exp.heldout_score[label] < LOW_HELDOUT_R2 and exp.method == "lime":
            out.append(
                f"the linear surrogate for {name} fits the model poorly on samples it did not see (held-out R² "
                f"{exp.heldout_score[label]:.2f}): the model is not close to linear in these features here, so "
                "read the weights as rough tendencies"
            )
    if exp.effective_sample_size < LOW_EFFECTIVE_SAMPLES and exp.method == "lime":
        out.append(
            f"the kernel gives weight to only about {exp.effective_sample_size:.0f} effective samples (of "
            f"{exp.num_samples}); widen kernel_width or use more samples"
        )
    if exp.rounds and exp.num_samples >= options.max_samples and not _is_settled(figures, options):
        out.append(
            f"num_samples='auto' stopped at max_samples={options.max_samples} before the top features were "
            f"resolved (stability {min(figures.stability):.2f}, target {options.target_stability:.2f})"
        )
    return out
