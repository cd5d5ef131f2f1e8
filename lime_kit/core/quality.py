"""How far can an explanation be trusted? Quality figures from the samples already scored.

Three figures, computed once for every modality and at no extra model call:

- **Held-out fidelity**: K-fold cross-fitting. The moments of every "all but
  one fold" subset come from the per-fold moments by subtraction, the
  feature selection is rerun on them, and the surrogate is scored on the
  fold it did not see.
- **Standard errors** of the reported weights: the heteroskedasticity-robust
  sandwich ``H^-1 (sum_i s_i s_i') H^-1`` of the weighted ridge, where
  ``s_i = w_i (z_i - z_mean) e_i`` is sample i's score; the middle term is
  estimated from score sums over 128 blocks of samples (one pass over them). lime's residuals are
  far from homoskedastic (the kernel weights and the model's curvature
  both vary across samples), so the plain OLS formula would be miscalibrated.
- **Stability**: how many of the top-k features a rerun with another seed
  would share. To first order a rerun moves the cross products by a
  zero-mean vector with the covariance of the sum of sample scores; reruns
  are simulated by drawing such perturbations from the block score sums, rerunning the same feature
  selection and ridge on each (vectorized over draws), and averaging the
  pairwise top-k Jaccard. The same draws tell, per feature, how often it is
  in the top k: features that are in it only sometimes are "not resolved".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lime_kit.core.surrogate import (
    RIDGE_ALPHA,
    Moments,
    SurrogateFit,
    fit_surrogates,
    resolve_method,
    ridge_solve,
    select_features,
    single_threaded_blas,
)
from lime_kit.core.workspace import scratch
from lime_kit.ranks import (
    PRACTICAL_TIE,
    RANK_Z,
    batched_rank_bounds,
    rank_bounds,
    settled_agreement,
    settled_mask,
    settled_positions,
)

__all__ = [
    "QualityFigures",
    "assess_quality",
    "pairwise_jaccard",
    "top_k_jaccard",
]

#: Simulated reruns behind the stability estimate.
STABILITY_DRAWS = 32
#: Blocks of samples whose score sums estimate the scores' covariance (its degrees of freedom).
SCORE_BLOCKS = 128


@dataclass
class QualityFigures:
    """Per-label quality figures, in the order of the explained labels."""

    heldout_score: list[float]
    coefficient_std: list[list[float]]
    stability: list[float]
    top_k: int
    # Per label, (best, worst) 1-based ranks of the reported weights, in their reported order.
    rank_bounds: list[np.ndarray] = field(default_factory=list)
    # Per label, the expected rerun agreement on the settled top k (ties crossing rank k left out).
    settled_stability: list[float] = field(default_factory=list)
    # Per label, the samples that would separate the tie crossing rank k (0 without one; inf if never).
    samples_to_settle: list[float] = field(default_factory=list)
    # Per label, how many of the top k are settled, and how many could be (the top k of the reported weights).
    settled_counts: list[tuple[int, int]] = field(default_factory=list)


def top_k_jaccard(a: list, b: list, k: int) -> float:
    """Jaccard overlap of the first ``k`` feature indices of two ``(index, weight)`` lists."""
    first, second = {i for i, _ in a[:k]}, {i for i, _ in b[:k]}
    union = first | second
    return len(first & second) / len(union) if union else 1.0


def pairwise_jaccard(membership: np.ndarray) -> float:
    """Mean Jaccard overlap over all pairs of rows of a boolean (draws, features) matrix.

    Examples
    --------
    >>> round(pairwise_jaccard(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1]], dtype=bool)), 4)
    0.5556
    """
    counts = membership.astype(np.float64)
    inter = counts @ counts.T
    sizes = counts.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - inter
    ratio = np.divide(inter, union, out=np.ones_like(inter), where=union > 0)
    rows = len(membership)
    return float((ratio.sum() - np.trace(ratio)) / (rows * (rows - 1))) if rows > 1 else 1.0


def _complement_moments(m: Moments):
    """Centred grams (K, d, d), cross products (K, d, L) and mean shifts of all rows outside each fold."""
    weight = (m.weight_sum - m.fold_weight)[:, None]
    z_sum, y_sum = -m.fold_z_sum, -m.fold_y_sum  # the full centred sums are zero
    z_shift, y_shift = z_sum / weight, y_sum / weight
    # Folds x (d, d) arrays are the largest temporaries here: reused, and the outer products built in place.
    shape = m.fold_gram.shape
    grams = np.subtract(m.gram, m.fold_gram, out=scratch("quality.complement_grams", shape))
    grams -= np.multiply(z_shift[:, :, None], z_sum[:, None, :], out=scratch("quality.outer", shape))
    cross = m.cross - m.fold_cross - z_shift[:, :, None] * y_sum[:, None, :]
    return grams, cross, z_shift, y_shift


def _heldout_scores(Z, Y, weights, m: Moments, candidates, num_features, method, model_regressor) -> list[float]:
    """Cross-fitted weighted R^2: every fold is predicted by a surrogate selected and fitted without it.

    Each fold's residual sum of squares comes from the fold's own moments
    (``T - 2 b'c + b'G b`` plus the terms of the subset's mean shift), so no
    pass over the samples is needed after :func:`weighted_moments`.
    """
    folds, labels, d = len(m.fold_bounds) - 1, Y.shape[1], Z.shape[1]
    grams, cross, z_shift, y_shift = _complement_moments(m)
    # One selection problem per (fold, label), solved together.
    problem_grams = grams if labels == 1 else np.repeat(grams, labels, axis=0)
    problem_cross = cross.transpose(0, 2, 1).reshape(folds * labels, d)
    train = Z.shape[0] - int(np.diff(m.fold_bounds).mean())
    selections = select_features(problem_grams, problem_cross, candidates, num_features, method, train, m.instance)
    if model_regressor is not None:
        return _heldout_user_model(Z, Y, weights, m, selections, model_regressor)
    fold_of, label_of = np.divmod(np.arange(folds * labels), labels)
    coef = np.zeros((folds * labels, d))
    lengths = {len(selected) for selected in selections}
    if len(lengths) == 1 and lengths != {0}:
        chosen = np.array(selections)  # (P, k)
        sub = problem_grams[np.arange(len(chosen))[:, None, None], chosen[:, :, None], chosen[:, None, :]]
        solved = ridge_solve(sub, np.take_along_axis(problem_cross, chosen, axis=1)[..., None], RIDGE_ALPHA)
        np.put_along_axis(coef, chosen, solved[..., 0], axis=1)
    else:  # lasso paths may keep different numbers of features
        for problem, selected in enumerate(selections):
            if len(selected):
                sub = problem_grams[problem][np.ix_(selected, selected)]
                coef[problem, selected] = ridge_solve(sub, problem_cross[problem, selected], RIDGE_ALPHA)
    shift = y_shift[fold_of, label_of] - np.einsum("pd,pd->p", z_shift[fold_of], coef)
    residual_ss = (
        m.fold_yy[fold_of, label_of]
        - 2 * np.einsum("pd,pd->p", coef, m.fold_cross[fold_of, :, label_of])
        + np.einsum("pd,pd->p", coef, np.matmul(m.fold_gram[fold_of], coef[:, :, None])[..., 0])
        - 2 * shift * (m.fold_y_sum[fold_of, label_of] - np.einsum("pd,pd->p", coef, m.fold_z_sum[fold_of]))
        + shift**2 * m.fold_weight[fold_of]
    )
    per_label = np.bincount(label_of, np.maximum(residual_ss, 0.0), minlength=labels)
    return [float(1.0 - rss / total) if total > 0 else 1.0 for rss, total in zip(per_label, m.total)]


def _heldout_user_model(Z, Y, weights, m: Moments, selections, model_regressor) -> list[float]:
    """Cross-fitted R^2 of a user ``model_regressor``: refitted (a clone) on each fold's complement."""
    labels = Y.shape[1]
    residual_ss = np.zeros(labels)
    for problem, selected in enumerate(selections):  # loops over folds x labels (a handful)
        fold, label = divmod(problem, labels)
        rows = slice(m.fold_bounds[fold], m.fold_bounds[fold + 1])
        keep = np.ones(Z.shape[0], dtype=bool)
        keep[rows] = False
        if len(selected):
            fit = fit_surrogates(Z[keep], Y[keep][:, [label]], weights[keep], len(selected), "none", model_regressor)[0]
            predicted = fit.intercept + Z[rows][:, [i for i, _ in fit.coefficients]] @ [w for _, w in fit.coefficients]
        else:
            predicted = np.average(Y[keep, label], weights=weights[keep])
        residual_ss[label] += weights[rows] @ (Y[rows, label] - predicted) ** 2
    return [float(1.0 - rss / total) if total > 0 else 1.0 for rss, total in zip(residual_ss, m.total)]


def _block_scores(m: Moments, residuals: np.ndarray) -> np.ndarray:
    """Sums of the sample scores ``s_i = sqrt(w_i) z~_i r_i`` over ``SCORE_BLOCKS`` blocks of rows, (B, d, L).

    The samples are independent, so the block sums are too: ``sum_b S_b S_b'``
    estimates the scores' covariance ``sum_i s_i s_i'`` (with ``B - 1``
    degrees of freedom), and ``sum_b xi_b S_b`` with normal ``xi_b`` is a
    multiplier-bootstrap draw of a rerun's perturbation. One pass of
    (n x d) work instead of the (n x d^2) of the full covariance.
    """
    n, d = m.scaled_Z.shape
    blocks = min(SCORE_BLOCKS, n)
    size = n // blocks
    main = blocks * size
    scores = np.matmul(
        m.scaled_Z[:main].reshape(blocks, size, d).transpose(0, 2, 1), residuals[:main].reshape(blocks, size, -1)
    )
    if main < n:  # the few rows left over form one more (smaller) block
        scores = np.concatenate([scores, (m.scaled_Z[main:].T @ residuals[main:])[None]])
    return scores.astype(np.float64)


def _sandwich(m: Moments, columns: np.ndarray, meat: np.ndarray, alpha: float, effective_n: float):
    """Robust covariance of the ridge weights on ``columns`` given their score ``meat``."""
    k = len(columns)
    bread = np.linalg.inv(m.gram[np.ix_(columns, columns)] + alpha * np.eye(k))
    # Small-sample correction on the kernel's effective sample size (HC1 with n_eff).
    correction = effective_n / (effective_n - k - 1) if effective_n > k + 1 else np.inf
    return bread @ meat @ bread * correction


def _fit_residuals(m: Moments, fits: list[SurrogateFit]) -> np.ndarray:
    """Root-weighted residuals (n, L) of each label's reported surrogate."""
    coef = np.zeros((m.scaled_Z.shape[1], len(fits)), dtype=np.float32)  # dense: no column gather
    for label, fit in enumerate(fits):
        for index, weight in fit.coefficients:
            coef[index, label] = weight
    return m.scaled_Y - m.scaled_Z @ coef


def _weight_covariances(m, fits, scores, effective_n) -> list[np.ndarray]:
    """Sandwich covariance of each label's reported weights, in the order of its ``coefficients``."""
    out = []
    for label, fit in enumerate(fits):
        if fit.selected is None or not len(fit.selected):
            out.append(np.zeros((0, 0)))
            continue
        block = scores[:, fit.selected, label]
        out.append(_sandwich(m, fit.selected, block.T @ block, RIDGE_ALPHA, effective_n))
    return out


def _samples_to_settle(weights, covariance, bounds, k: int, n: int) -> float:
    """Samples that would settle rank ``k``'s boundary; 0 when nothing crosses it, inf when nothing can.

    Rank ``k`` settles when the ``k``-th and ``k+1``-th weights separate.
    Standard errors shrink like ``1 / sqrt(n)``, so their difference, now at
    ``z`` standard errors, reaches the resolving quantile after about
    ``n * (z_resolve / z)**2`` samples. Weights within ``PRACTICAL_TIE`` of
    each other stay tied at any sample size: their projection is infinite.
    """
    bounds = np.asarray(bounds).reshape(-1, 2)
    may_be_top = int(np.count_nonzero(bounds[:, 0] <= k))
    if may_be_top <= k:  # nothing outside the top k could enter it: the boundary is settled
        return 0.0
    if covariance is None or covariance.shape[0] != len(weights):
        return np.inf
    a, b = k - 1, k
    magnitude = np.abs(weights)
    gap = magnitude[a] - magnitude[b]
    if gap <= PRACTICAL_TIE * magnitude[a]:
        return np.inf
    sign = np.where(weights < 0, -1.0, 1.0)
    variance = covariance[a, a] + covariance[b, b] - 2 * sign[a] * sign[b] * covariance[a, b]
    return float(n * (RANK_Z * np.sqrt(variance) / gap) ** 2) if variance > 0 else 0.0


def _simulated_top_sets(m, scores, candidates, num_features, method, top_k, rng, draws, effective_n) -> list[tuple]:
    """Simulated reruns per label: each feature's rank and whether it is in the rerun's settled top k.

    A rerun's cross products differ, to first order, by a zero-mean vector
    with the covariance of the summed sample scores; it is drawn as
    ``sum_b xi_b S_b`` over the block score sums (:func:`_block_scores`). The
    scores use the reported surrogate's residuals: for the selected features
    that is the exact first-order fluctuation of their weights, including
    what the omitted features add to it. Each rerun also gets its own rank
    intervals (its weights with the sandwich covariance of its selection), so
    its settled top k is the one a real rerun would report.

    Returns, per label, ``(ranks, (settled, candidates))``: ranks 0 ..
    top_k - 1 (top_k when outside), (draws, d), and each rerun's settled top
    k and candidates for it (:func:`~lime_kit.ranks.settled_mask`), (draws, d) bool.
    """
    d, labels = m.gram.shape[0], m.cross.shape[1]
    # The lasso path is not vectorized over draws; forward selection stands in for it here.
    draw_method = "forward_selection" if resolve_method(method, num_features) == "lasso_path" else method
    correction = effective_n / (effective_n - len(candidates) - 1) if effective_n > len(candidates) + 1 else 1.0
    multipliers = rng.standard_normal((draws, scores.shape[0])) * np.sqrt(correction)
    rows = np.arange(draws)[:, None]
    out = []
    for label in range(labels):  # loops over explained labels
        cross = np.zeros((draws, d))
        cross[:, candidates] = m.cross[candidates, label] + multipliers @ scores[:, candidates, label]
        selections = np.array(
            select_features(m.gram, cross, candidates, num_features, draw_method, len(m.root_w), m.instance)
        )
        # A rerun's ridge and sandwich depend only on which features it selected, and most reruns select the
        # same few sets: each distinct set is inverted once. Rank intervals do not depend on the order of the
        # features, so the sets stay sorted; only the ranks need the order by |weight|.
        sets = np.sort(selections, axis=1)
        first, which = _distinct_rows(sets)
        bread, covariance = _set_covariances(m.gram, scores[:, :, label], sets[first], effective_n)
        coef = np.matmul(bread[which], cross[rows, sets][..., None])[..., 0]
        order = np.argsort(-np.abs(coef), axis=1, kind="stable")
        ranked = sets[rows, order[:, :top_k]]
        ranks = np.full((draws, d), top_k, dtype=np.intp)
        ranks[rows, ranked] = np.arange(ranked.shape[1])
        settled_at, may_be_top_at = settled_mask(batched_rank_bounds(coef, covariance[which]), top_k)
        settled, may_be_top = np.zeros((draws, d), dtype=bool), np.zeros((draws, d), dtype=bool)
        settled[rows, sets], may_be_top[rows, sets] = settled_at, may_be_top_at
        out.append((ranks, (settled, may_be_top)))
    return out


def _distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of one copy of each distinct row of an int (m, k) array, and each row's distinct index."""
    packed = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))[:, 0]
    _, first, which = np.unique(packed, return_index=True, return_inverse=True)
    return first, which.ravel()


