"""KernelSHAP in the shared pipeline: coalitions, the Shapley kernel and the constrained fit.

KernelSHAP is a weighted linear surrogate like lime's. What differs:

- **Samples are coalitions** ``S`` of present features. A coalition's value
  ``v(S)`` is the model's output when the features outside ``S`` are
  "absent": filled from background rows (rows, averaged with the
  background's weights) or removed the modality's way (tokens, superpixels).
- **Weights** are the Shapley kernel ``(d - 1) / (C(d, s) s (d - s))`` of a
  coalition of size ``s``; the empty and full coalitions get no weight but
  fix the fit exactly: the values sum to ``f(x) - v(empty)``. One variable
  is eliminated to enforce it, so the attributions add up to float
  precision. ``v(empty)``, the *base value*, is the explanation's intercept.
- **The design** enumerates coalition sizes, smallest and largest first
  (a size and its complement together), while the budget covers all of
  their coalitions at their share of the kernel's mass; the other sizes are
  sampled in complementary pairs, a size in proportion to its mass and the
  coalition uniformly given the size. With a budget of ``2^d - 2`` every
  coalition is enumerated and the values are the exact Shapley values.

Unlike shap, the sampling error of every value is reported: a sandwich
estimate over the sampled pairs (the enumerated coalitions carry none),
and from it the same stability figures as lime's surrogates.
"""

from __future__ import annotations

import math
from itertools import combinations
from time import perf_counter

import numpy as np
import scipy.linalg

from lime_kit.core.batching import predict_in_batches
from lime_kit.core.quality import STABILITY_DRAWS, QualityFigures, rank_figures
from lime_kit.core.sampler import InstanceSampler
from lime_kit.core.surrogate import SurrogateFit, sorted_pairs
from lime_kit.ranks import batched_rank_bounds, settled_mask

__all__ = [
    "CoalitionDesign",
    "CoalitionSamples",
    "constrained_fit",
    "design_coalitions",
    "max_coalitions",
    "shapley_kernel",
]

#: Pairs drawn for the sampled part, at most this many times the coalitions still wanted (shap's bound too).
MAX_DRAWS_PER_COALITION = 4


def shapley_kernel(d: int, sizes: np.ndarray) -> np.ndarray:
    """Shapley kernel weight of one coalition of each size (``0 < size < d``).

    Examples
    --------
    >>> shapley_kernel(4, np.array([1, 2, 3])).round(4).tolist()
    [0.25, 0.125, 0.25]
    """
    sizes = np.asarray(sizes)
    counts = np.array([math.comb(d, int(s)) for s in sizes.ravel()], dtype=np.float64).reshape(sizes.shape)
    return (d - 1) / (counts * sizes * (d - sizes))


def max_coalitions(d: int) -> int:
    """Number of coalitions besides the empty and the full one, ``2^d - 2`` (capped at 2^62)."""
    return 2**d - 2 if d < 62 else 2**62


class CoalitionDesign:
    """Coalitions to score and their regression weights.

    Attributes
    ----------
    masks : ndarray of bool, shape (n, d)
        One row per distinct coalition; True = present.
    weights : ndarray of shape (n,)
        Shapley kernel weight of each row (the enumerated part exactly; a
        sampled coalition in proportion to how often it was drawn).
    enumerated : ndarray of bool, shape (n,)
        Rows of fully enumerated sizes (no sampling error).
    pairs : ndarray of int, shape (P, 2)
        Rows of each sampled draw: a coalition and its complement.
    draw_weight : float
        Weight one draw adds to each of its two rows.
    draws : ndarray of bool, shape (P, d)
        The drawn coalitions (first of each pair), reusable by a larger design.
    """

    def __init__(self, masks, weights, enumerated, pairs, draw_weight, draws):
        self.masks, self.weights, self.enumerated = masks, weights, enumerated
        self.pairs, self.draw_weight, self.draws = pairs, draw_weight, draws


