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
from lime_kit.core.quality import QualityFigures, assess_quality
from lime_kit.core.sampler import InstanceSampler
from lime_kit.core.shapley import CoalitionSamples
from lime_kit.core.surrogate import candidate_features, fit_surrogates, single_threaded_blas, weighted_moments
from lime_kit.core.validation import check_memory, choose_labels, probability_warning
from lime_kit.explanation import Explanation
from lime_kit.ranks import settled_positions, tie_groups

__all__ = ["ExplanationContext", "auto_schedule", "effective_sample_size", "explain_instance"]

#: Samples in the first round of ``num_samples="auto"``; each later round doubles the total.
AUTO_FIRST_ROUND = 1000
#: Rounds in a row whose settled top k must look stable before "auto" stops (one can look so by chance).
SETTLED_ROUNDS = 2
#: Alarms (a UserWarning): reruns expected to agree on less of the settled top k than this ...
LOW_SETTLED_STABILITY = 0.8
#: ... fewer of the top k settled than this ...
MIN_SETTLED = 3
#: ... a kernel resting on fewer effective samples ...
LOW_EFFECTIVE_SAMPLES = 50
#: ... a held-out R² below this (worse than predicting the weighted mean) ...
POOR_HELDOUT_R2 = 0.0
#: ... or an output that moved by no more than this share of its scale (1 for probabilities).
NEGLIGIBLE_CHANGE = 1e-5
#: Notes (shown, not raised): a held-out R² below this, a gap at the instance above this share of the range.
LOW_HELDOUT_R2 = 0.2
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


def _is_stable(figures: QualityFigures, options: ExplainOptions) -> bool:
    """Reruns would agree on every label's settled top k at least ``target_stability`` of the time."""
    return min(figures.settled_stability) >= options.target_stability


def _enough_settled(figures: QualityFigures) -> bool:
    """Every label has at least ``MIN_SETTLED`` settled features (or all of its top k, when fewer)."""
    return all(settled >= min(MIN_SETTLED, possible) for settled, possible in figures.settled_counts)


def _stop_reason(figures: QualityFigures, options: ExplainOptions, settled_rounds: int, rounds: int, total: int) -> str | None:
    """Why "auto" stops after this round, or None to sample on.

    It stops when the settled top k (at least ``MIN_SETTLED`` features) has
    looked stable for ``SETTLED_ROUNDS`` rounds in a row, or when it is
    stable now and the tie that crosses rank k would need more than
    ``max_samples`` to separate (weight differences' standard errors shrink
    like ``1 / sqrt(n)``): more samples would change nothing the reader sees.
    The projection rests on the observed gaps, which are noisy in the first
    round, so it is only trusted from the second.
    """
    if settled_rounds >= SETTLED_ROUNDS:
        return "settled"
    needs = figures.samples_to_settle
    if (
        rounds >= SETTLED_ROUNDS
        and _is_stable(figures, options)
        and any(needs)
        and all(need == 0 or need > options.max_samples for need in needs)
    ):
        return "ties cannot be separated within max_samples"
    if total >= options.max_samples:
        return "settled at max_samples" if settled_rounds else "max_samples"
    return None


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
    rounds, chosen, notes, settled_rounds, stopped = [], None, [], 0, None
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
        rounds.append(
            {
                "num_samples": samples.count,
                "stability": min(figures.stability),
                "settled_stability": min(figures.settled_stability),
            }
        )
        if options.num_samples is None:
            settled_rounds = settled_rounds + 1 if _is_stable(figures, options) and _enough_settled(figures) else 0
            stopped = _stop_reason(figures, options, settled_rounds, len(rounds), total)
            if stopped:
                rounds[-1]["stopped"] = stopped
                break
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
        rank_bounds={
            label: [[i, int(best), int(worst)] for (i, _), (best, worst) in zip(fit.coefficients, bounds)]
            for label, fit, bounds in zip(chosen, fits, figures.rank_bounds)
        },
        settled_stability={label: float(s) for label, s in zip(chosen, figures.settled_stability)},
    )
    if shapley:
        explanation.payload = {**context.payload, **_shapley_payload(samples, options)}
    alarms, remarks = _assess_trust(explanation, figures, targets, options, sampler, stopped)
    explanation.warnings, explanation.notes = alarms, notes + remarks
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