def _set_covariances(gram: np.ndarray, scores: np.ndarray, sets: np.ndarray, effective_n: float):
    """Ridge inverse ``(G_SS + alpha I)^-1`` and sandwich covariance of the weights of each feature set S.

    ``scores`` are one label's block score sums (B, d); ``sets`` is (u, k).
    Returns two (u, k, k) arrays.
    """
    k = sets.shape[1]
    bread = np.linalg.inv(gram[sets[:, :, None], sets[:, None, :]] + RIDGE_ALPHA * np.eye(k))
    picked = scores[:, sets].transpose(1, 2, 0)  # (u, k, blocks)
    meat = np.matmul(picked, picked.transpose(0, 2, 1))
    correction = effective_n / (effective_n - k - 1) if effective_n > k + 1 else np.inf
    return bread, bread @ meat @ bread * correction


def _bootstrap_top_sets(Z, Y, weights, rng, resamples, top_k, fit_options) -> list[tuple]:
    """Ranks (as in :func:`_simulated_top_sets`) in exact refits on Poisson(1) bootstrap reweightings.

    The refits' own settled sets are not computed (None): the settled
    stability then leaves out the reported fit's tie across rank k instead.
    """
    counts = rng.poisson(1.0, size=(resamples, len(weights)))
    out = [np.full((resamples, Z.shape[1]), top_k, dtype=np.intp) for _ in range(Y.shape[1])]
    for r, draw in enumerate(counts):  # loops over refits, each a full vectorized fit
        for label, refit in enumerate(fit_surrogates(Z, Y, weights * draw, **fit_options)):
            top = [i for i, _ in refit.coefficients[:top_k]]
            out[label][r, top] = np.arange(len(top))
    return [(ranks, None) for ranks in out]


