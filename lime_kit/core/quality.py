"""How far can an explanation be trusted? Quality figures from the samples already scored.

Three figures, computed once for every modality and at no extra model call:

- **Held-out fidelity**: K-fold cross-fitting. The moments of every "all but
  one fold" subset come from the per-fold moments by subtraction, the
  feature selection is rerun on them, and the surrogate is scored on the
  fold it did not see.
- **Standard errors** of the reported weights: the heteroskedasticity-robust
  sandwich ``H^-1 (sum_i s_i s_i') H^-1`` of the weighted ridge, where
  ``s_i = w_i (z_i - z_mean) e_i`` is sample i's score. lime's residuals are
  far from homoskedastic (the kernel weights and the model's curvature
  both vary across samples), so the plain OLS formula would be miscalibrated.
- **Stability**: how many of the top-k features a rerun with another seed
  would share. To first order a rerun moves the cross products by a
  zero-mean vector with the covariance of the sum of sample scores; reruns
  are simulated by drawing such perturbations, rerunning the same feature
  selection and ridge on each (vectorized over draws), and averaging the
  pairwise top-k Jaccard. The same draws tell, per feature, how often it is
  in the top k: features that are in it only sometimes are "not resolved".
"""

from __future__ import annotations

from dataclasses import dataclass

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

__all__ = ["QualityFigures", "assess_quality", "pairwise_jaccard", "top_k_jaccard"]

#: Simulated reruns behind the stability estimate.
STABILITY_DRAWS = 32
#: A feature in the top k of between these shares of simulated reruns is "not resolved".
UNRESOLVED_RANGE = (0.1, 0.9)


@dataclass
class QualityFigures:
    """Per-label quality figures, in the order of the explained labels."""

    heldout_score: list[float]
    coefficient_std: list[list[float]]
    stability: list[float]
    top_share: list[np.ndarray]  # (top_k, d): row k-1, share of simulated reruns with the feature in the top k
    top_k: int
    agreement: list[list[float]]  # per label, mean pairwise top-k Jaccard of the reruns for k = 1..top_k


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
    pairs = np.triu_indices(len(membership), k=1)
    ratio = np.divide(inter[pairs], union[pairs], out=np.ones(len(pairs[0])), where=union[pairs] > 0)
    return float(ratio.mean()) if len(ratio) else 1.0


def _complement_moments(m: Moments, fold: int):
    """Centred gram, cross products and mean shifts of all rows outside ``fold``."""
    weight = m.weight_sum - m.fold_weight[fold]
    z_sum, y_sum = -m.fold_z_sum[fold], -m.fold_y_sum[fold]  # the full centred sums are zero
    gram = m.gram - m.fold_gram[fold] - np.outer(z_sum, z_sum) / weight
    cross = m.cross - m.fold_cross[fold] - np.outer(z_sum, y_sum) / weight
    return gram, cross, z_sum / weight, y_sum / weight


def _heldout_scores(Z, Y, weights, m: Moments, candidates, num_features, method, model_regressor) -> list[float]:
    labels = Y.shape[1]
    residual_ss = np.zeros(labels)
    folds = len(m.fold_bounds) - 1
    for fold in range(folds):  # loops over folds (a handful), vectorized over rows
        rows = slice(m.fold_bounds[fold], m.fold_bounds[fold + 1])
        gram, cross, z_shift, y_shift = _complement_moments(m, fold)
        train = Z.shape[0] - (rows.stop - rows.start)
        selections = select_features(gram, cross.T, candidates, num_features, method, train, m.instance_z)
        for label, selected in enumerate(selections):
            if model_regressor is not None and len(selected):
                keep = np.ones(Z.shape[0], dtype=bool)
                keep[rows] = False
                fit = fit_surrogates(
                    Z[keep], Y[keep][:, [label]], weights[keep], len(selected), "none", model_regressor,
                )[0]
                fitted = dict(fit.coefficients)
                coef = np.array([fitted.get(int(j), 0.0) for j in selected])
                predicted = fit.intercept + Z[rows][:, selected] @ coef
                residual_ss[label] += weights[rows] @ (Y[rows, label] - predicted) ** 2
                continue
            coef = ridge_solve(gram[np.ix_(selected, selected)], cross[selected, label], RIDGE_ALPHA)
            # Root-weighted residuals on the fold, from the centred samples and the subset's mean shift.
            residual = (
                m.scaled_Y[rows, label]
                - m.scaled_Z[rows][:, selected] @ coef
                - m.root_w[rows, 0] * (y_shift[label] - z_shift[selected] @ coef)
            )
            residual_ss[label] += residual @ residual
    return [float(1.0 - rss / total) if total > 0 else 1.0 for rss, total in zip(residual_ss, m.total)]


