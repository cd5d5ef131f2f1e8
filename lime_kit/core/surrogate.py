"""Locally weighted ridge surrogate with lime's feature-selection methods.

Everything is computed from the weighted Gram matrix ``G = Zc' W Zc`` and the
cross products ``C = Zc' W Yc`` (centred by the weighted means), built once
for all labels. Feature selection and the final ridge solve then work on
small ``k x k`` systems, so no estimator is refitted per candidate or label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from lime_kit.core.workspace import scratch

__all__ = ["FEATURE_SELECTION_METHODS", "SurrogateFit", "fit_surrogates"]

FEATURE_SELECTION_METHODS = ("auto", "none", "highest_weights", "forward_selection", "lasso_path")

RIDGE_ALPHA = 1.0  # lime's Ridge(alpha=1) for the final surrogate
HIGHEST_WEIGHTS_ALPHA = 0.01  # lime's ranking fit
FORWARD_ALPHA = 1e-8  # lime uses alpha=0; a whisker keeps collinear candidates solvable


@dataclass
class SurrogateFit:
    """One label's surrogate: selected ``(feature, weight)`` pairs and its quality."""

    coefficients: list
    intercept: float
    local_pred: float
    score: float


@dataclass
class _WeightedMoments:
    """Weighted, centred second moments of (Z, Y) shared by all labels."""

    gram: np.ndarray  # (d, d)
    cross: np.ndarray  # (d, L)
    total: np.ndarray  # (L,) weighted total sum of squares of Y
    z_mean: np.ndarray  # (d,)
    y_mean: np.ndarray  # (L,)


def _weighted_moments(Z: np.ndarray, Y: np.ndarray, weights: np.ndarray) -> _WeightedMoments:
    """Centred weighted moments; the (n, d) products run in float32.

    Sampling noise in a surrogate is orders of magnitude above float32
    rounding, while float32 halves the memory traffic of the one O(n d^2)
    step. Centring before the product keeps the rounding relative to the
    spread of each column, not to its mean.
    """
    weight_sum = weights.sum()
    # Matching dtypes keeps numpy from making a float64 copy of a float32 Z.
    z_mean = (weights.astype(Z.dtype) if Z.dtype == np.float32 else weights) @ Z / weight_sum
    y_mean = weights @ Y / weight_sum
    root_w = np.sqrt(weights, dtype=np.float32)[:, None]
    scaled = scratch("surrogate.scaled_Z", Z.shape, np.float32)
    np.subtract(Z, z_mean.astype(np.float32), out=scaled, casting="unsafe")
    scaled *= root_w
    scaled_Y = ((Y - y_mean) * root_w).astype(np.float32)
    gram = (scaled.T @ scaled).astype(np.float64)
    cross = (scaled.T @ scaled_Y).astype(np.float64)
    total = weights @ (Y - y_mean) ** 2
    return _WeightedMoments(gram, cross, total, z_mean, y_mean)


def _ridge_solve(gram: np.ndarray, cross: np.ndarray, alpha: float) -> np.ndarray:
    """Solve ``(G + alpha I) b = c`` (G and c may be stacked)."""
    k = gram.shape[-1]
    return np.linalg.solve(gram + alpha * np.eye(k), cross)


