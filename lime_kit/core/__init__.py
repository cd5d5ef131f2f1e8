"""The modality-agnostic pipeline: sampling contract, options, batching, kernel, surrogate, quality.

A modality supplies an :class:`~lime_kit.core.sampler.InstanceSampler`;
everything after that (rounds, model calls, weighting, fitting, quality
figures) is shared and lives here.
"""

from lime_kit.core.options import ExplainOptions
from lime_kit.core.pipeline import ExplanationContext, explain_instance
from lime_kit.core.sampler import InstanceSampler, Perturbations

__all__ = ["ExplainOptions", "ExplanationContext", "InstanceSampler", "Perturbations", "explain_instance"]
