"""`TabularExplainer`: why did the model predict this for this row?"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from lime_kit.core.distances import check_metric, distances_to_first_row
from lime_kit.core.explainer import Explainer, Prepared
from lime_kit.core.methods import resolve_method
from lime_kit.core.modality import split_instances
from lime_kit.core.pipeline import ExplanationContext
from lime_kit.core.sampler import InstanceSampler, Perturbations
from lime_kit.core.validation import check_class_names, check_memory, check_mode, explainer_seed
from lime_kit.tabular.background import (
    kept_training_rows,
    resolve_background,
    shapley_sampler,
    value_descriptions,
)
from lime_kit.tabular.discretize import ModelDiscretizer, bin_description, resolve_discretizer
from lime_kit.tabular.model_bins import MODELS_REMEMBERED, Binning, learn_model_stats, same_model
from lime_kit.tabular.sampler import TabularSampler
from lime_kit.tabular.schema import TabularSchema
from lime_kit.tabular.stats import check_training_stats, compute_training_stats

__all__ = ["TabularExplainer"]


def split_rows(instances):
    """``explain_many``'s split of a batch of rows: a Series or a 1-D array reads as one row and is refused."""
    if type(instances).__module__.startswith("pandas") and not hasattr(instances, "columns"):
        raise ValueError(
            "instances is a pandas Series, which reads as one row; pass a DataFrame of rows "
            "(series.to_frame().T) or use explain() for a single row"
        )
    if isinstance(instances, np.ndarray) and instances.ndim == 1:
        raise ValueError(
            f"instances has shape {instances.shape}; pass a 2-D array with one row per instance "
            "(X[None, :] for a single row, or use explain())"
        )
    return split_instances(instances)


