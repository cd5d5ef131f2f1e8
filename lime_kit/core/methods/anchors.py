"""Anchors: the shortest rule that holds the prediction in place, with a precision guarantee.

An anchor is a set of features held at the instance's value (a table's bin, a
word present, a segment shown) such that, whatever the other features do, the
model keeps its prediction with probability at least ``threshold``
(Ribeiro, Singh & Guestrin, "Anchors: High-Precision Model-Agnostic
Explanations", AAAI 2018). The search is the paper's beam search: rules grow
one feature at a time; among the candidates of one length, KL-LUCB (Kaufmann
& Kalyanakrishnan, 2013) picks the ``beam_size`` most precise; those are
sampled until each is known to reach the threshold or not; the valid rule
with the largest coverage wins.

Every round's samples, for every candidate that needs them, go to the model
in one batched call. Samples are reused: the modality's
:meth:`~lime_kit.core.sampler.InstanceSampler.draw_holding` perturbs every
feature it does not hold independently, so a sample drawn for rule ``A``
that happens to agree with feature ``f`` is a draw for ``A + f`` too, and an
unconditioned sample is a draw for every rule it satisfies.
"""

from __future__ import annotations

import copy
import numbers
from time import perf_counter

import numpy as np

from lime_kit.core.batching import predict_in_batches
from lime_kit.core.methods.base import Method, MethodRun
from lime_kit.core.sampler import InstanceSampler

__all__ = ["Anchors", "kl_bounds"]

#: Unconditioned samples (never scored) on which coverage is measured.
COVERAGE_SAMPLES = 10_000
#: Fewest samples a candidate is drawn at a time; a candidate drawn again gets half its count more.
MIN_BATCH = 100
#: Challengers of the beam sampled per KL-LUCB round, per beam place (the standard algorithm samples one).
CHALLENGERS = 2
#: Examples kept per outcome (prediction kept / changed) in ``exp.anchor_examples``.
EXAMPLES = 5
#: KL-LUCB's exploration rate ``log(K1 * arms * round**ALPHA / delta)`` (Kaufmann & Kalyanakrishnan, 2013).
K1, ALPHA = 405.5, 1.1


def _kl_bernoulli(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p || q) of Bernoullis; ``p`` already kept inside (0, 1), ``q`` is a bisection midpoint inside it too."""
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def kl_bounds(successes, trials, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Chernoff-KL confidence bounds on Bernoulli means: ``q`` with ``trials * KL(mean, q) <= level``.

    With ``level = log(1 / delta)`` each bound fails with probability at most
    ``delta``. No trials: ``(0, 1)``.

    Examples
    --------
    >>> low, high = kl_bounds([95], [100], np.log(1 / 0.05))
    >>> bool(0.87 < low[0] < 0.95 < high[0] < 0.99)
    True
    """
    k = np.atleast_1d(np.asarray(successes, dtype=float))
    n = np.atleast_1d(np.asarray(trials, dtype=float))
    mean = np.divide(k, n, out=np.zeros_like(k), where=n > 0)
    inner = np.minimum(np.maximum(mean, 1e-12), 1 - 1e-12)
    low, high = np.zeros_like(mean), inner.copy()
    up_low, up_high = inner.copy(), np.ones_like(mean)
    with np.errstate(divide="ignore", invalid="ignore"):  # an arm without samples: masked below
        for _ in range(30):  # bisection on every arm at once; 2**-30 is far below any sampling error
            mid = (low + high) / 2
            inside = n * _kl_bernoulli(inner, mid) <= level
            high, low = np.where(inside, mid, high), np.where(inside, low, mid)
            mid = (up_low + up_high) / 2
            inside = n * _kl_bernoulli(inner, mid) <= level
            up_low, up_high = np.where(inside, mid, up_low), np.where(inside, up_high, mid)
    lower = np.where(n > 0, high, 0.0)
    upper = np.where(n > 0, up_low, 1.0)
    return np.where(mean <= 0, 0.0, lower), np.where(mean >= 1, 1.0, upper)


