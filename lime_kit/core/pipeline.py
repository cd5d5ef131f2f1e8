"""The one road every explanation travels: rounds of sampling and scoring, a conclusion, a package.

A modality's explainer validates its instance and hands this module an
:class:`~lime_kit.core.sampler.InstanceSampler` plus what describes the
features; this module never looks at what the inputs are, nor at which method
runs. The method's run (:class:`~lime_kit.core.methods.base.MethodRun`) says
how many rounds and what each draws: one round for LIME with a fixed
``num_samples``; with ``"auto"``, 1,000 samples and then doubling until the
top features are settled; for Anchors, one beam-search step per round. Every
round's samples are scored in batched ``predict_fn`` calls, and the run
updates its conclusion from all samples so far.
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
from lime_kit.core.sampler import InstanceSampler
from lime_kit.core.validation import UNRELIABLE, check_memory, choose_labels, probability_warning
from lime_kit.explanation import Explanation

__all__ = ["AUTO_FIRST_ROUND", "ExplanationContext", "auto_schedule", "effective_sample_size", "explain_instance"]

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


def explain_instance(
    sampler: InstanceSampler,
    predict_fn: Callable[[Any], Any],
    options: ExplainOptions,
    context: ExplanationContext,
) -> Explanation:
    """Run ``options.method`` over one instance in rounds and package what it found as an Explanation.

    Callers (the modality explainers) have validated their own arguments and
    built ``options`` with :meth:`ExplainOptions.from_call`; this function
    validates what only it sees: the model's outputs. Each round the
    method's run draws and scores samples (:meth:`MethodRun.score_round`),
    then updates what it concludes from all of them
    (:meth:`MethodRun.update`), which says when to stop.
    """
    entered = perf_counter()
    started = entered if context.started is None else context.started
    preparing = entered - started - context.segmentation_seconds
    timings = {"segmentation": context.segmentation_seconds, "sampling": preparing, "model": 0.0, "fit": 0.0}
    method = options.method
    run = method.start(sampler, options)
    check_memory(run.max_samples, run.bytes_per_sample, run.memory_name)
    # Quality figures draw from their own stream, so they never shift the samples of later rounds.
    quality_rng = np.random.default_rng(options.rng.integers(0, 2**63, size=2))
    rounds, chosen, notes = [], None, []
    for total in run.schedule:
        run.score_round(total, predict_fn, timings)
        fitting = perf_counter()
        if chosen is None:
            chosen, notes = _label_checks(run.outputs, options)
        rounds.append(run.update(chosen, quality_rng))
        timings["fit"] += perf_counter() - fitting
        if "stopped" in rounds[-1]:
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
        prediction=prediction,
        model_output=[float(v) for v in outputs[0]],
        class_names=options.class_names,
        num_samples=run.count,
        random_state=options.seed,
        payload={**context.payload, **run.payload()},
        rounds=rounds if run.keeps_rounds else [],
        method=method.name,
        **run.fields(chosen, prediction),
    )
    alarms, remarks = run.trust(explanation)
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
