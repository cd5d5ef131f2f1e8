"""lime's ``lime.lime_base.LimeBase``: a sparse weighted linear fit to perturbed samples you made yourself.

Code that builds its own neighbourhood (samples, model outputs, distances)
calls :meth:`LimeBase.explain_instance_with_data` and gets lime's tuple
``(intercept, [(feature, weight)], score, local_pred)``. The fit is
lime_kit's surrogate (:mod:`lime_kit.core.surrogate`): weighted, centred
moments computed once, feature selection and the ridge solve on small
systems, instead of lime's refit of a scikit-learn ``Ridge`` per candidate
feature.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from sklearn.utils import check_random_state

from lime_kit.core.surrogate import (
    FEATURE_SELECTION_METHODS,
    fit_surrogates,
    ridge_solve,
    select_features,
    single_threaded_blas,
    weighted_moments,
)

__all__ = ["LimeBase"]

#: lime's ranking fit for ``highest_weights`` (a ridge with this penalty on every feature).
HIGHEST_WEIGHTS_ALPHA = 0.01


def _as_dense(data) -> np.ndarray:
    if hasattr(data, "toarray"):
        return data.toarray()  # lime's sparse rows: the surrogate works on the (small) dense sample matrix
    return np.asarray(data, dtype=float)


class LimeBase:
    """Fit lime's locally weighted sparse linear model to a neighbourhood you supply.

    Parameters
    ----------
    kernel_fn : callable
        ``distances (n,) -> weights (n,)``.
    verbose : bool, default=False
        Print the intercept, the surrogate's value at the instance and the
        model's, as lime does.
    random_state : None, int or numpy.random.RandomState
        Kept as ``self.random_state`` (a ``RandomState``), as lime does; the
        fit itself draws nothing, so results never depend on it.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.integers(0, 2, size=(500, 4)).astype(float); Z[0] = 1
    >>> y = np.column_stack([1 - 0.6 * Z[:, 2], 0.6 * Z[:, 2]])     # only feature 2 matters
    >>> base = LimeBase(kernel_fn=lambda d: np.exp(-d ** 2))
    >>> intercept, exp, score, local_pred = base.explain_instance_with_data(
    ...     Z, y, distances=np.sqrt(((Z - Z[0]) ** 2).sum(1)) / 2, label=1, num_features=1)
    >>> exp[0][0], round(exp[0][1], 1), round(score, 3)   # ridge (penalty 1) shrinks 0.6 a little
    (2, 0.6, 1.0)
    """

    def __init__(self, kernel_fn: Callable, verbose: bool = False, random_state=None):
        if not callable(kernel_fn):
            raise TypeError(f"kernel_fn must be a callable distances -> weights, got {type(kernel_fn).__name__}")
        self.kernel_fn = kernel_fn
        self.verbose = bool(verbose)
        self.random_state = check_random_state(random_state)

    @staticmethod
    def generate_lars_path(weighted_data, weighted_labels):
        """Return ``(alphas, coefs)`` of the lasso path (LARS) of ``weighted_labels`` on ``weighted_data``.

        Parameters
        ----------
        weighted_data : ndarray of shape (n_samples, n_features)
            Centred samples times the square root of their weights.
        weighted_labels : ndarray of shape (n_samples,)

        Returns
        -------
        alphas : ndarray of shape (n_alphas,)
            Penalties at the path's kinks, largest first.
        coefs : ndarray of shape (n_features, n_alphas)
        """
        from sklearn.linear_model import lars_path

        alphas, _, coefs = lars_path(np.asarray(weighted_data, dtype=float), np.asarray(weighted_labels, dtype=float), method="lasso")
        return alphas, coefs

    @staticmethod
    def _moments(data, labels, weights):
        data = _as_dense(data)
        labels = np.asarray(labels, dtype=float).reshape(len(data), -1)
        weights = np.asarray(weights, dtype=float).reshape(-1)
        if len(weights) != len(data) or len(labels) != len(data):
            raise ValueError(
                f"data has {len(data)} rows but labels has {len(labels)} and weights {len(weights)}; pass one "
                "label and one weight per sample"
            )
        return data, weighted_moments(data, labels, weights)

    def forward_selection(self, data, labels, weights, num_features: int) -> np.ndarray:
        """Return the ``num_features`` features chosen greedily, each adding the most weighted R^2 (in order added)."""
        with single_threaded_blas(), np.errstate(divide="ignore", invalid="ignore"):
            data, m = self._moments(data, labels, weights)
            candidates = np.arange(data.shape[1])
            return np.asarray(select_features(m.gram, m.cross.T, candidates, int(num_features), "forward_selection", len(data))[0])

    def feature_selection(self, data, labels, weights, num_features: int, method: str) -> np.ndarray:
        """Return the indices of the features the surrogate keeps.

        Parameters
        ----------
        data : ndarray or scipy.sparse matrix of shape (n_samples, n_features)
            Row 0 is the instance.
        labels : ndarray of shape (n_samples,)
        weights : ndarray of shape (n_samples,)
        num_features : int
        method : {"auto", "none", "forward_selection", "highest_weights", "lasso_path"}
            ``none``: every feature. ``forward_selection``: greedily add the
            feature that raises the weighted R^2 most. ``highest_weights``:
            fit all features (ridge, penalty 0.01) and keep those with the
            largest ``|weight x the instance's value|``. ``lasso_path``: the
            last point of the lasso path with at most ``num_features``
            nonzero weights. ``auto``: forward selection up to 6 features,
            highest weights above.

        Returns
        -------
        ndarray of int
        """
        if method not in FEATURE_SELECTION_METHODS:
            raise ValueError(f"feature_selection must be one of {FEATURE_SELECTION_METHODS}, got {method!r}")
        if not isinstance(num_features, numbers.Integral) or num_features < 1:
            raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
        n_features = np.shape(data)[1]
        if method == "none":
            return np.arange(n_features)
        if method == "auto":
            method = "forward_selection" if num_features <= 6 else "highest_weights"
        with single_threaded_blas(), np.errstate(divide="ignore", invalid="ignore"):
            dense, m = self._moments(data, labels, weights)
            candidates = np.arange(n_features)
            if method == "highest_weights":
                # lime ranks by the weight times the instance's value (0 for a feature absent from the instance).
                coef = ridge_solve(m.gram, m.cross[:, 0], HIGHEST_WEIGHTS_ALPHA)
                order = np.argsort(-np.abs(coef * dense[0]), kind="stable")
                return order[: int(num_features)]
            return np.asarray(select_features(m.gram, m.cross.T, candidates, int(num_features), method, len(dense))[0])

    def explain_instance_with_data(
        self,
        neighborhood_data,
        neighborhood_labels,
        distances,
        label: int,
        num_features: int,
        feature_selection: str = "auto",
        model_regressor=None,
    ):
        """Fit the surrogate of one label to a neighbourhood and return lime's tuple.

        Parameters
        ----------
        neighborhood_data : ndarray or scipy.sparse matrix of shape (n_samples, n_features)
            Interpretable samples; row 0 is the instance.
        neighborhood_labels : ndarray of shape (n_samples, n_labels)
            Model outputs, one column per label.
        distances : ndarray of shape (n_samples,)
            Distance of each sample to the instance; ``kernel_fn`` turns them into weights.
        label : int
            Column of ``neighborhood_labels`` to explain.
        num_features : int
            Most features kept (``feature_selection="none"`` keeps all).
        feature_selection : str, default="auto"
            See :meth:`feature_selection`.
        model_regressor : scikit-learn regressor, optional
            Fitted (a clone) with ``sample_weight`` on the selected features
            instead of the default ridge (penalty 1).

        Returns
        -------
        intercept : float
        exp : list of (int, float)
            ``(feature, weight)`` of the selected features, largest ``|weight|`` first.
        score : float
            Weighted R^2 of the surrogate on the samples.
        local_pred : ndarray of shape (1,)
            The surrogate's value at the instance (row 0).
        """
        data = _as_dense(neighborhood_data)
        outputs = np.asarray(neighborhood_labels, dtype=float)
        if outputs.ndim == 1:
            outputs = outputs[:, None]
        if not isinstance(label, numbers.Integral) or not -outputs.shape[1] <= label < outputs.shape[1]:
            raise ValueError(
                f"label {label!r} is not a column of neighborhood_labels, which has {outputs.shape[1]} columns"
            )
        weights = np.asarray(self.kernel_fn(np.asarray(distances, dtype=float)), dtype=float).reshape(-1)
        column = outputs[:, label]
        used = np.asarray(self.feature_selection(data, column, weights, num_features, feature_selection), dtype=np.intp)
        fit = fit_surrogates(
            data[:, used], column[:, None], weights, num_features=max(len(used), 1),
            feature_selection="none", model_regressor=model_regressor,
        )[0]  # fmt: skip
        pairs = [(int(used[i]), w) for i, w in fit.coefficients]
        # A selected feature that never varied has weight 0, as in lime's ridge; it stays in the list, last.
        fitted = {i for i, _ in fit.coefficients}
        pairs += [(int(used[i]), 0.0) for i in range(len(used)) if i not in fitted]
        if self.verbose:
            print("Intercept", fit.intercept)
            print("Prediction_local", np.array([fit.local_pred]))
            print("Right:", column[0])
        return fit.intercept, pairs, fit.score, np.array([fit.local_pred])
