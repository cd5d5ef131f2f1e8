"""`TabularExplainer`: why did the model predict this for this row?"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lime_kit.core.pipeline import explain_perturbations
from lime_kit.core.sampler import Perturbations
from lime_kit.core.validation import check_fit_options, check_mode, check_num_samples, explainer_seed, explanation_rng
from lime_kit.explanation import Explanation
from lime_kit.tabular.discretize import bin_description, resolve_discretizer
from lime_kit.tabular.sampler import TabularSampler
from lime_kit.tabular.schema import TabularSchema
from lime_kit.tabular.stats import check_training_stats, compute_training_stats

__all__ = ["TabularExplainer"]



class TabularExplainer:
    """Explain predictions on tabular rows with a locally weighted linear surrogate.

    Parameters
    ----------
    training_data : ndarray or pandas.DataFrame of shape (n_rows, n_features)
        Data the sampling statistics are computed from. Never modified.
        Omit it when passing ``training_data_stats``.
    feature_names : list of str, optional
        Defaults to the DataFrame's columns or ``x0, x1, ...``.
    categorical_features : list of int or str, optional
        Categorical columns by index or name. Non-numeric columns (strings,
        booleans, pandas categories) are categorical anyway.
    categorical_names : dict, optional
        ``{feature: [name of code 0, name of code 1, ...]}`` for categorical
        features stored as integer codes (lime's convention).
    mode : {"classification", "regression"}
    class_names : list of str, optional
    discretize_continuous : bool, default=True
        Explain continuous features by bins ("age > 49.00") instead of by
        standardized value.
    discretizer : {"quartile", "decile", "entropy"} or object, default="quartile"
        How to cut continuous features; an object needs a
        ``cut_points(values, labels)`` method. ``"entropy"`` needs
        ``training_labels``.
    sample_around_instance : bool, default=False
        Centre continuous draws on the instance instead of the training mean
        (only without discretization, as in lime).
    kernel_width : float, optional
        Width of the exponential kernel; default ``0.75 * sqrt(n_features)``.
    kernel : callable, optional
        ``kernel(distances) -> weights``, replacing the exponential kernel.
    training_labels : array-like, optional
        Targets of ``training_data``; needed by ``discretizer="entropy"``.
    training_data_stats : dict, optional
        Statistics as given by another explainer's ``training_data_stats``:
        explain without the training data.
    random_state : int, optional
        Seed of every explanation. Without it a seed is drawn once here, so
        repeated ``explain`` calls still agree with each other.

    Notes
    -----
    A column that is constant in the training data cannot be perturbed: it
    stays at the instance's value in every sample and gets weight 0.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> exp = explainer.explain(X[0], lambda rows: rows @ [3.0, 0.0, -1.0], num_samples=500)
    >>> [name for name, _ in exp.as_list()][:2]
    ['x0', 'x2']
    """

    def __init__(
        self,
        training_data=None,
        *,
        feature_names=None,
        categorical_features=None,
        categorical_names=None,
        mode: str = "classification",
        class_names=None,
        discretize_continuous: bool = True,
        discretizer="quartile",
        sample_around_instance: bool = False,
        kernel_width: float | None = None,
        kernel: Callable[[np.ndarray], np.ndarray] | None = None,
        training_labels=None,
        training_data_stats: dict | None = None,
        random_state: int | None = None,
    ):
        self.mode = check_mode(mode)
        self.class_names = None if class_names is None else list(class_names)
        self.discretize_continuous = bool(discretize_continuous)
        self.sample_around_instance = bool(sample_around_instance)
        self.kernel_width = kernel_width
        self.kernel = kernel
        self._seed = explainer_seed(random_state)
        self.random_state = random_state

        if (training_data is None) == (training_data_stats is None):
            raise ValueError("pass exactly one of training_data and training_data_stats")
        if training_data is not None:
            self.schema, encoded = TabularSchema.from_training(
                training_data, feature_names, categorical_features, categorical_names
            )
            discretizer_obj = resolve_discretizer(discretizer) if self.discretize_continuous else None
            labels = None if training_labels is None else np.asarray(training_labels)
            self.training_data_stats = compute_training_stats(self.schema, encoded, discretizer_obj, labels)
        else:
            self.training_data_stats = check_training_stats(training_data_stats, self.discretize_continuous)
            self.schema = TabularSchema.from_stats(self.training_data_stats, categorical_names)
        integer = None
        if self.schema.frame_dtypes is not None:
            integer = np.array([isinstance(d, np.dtype) and d.kind in "iu" for d in self.schema.frame_dtypes])
        self.sampler = TabularSampler(
            self.training_data_stats, self.discretize_continuous, self.sample_around_instance, integer
        )

    @property
    def feature_names(self) -> list:
        return list(self.schema.feature_names)

    def _descriptions(self, encoded: np.ndarray, bins: np.ndarray) -> list[str]:
        out = []
        for j, name in enumerate(self.schema.feature_names):
            cuts = self.training_data_stats["features"][j].get("cuts", [])
            if self.schema.categorical[j]:
                out.append(f"{name}={self.schema.category_labels[j][int(encoded[j])]}")
            elif self.discretize_continuous and len(cuts):
                out.append(bin_description(name, cuts, int(bins[j])))
            else:
                out.append(name)
        return out

    def _distances(self, Z: np.ndarray, metric: str) -> np.ndarray:
        if metric == "euclidean":
            # |z - z0|^2 expanded, so no (n, d) difference array is made.
            squared = np.einsum("ij,ij->i", Z, Z) - 2 * (Z @ Z[0]) + Z[0] @ Z[0]
            return np.sqrt(np.maximum(squared, 0.0))
        from sklearn.metrics import pairwise_distances

        try:
            return pairwise_distances(Z, Z[:1], metric=metric).ravel()
        except ValueError as error:
            raise ValueError(f"distance_metric {metric!r} is not supported: {error}") from None

    def explain(
        self,
        instance,
        predict_fn: Callable[[Any], Any],
        labels=None,
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str = "euclidean",
        model_regressor=None,
        feature_selection: str = "auto",
        batch_size: int = 10_000,
        random_state: int | np.random.Generator | None = None,
        stability_resamples: int = 0,
    ) -> Explanation:
        """Explain ``predict_fn``'s output for one row.

        Parameters
        ----------
        instance : 1-D array-like, pandas Series or one-row DataFrame
            The row to explain, with the training columns. Never modified.
        predict_fn : callable
            Takes perturbed rows in the training layout (an array, or a
            DataFrame with the training columns and dtypes) and returns
            probabilities ``(n, n_classes)`` or, in regression, values ``(n,)``.
        labels : int or sequence of int, optional
            Output columns to explain. Default: the predicted class.
        top_labels : int, optional
            Explain the ``top_labels`` most probable classes instead.
        num_features : int, default=10
            Maximum number of features in the explanation.
        num_samples : int, default=5000
            Perturbed samples, the instance included.
        distance_metric : str, default="euclidean"
            Any scikit-learn ``pairwise_distances`` metric on the
            interpretable representation.
        model_regressor : scikit-learn regressor, optional
            Surrogate to fit instead of the built-in ridge; must accept
            ``sample_weight``.
        feature_selection : {"auto", "none", "highest_weights", "forward_selection", "lasso_path"}
        batch_size : int, default=10000
            Rows per ``predict_fn`` call.
        random_state : int or Generator, optional
            Overrides the explainer's seed for this call.

        stability_resamples : int, default=0
            Refit the surrogate this many times on bootstrap reweightings of
            the same samples and record in ``exp.stability`` how much the
            top-5 features stay (no extra model calls).

        Returns
        -------
        Explanation
        """
        num_features = check_fit_options(num_features, feature_selection)
        num_samples = check_num_samples(num_samples)
        seed, rng = explanation_rng(self._seed, random_state)
        encoded = self.schema.encode_instance(instance)
        values, Z = self.sampler.sample(encoded, rng, num_samples)
        perturbations = Perturbations(
            Z=Z,
            distances=self._distances(Z, distance_metric),
            build_inputs=lambda start, stop: self.schema.decode(values[start:stop]),
            constant_features=self.sampler.constant,
        )
        display = self.schema.display_values(encoded)
        return explain_perturbations(
            perturbations,
            predict_fn,
            mode=self.mode,
            modality="tabular",
            feature_names=self.schema.feature_names,
            feature_descriptions=self._descriptions(encoded, self.sampler.instance_bins(encoded)),
            instance=display,
            default_kernel_width=0.75 * np.sqrt(self.schema.n_features),
            kernel_width=self.kernel_width,
            kernel=self.kernel,
            labels=labels,
            top_labels=top_labels,
            num_features=num_features,
            feature_selection=feature_selection,
            model_regressor=model_regressor,
            batch_size=batch_size,
            class_names=self.class_names,
            random_state=seed,
            stability_resamples=stability_resamples,
            rng=rng,
            payload={"categorical": self.schema.categorical.tolist()},
        )
