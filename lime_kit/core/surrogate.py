"""Locally weighted ridge surrogate with lime's feature-selection methods.

Everything is computed from weighted, centred moments of ``(Z, Y)``: the
Gram matrix ``G = Zc' W Zc`` and the cross products ``C = Zc' W Yc``, built
once for all labels. The moments are accumulated per fold of contiguous rows,
so the cross-fitted quality figures (:mod:`lime_kit.core.quality`) get the
moments of every "all but one fold" subset by subtraction, without another
pass over the samples. Feature selection and the ridge solves then work on
small ``k x k`` systems, batched over labels (and over simulated reruns).
"""

from __future__ import annotations

import inspect
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from lime_kit.core.workspace import scratch

__all__ = [
    "FEATURE_SELECTION_METHODS",
    "Moments",
    "SurrogateFit",
    "check_model_regressor",
    "fit_surrogates",
    "select_features",
    "single_threaded_blas",
    "weighted_moments",
]

FEATURE_SELECTION_METHODS = ("auto", "none", "highest_weights", "highest_slopes", "forward_selection", "lasso_path")

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
    selected: np.ndarray | None = None  # feature indices in the order of ``coefficients``


@dataclass
class Moments:
    """Weighted, centred second moments of (Z, Y), shared by all labels.

    ``scaled_Z`` and ``fold_gram`` are scratch arrays (valid until the next
    :func:`weighted_moments` call on this thread). ``scaled_Z`` and ``scaled_Y`` are the centred, root-weighted samples
    (``sqrt(w) * (z - z_mean)``), kept for residuals and cross-fitting.
    ``fold_*`` hold the same sums restricted to each fold of contiguous rows.
    """

    gram: np.ndarray  # (d, d)
    cross: np.ndarray  # (d, L)
    total: np.ndarray  # (L,) weighted total sum of squares of Y
    z_mean: np.ndarray  # (d,)
    instance: np.ndarray  # (d,) float64 copy of Z[0], the instance's row (what highest_weights multiplies)
    y_mean: np.ndarray  # (L,)
    weight_sum: float
    scaled_Z: np.ndarray  # (n, d) float32, scratch
    scaled_Y: np.ndarray  # (n, L) float32
    root_w: np.ndarray  # (n, 1) float32
    fold_bounds: np.ndarray  # (K + 1,) row boundaries
    fold_gram: np.ndarray  # (K, d, d)
    fold_cross: np.ndarray  # (K, d, L)
    fold_z_sum: np.ndarray  # (K, d)   sum of w (z - z_mean) per fold
    fold_y_sum: np.ndarray  # (K, L)
    fold_yy: np.ndarray  # (K, L)    sum of w (y - y_mean)^2 per fold
    fold_weight: np.ndarray  # (K,)


def weighted_moments(Z: np.ndarray, Y: np.ndarray, weights: np.ndarray, folds: int = 1) -> Moments:
    """Centred weighted moments, total and per fold; the (n, d) products run in float32.

    Sampling noise in a surrogate is orders of magnitude above float32
    rounding, while float32 halves the memory traffic of the one O(n d^2)
    step. Centring before the product keeps the rounding relative to the
    spread of each column, not to its mean.
    """
    n = Z.shape[0]
    weight_sum = float(weights.sum())
    # Matching dtypes keeps numpy from making a float64 copy of a float32 Z.
    z_mean = (weights.astype(Z.dtype) if Z.dtype == np.float32 else weights) @ Z / weight_sum
    y_mean = weights @ Y / weight_sum
    root_w = np.sqrt(weights, dtype=np.float32)[:, None]
    scaled = scratch("surrogate.scaled_Z", Z.shape, np.float32)
    np.subtract(Z, z_mean.astype(np.float32), out=scaled, casting="unsafe")
    scaled *= root_w
    scaled_Y = ((Y - y_mean) * root_w).astype(np.float32)
    folds = max(1, min(int(folds), n))
    d, labels = Z.shape[1], Y.shape[1]
    # Folds of n // folds contiguous rows (the last also takes the remainder), as one batched product each.
    rows = n // folds
    main = folds * rows
    bounds = np.append(np.arange(folds) * rows, n)
    blocks = scaled[:main].reshape(folds, rows, d)
    blocks_Y = scaled_Y[:main].reshape(folds, rows, labels)
    blocks_w = root_w[:main, 0].reshape(folds, 1, rows)
    fold_gram = scratch("surrogate.fold_gram", (folds, d, d))  # as large as K Gram matrices: reused
    fold_gram[...] = np.matmul(blocks.transpose(0, 2, 1), blocks)
    fold_cross = np.matmul(blocks.transpose(0, 2, 1), blocks_Y).astype(np.float64)
    fold_z_sum = np.matmul(blocks_w, blocks)[:, 0].astype(np.float64)
    fold_y_sum = np.matmul(blocks_w, blocks_Y)[:, 0].astype(np.float64)
    if main < n:
        rest, rest_Y, rest_w = scaled[main:], scaled_Y[main:], root_w[main:, 0]
        fold_gram[-1] += rest.T @ rest
        fold_cross[-1] += rest.T @ rest_Y
        fold_z_sum[-1] += rest_w @ rest
        fold_y_sum[-1] += rest_w @ rest_Y
    fold_yy = np.add.reduceat(scaled_Y.astype(np.float64) ** 2, bounds[:-1], axis=0)
    fold_weight = np.add.reduceat(weights, bounds[:-1])
    return Moments(
        gram=fold_gram.sum(axis=0),
        cross=fold_cross.sum(axis=0),
        total=fold_yy.sum(axis=0),
        z_mean=np.asarray(z_mean, dtype=np.float64),
        instance=np.array(Z[0], dtype=np.float64),
        y_mean=np.asarray(y_mean, dtype=np.float64),
        weight_sum=weight_sum,
        scaled_Z=scaled,
        scaled_Y=scaled_Y,
        root_w=root_w,
        fold_bounds=bounds,
        fold_gram=fold_gram,
        fold_cross=fold_cross,
        fold_z_sum=fold_z_sum,
        fold_y_sum=fold_y_sum,
        fold_yy=fold_yy,
        fold_weight=fold_weight,
    )