def _size_plan(d: int, budget: int) -> tuple[list[int], list[int], float]:
    """Sizes to enumerate (each with its complement), sizes left to sample, and the mass left to them."""
    lower = list(range(1, d // 2 + 1))
    # Mass of every coalition of size s and of its complement: C(d, s) x kernel = (d - 1) / (s (d - s)).
    mass = {s: (d - 1) / (s * (d - s)) * (1 if 2 * s == d else 2) for s in lower}
    left, mass_left, enumerated = float(budget), sum(mass.values()), []
    for s in lower:
        count = math.comb(d, s) * (1 if 2 * s == d else 2)
        # Enumerate when the budget's share for this size covers all its coalitions.
        if left * mass[s] / mass_left < count * (1 - 1e-9):
            break
        enumerated.append(s)
        left -= count
        mass_left -= mass[s]
    sampled = [s for s in lower if s not in enumerated]
    return enumerated, sampled, mass_left if sampled else 0.0


def _all_of_size(d: int, s: int) -> np.ndarray:
    """Every coalition of ``s`` of ``d`` features, (C(d, s), d) bool."""
    count = math.comb(d, s)
    chosen = np.fromiter((i for c in combinations(range(d), s) for i in c), dtype=np.intp, count=count * s)
    masks = np.zeros((count, d), dtype=bool)
    masks[np.repeat(np.arange(count), s), chosen] = True
    return masks


def _draw_lower(rng: np.random.Generator, d: int, sizes: list[int], count: int) -> np.ndarray:
    """``count`` coalitions of the sampled sizes: a size by its kernel mass, the members uniformly."""
    mass = np.array([(1.0 if 2 * s == d else 2.0) / (s * (d - s)) for s in sizes])
    drawn = rng.choice(np.asarray(sizes), size=count, p=mass / mass.sum())
    # A feature is a member when its random key is among the row's `size` smallest.
    order = np.argsort(rng.random((count, d)), axis=1)
    masks = np.empty((count, d), dtype=bool)
    np.put_along_axis(masks, order, np.arange(d) < drawn[:, None], axis=1)
    return masks


def _keys(masks: np.ndarray) -> np.ndarray:
    """One comparable bytes key per coalition."""
    packed = np.ascontiguousarray(np.packbits(masks, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def design_coalitions(
    d: int, budget: int, rng: np.random.Generator, previous_draws: np.ndarray | None = None, independent: bool = False
) -> CoalitionDesign:
    """Coalitions for ``budget`` model values, as shap designs them (see the module docstring).

    ``previous_draws`` (from a smaller design of the same ``d``) are reused
    first: a draw of a size that is still sampled is a valid draw of the new
    design, so ``num_samples="auto"`` rescores none of them.

    ``independent=True`` enumerates nothing and keeps repeated draws as
    separate rows (``budget // 2`` pairs, rows ``[draws; complements]``): for
    coalition values that are themselves random (one random background row
    each), so that a heavy coalition drawn again averages its noise.

    Examples
    --------
    >>> design = design_coalitions(4, 14, np.random.default_rng(0))
    >>> design.masks.shape, bool(design.enumerated.all())
    ((14, 4), True)
    """
    if independent:
        return _independent_design(d, budget, rng, previous_draws)
    budget = min(int(budget), max_coalitions(d))
    enumerated_sizes, sampled_sizes, sampled_mass = _size_plan(d, budget)
    blocks = []
    for s in enumerated_sizes:
        blocks.append(_all_of_size(d, s))
        if 2 * s != d:
            blocks.append(~blocks[-1])
    fixed = np.concatenate(blocks) if blocks else np.zeros((0, d), dtype=bool)
    sizes = fixed.sum(axis=1)
    fixed_weights = shapley_kernel(d, sizes) if len(fixed) else np.zeros(0)
    wanted = budget - len(fixed)
    draws = np.zeros((0, d), dtype=bool)
    if sampled_sizes and wanted > 0:
        if previous_draws is not None and len(previous_draws):
            lower = np.minimum(previous_draws.sum(axis=1), d - previous_draws.sum(axis=1))
            draws = previous_draws[np.isin(lower, sampled_sizes)]
        draws = _fill_draws(rng, d, sampled_sizes, draws, wanted)
    n_draws = len(draws)
    both = np.concatenate([draws, ~draws]) if n_draws else draws
    unique_keys, first, inverse = np.unique(_keys(both), return_index=True, return_inverse=True)
    sampled = both[first] if n_draws else np.zeros((0, d), dtype=bool)
    draw_weight = sampled_mass / (2 * n_draws) if n_draws else 0.0
    counts = np.bincount(inverse.ravel(), minlength=len(unique_keys)) if n_draws else np.zeros(0)
    masks = np.concatenate([fixed, sampled])
    weights = np.concatenate([fixed_weights * 1.0, counts * draw_weight])
    pairs = len(fixed) + inverse.ravel().reshape(2, n_draws).T if n_draws else np.zeros((0, 2), dtype=np.intp)
    enumerated = np.arange(len(masks)) < len(fixed)
    return CoalitionDesign(masks, weights, enumerated, pairs, draw_weight, draws)


def _independent_design(d: int, budget: int, rng, previous_draws) -> CoalitionDesign:
    sizes = list(range(1, d // 2 + 1))
    draws = np.zeros((0, d), dtype=bool) if previous_draws is None else previous_draws
    wanted = max(1, int(budget) // 2)
    if len(draws) < wanted:
        draws = np.concatenate([draws, _draw_lower(rng, d, sizes, wanted - len(draws))])
    n = len(draws)
    mass = sum((d - 1) / (s * (d - s)) * (1 if 2 * s == d else 2) for s in sizes)
    draw_weight = mass / (2 * n)
    pairs = np.column_stack([np.arange(n), n + np.arange(n)])
    masks = np.concatenate([draws, ~draws])
    return CoalitionDesign(masks, np.full(2 * n, draw_weight), np.zeros(2 * n, dtype=bool), pairs, draw_weight, draws)


def _fill_draws(rng, d: int, sizes: list[int], draws: np.ndarray, wanted: int) -> np.ndarray:
    """Append pair draws until they hold ``wanted`` distinct coalitions (or the draw cap is reached)."""
    limit = MAX_DRAWS_PER_COALITION * wanted
    while True:
        keys = _keys(np.concatenate([draws, ~draws])) if len(draws) else np.zeros(0, dtype="V1")
        distinct = len(np.unique(keys))
        missing = wanted - distinct
        if missing <= 0 or len(draws) >= limit:
            break
        draws = np.concatenate([draws, _draw_lower(rng, d, sizes, max(1, (missing + 1) // 2))])
    if distinct > wanted:  # the last chunk overshot: keep the longest prefix of draws within the budget
        cumulative = _distinct_prefix_counts(np.concatenate([draws, ~draws]), len(draws))
        draws = draws[: max(int(np.searchsorted(cumulative, wanted, side="right")), 1)]
    return draws


def _distinct_prefix_counts(both: np.ndarray, n: int) -> np.ndarray:
    """Distinct coalitions among draws ``0..p`` (each with its complement), for every ``p``."""
    _, inverse = np.unique(_keys(both), return_inverse=True)
    inverse = inverse.ravel()
    # The draw at which each coalition first appears (as a draw or as a complement).
    first_draw = np.full(inverse.max() + 1, n, dtype=np.intp)
    np.minimum.at(first_draw, inverse, np.concatenate([np.arange(n), np.arange(n)]))
    return np.cumsum(np.bincount(first_draw, minlength=n)[:n])


def constrained_fit(masks: np.ndarray, weights: np.ndarray, values: np.ndarray, total: np.ndarray):
    """Weighted least squares of ``values`` on ``masks`` with the values summing to ``total`` exactly.

    Parameters
    ----------
    masks : ndarray of bool, shape (n, k)
    weights : ndarray of shape (n,)
    values : ndarray of shape (n, L)
        Coalition values minus the base value.
    total : ndarray of shape (L,)
        ``f(x)`` minus the base value.

    Returns
    -------
    phi : ndarray of shape (k, L)
    residuals : ndarray of shape (n, L)
    reduced : ndarray of shape (n, k - 1)
        The design after eliminating the last feature (``z_j - z_k``).
    inverse : ndarray of shape (k - 1, k - 1)
        Inverse of the reduced weighted Gram matrix (the sandwich's bread).
    """
    k = masks.shape[1]
    Z = masks.astype(np.float64)
    if k == 1:
        phi = total[None, :].astype(np.float64)
        return phi, values - Z @ phi, np.zeros((len(Z), 0)), np.zeros((0, 0))
    # phi_k = total - sum of the others: substitute and regress on z_j - z_k.
    reduced = Z[:, :-1] - Z[:, -1:]
    target = values - Z[:, -1:] * total
    weighted = reduced * weights[:, None]
    gram = weighted.T @ reduced
    inverse = _symmetric_inverse(gram)
    others = inverse @ (weighted.T @ target)
    phi = np.vstack([others, total - others.sum(axis=0)])
    return phi, values - Z @ phi, reduced, inverse


def _symmetric_inverse(gram: np.ndarray) -> np.ndarray:
    """Inverse of a positive semi-definite Gram matrix: Cholesky where it is well conditioned, else the pseudo-inverse."""
    try:
        factor, lower = scipy.linalg.cho_factor(gram, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(gram, hermitian=True)
    diagonal = np.abs(np.diag(factor))  # its squared spread bounds the condition number from below
    if diagonal.min() ** 2 * 1e10 < diagonal.max() ** 2:
        # Nearly collinear (features that never vary apart): the pseudo-inverse keeps the minimum-norm solution.
        return np.linalg.pinv(gram, hermitian=True)
    return scipy.linalg.cho_solve((factor, lower), np.eye(len(gram)), check_finite=False)


def _reduced_covariance(design: CoalitionDesign, reduced, inverse, residuals, label: int):
    """Sandwich covariance of the k - 1 free values: sampling error of the drawn pairs.

    Each draw adds ``draw_weight x (score of its pair)`` to the normal
    equations; the draws are independent, so their summed score varies with
    ``P x`` the scores' sample covariance (a random background row per
    draw, with ``background_pairing="one"``, is part of the draw).
    Enumerated coalitions carry no sampling error.
    """
    k1 = reduced.shape[1]
    meat = np.zeros((k1, k1))
    scores = reduced * residuals[:, label : label + 1]
    if len(design.pairs) > 1:
        pair_scores = scores[design.pairs[:, 0]] + scores[design.pairs[:, 1]]
        centred = pair_scores - pair_scores.mean(axis=0)
        meat += design.draw_weight**2 * len(centred) / (len(centred) - 1) * (centred.T @ centred)
    return inverse @ meat @ inverse


def _full_covariance(reduced_cov: np.ndarray) -> np.ndarray:
    """Covariance of all k values from the k - 1 free ones (the last is minus their sum)."""
    k1 = reduced_cov.shape[0]
    expand = np.vstack([np.eye(k1), -np.ones((1, k1))])
    return expand @ reduced_cov @ expand.T


class CoalitionSamples:
    """Coalitions scored so far for one instance, grown round by round, and their Shapley fit.

    Row 0 of ``outputs`` is the model at the instance (the full coalition);
    the other rows are the values of the design's coalitions (mean model
    output over the background rows paired with each). ``base`` is the mean
    output over the background (the empty coalition).
    """

    def __init__(self, sampler: InstanceSampler, pairing: str):
        if sampler.keep_inputs is not None and not sampler.random_removal:
            self.inputs = lambda keep, background_rows: sampler.keep_inputs(keep, None, background_rows)
        else:
            raise ValueError("this explainer cannot compute Shapley values: its sampler defines no coalition inputs")
        self.n_features = sampler.n_features
        weights = sampler.background_weights
        self.background_weights = np.ones(1) if weights is None else np.asarray(weights, dtype=np.float64)
        null = sampler.background_null
        self.active = np.flatnonzero(~null) if null is not None else np.arange(self.n_features)
        self.pairing = pairing if len(self.background_weights) > 1 else "all"
        self.design: CoalitionDesign | None = None
        self.keys = np.zeros(0, dtype="V1")
        self.values = None  # (n_scored, n_outputs), in the order of self.keys
        self.outputs = None  # (1 + n_design, n_outputs)
        self.base = None
        self.model_rows = 0

    @property
    def count(self) -> int:
        """Coalitions in the current design (the empty and the full one aside)."""
        return 0 if self.design is None else len(self.design.masks)

    @property
    def max_coalitions(self) -> int:
        return max_coalitions(len(self.active)) if len(self.active) > 1 else 0

    def _score(self, keep_active: np.ndarray, background_rows: np.ndarray | None, predict_fn, options, timings):
        """Model output per coalition: with one background row each (``background_rows``, (m,)), or with
        every background row (``None``), averaged with the background's weights."""
        keep = np.ones((len(keep_active), self.n_features), dtype=bool)
        keep[:, self.active] = keep_active
        n_outputs = None if self.values is None else self.values.shape[1]
        per_coalition = len(self.background_weights) if background_rows is None else 1
        batch_size = options.batch_size
        if background_rows is None:
            # Batches of whole coalitions: the inputs are then one broadcast of coalitions against the background.
            batch_size = max(1, batch_size // per_coalition) * per_coalition

            def build(start: int, stop: int):
                return self.inputs(keep[start // per_coalition : stop // per_coalition], None)
        else:

            def build(start: int, stop: int):
                return self.inputs(keep[start:stop], background_rows[start:stop])

        rows = len(keep) * per_coalition
        outputs = predict_in_batches(predict_fn, build, rows, batch_size, options.mode, n_outputs, timings)
        self.model_rows += rows
        if per_coalition == 1:
            return outputs
        weights = self.background_weights
        return np.einsum("cbo,b->co", outputs.reshape(len(keep), per_coalition, -1), weights)

    def score_round(self, total: int, predict_fn, options, timings: dict) -> None:
        """Design ``total`` coalitions and score those not scored before."""
        began = perf_counter()
        d = len(self.active)
        if self.outputs is None:
            # The instance (any background row: every feature is kept) and the empty coalition.
            instance = self._score(np.ones((1, d), dtype=bool), np.zeros(1, dtype=np.intp), predict_fn, options, timings)
            empty = self._score(np.zeros((1, d), dtype=bool), None, predict_fn, options, timings)
            self.instance_output, self.base = instance[0], empty[0]
            self.values = np.zeros((0, len(self.base)))
        previous = None if self.design is None else self.design.draws
        if self.pairing == "one" and d > 1:
            timings["sampling"] += perf_counter() - began
            self._score_independent(design_coalitions(d, total, options.rng, previous, independent=True), predict_fn, options, timings)
            return
        design = design_coalitions(d, total, options.rng, previous) if d > 1 else None
        masks = np.zeros((0, d), dtype=bool) if design is None else design.masks
        keys = _keys(masks) if len(masks) else np.zeros(0, dtype="V1")
        found = _lookup(self.keys, keys)
        new = np.flatnonzero(found < 0)
        timings["sampling"] += perf_counter() - began
        if len(new):
            values = self._score(masks[new], None, predict_fn, options, timings)
            found[new] = len(self.keys) + np.arange(len(new))
            self.keys = np.concatenate([self.keys.astype(keys.dtype), keys[new]]) if len(self.keys) else keys[new]
            self.values = np.concatenate([self.values, values])
        self.design = design
        self.outputs = np.vstack([self.instance_output, self.values[found]]) if len(found) else self.instance_output[None]

    def _score_independent(self, design: CoalitionDesign, predict_fn, options, timings: dict) -> None:
        """Score the new draws and their complements, each with its own random background row."""
        old = 0 if self.design is None else len(self.design.draws)
        new = design.draws[old:]
        if len(new):
            both = np.concatenate([new, ~new])
            rows = options.rng.choice(len(self.background_weights), size=len(both), p=self.background_weights)
            values = self._score(both, rows, predict_fn, options, timings)
            self.first = values[: len(new)] if old == 0 else np.concatenate([self.first, values[: len(new)]])
            self.second = values[len(new) :] if old == 0 else np.concatenate([self.second, values[len(new) :]])
        self.design = design
        self.outputs = np.vstack([self.instance_output, self.first, self.second])

    def fit_and_assess(self, chosen, options, quality_rng: np.random.Generator):
        """Shapley values of the chosen labels, their standard errors and stability figures.

        Returns ``(fits, figures, targets, effective_n)`` like the lime fit.
        """
        labels = list(chosen)
        base, full = self.base[labels], self.instance_output[labels]
        d_all, active = self.n_features, self.active
        design = self.design
        values = self.outputs[1:, labels] - base
        total = full - base
        phi = np.zeros((d_all, len(labels)))
        variance = np.zeros((d_all, len(labels)))
        covariances = [np.zeros((0, 0))] * len(labels)
        columns = [active] * len(labels)
        if len(active) == 1:
            phi[active[0]] = total
        elif len(active) > 1:
            fitted, residuals, reduced, inverse = constrained_fit(design.masks, design.weights, values, total)
            phi[active] = fitted
            covariances = [
                _full_covariance(_reduced_covariance(design, reduced, inverse, residuals, j))
                for j in range(len(labels))
            ]
            if options.num_features < len(active):
                phi, covariances, columns = self._select(design, values, total, phi, options.num_features)
            for j in range(len(labels)):
                variance[columns[j], j] = np.maximum(np.diag(covariances[j]), 0.0)
        score = self._r_squared(values, phi)
        fits, stds = [], []
        for j in range(len(labels)):
            reported = columns[j] if options.num_features < len(active) else np.arange(d_all)
            pairs, ordered = sorted_pairs(reported, phi[reported, j])
            fits.append(SurrogateFit(pairs, float(base[j]), float(base[j] + phi[:, j].sum()), float(score[j]), ordered))
            stds.append(np.sqrt(variance[ordered, j]).tolist())
        figures = _stability_figures(phi, columns, covariances, fits, quality_rng, options.num_features, d_all, self.count)
        figures.coefficient_std = stds
        weights = design.weights if design is not None else np.ones(1)
        targets = self.outputs[:, labels]
        return fits, figures, targets, float(weights.sum() ** 2 / np.dot(weights, weights))

    def _select(self, design, values, total, phi, num_features: int):
        """Keep each label's ``num_features`` largest values and refit under the sum constraint."""
        columns, covariances, out = [], [], np.zeros_like(phi)
        for j in range(phi.shape[1]):
            order = np.argsort(-np.abs(phi[self.active, j]), kind="stable")[:num_features]
            keep = np.sort(order)
            fitted, residuals, reduced, inverse = constrained_fit(design.masks[:, keep], design.weights, values[:, [j]], total[[j]])
            out[self.active[keep], j] = fitted[:, 0]
            cov = np.zeros((0, 0)) if len(keep) == 1 else _full_covariance(
                _reduced_covariance(design, reduced, inverse, residuals, 0)
            )
            columns.append(self.active[keep])
            covariances.append(cov if len(keep) > 1 else np.zeros((1, 1)))
        return out, covariances, columns

    def _r_squared(self, values: np.ndarray, phi: np.ndarray) -> np.ndarray:
        """Kernel-weighted R^2 of the additive fit over the designed coalitions (1 when there are none)."""
        if self.design is None or not len(self.design.masks):
            return np.ones(phi.shape[1])
        w = self.design.weights
        fitted = self.design.masks.astype(np.float64) @ phi[self.active]
        residual = w @ (values - fitted) ** 2
        centred = w @ (values - (w @ values) / w.sum()) ** 2
        return np.where(centred > 0, 1.0 - residual / np.where(centred > 0, centred, 1.0), 1.0)


def _lookup(known: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Position of each key in ``known``, -1 where absent."""
    if not len(known) or not len(keys):
        return np.full(len(keys), -1, dtype=np.intp)
    both = np.concatenate([known.astype(keys.dtype), keys])
    _, inverse = np.unique(both, return_inverse=True)
    inverse = inverse.ravel()
    position = np.full(inverse.max() + 1, -1, dtype=np.intp)
    position[inverse[: len(known)]] = np.arange(len(known))
    return position[inverse[len(known) :]]


def _stability_figures(phi, columns, covariances, fits, rng, num_features: int, d: int, n_samples: int) -> QualityFigures:
    """Top-k stability and rank intervals of the values under their sampling error, as for lime's fits."""
    top_k = max(1, min(5, num_features, d))
    sets, ordered_covariances = [], []
    for j, fit in enumerate(fits):
        draws = np.tile(phi[:, j], (STABILITY_DRAWS, 1))
        cov = covariances[j]
        if cov.size and np.any(np.diag(cov) > 0):
            eigenvalues, vectors = np.linalg.eigh(cov)
            root = vectors * np.sqrt(np.maximum(eigenvalues, 0.0))
            draws[:, columns[j]] += rng.standard_normal((STABILITY_DRAWS, len(eigenvalues))) @ root.T
        reported = np.zeros(d, dtype=bool)
        reported[fit.selected] = True
        magnitude = np.where(reported, np.abs(draws), -1.0)
        order = np.argsort(-magnitude, axis=1, kind="stable")[:, :top_k]
        ranks = np.full((STABILITY_DRAWS, d), top_k, dtype=np.intp)
        np.put_along_axis(ranks, order, np.arange(top_k), axis=1)
        reported_cov = _reported_covariance(cov, columns[j], fit.selected)
        sets.append((ranks, _settled_in_draws(draws[:, fit.selected], reported_cov, fit.selected, top_k, d)))
        ordered_covariances.append(reported_cov)
    return rank_figures([fit.score for fit in fits], [], fits, ordered_covariances, sets, top_k, n_samples)


def _settled_in_draws(values: np.ndarray, cov: np.ndarray, reported: np.ndarray, top_k: int, d: int):
    """Each simulated rerun's settled top k and candidates, from its values and their (unchanged) covariance."""
    order = np.argsort(-np.abs(values), axis=1, kind="stable")
    reordered = cov[order[:, :, None], order[:, None, :]]
    bounds = batched_rank_bounds(np.take_along_axis(values, order, axis=1), reordered)
    settled, candidates = np.zeros((len(values), d), dtype=bool), np.zeros((len(values), d), dtype=bool)
    settled_positions, candidate_positions = settled_mask(bounds, top_k)
    np.put_along_axis(settled, np.asarray(reported)[order], settled_positions, axis=1)
    np.put_along_axis(candidates, np.asarray(reported)[order], candidate_positions, axis=1)
    return settled, candidates


def _reported_covariance(cov: np.ndarray, columns: np.ndarray, reported: np.ndarray) -> np.ndarray:
    """The values' covariance in reported order; features outside ``columns`` (no variance) get zeros."""
    out = np.zeros((len(reported), len(reported)))
    if not cov.size:
        return out
    position = np.full(max(int(np.max(reported, initial=0)), int(np.max(columns, initial=0))) + 1, -1)
    position[columns] = np.arange(len(columns))
    where = position[reported]
    known = np.flatnonzero(where >= 0)
    out[np.ix_(known, known)] = cov[np.ix_(where[known], where[known])]
    return out
