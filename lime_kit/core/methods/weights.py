"""What LIME and KernelSHAP share: feature weights fitted round by round, "auto"'s stop rule and their trust checks.

A weight method's run (:class:`WeightsRun`) draws and scores samples, fits
every label's weights with their quality figures, and decides whether
``num_samples="auto"`` may stop. Its alarms and notes are about weights:
settled ranks, ties, an output that never moved, a gap at the instance.
"""

from __future__ import annotations

import numpy as np

from lime_kit.core.methods.base import MethodRun
from lime_kit.core.quality import QualityFigures
from lime_kit.ranks import settled_positions, tie_groups

__all__ = [
    "LARGE_LOCAL_GAP",
    "LOW_SETTLED_STABILITY",
    "MIN_SETTLED",
    "NEGLIGIBLE_CHANGE",
    "SETTLED_ROUNDS",
    "WeightsRun",
    "output_unchanged",
]

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


def output_unchanged(column: np.ndarray, mode: str) -> tuple[bool, float]:
    """Whether a label's outputs over the samples moved by at most ``NEGLIGIBLE_CHANGE`` of their scale, and the spread."""
    spread = float(np.ptp(column))
    probability = mode == "classification" and column.min() >= 0 and column.max() <= 1
    scale = 1.0 if probability else float(np.abs(column).max())
    return spread <= NEGLIGIBLE_CHANGE * scale, spread


def _is_stable(figures: QualityFigures, options) -> bool:
    """Reruns would agree on every label's settled top k at least ``target_stability`` of the time."""
    return min(figures.settled_stability) >= options.target_stability


def _enough_settled(figures: QualityFigures) -> bool:
    """Every label has at least ``MIN_SETTLED`` settled features (or all of its top k, when fewer)."""
    return all(settled >= min(MIN_SETTLED, possible) for settled, possible in figures.settled_counts)


def _stop_reason(figures: QualityFigures, options, settled_rounds: int, rounds: int, total: int) -> str | None:
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


class WeightsRun(MethodRun):
    """A run whose result is one weight per feature and label, with quality figures.

    A subclass provides ``schedule``, ``count``, ``outputs``,
    :meth:`score_round` and :meth:`fit` (``(fits, figures, targets,
    effective sample size)`` on all samples so far); this class turns rounds
    of fits into "auto"'s decisions, the explanation's fields and its trust.
    """

    fits = figures = targets = stopped = None
    effective_n = 0.0
    _settled_rounds = 0
    _rounds_done = 0

    @property
    def keeps_rounds(self) -> bool:
        return self.options.num_samples is None

    @property
    def max_samples(self) -> int:
        return self.schedule[-1]

    @property
    def memory_name(self) -> str:
        return "max_samples" if self.options.num_samples is None else "num_samples"

    def update(self, labels, quality_rng: np.random.Generator) -> dict:
        self.fits, self.figures, self.targets, self.effective_n = self.fit(labels, quality_rng)
        figures, options = self.figures, self.options
        self._rounds_done += 1
        record = {
            "num_samples": self.count,
            "stability": min(figures.stability),
            "settled_stability": min(figures.settled_stability),
        }
        if options.num_samples is None:
            stable = _is_stable(figures, options) and _enough_settled(figures)
            self._settled_rounds = self._settled_rounds + 1 if stable else 0
            stopped = _stop_reason(figures, options, self._settled_rounds, self._rounds_done, self.schedule_total)
            if stopped:
                record["stopped"] = stopped
        self.stopped = record.get("stopped")
        return record

    @property
    def schedule_total(self) -> int:
        return self.schedule[self._rounds_done - 1]

    def fields(self, labels, prediction: dict) -> dict:
        fits, figures, options = self.fits, self.figures, self.options
        return {
            "coefficients": {label: fit.coefficients for label, fit in zip(labels, fits)},
            "intercept": {label: fit.intercept for label, fit in zip(labels, fits)},
            "local_pred": {label: fit.local_pred for label, fit in zip(labels, fits)},
            "score": {label: fit.score for label, fit in zip(labels, fits)},
            "kernel_width": options.kernel_width,
            "effective_sample_size": self.effective_n,
            "stability": {label: float(s) for label, s in zip(labels, figures.stability)},
            "heldout_score": {label: float(s) for label, s in zip(labels, figures.heldout_score)},
            "local_gap": {label: abs(fit.local_pred - prediction[label]) for label, fit in zip(labels, fits)},
            "coefficient_std": {label: list(s) for label, s in zip(labels, figures.coefficient_std)},
            "rank_bounds": {
                label: [[i, int(best), int(worst)] for (i, _), (best, worst) in zip(fit.coefficients, bounds)]
                for label, fit, bounds in zip(labels, fits, figures.rank_bounds)
            },
            "settled_stability": {label: float(s) for label, s in zip(labels, figures.settled_stability)},
        }

    def trust(self, exp) -> tuple[list[str], list[str]]:
        """The explanation's alarms (reasons not to trust it; raised as a UserWarning) and notes (shown only).

        Alarms are kept for what should make a user act: an output that did not
        move, reruns expected to disagree on the settled top k, too few settled
        features, too few effective samples, a surrogate worse than a constant on
        held-out samples, "auto" stopped by its cap. Ties, a moderate fit and a
        gap at the instance are facts about the explanation: notes.
        """
        figures, targets, options, method = self.figures, self.targets, self.options, self.options.method
        alarms, remarks = [], []
        k = figures.top_k
        for position, label in enumerate(exp.labels):
            name = f"class {exp.label_name(label)!r}" if exp.mode == "classification" else "the prediction"
            unchanged, spread = output_unchanged(targets[:, position], exp.mode)
            if unchanged:
                moved = "did not change" if spread == 0 else f"moved by at most {spread:.2g}"
                alarms.append(
                    f"the model's output for {name} {moved} across the {exp.num_samples} samples: no perturbation "
                    f"changed it, so the weights explain nothing ({self.sampler.unchanged_hint})"
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
                    f"{exp.prediction[label]:.3g} (a gap of {exp.local_gap[label]:.2g}, "
                    f"{exp.local_gap[label] / spread:.0%} of the model's range over the samples): the weights describe "
                    "the neighbourhood more than this point"
                )
            own_alarms, own_remarks = method.label_checks(exp, label, name)
            alarms += own_alarms
            remarks += own_remarks
        alarms += method.overall_checks(exp)
        if self.stopped == "max_samples":
            shortfall = (
                f"at least {MIN_SETTLED} of the top {k} features were settled"
                if not _enough_settled(figures)
                else f"the settled top features were stable (expected rerun agreement "
                f"{min(figures.settled_stability):.2f}, target {options.target_stability:.2f})"
            )
            alarms.append(f"num_samples='auto' stopped at max_samples={options.max_samples} before {shortfall}")
        return alarms, remarks