class TabularExplainer(Explainer):
    """Explain predictions on tabular rows with a locally weighted linear surrogate.

    Parameters
    ----------
    training_data : ndarray, scipy.sparse matrix or pandas.DataFrame of shape (n_rows, n_features)
        Data the sampling statistics are computed from. Never modified.
        Numbers stored as objects are numeric; datetime columns are
        continuous (binned by date). A column with a distinct value in every
        row (an ID) triggers a UserWarning. Sparse data is densified up to 10
        million cells and samples reach predict_fn in the same sparse format.
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
    discretizer : {"model", "quartile", "decile", "entropy"} or object, default="model"
        How to cut continuous features. ``"model"``: where the model's
        output changes along the feature (see Notes), quartiles where it
        does not; ``"quartile"``: lime's bins. An object needs a
        ``cut_points(values, labels)`` method (a
        :class:`~lime_kit.tabular.discretize.ModelDiscretizer` tunes the
        default). ``"entropy"`` needs ``training_labels``.
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

    With ``discretizer="model"`` the first ``explain`` (or ``explain_many``)
    with a ``predict_fn`` calls it once more, on 2,000 rows whose columns are
    drawn independently from the training data, and cuts each continuous
    feature where the output changes (at most 4 bins, each with at least 5 %
    of the rows). The bins are kept for that ``predict_fn`` (the same object,
    or the same bound method such as ``model.predict_proba``; the last
    four models), so later calls cost nothing extra. Like quartiles they
    depend on the data and the model only, not on ``random_state``. ``training_data_stats`` then holds the
    bins of the latest explanation, and each continuous feature's
    ``"binned_by"`` says whether its cuts came from the model or are
    quartiles. An explainer rebuilt from ``training_data_stats`` uses the
    bins stored there and learns nothing.

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

    modality = {"name": "tabular", "instance": "instance", "renderer": "lime_kit.plot.html:tabular_html", "split": split_rows}

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
        discretizer="model",
        sample_around_instance: bool = False,
        kernel_width: float | None = None,
        kernel: Callable[[np.ndarray], np.ndarray] | None = None,
        training_labels=None,
        training_data_stats: dict | None = None,
        random_state: int | None = None,
    ):
        self.mode = check_mode(mode)
        self.class_names = check_class_names(class_names)
        self.discretize_continuous = bool(discretize_continuous)
        self.sample_around_instance = bool(sample_around_instance)
        self.kernel_width = kernel_width
        self.kernel = kernel
        self._seed = explainer_seed(random_state)
        self.random_state = random_state

        if (training_data is None) == (training_data_stats is None):
            raise ValueError("pass exactly one of training_data and training_data_stats")
        self._model_discretizer = None
        if training_data is not None:
            self.schema, encoded = TabularSchema.from_training(
                training_data, feature_names, categorical_features, categorical_names
            )
            discretizer_obj = resolve_discretizer(discretizer) if self.discretize_continuous else None
            labels = None if training_labels is None else np.asarray(training_labels)
            stats = compute_training_stats(self.schema, encoded, discretizer_obj, labels)
            # Rows for KernelSHAP's k-means background and for learning bins from the model.
            self._training_rows = kept_training_rows(encoded, self._seed)
            if isinstance(discretizer_obj, ModelDiscretizer):
                self._model_discretizer = discretizer_obj
            name = _discretizer_name(discretizer, discretizer_obj)
        else:
            stats = check_training_stats(training_data_stats, self.discretize_continuous)
            self.schema = TabularSchema.from_stats(stats, categorical_names)
            self._training_rows = None
            name = stats.get("discretizer", "training_data_stats") if self.discretize_continuous else None
        self._backgrounds = {}  # k-means background summaries by size
        self._integer = None
        if self.schema.frame_dtypes is not None:
            self._integer = self.schema.integer_mask()
        # The bins before any model is seen; with discretizer="model", quartiles until the first explain.
        self._base = self._binning(name, stats)
        self._current = self._base
        self._learned: list[tuple[Callable, Binning]] = []  # (predict_fn, its bins), most recent last
        self._pinned: Binning | None = None  # set on the copy explain_many ships to its workers

    def _binning(self, name: str | None, stats: dict) -> Binning:
        sampler = TabularSampler(stats, self.discretize_continuous, self.sample_around_instance, self._integer)
        return Binning(name, stats, sampler)

    @property
    def training_data_stats(self) -> dict:
        """The training statistics (JSON-safe), bins included, that the latest explanation drew from.

        Before any explanation, and for ``method="kernel_shap"``, the bins
        are those of the ``discretizer`` without a model (quartiles for
        ``"model"``). Pass the dict as ``training_data_stats=`` to rebuild an
        explainer without the training data.
        """
        return self._current.stats

    @property
    def sampler(self) -> TabularSampler:
        """The sampler of the latest explanation's bins."""
        return self._current.sampler

    def _bins_for(self, predict_fn: Callable, batch_size: int) -> Binning:
        """The bins to explain ``predict_fn`` with: learned once per model with discretizer="model"."""
        if self._pinned is not None:
            return self._pinned
        if self._model_discretizer is None or self._training_rows is None:
            return self._base
        for known, binning in self._learned:
            if same_model(known, predict_fn):
                return binning
        stats = learn_model_stats(
            self.schema, self._base.stats, self._training_rows, predict_fn, self.mode,
            self._model_discretizer, batch_size,
        )  # fmt: skip
        binning = self._binning("model", stats)
        self._learned = [*self._learned[-(MODELS_REMEMBERED - 1):], (predict_fn, binning)]
        return binning

    def prepared_for(self, predict_fn: Callable, method="lime", batch_size: int | None = None, **_) -> TabularExplainer:
        """This explainer with its bins for ``predict_fn`` learned and fixed: what ``explain_many`` ships.

        The bins are learned here, once, before any worker starts, and the
        returned copy uses them for every instance (whatever ``predict_fn``
        a worker unpickles), so results do not depend on ``n_jobs``.
        """
        if self._pinned is not None or resolve_method(method).values_of_features:
            return self
        binning = self._bins_for(predict_fn, 10_000 if batch_size is None else batch_size)
        self._current = binning
        twin = copy.copy(self)
        twin._pinned, twin._learned = binning, []
        return twin

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_learned"] = []  # the models themselves stay out of a pickled explainer
        return state

    @property
    def feature_names(self) -> list:
        return list(self.schema.feature_names)

    def _descriptions(self, encoded: np.ndarray, binning: Binning) -> list[str]:
        bins = binning.sampler.instance_bins(encoded)
        out = []
        for j, name in enumerate(self.schema.feature_names):
            cuts = binning.stats["features"][j].get("cuts", [])
            if self.schema.categorical[j]:
                out.append(f"{name}={self.schema.category_labels[j][int(encoded[j])]}")
            elif self.discretize_continuous and len(cuts):
                out.append(bin_description(name, cuts, int(bins[j]), self.schema.value_formatter(j)))
            else:
                out.append(name)
        return out

    def instance_sampler(self, instance, distance_metric: str = "euclidean") -> InstanceSampler:
        """The sampler of one row: what the shared pipeline (and :mod:`lime_kit.evaluation`) draws from.

        Parameters
        ----------
        instance : 1-D array-like, pandas Series or one-row DataFrame
        distance_metric : str, default="euclidean"

        Returns
        -------
        InstanceSampler
            ``draw(rng, n)`` perturbs the row; ``keep_inputs(keep, rng)``
            replaces the features not kept by draws from the training
            distribution; ``draw_holding(rng, hold)`` keeps the held
            features in the instance's bin.
        """
        return self._sampler_for(self.schema.encode_instance(instance), distance_metric, self.sampler)

    def _bytes_per_sample(self) -> float:
        # values (float64), Z (float32) and the surrogate's centred copy (float32)
        return 16.0 * self.schema.n_features + 16

    def _sampler_for(self, encoded: np.ndarray, distance_metric: str, sampler: TabularSampler) -> InstanceSampler:
        check_metric(distance_metric)

        def draw(rng: np.random.Generator, n: int) -> Perturbations:
            values, Z = sampler.sample(encoded, rng, n)
            return Perturbations(
                Z=Z,
                distances=distances_to_first_row(Z, distance_metric),
                build_inputs=lambda start, stop: self.schema.decode(values[start:stop]),
            )

        def keep_inputs(keep: np.ndarray, rng: np.random.Generator, background_rows=None):
            values, _ = sampler.sample(encoded, rng, len(keep) + 1)
            return self.schema.decode(np.where(keep, encoded, values[1:]))

        def holding_draw(rng: np.random.Generator, hold: np.ndarray) -> Perturbations:
            held = np.vstack([np.zeros((1, len(encoded)), dtype=bool), hold])
            values, Z = sampler.sample(encoded, rng, len(held), hold=held)
            return Perturbations(
                Z=Z[1:] != 0,
                distances=np.zeros(len(hold)),
                build_inputs=lambda start, stop: self.schema.decode(values[start + 1 : stop + 1]),
            )

        # Holding a feature means keeping its bin: a continuous feature left unbinned cannot be held.
        holdable = bool(np.all(sampler.binned | sampler.constant))
        return InstanceSampler(
            draw=draw,
            n_features=self.schema.n_features,
            bytes_per_sample=self._bytes_per_sample(),
            constant_features=sampler.constant,
            keep_inputs=keep_inputs,
            random_removal=True,
            holding_draw=holding_draw if holdable else None,
        )

    explain_options = {"distance_metric": "euclidean", "background": None, "background_pairing": "all"}
    explain_defaults = {"batch_size": 10_000}
    explain_doc = """
        Explain ``predict_fn``'s output for one row.

        instance : 1-D array-like, pandas Series, one-row DataFrame or sparse row
            The row to explain. Never modified. A DataFrame or Series is matched to
            the training columns by name: column order does not matter, extra
            columns are ignored and a missing one is an error. An array, list or
            sparse row is read by position.
        predict_fn : callable
            Takes perturbed rows in the training layout (an array, or a
            DataFrame with the training columns and dtypes) and returns
            probabilities ``(n, n_classes)`` or, in regression, values ``(n,)``.
        distance_metric : str, default="euclidean"
            Any scikit-learn ``pairwise_distances`` metric on the
            interpretable representation.
        background : int, array-like or DataFrame, optional
            ``method="kernel_shap"`` only: where absent features take their
            values. An int is the size of a k-means summary of the training
            data (default 10, rows weighted by cluster size); rows (in the
            training layout) are used as given, with equal weights.
        background_pairing : {"all", "one"}, default="all"
            ``method="kernel_shap"`` only: score every coalition with every
            background row (``num_samples x len(background)`` model rows),
            or with one drawn at random (``num_samples`` rows: cheaper,
            noisier; the noise is in ``coefficient_std``).
        Returns
        -------
        Explanation
            With the quality figures ``score``, ``heldout_score``,
            ``stability``, ``confidence_intervals()`` and ``warnings``.
        """

    def _prepare(self, instance, predict_fn, options_for, distance_metric: str) -> Prepared:
        options = options_for(0.75 * np.sqrt(self.schema.n_features))
        encoded = self.schema.encode_instance(instance)
        payload = {"categorical": self.schema.categorical.tolist()}
        if options.method.values_of_features:
            # Coalitions take whole values from the instance or the background: bins play no part.
            sampler = self._sampler_for(encoded, distance_metric, self._base.sampler)
            rows, weights = resolve_background(
                self.schema, getattr(options.method, "background", None), self._training_rows, self._seed, self._backgrounds
            )
            sampler = shapley_sampler(self.schema, sampler, encoded, rows, weights)
            descriptions = value_descriptions(self.schema, encoded)
        else:
            # Refuse an impossible request before the model is called to learn bins (the pipeline checks again).
            largest = options.num_samples if options.num_samples is not None else options.max_samples
            check_memory(largest, self._bytes_per_sample() + 64, "num_samples" if options.num_samples else "max_samples")
            binning = self._bins_for(predict_fn, options.batch_size)
            self._current = binning
            sampler = self._sampler_for(encoded, distance_metric, binning.sampler)
            descriptions = self._descriptions(encoded, binning)
            if binning.name is not None:
                payload["discretizer"] = binning.name
        context = ExplanationContext(
            modality=self.modality.name,
            feature_names=self.schema.feature_names,
            feature_descriptions=descriptions,
            instance=self.schema.display_values(encoded),
            payload=payload,
        )
        return Prepared(sampler, predict_fn, options, context)


def _discretizer_name(given, resolved) -> str | None:
    """How the explanations name their bins: the keyword given, or "custom" for an object."""
    if resolved is None:
        return None
    if isinstance(resolved, ModelDiscretizer):
        return "quartile"  # until a model is seen
    return given if isinstance(given, str) else "custom"