def _explained(gram: np.ndarray, cross: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Weighted sum of squares explained by ``coef``: ``TSS - RSS = b'(2c - G b)``."""
    return np.einsum("...i,...i->...", coef, 2 * cross - np.einsum("...ij,...j->...i", gram, coef))


def _select_highest_weights(m: _WeightedMoments, candidates: np.ndarray, num_features: int) -> list:
    sub = np.ix_(candidates, candidates)
    coef = _ridge_solve(m.gram[sub], m.cross[candidates], HIGHEST_WEIGHTS_ALPHA)
    order = np.argsort(-np.abs(coef), axis=0, kind="stable")[:num_features]
    return [candidates[order[:, label]] for label in range(coef.shape[1])]


def _select_forward(m: _WeightedMoments, candidates: np.ndarray, num_features: int, label: int) -> np.ndarray:
    selected: list[int] = []
    remaining = list(candidates)
    for _ in range(min(num_features, len(candidates))):
        trial = np.array([selected + [j] for j in remaining])  # (n_remaining, k)
        grams = m.gram[trial[:, :, None], trial[:, None, :]]
        crosses = m.cross[trial, label]
        coef = _ridge_solve(grams, crosses[..., None], FORWARD_ALPHA)[..., 0]
        best = int(np.argmax(_explained(grams, crosses, coef)))
        selected.append(remaining.pop(best))
    return np.array(selected, dtype=int)


def _select_lasso_path(m: _WeightedMoments, candidates: np.ndarray, num_features: int, label: int, n_samples: int):
    from sklearn.linear_model import lars_path_gram

    gram = m.gram[np.ix_(candidates, candidates)]
    _, _, coefs = lars_path_gram(m.cross[candidates, label], gram, n_samples=n_samples, method="lasso")
    # The least regularized point on the path that keeps at most num_features.
    for step in range(coefs.shape[1] - 1, -1, -1):
        nonzero = np.flatnonzero(coefs[:, step])
        if len(nonzero) <= num_features:
            return candidates[nonzero]
    return candidates[:0]


def select_features(
    m: _WeightedMoments, candidates: np.ndarray, num_features: int, method: str, n_samples: int
) -> list[np.ndarray]:
    """Return, per label, the indices of the selected features."""
    n_labels = m.cross.shape[1]
    if method == "auto":
        method = "forward_selection" if num_features <= 6 else "highest_weights"
    if method == "none" or num_features >= len(candidates):
        return [candidates] * n_labels
    if method == "highest_weights":
        return _select_highest_weights(m, candidates, num_features)
    if method == "forward_selection":
        return [_select_forward(m, candidates, num_features, label) for label in range(n_labels)]
    if method == "lasso_path":
        return [_select_lasso_path(m, candidates, num_features, label, n_samples) for label in range(n_labels)]
    raise ValueError(f"feature_selection must be one of {FEATURE_SELECTION_METHODS}, got {method!r}")


def _sorted_pairs(indices: np.ndarray, coef: np.ndarray) -> list:
    order = np.argsort(-np.abs(coef), kind="stable")
    return [(int(indices[i]), float(coef[i])) for i in order]


def _ridge_fit(m: _WeightedMoments, Z0: np.ndarray, selected: np.ndarray, label: int) -> SurrogateFit:
    gram = m.gram[np.ix_(selected, selected)]
    cross = m.cross[selected, label]
    coef = _ridge_solve(gram, cross, RIDGE_ALPHA)
    intercept = m.y_mean[label] - m.z_mean[selected] @ coef
    total = m.total[label]
    score = 1.0 - (total - _explained(gram, cross, coef)) / total if total > 0 else 1.0
    return SurrogateFit(_sorted_pairs(selected, coef), float(intercept), float(intercept + Z0[selected] @ coef), float(score))


def _user_model_fit(model_regressor, Z, y, weights, selected) -> SurrogateFit:
    model = clone(model_regressor)
    X = Z[:, selected]
    model.fit(X, y, sample_weight=weights)
    coef = np.ravel(model.coef_)
    intercept = float(np.ravel(model.intercept_)[0]) if np.ndim(model.intercept_) else float(model.intercept_)
    score = float(model.score(X, y, sample_weight=weights))
    local_pred = float(np.ravel(model.predict(X[:1]))[0])
    return SurrogateFit(_sorted_pairs(selected, coef), intercept, local_pred, score)


def fit_surrogates(
    Z: np.ndarray,
    Y: np.ndarray,
    weights: np.ndarray,
    num_features: int,
    feature_selection: str = "auto",
    model_regressor=None,
    constant_features: np.ndarray | None = None,
) -> list[SurrogateFit]:
    """Fit one weighted linear surrogate per column of ``Y``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Interpretable representation; row 0 is the instance.
    Y : ndarray of shape (n_samples, n_labels)
        Model outputs for the explained labels.
    weights : ndarray of shape (n_samples,)
        Kernel weights.
    num_features : int
        Maximum number of features kept per label.
    feature_selection : {"auto", "none", "highest_weights", "forward_selection", "lasso_path"}
        lime's selection methods; ``auto`` is forward selection up to 6
        features, highest weights above.
    model_regressor : scikit-learn regressor, optional
        Fitted (a clone) on the selected features with ``sample_weight``
        instead of the built-in ridge.
    constant_features : ndarray of bool, optional
        Features that cannot vary; never selected, weight 0.

    Returns
    -------
    list of SurrogateFit, one per column of ``Y``.
    """
    if feature_selection not in FEATURE_SELECTION_METHODS:
        raise ValueError(f"feature_selection must be one of {FEATURE_SELECTION_METHODS}, got {feature_selection!r}")
    with _single_threaded_blas():
        return _fit_all(Z, Y, weights, num_features, feature_selection, model_regressor, constant_features)


def _single_threaded_blas():
    """Limit BLAS to one thread for the surrogate's small products.

    On small machines a multi-threaded BLAS spends more on waking and
    contending threads than it saves on these (n x d) products: the same fit
    was seen to swing from 3 ms to 250 ms when another process held a core.
    """
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLER = ThreadpoolController()
    return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")


_BLAS_CONTROLLER = None


def _fit_all(Z, Y, weights, num_features, feature_selection, model_regressor, constant_features) -> list[SurrogateFit]:
    m = _weighted_moments(Z, Y, weights)
    variable = np.diag(m.gram) > 1e-12 * max(1.0, float(np.abs(m.gram).max(initial=0.0)))
    if constant_features is not None:
        variable &= ~constant_features
    candidates = np.flatnonzero(variable)
    selections = select_features(m, candidates, num_features, feature_selection, Z.shape[0])
    fits = []
    for label, selected in enumerate(selections):
        if model_regressor is not None and len(selected):
            fits.append(_user_model_fit(model_regressor, Z, Y[:, label], weights, selected))
        else:
            fits.append(_ridge_fit(m, Z[0], selected, label))
    return fits