def assess_quality(
    Z: np.ndarray,
    Y: np.ndarray,
    weights: np.ndarray,
    fits: list[SurrogateFit],
    moments: Moments,
    candidates: np.ndarray,
    *,
    num_features: int,
    feature_selection: str,
    model_regressor,
    rng: np.random.Generator,
    effective_n: float,
    stability_resamples: int = 0,
    constant_features: np.ndarray | None = None,
    top_k: int = 5,
) -> QualityFigures:
    """Held-out R^2, weight standard errors, rank intervals and the stability estimates of each label's fit.

    ``stability_resamples > 0`` replaces the simulated reruns by that many
    exact refits on Poisson(1) bootstrap reweightings (slower, exact
    selection, the same figure).
    """
    top_k = max(1, min(top_k, num_features))
    with single_threaded_blas(), np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        heldout = _heldout_scores(Z, Y, weights, moments, candidates, num_features, feature_selection, model_regressor)
        # One pass of block score sums serves the standard errors and the rerun draws.
        scores = _block_scores(moments, _fit_residuals(moments, fits))
        if model_regressor is not None:
            covariances = [None] * len(fits)
            std = [[float("nan")] * len(fit.coefficients) for fit in fits]
        else:
            covariances = _weight_covariances(moments, fits, scores, effective_n)
            std = [np.sqrt(np.maximum(np.diag(c), 0.0)).tolist() for c in covariances]
        if not len(candidates):
            sets = [(np.full((2, Z.shape[1]), top_k, dtype=np.intp), None) for _ in fits]
        elif stability_resamples:
            options = dict(
                num_features=num_features, feature_selection=feature_selection,
                model_regressor=model_regressor, constant_features=constant_features,
            )
            sets = _bootstrap_top_sets(Z, Y, weights, rng, stability_resamples, top_k, options)
        else:
            sets = _simulated_top_sets(
                moments, scores, candidates, num_features, feature_selection, top_k, rng, STABILITY_DRAWS, effective_n
            )
    return rank_figures(heldout, std, fits, covariances, sets, top_k, Z.shape[0])


