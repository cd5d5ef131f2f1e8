"""The modality-agnostic pipeline: sampling contract, batching, kernel, surrogate.

A modality supplies a :class:`~lime_kit.core.sampler.Perturbations` producer;
everything after that (model calls, weighting, fitting) is shared and lives here.
"""

from lime_kit.core.pipeline import explain_perturbations
from lime_kit.core.sampler import Perturbations

__all__ = ["Perturbations", "explain_perturbations"]