class Anchors(Method):
    """Anchors: a rule of features held at the instance's value that keeps the prediction, with its precision.

    Parameters
    ----------
    threshold : float, default=0.95
        Precision a rule must reach: the share of perturbed inputs satisfying
        it on which the model keeps the explained class.
    delta : float, default=0.1
        The rule's precision is below ``threshold - tolerance`` with
        probability at most about ``delta``; ``exp.precision_bounds`` are
        ``1 - delta`` bounds.
    tolerance : float, default=0.05
        How far below ``threshold`` a rule's lower bound may be (the paper's
        epsilon): a rule is accepted when its precision is at least
        ``threshold`` and its lower bound at least ``threshold - tolerance``.
    beam_size : int, default=1
        Rules kept at each length and extended by one feature.
    selection_tolerance : float, default=0.15
        KL-LUCB's epsilon when choosing the beam: candidates whose precisions
        are this close are interchangeable, so the search stops comparing
        them (separating two rules of equal precision would take samples
        without end). It shapes which rules are tried, never which rule is
        accepted.
    max_model_rows : int, optional
        Cap on the rows scored by ``predict_fn`` (default 100,000). When it is
        reached before any rule reaches ``threshold``, the best rule found is
        returned, marked as not reaching it, with a warning.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).uniform(size=(500, 3))
    >>> explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
    >>> exp = explainer.explain(np.array([0.9, 0.5, 0.5]), predict, method=Anchors(threshold=0.95))
    >>> exp.anchor_features, exp.precision >= 0.95
    ((0,), True)
    """

    name = "anchors"
    keywords = {
        "threshold": 0.95,
        "delta": 0.1,
        "tolerance": 0.05,
        "beam_size": 1,
        "selection_tolerance": 0.15,
        "max_model_rows": None,
    }
    keyword_help = {
        "threshold": "Anchors: precision a rule must reach",
        "delta": "Anchors: the precision bounds hold with probability 1 - delta",
        "tolerance": "Anchors: how far below threshold a rule's lower bound may be",
        "beam_size": "Anchors: rules kept and extended at each length",
        "selection_tolerance": "Anchors: precisions closer than this are interchangeable when choosing the beam",
        "max_model_rows": "Anchors: cap on rows scored by the model (default 100000)",
    }
    every_modality = True
    default_num_features = None
    DEFAULT_MAX_MODEL_ROWS = 100_000

    def __init__(self, threshold: float = 0.95, delta: float = 0.1, tolerance: float = 0.05, beam_size: int = 1,
                 selection_tolerance: float = 0.15, max_model_rows: int | None = None):
        for name, value in (("threshold", threshold), ("delta", delta)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
                raise ValueError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
        if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not 0 <= tolerance < threshold:
            raise ValueError(f"tolerance must be a number in [0, threshold), got {tolerance!r}")
        if isinstance(selection_tolerance, bool) or not isinstance(selection_tolerance, numbers.Real) or not 0 < selection_tolerance < 1:
            raise ValueError(f"selection_tolerance must be a number in (0, 1), got {selection_tolerance!r}")
        if isinstance(beam_size, bool) or not isinstance(beam_size, numbers.Integral) or beam_size < 1:
            raise ValueError(f"beam_size must be a positive integer, got {beam_size!r}")
        if max_model_rows is not None and (
            isinstance(max_model_rows, bool) or not isinstance(max_model_rows, numbers.Integral) or max_model_rows < 2
        ):
            raise ValueError(f"max_model_rows must be an integer of at least 2 (or None), got {max_model_rows!r}")
        self.threshold, self.delta, self.tolerance = float(threshold), float(delta), float(tolerance)
        self.beam_size, self.max_model_rows = int(beam_size), max_model_rows
        self.selection_tolerance = float(selection_tolerance)

    def check_options(self, call: dict) -> None:
        if call["model_regressor"] is not None:
            raise ValueError("model_regressor is a lime surrogate; method='anchors' fits no surrogate, leave it None")
        if call["stability_resamples"]:
            raise ValueError("stability_resamples refits a lime surrogate; method='anchors' fits none, leave it 0")

    def start(self, sampler: InstanceSampler, options) -> MethodRun:
        if options.mode != "classification":
            raise ValueError(
                "method='anchors' finds a rule that keeps a predicted class; use a classification explainer "
                "(mode='classification'), or method='lime' for a regression"
            )
        if not sampler.can_hold:
            sampler.draw_holding(options.rng, np.zeros((0, sampler.n_features), dtype=bool))  # raises its reason
        return _AnchorsRun(self, sampler, options)


class _AnchorsRun(MethodRun):
    """The beam search as rounds: each round scores what the search asked for, in one batched call."""

    keeps_rounds = False
    memory_name = "max_model_rows"

    def __init__(self, method: Anchors, sampler: InstanceSampler, options):
        self.method, self.sampler, self.options = method, sampler, options
        self.cap = method.max_model_rows or Anchors.DEFAULT_MAX_MODEL_ROWS
        constant = sampler.constant_features
        varying = np.ones(sampler.n_features, dtype=bool) if constant is None else ~np.asarray(constant, dtype=bool)
        self.features = [int(f) for f in np.flatnonzero(varying)]
        self.schedule = iter(int, 1)  # rounds until the search says it stopped
        self.outputs = None
        self.rows = 0
        self.blocks = []  # (held features, agreement (m, d) bool, prediction kept (m,) bool, (draw, first row))
        self.draws = []  # per round: the generator's state before its draw, and what it held
        self.stats = {}  # frozenset of features -> [samples, samples keeping the prediction]
        self.order = {}  # frozenset -> the rule as a tuple, in the order its features were added
        self.requests = None
        self.search = None
        self.best = None
        self.exhausted = False
        # Bounds of the rule finally reported must hold although it was picked among the candidates of its length
        # (its beam times the features): a union bound over them.
        self.level = np.log(method.beam_size * max(len(self.features), 1) / method.delta)

    @property
    def count(self) -> int:
        return self.rows

    @property
    def max_samples(self) -> int:
        return self.cap

    @property
    def bytes_per_sample(self) -> float:
        # Kept per scored sample: which features agree and which were held (bools), and the outcome.
        return 2.0 * self.sampler.n_features + 16

    # ---------------------------------------------------------------- rounds
    def score_round(self, total: int, predict_fn, timings: dict) -> None:
        options = self.options
        if self.outputs is None:
            instance = self.sampler.draw(options.rng, 1)
            self.outputs = predict_in_batches(predict_fn, instance.build_inputs, 1, 1, options.mode, None, timings)
            self.rows = 1
            began = perf_counter()
            pool = self.sampler.draw_holding(options.rng, np.zeros((COVERAGE_SAMPLES, self.sampler.n_features), bool))
            self.coverage_pool = np.array(pool.Z, dtype=bool)
            self.agreement = self.coverage_pool.mean(axis=0)  # per feature: the share of inputs agreeing with it
            timings["sampling"] += perf_counter() - began
            self.requests = [((), MIN_BATCH)]  # decides the empty rule, and a start for every other
            self.predict_fn, self.timings = predict_fn, timings
        self._score(self.requests)

    def _score(self, requests: list) -> None:
        """Draw every request's samples (held features per row) and score them in one batched call."""
        budget = max(self.cap - self.rows, 0)
        sizes = []
        for _, n in requests:  # the first requests are served whole while the cap allows
            sizes.append(min(n, budget))
            budget -= sizes[-1]
        if sum(sizes) == 0:
            self.exhausted = True
            return
        hold = np.zeros((sum(sizes), self.sampler.n_features), dtype=bool)
        starts = np.cumsum([0, *sizes])
        for (rule, _), start, stop in zip(requests, starts[:-1], starts[1:]):
            hold[start:stop, list(rule)] = True
        began = perf_counter()
        # The generator's state before the draw: a few examples' inputs are rebuilt from it at the end.
        self.draws.append((copy.deepcopy(self.options.rng.bit_generator.state), hold))
        block = self.sampler.draw_holding(self.options.rng, hold)
        agree = np.array(block.Z, dtype=bool)
        self.timings["sampling"] += perf_counter() - began
        outputs = predict_in_batches(
            self.predict_fn, block.build_inputs, len(hold), self.options.batch_size, self.options.mode,
            self.outputs.shape[1], self.timings,
        )
        self.rows += len(hold)
        if self.search is None:  # the first round: the label is not chosen yet
            self.first_outputs = outputs
        kept = outputs.argmax(axis=1) == self.target if self.search is not None else None
        for (rule, _), start, stop in zip(requests, starts[:-1], starts[1:]):
            if stop > start:
                origin = (len(self.draws) - 1, int(start))
                self._add_block(frozenset(rule), agree[start:stop], None if kept is None else kept[start:stop], origin)
        if self.rows >= self.cap:
            self.exhausted = True

    def _add_block(self, held: frozenset, agree: np.ndarray, kept: np.ndarray | None, origin: tuple) -> None:
        self.blocks.append([held, agree, kept, origin])
        if kept is not None:
            for rule in self.stats:
                if held <= rule:
                    self._count(rule, held, agree, kept)

    def _count(self, rule: frozenset, held: frozenset, agree: np.ndarray, kept: np.ndarray) -> None:
        extra = list(rule - held)
        rows = agree[:, extra].all(axis=1) if extra else slice(None)
        stats = self.stats[rule]
        selected = kept[rows]
        stats[0] += int(selected.size)
        stats[1] += int(np.count_nonzero(selected))

    def _track(self, rule: tuple) -> None:
        key = frozenset(rule)
        if key in self.stats:
            return
        self.stats[key], self.order[key] = [0, 0], rule
        for held, agree, kept, _ in self.blocks:
            if held <= key:
                self._count(key, held, agree, kept)

    def update(self, labels, quality_rng) -> dict:
        if self.search is None:
            if len(labels) != 1:
                raise ValueError(
                    f"method='anchors' explains one class at a time; got labels {list(labels)}: pass one label "
                    "(or none for the predicted class)"
                )
            self.target = labels[0]
            self.predicted = int(np.argmax(self.outputs[0]))
            self.outputs = np.vstack([self.outputs, self.first_outputs])
            for block in self.blocks:
                block[2] = self.first_outputs.argmax(axis=1) == self.target
            self.search = self._search()
            self._track(())
        record = {"model_rows": self.rows}
        try:
            if self.exhausted:
                raise _Exhausted
            self.requests = next(self.search)
        except StopIteration:
            record["stopped"] = "anchor found" if self.best is not None else "no rule reaches threshold, however long"
        except _Exhausted:
            self.exhausted = True
            record["stopped"] = "max_model_rows"
        self.stopped = record.get("stopped")
        return record

    # ---------------------------------------------------------------- search
    def _precision(self, rules: list) -> tuple[np.ndarray, np.ndarray]:
        stats = np.array([self.stats[frozenset(rule)] for rule in rules], dtype=float).reshape(-1, 2)
        return stats[:, 1], stats[:, 0]

    def _coverage(self, rule: tuple) -> float:
        pool = self.coverage_pool
        return float(pool[:, list(rule)].all(axis=1).mean()) if rule else 1.0

    def _batch(self, rule: tuple) -> int:
        return max(MIN_BATCH, self.stats[frozenset(rule)][0] // 2)

    def _verdicts(self, rules: list) -> list[str]:
        """Per rule ``"anchor"``, ``"not"`` or ``"open"`` (more samples needed): the paper's acceptance rule."""
        if not rules:
            return []
        kept, n = self._precision(rules)
        low, high = kl_bounds(kept, n, self.level)
        means = np.divide(kept, n, out=np.zeros_like(kept), where=n > 0)
        threshold, tolerance = self.method.threshold, self.method.tolerance
        anchor = (n > 0) & (means >= threshold) & (low >= threshold - tolerance)
        refuted = (n > 0) & (means < threshold) & (high < threshold + tolerance)
        return ["anchor" if a else "not" if r else "open" for a, r in zip(anchor, refuted)]

    def _decide(self, rules: list):
        while True:
            open_rules = [rule for rule, verdict in zip(rules, self._verdicts(rules)) if verdict == "open"]
            if not open_rules:
                return
            yield [(rule, self._batch(rule)) for rule in open_rules]

    def _select(self, rules: list):
        """KL-LUCB: the ``beam_size`` rules of highest precision, up to ``selection_tolerance``; ambiguous ones sampled together."""
        size = self.method.beam_size
        if len(rules) <= size:
            return list(rules)
        t = 1
        while True:
            kept, n = self._precision(rules)
            means = np.divide(kept, n, out=np.zeros_like(kept), where=n > 0)
            order = np.argsort(-means, kind="stable")
            best, rest = order[:size], order[size:]
            level = np.log(K1 * len(rules) * t**ALPHA / self.method.delta)
            low, _ = kl_bounds(kept[best], n[best], level)
            _, high = kl_bounds(kept[rest], n[rest], level)
            if high.max() - low.min() <= self.method.selection_tolerance:
                return [rules[i] for i in best]
            # The chosen rules whose lower bound is under the best other's upper bound, and the others whose
            # upper bound is over the weakest chosen's lower bound, most ambiguous first: KL-LUCB samples the
            # two extremes; a few more per call (CHALLENGERS per beam place) cost fewer model calls.
            doubtful = best[low < high.max()]
            challengers = rest[high > low.min()]
            challengers = challengers[np.argsort(-high[high > low.min()], kind="stable")][: CHALLENGERS * size]
            chosen = sorted({*doubtful.tolist(), *challengers.tolist()})
            yield self._economise([(rules[i], self._batch(rules[i])) for i in chosen])
            t += 1

    def _extension_coverage(self, rule: tuple) -> float:
        """The largest coverage the rule could keep with one more feature: what extending it could still reach.

        Features not held are drawn independently, so holding one more
        multiplies the coverage by the share of inputs agreeing with it.
        """
        others = [f for f in self.features if f not in rule]
        if not others:
            return 0.0
        return self._coverage(rule) * float(self.agreement[others].max())

    def _starved(self, candidates: list) -> list:
        needs = [(rule, MIN_BATCH - self.stats[frozenset(rule)][0]) for rule in candidates]
        return [(rule, need) for rule, need in needs if need > 0]

    def _economise(self, requests: list) -> list:
        """Requests for rules, with those for extensions of one rule drawn for that rule where it is cheaper.

        A sample drawn for rule A serves each extension A + f that it happens
        to satisfy (the share of inputs agreeing with f); a sample drawn for
        A + f only that one. Drawing for A costs less while the typical
        extension agrees more often than one time in the number requested.
        """
        agreement = self.agreement
        by_parent: dict = {}
        for rule, need in requests:
            by_parent.setdefault(rule[:-1], []).append((rule, need))
        out = []
        for parent, group in by_parent.items():
            if len(group) > 1 and all(frozenset(parent) <= frozenset(rule) for rule, _ in group):
                via_parent = float(np.median([need / max(agreement[rule[-1]], 1e-9) for rule, need in group]))
                if via_parent < sum(need for _, need in group):
                    out.append((parent, int(np.ceil(via_parent))))
                    continue
            out.extend(group)
        return out

    def _feed(self, candidates: list):
        """Give every candidate ``MIN_BATCH`` samples, through its parent rule where that is cheaper."""
        starved = self._starved(candidates)
        if starved:
            yield self._economise(starved)
        starved = self._starved(candidates)
        if starved:
            yield starved

    def _accept(self, rules: list) -> None:
        for rule, verdict in zip(rules, self._verdicts(rules)):
            if verdict == "anchor" and (self.best is None or self._coverage(rule) > self._coverage(self.best)):
                self.best = rule

    def _search(self):
        """The beam search, one length at a time; it yields the samples it needs and stops when no rule can do better.

        At each length: the candidates (the beam's rules plus one feature,
        those that could still beat the best rule's coverage) get a first
        batch; those already at ``threshold`` are decided; KL-LUCB picks the
        beam among the rest whose extensions could still beat the best rule;
        the beam is decided too. A valid rule is never extended: that only
        lowers its coverage.
        """
        yield from self._decide([()])
        self._accept([()])
        if self.best is not None:
            return
        beam = [()]
        for _ in range(len(self.features)):
            candidates, seen = [], set()
            for rule in beam:
                for feature in self.features:
                    key = frozenset((*rule, feature))
                    if feature not in rule and key not in seen:
                        seen.add(key)
                        candidates.append((*rule, feature))
            if self.best is not None:
                floor = self._coverage(self.best)
                candidates = [rule for rule in candidates if self._coverage(rule) > floor]
            if not candidates:
                return
            for rule in candidates:
                self._track(rule)
            yield from self._feed(candidates)
            kept, n = self._precision(candidates)
            promising = [rule for rule, k, m in zip(candidates, kept, n) if k >= self.method.threshold * m]
            yield from self._decide(promising)
            self._accept(promising)
            extendable = [rule for rule, verdict in zip(candidates, self._verdicts(candidates)) if verdict != "anchor"]
            if self.best is not None:
                floor = self._coverage(self.best)
                extendable = [rule for rule in extendable if self._extension_coverage(rule) > floor]
            if not extendable:
                return
            beam = yield from self._select(extendable)
            yield from self._decide(beam)
            self._accept(beam)
            beam = [rule for rule, verdict in zip(beam, self._verdicts(beam)) if verdict != "anchor"]
            if not beam:
                return

    # ---------------------------------------------------------------- result
    def _chosen(self) -> tuple:
        if self.best is not None:
            return self.best
        # No rule reached the threshold: the tracked rule with the highest lower bound on its precision.
        rules = [self.order[key] for key in self.stats]
        kept, n = self._precision(rules)
        low, _ = kl_bounds(kept, n, self.level)
        return rules[int(np.argmax(low))]

    def _figures(self, rule: tuple) -> dict:
        kept, n = self._precision([rule])
        low, high = kl_bounds(kept, n, self.level)
        covered = self.coverage_pool[:, list(rule)].all(axis=1).sum() if rule else COVERAGE_SAMPLES
        coverage_low, coverage_high = kl_bounds([covered], [COVERAGE_SAMPLES], np.log(2 / self.method.delta))
        return {
            "precision": float(kept[0] / n[0]) if n[0] else float("nan"),
            "precision_bounds": (float(low[0]), float(high[0])),
            "coverage": float(covered / COVERAGE_SAMPLES),
            "coverage_bounds": (float(coverage_low[0]), float(coverage_high[0])),
            "samples": int(n[0]),
        }

    def _examples(self, rule: tuple) -> dict:
        """A few scored samples satisfying the rule, where the class was kept and where it changed.

        ``"kept"`` / ``"changed"``: per sample, the features agreeing with the
        instance; ``"kept_inputs"`` / ``"changed_inputs"``: the model inputs
        themselves where they are small and plain (a table's row, a document),
        rebuilt by drawing the sample's round again from its saved state.
        """
        out = {"kept": [], "changed": []}
        where = {"kept": [], "changed": []}
        key = frozenset(rule)
        for held, agree, kept, (draw, start) in self.blocks:
            if not held <= key:
                continue
            rows = np.flatnonzero(agree[:, list(rule)].all(axis=1)) if rule else np.arange(len(agree))
            for outcome, wanted in (("kept", True), ("changed", False)):
                for row in rows[kept[rows] == wanted][: EXAMPLES - len(out[outcome])]:
                    out[outcome].append([int(f) for f in np.flatnonzero(agree[row])])
                    where[outcome].append((draw, start + int(row)))
            if all(len(v) >= EXAMPLES for v in out.values()):
                break
        redrawn = {}
        for outcome in ("kept", "changed"):
            inputs = []
            for draw, row in where[outcome]:
                if draw not in redrawn:
                    state, hold = self.draws[draw]
                    rng = np.random.Generator(type(self.options.rng.bit_generator)())
                    rng.bit_generator.state = state
                    redrawn[draw] = self.sampler.draw_holding(rng, hold)
                inputs.append(_plain_input(redrawn[draw].build_inputs(row, row + 1)))
            if inputs and all(value is not None for value in inputs):
                out[f"{outcome}_inputs"] = inputs
        return out

    def fields(self, labels, prediction: dict) -> dict:
        label = labels[0]
        rule = self._chosen()
        final = self._figures(rule)
        partial, previous = [], self._figures(())
        for size in range(1, len(rule) + 1):
            prefix = rule[:size]
            self._track(prefix)  # a prefix the search never tracked is counted from the samples kept
            figures = self._figures(prefix)
            partial.append({"feature": int(rule[size - 1]), "added_precision": figures["precision"] - previous["precision"], **figures})
            previous = figures
        self.rule, self.final, self.empty = rule, final, self._figures(())
        coefficients = [(int(step["feature"]), float(step["added_precision"])) for step in partial]
        return {
            "coefficients": {label: coefficients},
            "intercept": {label: self.empty["precision"]},
            "local_pred": {label: final["precision"]},
            "score": {label: final["precision"]},
            "rank_bounds": {label: [[i, k, k] for k, (i, _) in enumerate(coefficients, start=1)]},
            "anchor_features": tuple(int(f) for f in rule),
            "precision": final["precision"],
            "precision_bounds": final["precision_bounds"],
            "coverage": final["coverage"],
            "coverage_bounds": final["coverage_bounds"],
            "partial_anchors": partial,
            "anchor_examples": self._examples(rule),
        }

    def payload(self) -> dict:
        method = self.method
        return {
            "threshold": method.threshold,
            "delta": method.delta,
            "tolerance": method.tolerance,
            "beam_size": method.beam_size,
            "reached": self.best is not None,
            "stopped": self.stopped,
            "model_rows": self.rows,
            "rules_tried": len(self.stats),
        }

    def trust(self, exp) -> tuple[list[str], list[str]]:
        method, alarms, notes = self.method, [], []
        name = f"class {exp.label_name(exp.labels[0])!r}"
        precision, (low, _) = exp.precision, exp.precision_bounds
        if self.best is None:
            if self.exhausted:
                alarms.append(
                    f"no rule keeps {name} with precision {method.threshold:.2f}: the cap of {self.cap:,} model rows "
                    f"was reached first. The rule shown is the best found (precision {precision:.2f}, at least "
                    f"{low:.2f}); raise max_model_rows, or lower threshold"
                )
            else:
                # Holding every word or segment gives back the instance itself; only bins can fall short.
                finer = "finer bins (e.g. discretizer='decile') let a rule hold narrower ranges, or " if exp.modality == "tabular" else ""
                alarms.append(
                    f"no rule keeps {name} with precision {method.threshold:.2f}, however many features it holds: "
                    f"the model changes its class on more than {1 - method.threshold:.0%} of inputs even with the "
                    f"instance's values held (in their bins), so this prediction is fragile here. The rule shown is the "
                    f"best found (precision {precision:.2f}, at least {low:.2f}); {finer}lower threshold to get a rule"
                )
        elif not self.rule:
            notes.append(
                f"the model predicts {name} on {precision:.1%} of all perturbed inputs (at least {low:.1%}), above the "
                f"threshold {method.threshold:.0%} with nothing held: the rule is empty and applies everywhere"
            )
        if self.target != self.predicted:
            notes.append(
                f"{name} is not the predicted class at the instance ({exp.label_name(self.predicted)!r} is): the rule "
                "says what makes the model predict it instead"
            )
        return alarms, notes


def _plain_value(value):
    """A JSON-safe cell: numpy scalars as Python ones, a missing value (NaN, ``pd.NA``, None) as None."""
    value = value.item() if hasattr(value, "item") else value
    if value is None or type(value).__name__ == "NAType" or (isinstance(value, float) and value != value):
        return None
    return value


def _plain_input(batch):
    """One model input as JSON-safe data when it is small and plain (a row, a document); else None (images)."""
    if hasattr(batch, "iloc"):
        return [_plain_value(value) for value in batch.iloc[0].tolist()]
    if isinstance(batch, (list, tuple)) and batch and isinstance(batch[0], str):
        return batch[0]
    array = np.asarray(batch)
    if array.ndim == 2 and array.dtype.kind in "biufUO" and array.shape[1] <= 1000:
        return [_plain_value(value) for value in array[0].tolist()]
    return None


class _Exhausted(Exception):
    """The cap on model rows was reached."""