def _assess_trust(exp: Explanation, figures: QualityFigures, targets: np.ndarray, options, sampler, stopped):
    """The explanation's alarms (reasons not to trust it; raised as a UserWarning) and notes (shown only).

    Alarms are kept for what should make a user act: an output that did not
    move, reruns expected to disagree on the settled top k, too few settled
    features, too few effective samples, a surrogate worse than a constant on
    held-out samples, "auto" stopped by its cap. Ties, a moderate fit and a
    gap at the instance are facts about the explanation: notes.
    """
    alarms, remarks = [], []
    shapley = exp.method == "kernel_shap"
    k = figures.top_k
    for position, label in enumerate(exp.labels):
        name = f"class {exp.label_name(label)!r}" if exp.mode == "classification" else "the prediction"
        column = targets[:, position]
        spread = float(np.ptp(column))
        scale = 1.0 if exp.mode == "classification" and column.min() >= 0 and column.max() <= 1 else float(np.abs(column).max())
        if spread <= NEGLIGIBLE_CHANGE * scale:
            moved = "did not change" if spread == 0 else f"moved by at most {spread:.2g}"
            alarms.append(
                f"the model's output for {name} {moved} across the {exp.num_samples} samples: no perturbation "
                f"changed it, so the weights explain nothing ({sampler.unchanged_hint})"
            )
            continue
        bounds = figures.rank_bounds[position]
        pairs = exp.coefficients[label]
        settled = settled_positions(bounds, k)
        wanted = min(MIN_SETTLED, k, len(pairs))
        for group in tie_groups(bounds):
            if group[0] >= k:
                break
            if len(group) > 1:
                names = ", ".join(repr(exp.feature_descriptions[pairs[p][0]]) for p in group)
                remarks.append(
                    f"ranks {group[0] + 1}-{group[-1] + 1} for {name} are tied: {names} (their weights are within "
                    "sampling noise of each other; they matter about equally here)"
                )
        if len(settled) < wanted:
            need = figures.samples_to_settle[position]
            advice = (
                "no sample size would separate them: they matter equally, so read them as a group"
                if not np.isfinite(need)
                else f"about {need:,.0f} samples would separate them"
                if need > options.max_samples
                else "use more samples, or num_samples='auto'"
            )
            alarms.append(
                f"only {len(settled)} of the top {k} features for {name} are settled: the others are tied within "
                f"sampling noise across rank {k}; {advice}"
            )
        if exp.settled_stability[label] < LOW_SETTLED_STABILITY:
            alarms.append(
                f"the settled top features for {name} are unstable: a rerun with another seed is expected to share "
                f"only about {exp.settled_stability[label]:.0%} of them; use more samples, or num_samples='auto' "
                "to sample until they are stable"
            )
        if exp.local_gap[label] > LARGE_LOCAL_GAP * spread:
            remarks.append(
                f"at the instance itself the surrogate gives {exp.local_pred[label]:.3g} where the model gives "
                f"{exp.prediction[label]:.3g} (a gap of {exp.local_gap[label]:.2g}, {exp.local_gap[label] / spread:.0%} "
                f"of the model's range over the samples): the weights describe the neighbourhood more than this point"
            )
        # Shapley values need no linear model: an additive fit that misses interactions is no alarm there.
        heldout = exp.heldout_score[label]
        if not shapley and heldout < POOR_HELDOUT_R2:
            alarms.append(
                f"the linear surrogate for {name} predicts samples it did not see worse than a constant would "
                f"(held-out R² {heldout:.2f}): the weights are not a description of the model here; try a "
                "smaller kernel_width or another representation"
            )
        elif not shapley and heldout < LOW_HELDOUT_R2:
            remarks.append(
                f"the linear surrogate for {name} fits moderately on samples it did not see (held-out R² "
                f"{heldout:.2f}): the model is not close to linear in these features here, so read the weights "
                "as rough tendencies"
            )
    if exp.effective_sample_size < LOW_EFFECTIVE_SAMPLES and not shapley:
        alarms.append(
            f"the kernel gives weight to only about {exp.effective_sample_size:.0f} effective samples (of "
            f"{exp.num_samples}); widen kernel_width or use more samples"
        )
    if stopped == "max_samples":
        shortfall = (
            f"at least {MIN_SETTLED} of the top {k} features were settled"
            if not _enough_settled(figures)
            else f"the settled top features were stable (expected rerun agreement "
            f"{min(figures.settled_stability):.2f}, target {options.target_stability:.2f})"
        )
        alarms.append(f"num_samples='auto' stopped at max_samples={options.max_samples} before {shortfall}")
    return alarms, remarks