def _sandwich(m: Moments, columns: np.ndarray, label_residuals: np.ndarray, alpha: float, effective_n: float):
    """Robust covariance of the ridge weights on ``columns``; residuals are root-weighted, shape (n,)."""
    k = len(columns)
    scores = m.scaled_Z[:, columns] * label_residuals[:, None]
    meat = scores.T.astype(np.float64) @ scores
    bread = np.linalg.inv(m.gram[np.ix_(columns, columns)] + alpha * np.eye(k))
    # Small-sample correction on the kernel's effective sample size (HC1 with n_eff).
    correction = effective_n / (effective_n - k - 1) if effective_n > k + 1 else np.inf
    return bread @ meat @ bread * correction


def _fit_residuals(m: Moments, fits: list[SurrogateFit]) -> np.ndarray:
    """Root-weighted residuals (n, L) of each label's reported surrogate."""
    residuals = m.scaled_Y.copy()
    for label, fit in enumerate(fits):
        if fit.selected is not None and len(fit.selected):
            coef = np.array([w for _, w in fit.coefficients], dtype=np.float32)
            residuals[:, label] -= m.scaled_Z[:, fit.selected] @ coef
    return residuals


def _coefficient_std(m: Moments, fits: list[SurrogateFit], residuals: np.ndarray, effective_n: float) -> list[list[float]]:
    out = []
    for label, fit in enumerate(fits):
        if fit.selected is None or not len(fit.selected):
            out.append([])
            continue
        covariance = _sandwich(m, fit.selected, residuals[:, label], RIDGE_ALPHA, effective_n)
        out.append(np.sqrt(np.maximum(np.diag(covariance), 0.0)).tolist())
    return out


def _simulated_top_sets(m, residuals, candidates, num_features, method, top_k, rng, draws, effective_n) -> list[np.ndarray]:
    """Rank (0 .. top_k - 1, or top_k when outside) of every feature in simulated reruns, (draws, d) per label.

    A rerun's cross products differ, to first order, by ``sum_i xi_i s_i`` with
    independent standard-normal ``xi_i`` (a Gaussian multiplier bootstrap of
    the sample scores ``s_i``), drawn here as one (d, n) x (n, draws) product.
    The scores use the reported surrogate's residuals: for the selected
    features that is the exact first-order fluctuation of their weights,
    including what the omitted features add to it.
    """
    d, labels = m.gram.shape[0], m.cross.shape[1]
    # The lasso path is not vectorized over draws; forward selection stands in for it here.
    draw_method = "forward_selection" if resolve_method(method, num_features) == "lasso_path" else method
    scaled_c = m.scaled_Z if len(candidates) == d else m.scaled_Z[:, candidates]
    correction = effective_n / (effective_n - len(candidates) - 1) if effective_n > len(candidates) + 1 else 1.0
    multipliers = rng.standard_normal((len(m.root_w), draws), dtype=np.float32)
    out = []
    for label in range(labels):  # loops over explained labels
        noise = (scaled_c.T @ (multipliers * residuals[:, label : label + 1])).T * np.sqrt(correction)
        cross = np.zeros((draws, d))
        cross[:, candidates] = m.cross[candidates, label] + noise
        selections = np.array(
            select_features(m.gram, cross, candidates, num_features, draw_method, len(m.root_w), m.instance_z)
        )
        grams = m.gram[selections[:, :, None], selections[:, None, :]]
        coef = ridge_solve(grams, np.take_along_axis(cross, selections, axis=1)[..., None], RIDGE_ALPHA)[..., 0]
        order = np.argsort(-np.abs(coef), axis=1, kind="stable")[:, :top_k]
        ranks = np.full((draws, d), top_k, dtype=np.intp)
        np.put_along_axis(ranks, np.take_along_axis(selections, order, axis=1), np.arange(order.shape[1]), axis=1)
        out.append(ranks)
    return out