def rank_figures(heldout, std, fits, covariances, sets, top_k: int, n_samples: int) -> QualityFigures:
    """Package the figures every method shares: stability, rank intervals, settled stability, projection.

    ``sets`` holds, per label, ``(ranks, reruns)`` from simulated reruns:
    the rank (0 .. top_k - 1, or top_k when outside) of every feature, (draws,
    d), and each rerun's ``(settled, candidates)`` masks, (draws, d) bool, or
    None when the reruns have no rank intervals of their own (then the
    reported fit's tie across rank k stands in for every rerun's).
    """
    bounds, settled, to_settle, counts = [], [], [], []
    for fit, covariance, (ranks, reruns) in zip(fits, covariances, sets):
        weights = np.array([w for _, w in fit.coefficients], dtype=np.float64)
        label_bounds = rank_bounds(weights, covariance)
        if reruns is None:  # reruns without rank intervals of their own: leave out the reported fit's crossing tie
            crossing = [i for (i, _), (best, worst) in zip(fit.coefficients, label_bounds) if best <= top_k < worst]
            in_top = ranks < top_k
            rerun_settled, rerun_candidates = in_top.copy(), in_top.copy()
            rerun_settled[:, crossing] = False
            rerun_candidates[:, crossing] = True
        else:
            rerun_settled, rerun_candidates = reruns
        bounds.append(label_bounds)
        settled.append(settled_agreement(rerun_settled, rerun_candidates))
        to_settle.append(_samples_to_settle(weights, covariance, label_bounds, top_k, n_samples))
        counts.append((len(settled_positions(label_bounds, top_k)), min(top_k, len(weights))))
    return QualityFigures(
        heldout_score=heldout,
        coefficient_std=std,
        stability=[pairwise_jaccard(ranks < top_k) for ranks, _ in sets],
        top_k=top_k,
        rank_bounds=bounds,
        settled_stability=settled,
        samples_to_settle=to_settle,
        settled_counts=counts,
    )
