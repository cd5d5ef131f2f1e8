"""The contract between a modality's sampler and the shared pipeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Perturbations"]


@dataclass
class Perturbations:
    """Perturbed samples around one instance, as a modality's sampler makes them.

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
    constant_features : ndarray of bool, shape (n_features,), optional
        Features that cannot vary (e.g. constant training columns); the
        surrogate gives them weight exactly 0.
    """

    Z: np.ndarray
    distances: np.ndarray
    build_inputs: Callable[[int, int], Any]
    constant_features: np.ndarray | None = field(default=None)

    @property
    def num_samples(self) -> int:
        return self.Z.shape[0]
