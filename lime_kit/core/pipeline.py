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

from lime_kit.core.methods.base import AUTO_FIRST_ROUND, auto_schedule, effective_sample_size
from lime_kit.core.options import ExplainOptions
from lime_kit.core.quality import QualityFigures
from lime_kit.core.sampler import InstanceSampler
from lime_kit.core.validation import UNRELIABLE, check_memory, choose_labels, probability_warning
from lime_kit.explanation import Explanation
from lime_kit.ranks import settled_positions, tie_groups

__all__ = ["AUTO_FIRST_ROUND", "ExplanationContext", "auto_schedule", "effective_sample_size", "explain_instance"]

#: Rounds in a row whose settled top k must look stable before "auto" stops (one can look so by chance).
SETTLED_ROUNDS = 2
#: Alarms (a UserWarning): reruns expected to agree on less of the settled top k than this ...
LOW_SETTLED_STABILITY = 0.8
#: ... fewer of the top k settled than this ...
MIN_SETTLED = 3
#: ... or an output that moved by no more than this share of its scale (1 for probabilities).
NEGLIGIBLE_CHANGE = 1e-5
#: Note (shown, not raised): a gap at the instance above this share of the range.
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
    method = options.method
    run = method.start(sampler, options)
    schedule = run.schedule
    check_memory(schedule[-1], sampler.bytes_per_sample + 64, "max_samples" if options.num_samples is None else "num_samples")
    # Quality figures draw from their own stream, so they never shift the samples of later rounds.
    quality_rng = np.random.default_rng(options.rng.integers(0, 2**63, size=2))
    rounds, chosen, notes, settled_rounds, stopped = [], None, [], 0, None
    for total in schedule:
        run.score_round(total, predict_fn, timings)
        fitting = perf_counter()
        if chosen is None:
            chosen, notes = _label_checks(run.outputs, options)
        fits, figures, targets, effective_n = run.fit(chosen, quality_rng)
        timings["fit"] += perf_counter() - fitting
        rounds.append(
            {
                "num_samples": run.count,
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
    outputs = run.outputs
    prediction = {label: float(outputs[0, label]) for label in chosen}
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
        model_output=[float(v) for v in outputs[0]],
        class_names=options.class_names,
        num_samples=run.count,
        kernel_width=options.kernel_width,
        effective_sample_size=effective_n,
        random_state=options.seed,
        payload={**context.payload, **run.payload()},
        stability={label: float(s) for label, s in zip(chosen, figures.stability)},
        heldout_score={label: float(s) for label, s in zip(chosen, figures.heldout_score)},
        local_gap={label: abs(fit.local_pred - prediction[label]) for label, fit in zip(chosen, fits)},
        coefficient_std={label: list(s) for label, s in zip(chosen, figures.coefficient_std)},
        rounds=rounds if options.num_samples is None else [],
        method=method.name,
        rank_bounds={
            label: [[i, int(best), int(worst)] for (i, _), (best, worst) in zip(fit.coefficients, bounds)]
            for label, fit, bounds in zip(chosen, fits, figures.rank_bounds)
        },
        settled_stability={label: float(s) for label, s in zip(chosen, figures.settled_stability)},
    )
    alarms, remarks = _assess_trust(explanation, figures, targets, options, sampler, stopped)
    explanation.warnings, explanation.notes = alarms, notes + remarks
    if explanation.warnings:
        warnings.warn(
            f"{UNRELIABLE}:\n- " + "\n- ".join(explanation.warnings),
            UserWarning,
            stacklevel=4,  # the user's call of explain, through Explainer.explain
        )
    finished = perf_counter()
    timings["fit"] += finished - packaging
    explanation.timings = {**timings, "total": finished - started}
    return explanation


def _assess_trust(exp: Explanation, figures: QualityFigures, targets: np.ndarray, options, sampler, stopped):
    """The explanation's alarms (reasons not to trust it; raised as a UserWarning) and notes (shown only).

    Alarms are kept for what should make a user act: an output that did not
    move, reruns expected to disagree on the settled top k, too few settled
    features, too few effective samples, a surrogate worse than a constant on
    held-out samples, "auto" stopped by its cap. Ties, a moderate fit and a
    gap at the instance are facts about the explanation: notes.
    """
    alarms, remarks = [], []
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
        own_alarms, own_remarks = options.method.label_checks(exp, label, name)
        alarms += own_alarms
        remarks += own_remarks
    alarms += options.method.overall_checks(exp)
    if stopped == "max_samples":
        shortfall = (
            f"at least {MIN_SETTLED} of the top {k} features were settled"
            if not _enough_settled(figures)
            else f"the settled top features were stable (expected rerun agreement "
            f"{min(figures.settled_stability):.2f}, target {options.target_stability:.2f})"
        )
        alarms.append(f"num_samples='auto' stopped at max_samples={options.max_samples} before {shortfall}")
    return alarms, remarks
