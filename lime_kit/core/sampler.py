"""The contract between a modality's sampler and the shared pipeline.

A modality hands the pipeline an :class:`InstanceSampler` for the instance
being explained. The pipeline asks it for rows as often as it needs (one
block for a fixed ``num_samples``, several rounds for ``"auto"``); the
modality never sees rounds, kernels or fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["InstanceSampler", "Perturbations"]


@dataclass
class Perturbations:
    """One block of perturbed samples around an instance.

    Attributes
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Interpretable representation the surrogate is fitted on. Row 0 is
        the unperturbed instance.
    distances : ndarray of shape (n_samples,)
        Distance of each sample to the instance, fed to the kernel.
    build_inputs : callable (start, stop) -> model input
        Builds the model inputs of rows ``start:stop`` of ``Z`` (an array, a
        DataFrame, a list of strings, an image batch). Called once per batch
        so that only one batch of model inputs exists at a time.
    """

    Z: np.ndarray
    distances: np.ndarray
    build_inputs: Callable[[int, int], Any]

    @property
    def num_samples(self) -> int:
        return self.Z.shape[0]


@dataclass
class InstanceSampler:
    """Everything the pipeline needs to perturb one instance of any modality.

    Attributes
    ----------
    draw : callable (rng, n) -> Perturbations
        Draws ``n`` rows whose row 0 is the instance itself. Later rounds ask
        for one row more and drop row 0, so every modality keeps a single,
        simple sampling function.
    n_features : int
    bytes_per_sample : float
        Memory one sample costs while it is kept (Z, distances, outputs and
        the modality's own per-sample state), to refuse impossible requests
        before allocating them.
    constant_features : ndarray of bool, shape (n_features,), optional
        Features that cannot vary (e.g. constant training columns); the
        surrogate gives them weight exactly 0.
    removal_inputs : callable (keep, rng) -> model input, optional
        Model inputs for rows of a boolean ``keep`` matrix (n, n_features):
        kept features hold the instance's value, the others are "removed"
        the modality's way. Used by :mod:`lime_kit.evaluation`.
    random_removal : bool, default=False
        Whether ``removal_inputs`` draws replacements at random (tabular
        rows), so that evaluations should average several draws.
    coalition_inputs : callable (keep, background_rows) -> model input, optional
        What KernelSHAP scores (see :mod:`lime_kit.core.shapley`): for rows
        of a boolean ``keep`` matrix (m, n_features) and an int array
        ``background_rows`` (m,), inputs whose kept features hold the
        instance's values and whose others come from that background row;
        with ``background_rows=None``, each coalition paired with every
        background row in order (m x n_background rows, coalition-major).
        Without it, a deterministic ``removal_inputs`` serves (text, images:
        one "background", the modality's removal).
    background_weights : ndarray of shape (n_background,), optional
        Weights (summing to 1) of the background rows in a coalition's value;
        None for one background.
    background_null : ndarray of bool, shape (n_features,), optional
        Features equal to the instance in every background row: no coalition
        can change the model through them, so their Shapley value is 0.
    unchanged_hint : str
        What to check when no sample moved the model's output. A modality
        whose perturbations cannot change what they hide (a segment filled
        with its own colour) says so here.
    """

    draw: Callable[[np.random.Generator, int], Perturbations]
    n_features: int
    bytes_per_sample: float
    constant_features: np.ndarray | None = field(default=None)
    removal_inputs: Callable[[np.ndarray, np.random.Generator], Any] | None = field(default=None)
    random_removal: bool = False
    coalition_inputs: Callable[[np.ndarray, np.ndarray], Any] | None = field(default=None)
    background_weights: np.ndarray | None = field(default=None)
    background_null: np.ndarray | None = field(default=None)
    unchanged_hint: str = "check that predict_fn uses its input"
