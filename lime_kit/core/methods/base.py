"""What a method is to the pipeline: options, a sampling schedule, scoring rounds, a fit and its figures.

The pipeline (:mod:`lime_kit.core.pipeline`) runs rounds over a
:class:`Method` and never asks which one it is. A method object carries its
own options (``KernelShap(background_pairing="one")``); for one instance it
starts a :class:`MethodRun`, the samples scored so far and how to fit them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from lime_kit.core.sampler import InstanceSampler

__all__ = ["AUTO_FIRST_ROUND", "Method", "MethodRun", "auto_schedule", "effective_sample_size"]

#: Samples in the first round of ``num_samples="auto"``; each later round doubles the total.
AUTO_FIRST_ROUND = 1000


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


def effective_sample_size(weights: np.ndarray) -> float:
    """Return Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    return float(weights.sum() ** 2 / np.dot(weights, weights))


class MethodRun:
    """One instance under one method, grown round by round by the pipeline.

    Each round the pipeline calls :meth:`score_round` (draw and score
    samples in batched model calls), then :meth:`update` (conclude from all
    samples so far); it stops after the round whose record says
    ``"stopped"``, or when ``schedule`` runs out. Then :meth:`fields` gives the
    explanation's method-specific fields and :meth:`trust` its alarms and notes.

    Attributes
    ----------
    schedule : iterable of int
        Total samples after each round (one round for a fixed
        ``num_samples``). May be a generator that decides as it goes.
    outputs : ndarray of shape (1 + count, n_outputs)
        Model outputs; row 0 is the instance.
    count : int
        Samples the explanation reports (``exp.num_samples``).
    max_samples : int
        The most samples the run may keep, checked against memory up front
        (``memory_name`` is the keyword to lower when they would not fit).
    bytes_per_sample : float
        What one kept sample costs (default: the sampler's figure plus the
        model outputs).
    keeps_rounds : bool
        Whether ``exp.rounds`` records the rounds.
    """

    schedule: list[int]
    outputs: np.ndarray | None
    memory_name: str = "num_samples"
    keeps_rounds: bool = False

    @property
    def count(self) -> int:
        raise NotImplementedError

    @property
    def max_samples(self) -> int:
        raise NotImplementedError

    @property
    def bytes_per_sample(self) -> float:
        return self.sampler.bytes_per_sample + 64

    def score_round(self, total: int, predict_fn, timings: dict) -> None:
        """Draw and score what brings the samples up to ``total``."""
        raise NotImplementedError

    def update(self, labels, quality_rng: np.random.Generator) -> dict:
        """Conclude from every sample so far; return this round's record (``"stopped"``: why to stop)."""
        raise NotImplementedError

    def fields(self, labels, prediction: dict) -> dict:
        """The :class:`~lime_kit.explanation.Explanation` fields this method fills (weights, figures, rules)."""
        raise NotImplementedError

    def trust(self, exp) -> tuple[list[str], list[str]]:
        """The explanation's alarms (raised as one UserWarning) and notes (shown only)."""
        return [], []

    def payload(self) -> dict:
        """What the explanation states besides its fields (added to the modality's payload)."""
        return {}


class Method:
    """A way of estimating feature weights from perturbations of one instance.

    A subclass sets ``name`` (what ``method=`` and ``exp.method`` say) and
    ``keywords`` (the ``explain`` keywords it owns, with their unset value),
    and implements :meth:`start`. Register it with
    :func:`lime_kit.core.methods.register` to make its name a valid ``method=``.

    ``values_of_features`` says whether its weights belong to the features
    taking the instance's values with absent ones filled from a background
    (Shapley values) rather than to the modality's interpretable
    representation (lime's bins); a modality describes its features
    accordingly.
    """

    name: ClassVar[str] = ""
    keywords: ClassVar[dict[str, Any]] = {}
    #: Whether every modality's ``explain`` takes ``keywords`` (else a modality lists those it supports).
    every_modality: ClassVar[bool] = False
    values_of_features: ClassVar[bool] = False
    #: ``num_features=None``: this many features (None: every feature).
    default_num_features: ClassVar[int | None] = 10
    #: One line of help per keyword, for the command line (``lime-kit explain ... --help``).
    keyword_help: ClassVar[dict[str, str]] = {}

    def check_options(self, call: dict) -> None:
        """Refuse shared ``explain`` keywords (``call``, as given) this method cannot honour."""

    def start(self, sampler: InstanceSampler, options) -> MethodRun:
        raise NotImplementedError

    def label_checks(self, exp, label: int, name: str) -> tuple[list[str], list[str]]:
        """This method's own alarms and notes about one label's weights."""
        return [], []

    def overall_checks(self, exp) -> list[str]:
        """This method's own alarms about the whole explanation."""
        return []

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.keywords)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and all(
            _same(getattr(self, k), getattr(other, k)) for k in self.keywords
        )

    def __hash__(self) -> int:
        return hash(type(self))


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(a, b)) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else bool(a == b)
    except (TypeError, ValueError):
        return a is b
