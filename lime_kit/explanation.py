"""The `Explanation` object: the plain-data result shared by every modality.

An explanation holds arrays, names and scores only. Renderers in
:mod:`lime_kit.plot` take it as input; nothing here draws. It round-trips
through JSON (``Explanation.from_dict(json.loads(json.dumps(exp.to_dict())))``).
"""

from __future__ import annotations

import base64
import html
import json
import zlib
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from lime_kit import display
from lime_kit.ranks import tie_groups

__all__ = ["Explanation"]


def _to_json_value(value: Any) -> Any:
    """Convert numpy scalars/arrays and tuples into JSON-native values."""
    if isinstance(value, np.ndarray):
        return [_to_json_value(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json_value(v) for k, v in value.items()}
    return value


_ARRAY_TAG = "__ndarray__"


def _encode_array(array: np.ndarray) -> dict:
    """Compact JSON form of a numeric array: dtype, shape and zlib-compressed bytes in base64."""
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    data = base64.b64encode(zlib.compress(little.tobytes(), 6)).decode("ascii")
    return {_ARRAY_TAG: {"dtype": little.dtype.str, "shape": list(array.shape), "zlib_base64": data}}


def _decode_array(value: dict) -> np.ndarray:
    spec = value[_ARRAY_TAG]
    raw = zlib.decompress(base64.b64decode(spec["zlib_base64"]))
    return np.frombuffer(raw, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"]).copy()


def _payload_to_json(payload: dict) -> dict:
    """Top-level numeric arrays in a payload (images, segment maps) are stored compressed."""
    return {
        str(key): _encode_array(value) if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" else _to_json_value(value)
        for key, value in payload.items()
    }


def _payload_from_json(payload: dict) -> dict:
    return {
        key: _decode_array(value) if isinstance(value, dict) and set(value) == {_ARRAY_TAG} else value
        for key, value in payload.items()
    }


@dataclass(eq=False)
class Explanation:
    """A local surrogate explanation of one prediction.

    Per-label quantities are dicts keyed by the explained label (the column
    index of the model output; ``0`` for regression).

    Attributes
    ----------
    mode : {"classification", "regression"}
    modality : str
        ``"tabular"``, ``"text"`` or ``"image"``; tells renderers how to read
        ``payload``.
    labels : tuple of int
        The explained labels, in the order they were requested.
    feature_names : list of str
        One name per interpretable feature.
    feature_descriptions : list of str
        Human-readable condition per feature as it holds for the instance,
        e.g. ``"worst radius > 16.80"`` or ``"color=red"``.
    instance : list
        The explained instance's values (JSON-safe); modality specific.
    coefficients : dict of int -> list of (int, float)
        Per label, ``(feature_index, weight)`` of the selected features,
        sorted by ``|weight|`` descending.
    intercept, local_pred, prediction, score : dict of int -> float
        Surrogate intercept, surrogate value at the instance, model value at
        the instance and weighted R^2 of the surrogate on the samples.
    model_output : list of float
        The model's full output row at the instance (class probabilities in
        classification, one value in regression).
    class_names : list of str or None
    num_samples : int
    kernel_width : float or None
        None when a user kernel callable was used.
    effective_sample_size : float
        ``(sum w)^2 / sum w^2`` of the kernel weights: how many samples the
        fit effectively rests on.
    random_state : int or None
    stability : dict of int -> float
        Per label, the estimated mean top-5 Jaccard overlap between this
        explanation and a rerun with another seed (1 = the top features never
        move). Estimated from the samples already scored, no model calls.
    heldout_score : dict of int -> float
        Per label, the weighted R^2 of the surrogate on samples it was not
        fitted on (K-fold cross-fitting, the selection refitted per fold).
    local_gap : dict of int -> float
        Per label, ``|local_pred - prediction|``.
    coefficient_std : dict of int -> list of float
        Per label, the standard error of each weight, in the order of
        ``coefficients[label]`` (heteroskedasticity-robust sandwich estimate).
    rank_bounds : dict of int -> list of [int, int, int]
        Per label, ``[feature_index, best_rank, worst_rank]`` in the order of
        ``coefficients[label]``: the 1-based ranks (by ``|weight|``) the
        feature could hold given the weights' sampling error. Read it through
        :meth:`rank_intervals` and :meth:`ties`.
    settled_stability : dict of int -> float
        Per label, the expected agreement of a rerun with another seed on the
        *settled* top 5 (the features whose rank interval lies within 1..5):
        the share of settled features that the rerun does not contradict,
        i.e. also places in its top 5 or in its tie across rank 5
        (:func:`lime_kit.ranks.settled_agreement`).
    warnings : list of str
        Alarms: reasons not to trust the explanation as it stands (each also
        raised once as a ``UserWarning``). Empty for most explanations.
    notes : list of str
        What a reader should know but need not act on (ties inside a settled
        top 5, a moderate held-out R², a gap at the instance, logits instead
        of probabilities). Shown with the explanation; never a Python warning.
    rounds : list of dict
        With ``num_samples="auto"``: ``{"num_samples", "stability",
        "settled_stability"}`` per round; the last round also says why
        sampling stopped (``"stopped"``).
    method : str
        How the weights were estimated: ``"lime"`` (a kernel-weighted ridge
        surrogate) or ``"kernel_shap"`` (Shapley values); ``"anchors"``: a
        rule (the fields below), whose ``coefficients`` are the precision each
        feature added, in the order the rule took them; then ``intercept`` is
        the precision of the empty rule (what the model keeps with nothing
        held), ``local_pred`` and ``score`` the rule's precision, and the
        weight figures (``heldout_score``, ``stability`` ...) are empty.
    anchor_features : tuple of int
        ``method="anchors"``: the rule's features, in the order they were
        added; :attr:`anchor` reads them as predicates. Empty for other methods
        (and for an empty rule: the prediction needs nothing held).
    precision, coverage : float or None
        ``method="anchors"``: the share of perturbed inputs satisfying the rule
        on which the model keeps the explained class, and the share of all
        perturbed inputs that satisfy it.
    precision_bounds, coverage_bounds : tuple of (float, float) or None
        Their ``1 - delta`` confidence bounds (Chernoff-KL).
    partial_anchors : list of dict
        ``method="anchors"``: the rule as it grew, one dict per added feature:
        ``feature``, ``precision``, ``precision_bounds``, ``coverage``,
        ``coverage_bounds``, ``samples`` and ``added_precision``.
    anchor_examples : dict
        ``method="anchors"``: a few scored perturbed inputs satisfying the
        rule, ``{"kept": [...], "changed": [...]}`` by whether the model kept
        the class; each is the list of features agreeing with the instance.
    timings : dict of str -> float
        Seconds spent in ``"segmentation"`` (segmenting an image, splitting a
        document into words; 0 for rows), ``"sampling"`` (validating and
        encoding the instance, drawing and building the perturbed inputs),
        ``"model"`` (``predict_fn`` calls; on a device path this includes
        composing the inputs on the device), ``"fit"`` (weighting, fitting
        and assessing the surrogates, building the result) and ``"total"``
        (the wall time of ``explain``). Not compared by ``==``: two runs
        never take the same time.
    payload : dict
        Modality-specific data (tokens and spans, a segment map, ...).
        Numeric arrays stored directly under a payload key are written to
        JSON compressed and come back from it as arrays.
    """

    mode: str
    modality: str
    labels: tuple
    feature_names: list
    feature_descriptions: list
    instance: Any
    coefficients: dict
    intercept: dict
    local_pred: dict
    prediction: dict
    score: dict
    model_output: list
    class_names: list | None = None
    num_samples: int = 0
    kernel_width: float | None = None
    effective_sample_size: float = 0.0
    random_state: int | None = None
    payload: dict = field(default_factory=dict)
    stability: dict = field(default_factory=dict)
    heldout_score: dict = field(default_factory=dict)
    local_gap: dict = field(default_factory=dict)
    coefficient_std: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    rounds: list = field(default_factory=list)
    rank_bounds: dict = field(default_factory=dict)
    settled_stability: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    method: str = "lime"
    timings: dict = field(default_factory=dict)
    anchor_features: tuple = ()
    precision: float | None = None
    precision_bounds: tuple | None = None
    coverage: float | None = None
    coverage_bounds: tuple | None = None
    partial_anchors: list = field(default_factory=list)
    anchor_examples: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ access
    def resolve_label(self, label) -> int:
        """Return the output column of ``label`` (an explained column index or class name; None: the first).

        Raises a ValueError listing the explained labels when ``label`` was not explained.
        """
        if label is None:
            return self.labels[0]
        index = label
        if isinstance(label, str) and self.class_names and label in self.class_names:
            index = self.class_names.index(label)
        if index not in self.coefficients:
            names = [self.label_name(k) for k in self.labels]
            raise ValueError(
                f"label {label!r} was not explained; explained labels are {list(self.labels)} ({names}). "
                f"Pass labels=[{label!r}] (an index or a class name) or top_labels to explain()."
            )
        return index

    @property
    def anchor(self) -> tuple | None:
        """``method="anchors"``: the rule as readable predicates, in the order they were added; else None.

        Tables: ``"income > 50.00"``, ``"purpose=car"``; text: the words that
        must be present; images: the segments that must show. ``()`` is the
        empty rule: the model keeps its class whatever the features.
        """
        if self.method != "anchors":
            return None
        return tuple(self.feature_descriptions[i] for i in self.anchor_features)

    def as_list(self, label: int | str | None = None, intervals: bool = False, level: float = 0.95) -> list[tuple]:
        """Return ``[(feature_description, weight)]`` sorted by ``|weight|``.

        For ``method="anchors"``: ``[(predicate, added precision)]`` in the
        order the rule took them (see :attr:`partial_anchors`).

        Parameters
        ----------
        label : int or str, optional
            One of ``self.labels`` or its class name; defaults to the first
            explained label.
        intervals : bool, default=False
            Return ``(description, weight, low, high)`` with the ``level``
            confidence interval of each weight.
        level : float, default=0.95
        """
        label = self.resolve_label(label)
        if intervals:
            bounds = self.confidence_intervals(label, level)
            return [
                (self.feature_descriptions[i], w, low, high)
                for (i, w), (_, low, high) in zip(self.coefficients[label], bounds)
            ]
        return [(self.feature_descriptions[i], w) for i, w in self.coefficients[label]]

    def confidence_intervals(self, label: int | str | None = None, level: float = 0.95) -> list[tuple[int, float, float]]:
        """Return ``[(feature_index, low, high)]`` in the order of ``as_map()[label]``.

        Normal intervals ``weight +- z * standard error`` from
        ``coefficient_std``; ``(index, nan, nan)`` where no standard error
        was computed (a user ``model_regressor``).
        """
        from scipy.stats import norm

        label = self.resolve_label(label)
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")
        z = float(norm.ppf(0.5 + level / 2))
        stds = self.coefficient_std.get(label) or [float("nan")] * len(self.coefficients[label])
        return [(i, w - z * s, w + z * s) for (i, w), s in zip(self.coefficients[label], stds)]

    def rank_intervals(self, label: int | str | None = None) -> list[tuple[int, int, int]]:
        """Return ``[(feature_index, best_rank, worst_rank)]`` in the order of ``as_map()[label]``.

        Ranks are 1-based positions by ``|weight|``. A feature whose order
        against another is not resolved at 95 % (given both weights'
        standard errors and their correlation) could hold either rank, so
        its interval spans both. ``best == worst`` is a settled rank.

        Examples
        --------
        >>> import numpy as np
        >>> from lime_kit import TabularExplainer
        >>> X = np.random.default_rng(0).normal(size=(200, 3))
        >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
        >>> exp = explainer.explain(X[0], lambda rows: 3 * rows[:, 0] + rows[:, 1] + rows[:, 2])
        >>> exp.rank_intervals()[0]
        (0, 1, 1)
        """
        label = self.resolve_label(label)
        bounds = self.rank_bounds.get(label)
        if bounds is None:  # an explanation saved before rank intervals existed: every rank as reported
            return [(i, rank, rank) for rank, (i, _) in enumerate(self.coefficients[label], start=1)]
        return [(int(i), int(best), int(worst)) for i, best, worst in bounds]

    def ties(self, label: int | str | None = None, k: int | None = None) -> list[tuple[int, ...]]:
        """Return the groups of features among the top ``k`` whose order is not resolved.

        A group is a run of features (in rank order) whose
        :meth:`rank_intervals` overlap; each has at least two features. A
        group that starts inside the top ``k`` is returned whole, even where
        it reaches past rank ``k``. ``[]`` when every rank is resolved.
        ``k`` defaults to 5 (or every feature, when there are fewer); a
        larger ``k`` than the explanation has features is an error.

        Examples
        --------
        >>> import numpy as np
        >>> from lime_kit import TabularExplainer
        >>> X = np.random.default_rng(0).normal(size=(300, 4))
        >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
        >>> exp = explainer.explain(X[0], lambda rows: 4 * rows[:, 0] + rows[:, 1] + rows[:, 2] + 0.2 * rows[:, 3])
        >>> exp.ties(k=3)   # features 1 and 2 weigh about the same (within 5 %)
        [(2, 1)]
        """
        label = self.resolve_label(label)
        k = self._check_k(k)
        groups = []
        for group in self._tie_positions(label):
            if group[0] >= k:
                break
            if len(group) > 1:
                groups.append(tuple(self.coefficients[label][p][0] for p in group))
        return groups

    def settled_features(self, label: int | str | None = None, k: int | None = None) -> list[int]:
        """Return the settled top ``k``: the features surely among the top ``k``, in rank order.

        The top ``k`` less the features tied across rank ``k`` (whose rank
        interval reaches past ``k``): those could go either way, so they are
        left out rather than picked at random. The order inside the settled
        set may still hold ties (:meth:`ties`). Reruns with other seeds are
        expected to agree on this set (see ``settled_stability``).
        """
        label = self.resolve_label(label)
        k = self._check_k(k)
        return [i for i, best, worst in self.rank_intervals(label) if worst <= k]

    def top_candidates(self, label: int | str | None = None, k: int | None = None) -> list[int]:
        """Return every feature that may be in the top ``k`` (best rank at most ``k``), in rank order.

        The settled top ``k`` plus the features tied across rank ``k``. A
        rerun agrees with this explanation when every feature it settles is
        among these, and vice versa (:func:`lime_kit.ranks.settled_agreement`).
        """
        label = self.resolve_label(label)
        k = self._check_k(k)
        return [i for i, best, worst in self.rank_intervals(label) if best <= k]

    def _bounds(self, label: int) -> np.ndarray:
        return np.array([(best, worst) for _, best, worst in self.rank_intervals(label)], dtype=int).reshape(-1, 2)

    def _tie_positions(self, label: int) -> list[list[int]]:
        return tie_groups(self._bounds(label))

    def _check_k(self, k) -> int:
        if k is None:
            return min(5, len(self.feature_names))
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if k > len(self.feature_names):
            raise ValueError(
                f"k={k} is larger than the {len(self.feature_names)} features of this explanation; "
                f"pass k <= {len(self.feature_names)}"
            )
        return int(k)

    def as_map(self) -> dict[int, list[tuple[int, float]]]:
        """Return ``{label: [(feature_index, weight)]}`` sorted by ``|weight|``.

        For ``method="anchors"``: ``{label: [(feature_index, added precision)]}``
        in the rule's order.
        """
        return {label: list(self.coefficients[label]) for label in self.labels}

    def weights(self, label: int | str | None = None) -> np.ndarray:
        """Return a dense vector of surrogate weights (0 for unselected features)."""
        label = self.resolve_label(label)
        dense = np.zeros(len(self.feature_names))
        for index, weight in self.coefficients[label]:
            dense[index] = weight
        return dense

    def label_name(self, label: int) -> str:
        """Return the display name of ``label``."""
        if self.mode == "regression":
            return "prediction"
        if self.class_names is not None and 0 <= label < len(self.class_names):
            return str(self.class_names[label])
        return str(label)

    # -------------------------------------------------------------- JSON form
    def to_dict(self) -> dict:
        """Return a JSON-safe dict (``json.dumps`` works on it).

        Per-label dicts become ``[[label, value], ...]`` lists so that integer
        labels survive JSON, whose object keys are strings.
        """
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _ANCHOR_FIELDS and self.method != "anchors":
                continue  # explanations of weights stay as they were written before rules existed
            if f.name in _PER_LABEL:
                value = [[label, value[label]] for label in self.labels if label in value]
            out[f.name] = _payload_to_json(value) if f.name == "payload" else _to_json_value(value)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Explanation:
        """Rebuild an Explanation from :meth:`to_dict` output."""
        kwargs = dict(data)
        kwargs["labels"] = tuple(int(label) for label in data["labels"])
        for name in _PER_LABEL:
            kwargs[name] = {int(label): value for label, value in data.get(name, [])}
        kwargs["coefficients"] = {
            label: [(int(i), float(w)) for i, w in pairs]
            for label, pairs in kwargs["coefficients"].items()
        }
        kwargs["payload"] = _payload_from_json(data.get("payload", {}))
        for name in ("anchor_features", "precision_bounds", "coverage_bounds"):
            if kwargs.get(name) is not None:
                kwargs[name] = tuple(kwargs[name])
        for step in kwargs.get("partial_anchors") or []:
            step["precision_bounds"], step["coverage_bounds"] = tuple(step["precision_bounds"]), tuple(step["coverage_bounds"])
        return cls(**kwargs)

    def to_json(self, **dumps_kwargs) -> str:
        """Return the explanation serialized as a JSON string."""
        return json.dumps(self.to_dict(), **dumps_kwargs)

    @classmethod
    def from_json(cls, text: str) -> Explanation:
        """Rebuild an Explanation from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Explanation):
            return NotImplemented
        mine, theirs = self.to_dict(), other.to_dict()
        mine.pop("timings"), theirs.pop("timings")
        return mine == theirs

    # --------------------------------------------------------------- notebook
    def _repr_html_(self) -> str:
        render = display.renderer("explanation")
        if render is None:
            # Nothing registered (lime_kit.plot not imported): the text summary still says what it holds.
            return f"<pre>{html.escape(repr(self))}</pre>"
        return render(self)

    def __repr__(self) -> str:
        if self.method == "anchors":
            return (
                f"Explanation(modality={self.modality!r}, method='anchors', label={self.label_name(self.labels[0])!r}, "
                f"anchor={self.anchor}, precision={self.precision:.3f}, coverage={self.coverage:.3f})"
            )
        top = ", ".join(f"{d!r}: {w:+.3g}" for d, w in self.as_list()[:3])
        return (
            f"Explanation(modality={self.modality!r}, mode={self.mode!r}, "
            f"labels={self.labels}, top=[{top}])"
        )


_ANCHOR_FIELDS = (
    "anchor_features",
    "precision",
    "precision_bounds",
    "coverage",
    "coverage_bounds",
    "partial_anchors",
    "anchor_examples",
)

_PER_LABEL = (
    "coefficients",
    "intercept",
    "local_pred",
    "prediction",
    "score",
    "stability",
    "heldout_score",
    "local_gap",
    "coefficient_std",
    "rank_bounds",
    "settled_stability",
)