def ridge_solve(gram: np.ndarray, cross: np.ndarray, alpha: float) -> np.ndarray:
    """Solve ``(G + alpha I) b = c`` (G and c may be stacked)."""
    k = gram.shape[-1]
    return np.linalg.solve(gram + alpha * np.eye(k), cross)


def _explained(gram: np.ndarray, cross: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Weighted sum of squares explained by ``coef``: ``TSS - RSS = b'(2c - G b)``."""
    return np.einsum("...i,...i->...", coef, 2 * cross - np.einsum("...ij,...j->...i", gram, coef))


def forward_select(gram: np.ndarray, cross: np.ndarray, candidates: np.ndarray, num_features: int) -> np.ndarray:
    """Greedy forward selection for many right-hand sides at once.

    Parameters
    ----------
    gram : ndarray of shape (d, d) or (R, d, d)
        Shared by all problems, or one per problem.
    cross : ndarray of shape (R, d)
        One row per problem (a label, a fold, or a simulated rerun).
    candidates : ndarray of int
    num_features : int

    Returns
    -------
    ndarray of int, shape (R, min(num_features, len(candidates)))
        Selected features per problem, in the order they were added.

    Each step adds, per problem, the candidate with the largest gain in
    explained sum of squares, ``(c_j - G_jS b_S)^2 / (G_jj - G_jS G_SS^-1 G_Sj)``
    (the partial-regression formula, equal to refitting with every candidate).
    """
    problems = cross.shape[0]
    steps = min(num_features, len(candidates))
    stacked = gram.ndim == 3
    g = _candidate_block(gram if stacked else gram[None], candidates) + FORWARD_ALPHA * np.eye(len(candidates))
    c = cross[:, candidates]
    diag = np.diagonal(g, axis1=1, axis2=2)
    chosen = np.zeros((problems, steps), dtype=np.intp)
    taken = np.zeros((problems, len(candidates)), dtype=bool)
    rows = np.arange(problems)
    which = rows if stacked else np.zeros(problems, dtype=np.intp)  # each problem's gram
    for step in range(steps):  # loops over selection steps (<= num_features), vectorized over problems
        if step == 0:
            gain = c**2 / diag
        else:
            sel = chosen[:, :step]
            g_ss = g[which[:, None, None], sel[:, :, None], sel[:, None, :]]  # (R, s, s)
            g_sj = g[which[:, None], sel]  # (R, s, d)
            solved = np.linalg.solve(g_ss, np.concatenate([c[rows[:, None], sel][..., None], g_sj], axis=2))
            b_s, a = solved[..., 0], solved[..., 1:]
            numerator = c - np.einsum("rsj,rs->rj", g_sj, b_s)
            denominator = np.maximum(diag - np.einsum("rsj,rsj->rj", g_sj, a), 1e-300)
            gain = numerator**2 / denominator
        gain[taken] = -np.inf
        best = np.argmax(gain, axis=1)
        chosen[:, step] = best
        taken[rows, best] = True
    return candidates[chosen]


def _candidate_block(grams: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """The candidates' rows and columns of stacked grams (R, d, d), without a copy when all are candidates."""
    if len(candidates) == grams.shape[-1]:
        return grams
    return grams[:, candidates][:, :, candidates]


def _select_lasso_path(gram: np.ndarray, cross: np.ndarray, candidates: np.ndarray, num_features: int, n_samples: int):
    from sklearn.linear_model import lars_path_gram

    sub = gram[np.ix_(candidates, candidates)]
    _, _, coefs = lars_path_gram(cross[candidates], sub, n_samples=n_samples, method="lasso")
    # The least regularized point on the path that keeps at most num_features.
    for step in range(coefs.shape[1] - 1, -1, -1):
        nonzero = np.flatnonzero(coefs[:, step])
        if len(nonzero) <= num_features:
            return candidates[nonzero]
    return candidates[:0]


def resolve_method(method: str, num_features: int) -> str:
    if method == "auto":
        return "forward_selection" if num_features <= 6 else "highest_weights"
    return method


def select_features(
    gram: np.ndarray,
    cross: np.ndarray,
    candidates: np.ndarray,
    num_features: int,
    method: str,
    n_samples: int,
    instance: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Return, per row of ``cross`` (shape (R, d)), the indices of the selected features.

    ``gram`` is shared (d, d) or one per row of ``cross`` (R, d, d).

    ``highest_weights`` keeps the features with the largest contribution at
    the instance, ``|weight x instance|`` (lime's rule), where ``instance``
    is the instance's interpretable row ``Z[0]``: 1 for a present token,
    segment or same-bin indicator (so the rank is ``|weight|`` there), the
    standardized value for a continuous feature (so the rank is the
    feature's share of the surrogate's prediction at the instance minus its
    prediction at the training mean). ``highest_slopes`` ranks by ``|weight|``
    alone; the two differ only on continuous features. Without ``instance``
    both rank by ``|weight|``.
    """
    problems = cross.shape[0]
    method = resolve_method(method, num_features)
    if method == "none" or num_features >= len(candidates):
        return [candidates] * problems
    if method in ("highest_weights", "highest_slopes"):
        if gram.ndim == 3:
            sub = _candidate_block(gram, candidates)
            coef = ridge_solve(sub, cross[:, candidates, None], HIGHEST_WEIGHTS_ALPHA)[..., 0].T
        else:
            coef = ridge_solve(gram[np.ix_(candidates, candidates)], cross[:, candidates].T, HIGHEST_WEIGHTS_ALPHA)
        if method == "highest_weights" and instance is not None:
            coef = coef * np.asarray(instance, dtype=np.float64)[candidates, None]
        order = np.argsort(-np.abs(coef), axis=0, kind="stable")[:num_features]
        return list(candidates[order.T])
    if method == "forward_selection":
        return list(forward_select(gram, cross, candidates, num_features))
    if method == "lasso_path":
        grams = gram if gram.ndim == 3 else [gram] * problems
        return [_select_lasso_path(grams[r], cross[r], candidates, num_features, n_samples) for r in range(problems)]
    raise ValueError(f"feature_selection must be one of {FEATURE_SELECTION_METHODS}, got {method!r}")


def sorted_pairs(indices: np.ndarray, coef: np.ndarray) -> tuple[list, np.ndarray]:
    """``[(feature, weight)]`` by decreasing ``|weight|``, and the reordered indices."""
    order = np.argsort(-np.abs(coef), kind="stable")
    return [(int(indices[i]), float(coef[i])) for i in order], np.asarray(indices)[order]


def _ridge_fit(m: Moments, Z0: np.ndarray, selected: np.ndarray, label: int) -> SurrogateFit:
    gram = m.gram[np.ix_(selected, selected)]
    cross = m.cross[selected, label]
    coef = ridge_solve(gram, cross, RIDGE_ALPHA)
    intercept = m.y_mean[label] - m.z_mean[selected] @ coef
    total = m.total[label]
    score = 1.0 - (total - _explained(gram, cross, coef)) / total if total > 0 else 1.0
    pairs, ordered = sorted_pairs(selected, coef)
    return SurrogateFit(pairs, float(intercept), float(intercept + Z0[selected] @ coef), float(score), ordered)


def check_model_regressor(model_regressor) -> None:
    """Refuse, at the boundary, a surrogate that cannot be fitted with sample weights."""
    if model_regressor is None:
        return
    fit = getattr(model_regressor, "fit", None)
    if not callable(fit) or not callable(getattr(model_regressor, "predict", None)):
        raise TypeError(
            f"model_regressor must be a scikit-learn regressor with fit and predict, got "
            f"{type(model_regressor).__name__}"
        )
    parameters = inspect.signature(fit).parameters
    takes_weights = "sample_weight" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    if not takes_weights:
        raise ValueError(
            f"model_regressor {type(model_regressor).__name__} cannot be fitted with sample_weight, so the "
            "kernel weights would be ignored and the surrogate would not be local; pass a regressor whose fit "
            "accepts sample_weight (e.g. sklearn.linear_model.Ridge) or leave model_regressor=None"
        )


def _user_model_fit(model_regressor, Z, y, weights, selected) -> SurrogateFit:
    model = clone(model_regressor)
    X = Z[:, selected]
    model.fit(X, y, sample_weight=weights)
    coef = np.ravel(model.coef_)
    intercept = float(np.ravel(model.intercept_)[0]) if np.ndim(model.intercept_) else float(model.intercept_)
    score = float(model.score(X, y, sample_weight=weights))
    local_pred = float(np.ravel(model.predict(X[:1]))[0])
    pairs, ordered = sorted_pairs(selected, coef)
    return SurrogateFit(pairs, intercept, local_pred, score, ordered)


@contextmanager
def single_threaded_blas():
    """Limit BLAS to one thread for the surrogate's small products (re-entrant, cheap when nested).

    On small machines a multi-threaded BLAS spends more on waking and
    contending threads than it saves on these (n x d) products: the same fit
    was seen to swing from 3 ms to 250 ms when another process held a core.
    """
    global _BLAS_LIBRARIES
    if getattr(_BLAS_STATE, "limited", False):
        yield
        return
    if _BLAS_LIBRARIES is None:
        from threadpoolctl import ThreadpoolController

        _BLAS_LIBRARIES = ThreadpoolController().select(user_api="blas").lib_controllers
    # Set directly on each library: threadpoolctl's limit() costs several times more per explanation.
    previous = [library.get_num_threads() for library in _BLAS_LIBRARIES]
    for library, threads in zip(_BLAS_LIBRARIES, previous):
        if threads != 1:
            library.set_num_threads(1)
    _BLAS_STATE.limited = True
    try:
        yield
    finally:
        _BLAS_STATE.limited = False
        for library, threads in zip(_BLAS_LIBRARIES, previous):
            if threads != 1:
                library.set_num_threads(threads)


_BLAS_STATE = threading.local()
_BLAS_LIBRARIES = None


def candidate_features(m: Moments, constant_features: np.ndarray | None) -> np.ndarray:
    """Features that varied in the weighted samples (and are not declared constant)."""
    variable = np.diag(m.gram) > 1e-12 * max(1.0, float(np.abs(m.gram).max(initial=0.0)))
    if constant_features is not None:
        variable &= ~constant_features
    return np.flatnonzero(variable)


def fit_surrogates(
    Z: np.ndarray,
    Y: np.ndarray,
    weights: np.ndarray,
    num_features: int,
    feature_selection: str = "auto",
    model_regressor=None,
    constant_features: np.ndarray | None = None,
    moments: Moments | None = None,
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
    feature_selection : {"auto", "none", "highest_weights", "highest_slopes", "forward_selection", "lasso_path"}
        lime's selection methods (see :func:`select_features`) and
        ``highest_slopes``; ``auto`` is forward selection up to 6 features,
        highest weights above.
    model_regressor : scikit-learn regressor, optional
        Fitted (a clone) on the selected features with ``sample_weight``
        instead of the built-in ridge.
    constant_features : ndarray of bool, optional
        Features that cannot vary; never selected, weight 0.
    moments : Moments, optional
        Precomputed :func:`weighted_moments` of ``(Z, Y, weights)``.

    Returns
    -------
    list of SurrogateFit, one per column of ``Y``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.normal(size=(500, 4)); Y = (Z @ [3.0, -2.0, 0.0, 0.0])[:, None]
    >>> [i for i, _ in fit_surrogates(Z, Y, np.ones(500), num_features=2)[0].coefficients]
    [0, 1]
    """
    if feature_selection not in FEATURE_SELECTION_METHODS:
        raise ValueError(f"feature_selection must be one of {FEATURE_SELECTION_METHODS}, got {feature_selection!r}")
    with single_threaded_blas(), np.errstate(divide="ignore", invalid="ignore"):
        m = weighted_moments(Z, Y, weights) if moments is None else moments
        candidates = candidate_features(m, constant_features)
        selections = select_features(
            m.gram, m.cross.T, candidates, num_features, feature_selection, Z.shape[0], instance=m.instance
        )
        fits = []
        for label, selected in enumerate(selections):
            if model_regressor is not None and len(selected):
                fits.append(_user_model_fit(model_regressor, Z, Y[:, label], weights, selected))
            else:
                fits.append(_ridge_fit(m, Z[0], selected, label))
        return fits
