"""The former home of explain_many and ExplanationSet; every public name it had is re-exported here.

The set lives in :mod:`lime_kit.explanation_set`, the parallel runner and its
seeds in :mod:`lime_kit.batch`, and the instance-by-feature matrices in
:mod:`lime_kit.matrices`.
"""

from lime_kit.batch import (
    CHUNKS_PER_WORKER,
    ERRORS,
    ExplainManyMixin,
    explain_many,
    instance_seed,
    instance_seeds,
)
from lime_kit.explanation_set import QUALITY_COLUMNS, ExplanationSet

__all__ = [
    "CHUNKS_PER_WORKER",
    "ERRORS",
    "QUALITY_COLUMNS",
    "ExplainManyMixin",
    "ExplanationSet",
    "explain_many",
    "instance_seed",
    "instance_seeds",
]
