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

__all__ = ["HOLD_KEEP_PROBABILITY", "InstanceSampler", "Perturbations"]


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


#: Each feature an anchor does not hold is present in a draw with this probability (words, segments): the
#: share lime's own draws keep on average, drawn independently so that holding one more feature is exactly
#: conditioning on it (a sample drawn for a rule that happens to satisfy a longer one is a draw for that one).
HOLD_KEEP_PROBABILITY = 0.5


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
    keep_inputs : callable (keep, rng=None, background_rows=None) -> model input, optional
        The one "keep these features, replace the rest" verb: model inputs
        for the rows of a boolean ``keep`` matrix (m, n_features), whose
        kept features hold the instance's value and whose others are
        replaced the modality's way: words cut out or masked, segments
        filled, table values drawn from the training distribution with
        ``rng`` (``random_removal``). A derived sampler may replace them
        from a background instead (KernelSHAP on tables,
        :func:`lime_kit.tabular.background.shapley_sampler`): then
        ``background_rows`` (m,) picks the row per coalition, and ``None``
        pairs every coalition with every background row (m x n_background
        rows, coalition-major). Used by :mod:`lime_kit.evaluation`,
        KernelSHAP and Anchors.
    random_removal : bool, default=False
        Whether ``keep_inputs`` draws replacements at random (tabular
        rows), so that evaluations should average several draws.
    background_weights : ndarray of shape (n_background,), optional
        Weights (summing to 1) of the background rows in a coalition's value;
        None for one background (a deterministic removal).
    background_null : ndarray of bool, shape (n_features,), optional
        Features equal to the instance in every background row: no coalition
        can change the model through them, so their Shapley value is 0.
    holding_draw : callable (rng, hold) -> Perturbations, optional
        The modality's own :meth:`draw_holding` (tables: held features stay in
        the instance's bin, with a value drawn inside it). Without it, a
        deterministic ``keep_inputs`` serves.
    unchanged_hint : str
        What to check when no sample moved the model's output. A modality
        whose perturbations cannot change what they hide (a segment filled
        with its own colour) says so here.
    """

    draw: Callable[[np.random.Generator, int], Perturbations]
    n_features: int
    bytes_per_sample: float
    constant_features: np.ndarray | None = field(default=None)
    keep_inputs: Callable[..., Any] | None = field(default=None)
    random_removal: bool = False
    background_weights: np.ndarray | None = field(default=None)
    background_null: np.ndarray | None = field(default=None)
    holding_draw: Callable[[np.random.Generator, np.ndarray], Perturbations] | None = field(default=None)
    unchanged_hint: str = "check that predict_fn uses its input"

    @property
    def removal_inputs(self) -> Callable[[np.ndarray, np.random.Generator], Any] | None:
        """``keep_inputs`` as ``(keep, rng)``: the earlier name of the verb, kept for callers that use it."""
        if self.keep_inputs is None:
            return None
        return lambda keep, rng=None: self.keep_inputs(keep, rng)

    @property
    def can_hold(self) -> bool:
        """Whether :meth:`draw_holding` can draw for this instance."""
        return self.holding_draw is not None or (self.keep_inputs is not None and not self.random_removal)

    def draw_holding(self, rng: np.random.Generator, hold: np.ndarray) -> Perturbations:
        """Draw one sample per row of ``hold`` with the held features agreeing with the instance.

        Parameters
        ----------
        rng : numpy.random.Generator
        hold : ndarray of bool, shape (m, n_features)
            The features each sample must hold at the instance's value (a
            table's bin, a word present, a segment shown).

        Returns
        -------
        Perturbations
            ``Z`` is a boolean (m, n_features): which features agree with the
            instance in each sample (the held ones and those that happen to).
            Every other feature is perturbed independently of the rest, so the
            samples of a rule that agree with one more feature are draws for
            the longer rule too. ``distances`` are zeros (no kernel weighs
            them). There is no instance row.

        Examples
        --------
        >>> import numpy as np
        >>> from lime_kit import TextExplainer
        >>> sampler = TextExplainer().instance_sampler("good bad film")
        >>> block = sampler.draw_holding(np.random.default_rng(0), np.array([[True, False, False]] * 4))
        >>> bool(block.Z[:, 0].all()), block.build_inputs(0, 1)[0].startswith("good")
        (True, True)
        """
        hold = np.asarray(hold, dtype=bool)
        if hold.ndim != 2 or hold.shape[1] != self.n_features:
            raise ValueError(f"hold must have shape (n_samples, {self.n_features}), got {hold.shape}")
        if self.holding_draw is not None:
            return self.holding_draw(rng, hold)
        if not self.can_hold:
            raise ValueError(
                "this sampler cannot hold features at the instance's value: it replaces them at random without "
                "bins (a TabularExplainer needs discretize_continuous=True for rules)"
            )
        present = rng.random(hold.shape) < HOLD_KEEP_PROBABILITY
        present |= hold
        if self.constant_features is not None:
            present[:, self.constant_features] = True
        return Perturbations(
            Z=present,
            distances=np.zeros(len(present)),
            build_inputs=lambda start, stop: self.keep_inputs(present[start:stop]),
        )