def _bootstrap_top_sets(Z, Y, weights, rng, resamples, top_k, fit_options) -> list[np.ndarray]:
    """Ranks (as in :func:`_simulated_top_sets`) in exact refits on Poisson(1) bootstrap reweightings."""
    counts = rng.poisson(1.0, size=(resamples, len(weights)))
    out = [np.full((resamples, Z.shape[1]), top_k, dtype=np.intp) for _ in range(Y.shape[1])]
    for r, draw in enumerate(counts):  # loops over refits, each a full vectorized fit
        for label, refit in enumerate(fit_surrogates(Z, Y, weights * draw, **fit_options)):
            top = [i for i, _ in refit.coefficients[:top_k]]
            out[label][r, top] = np.arange(len(top))
    return out


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
    """Held-out R^2, weight standard errors and the stability estimate of each label's fit.

    ``stability_resamples > 0`` replaces the simulated reruns by that many
    exact refits on Poisson(1) bootstrap reweightings (slower, exact
    selection, the same figure).
    """
    top_k = max(1, min(top_k, num_features))
    with single_threaded_blas(), np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        heldout = _heldout_scores(Z, Y, weights, moments, candidates, num_features, feature_selection, model_regressor)
        residuals = _fit_residuals(moments, fits)
        std = (
            [[float("nan")] * len(fit.coefficients) for fit in fits]
            if model_regressor is not None
            else _coefficient_std(moments, fits, residuals, effective_n)
        )
        if not len(candidates):
            sets = [np.full((2, Z.shape[1]), top_k, dtype=np.intp) for _ in fits]
        elif stability_resamples:
            options = dict(
                num_features=num_features, feature_selection=feature_selection,
                model_regressor=model_regressor, constant_features=constant_features,
            )
            sets = _bootstrap_top_sets(Z, Y, weights, rng, stability_resamples, top_k, options)
        else:
            sets = _simulated_top_sets(
                moments, residuals, candidates, num_features, feature_selection, top_k, rng, STABILITY_DRAWS, effective_n
            )
    return QualityFigures(
        heldout_score=heldout,
        coefficient_std=std,
        stability=[pairwise_jaccard(ranks < top_k) for ranks in sets],
        top_share=[np.stack([(ranks < k).mean(axis=0) for k in range(1, top_k + 1)]) for ranks in sets],
        agreement=[[pairwise_jaccard(ranks < k) for k in range(1, top_k + 1)] for ranks in sets],
        top_k=top_k,
    )


def unresolved_ranks(figures: QualityFigures, label_position: int) -> tuple[np.ndarray, int, int]:
    """Features whose rank within the top k is not settled, and the ranks (1-based) they compete for.

    A feature is unresolved when, for some ``k <= top_k``, it is in the top
    ``k`` of some simulated reruns but not of most (``UNRESOLVED_RANGE``).
    Returns ``(features, first_rank, last_rank)``, features most often near
    the top first; no features when every rank is settled.
    """
    shares = figures.top_share[label_position]  # (top_k, d)
    low, high = UNRESOLVED_RANGE
    uncertain_at = (shares > low) & (shares < high)
    features = np.flatnonzero(uncertain_at.any(axis=0))
    if not len(features):
        return features, 0, 0
    boundaries = np.flatnonzero(uncertain_at.any(axis=1))  # k - 1 for each unsettled boundary
    settled_above = [int(np.count_nonzero(shares[k] >= high)) for k in boundaries]
    first = min(settled_above) + 1
    last = max(first + len(features) - 1, int(boundaries.max()) + 1)
    order = np.argsort(-shares.sum(axis=0)[features], kind="stable")
    return features[order], first, last
