"""Where two explanations of one prediction agree: top-k overlap, rank correlation, signs, disagreements.

Practitioners are told to read more than one explanation method; `compare` turns
"look at the two bar charts" into numbers and a list of the features to look
at. It works on any two `Explanation` objects of the same instance and label
(LIME and KernelSHAP, two seeds, two kernel widths) and needs no model calls.
The picture is :func:`lime_kit.plot.plot_comparison`.

A rule (``method="anchors"``) has no weights to correlate: compared with
weights it is asked which features both name (the rule's features against
the other's top ``k``), and two rules are compared by their feature sets.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np

from lime_kit.explanation import Explanation

__all__ = ["Comparison", "Disagreement", "compare"]

#: Weights at most this share of an explanation's scale are float rounding of 0 (see :func:`compare`).
ROUNDING = 1e-9
#: Where a weight has no standard error, ``|weight|`` at most this share of the explanation's largest is noise.
RELATIVE_NOISE = 0.05
#: Standard errors per noise band: a weight whose 95 % interval covers 0 is inside the noise.
Z_95 = 1.959963984540054


class Disagreement(NamedTuple):
    """One feature on which two explanations disagree.

    ``feature`` is the feature's index and ``name`` its name
    (``exp.feature_names[feature]``); ``description`` is the condition as
    both explanations word it (or the name where they word it differently).
    ``reason`` is ``"opposite signs"``, ``"top k of a only"`` or ``"top k of
    b only"`` (with the number for ``k``), or an opposite sign and a top-k
    reason joined by ``"; "``. With a rule (``method="anchors"``) it is
    ``"rule of a only"`` (``b``), ``"top k of b only"`` (``a``; with
    ``", weighed against the class"`` when its weight is negative, which a
    rule never names), or ``"in the rule, but b weighs it against the
    class"`` (``a``); the rule's "weight" is the precision the feature added.
    """

    feature: int
    description: str
    weight_a: float
    weight_b: float
    reason: str
    name: str = ""


@dataclass
class Comparison:
    """How far two explanations of one prediction agree (see :func:`compare`).

    Attributes
    ----------
    top_k_overlap : float
        Jaccard overlap of the two top-``k`` feature sets (by ``|weight|``,
        weights inside the noise left out), where a feature in one set only
        counts as shared when its two weights are within noise of each other
        (see :func:`compare`): 1 = the same features, 0 = none in common.
    kendall_tau : float
        Kendall's tau-b between the two explanations' ``|weight|`` (0 inside
        the noise) over the union of the features either explanation weighs
        (1 = the same
        importance order, -1 = reversed; NaN when one explanation gives every
        one of those features the same ``|weight|``).
    sign_agreement : float
        Share of the features weighed outside the noise by both explanations
        that have the same sign in both; NaN when they share no feature.
    disagreements : list of Disagreement
        Features in the top ``k`` of one explanation but not the other whose
        two weights differ by more than their noise, or with opposite signs
        (both outside the noise) while in either top ``k``; largest weight
        first.
    k : int
        The ``k`` used (at most the number of features).
    label : int
        The explained output column compared.
    label_name : str
    method_a, method_b : str
        ``exp.method`` of each explanation (``"lime"``, ``"kernel_shap"``).
    top_k_a, top_k_b : list of int
        Each explanation's top-``k`` feature indices, largest ``|weight|``
        first, among the weights outside the noise (fewer than ``k`` when it
        weighs fewer features outside the noise).
    features : list of int
        The features among either explanation's ``k`` largest ``|weight|``,
        inside the noise or not, ordered by the larger of their two relative
        weights (``|weight|`` over that explanation's largest): the rows of
        the side-by-side chart.
    shared : int
        Number of features weighed outside the noise by both: the base of
        ``sign_agreement``.
    noise_a, noise_b : list of int
        Features each explanation weighs (nonzero) but inside the noise, by
        index: the chart draws them faded.
    kind : {"weights", "rule_and_weights", "rules"}
        What was compared: two explanations of weights; a rule
        (``method="anchors"``) and weights, by the features both name; or two
        rules, by their feature sets (see :func:`compare`).
    named_by_both : list of int
        Features in both top sets (for a rule, its features), in the order of
        ``features``.
    """

    top_k_overlap: float
    kendall_tau: float
    sign_agreement: float
    disagreements: list[Disagreement]
    k: int
    label: int
    label_name: str
    method_a: str
    method_b: str
    top_k_a: list[int] = field(default_factory=list)
    top_k_b: list[int] = field(default_factory=list)
    features: list[int] = field(default_factory=list)
    shared: int = 0
    noise_a: list[int] = field(default_factory=list)
    noise_b: list[int] = field(default_factory=list)
    kind: str = "weights"
    named_by_both: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return a JSON-safe dict (NaN becomes None; each disagreement a dict).

        Examples
        --------
        >>> import json
        >>> from lime_kit.comparison import Comparison
        >>> c = Comparison(1.0, float("nan"), 1.0, [], 5, 0, "prediction", "lime", "kernel_shap")
        >>> json.loads(json.dumps(c.to_dict()))["kendall_tau"] is None
        True
        """
        out = asdict(self)
        out["disagreements"] = [d._asdict() for d in self.disagreements]
        for key in ("top_k_overlap", "kendall_tau", "sign_agreement"):
            out[key] = None if math.isnan(out[key]) else float(out[key])
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Comparison:
        """Rebuild a Comparison from :meth:`to_dict` output."""
        kwargs = dict(data)
        for key in ("top_k_overlap", "kendall_tau", "sign_agreement"):
            kwargs[key] = float("nan") if kwargs[key] is None else float(kwargs[key])
        kwargs["disagreements"] = [Disagreement(**d) for d in data["disagreements"]]
        return cls(**kwargs)

    def __repr__(self) -> str:
        if self.kind != "weights":
            overlap = "nan" if math.isnan(self.top_k_overlap) else f"{self.top_k_overlap:.2f}"
            against = "" if self.kind == "rules" or math.isnan(self.sign_agreement) else (
                f", for the class in the weights {self.sign_agreement:.0%}"
            )
            return (
                f"Comparison({self.method_a} vs {self.method_b}, label={self.label_name!r}: "
                f"{len(self.named_by_both)} features named by both (overlap {overlap}){against}, "
                f"{len(self.disagreements)} disagreements)"
            )
        return (
            f"Comparison({self.method_a} vs {self.method_b}, label={self.label_name!r}: "
            f"top-{self.k} overlap {self.top_k_overlap:.2f}, kendall_tau {self.kendall_tau:.2f}, "
            f"sign_agreement {self.sign_agreement:.2f}, {len(self.disagreements)} disagreements)"
        )


def compare(exp_a: Explanation, exp_b: Explanation, k: int | None = None, label: int | str | None = None) -> Comparison:
    """Compare two explanations of the same prediction: which features both rank high, in what order, which way.

    Parameters
    ----------
    exp_a, exp_b : Explanation
        Explanations of the same instance (same modality, mode and features;
        image explanations also the same segment map), e.g. one with
        ``method="lime"`` and one with ``method="kernel_shap"``.
    k : int, optional
        Size of the top sets compared (clipped to the number of features).
        Default 5; with a rule (``method="anchors"``) and weights, the
        length of the rule; two rules are compared whole (``k`` unused).
    label : int or str, optional
        The output column to compare, as an index or a class name; it must be
        explained in both. Defaults to ``exp_a``'s first label (with a rule
        and weights, the rule's label).

    Returns
    -------
    Comparison

    Notes
    -----
    Features missing from an explanation's ``coefficients`` (not selected)
    have weight 0: they are never in its top ``k`` and have no sign. So do
    weights within float rounding of 0 (``|w|`` at most 1e-9 times the
    largest of the explanation's ``|weight|``, prediction and intercept):
    Shapley values of features the model ignores come out as ``±1e-16``,
    whose signs mean nothing.

    Weights inside the noise count as 0 in the same way, so that sampling
    noise neither fills a top ``k`` nor makes a disagreement. A weight's
    noise band is ``1.96`` standard errors (``exp.coefficient_std``, the
    half-width of the 95 % interval of :meth:`Explanation.confidence_intervals`);
    where an explanation has no standard error for it (a user
    ``model_regressor``, an explanation read from old JSON), the band is 5 %
    (``RELATIVE_NOISE``) of the explanation's largest ``|weight|``. A
    weight is inside the noise when ``|w|`` is at most its band. A feature
    in one top ``k`` only is a disagreement only when its two weights differ
    by more than ``sqrt(band_a**2 + band_b**2)`` (0 for a feature an
    explanation did not select); otherwise it counts as shared in
    ``top_k_overlap``. Opposite signs count only when both weights are
    outside the noise. An exact estimate (KernelSHAP with every coalition
    enumerated has standard errors of 0) has no noise band.

    ``kendall_tau`` ranks ``|weight|``, not the signed weight, so that it
    answers one question, "do both find the same features important, in the
    same order?", and signs are counted apart in ``sign_agreement``. With
    signed weights a feature that one method calls strongly for the label
    and the other strongly against would sit at opposite ends of the two
    rankings, and a tau near 0 could not tell a sign disagreement from a
    different importance order. It is computed over the union of the
    features either explanation weighs (a feature one of them did not select
    enters there as a tie at 0; tau-b corrects for ties).

    **Rules.** An anchor (``method="anchors"``) is a set of features held at
    the instance's value, not a weight per feature, so weights are not
    compared with it. Against an explanation of weights, the question is
    which features both name: the rule's features against the other's top
    ``k`` (weights inside the noise left out, as above). ``top_k_overlap``
    is their Jaccard overlap; ``sign_agreement`` the share of the features
    named by both that the weights count *for* the class (the rule holds
    them at the instance's value to keep it; a weight against it is listed
    as a disagreement); ``kendall_tau`` is NaN. Two rules: the Jaccard
    overlap of their feature sets, whatever their order; ``kendall_tau``
    and ``sign_agreement`` are NaN. An empty rule names nothing: with
    nothing named on either side the overlap is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer, compare
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> def model(rows):
    ...     return 3 * rows[:, 0] - 2 * rows[:, 1] + 0.5 * rows[:, 2]
    >>> a = explainer.explain(X[0], model, num_samples=1000, random_state=1)
    >>> b = explainer.explain(X[0], model, num_samples=1000, random_state=2)
    >>> result = compare(a, b, k=2)
    >>> result.top_k_overlap, result.kendall_tau, result.sign_agreement, result.disagreements
    (1.0, 1.0, 1.0, [])
    """
    if label is None and (exp_a.method == "anchors") != (exp_b.method == "anchors"):
        label = (exp_a if exp_a.method == "anchors" else exp_b).labels[0]  # a rule explains one label
    label = _check_comparable(exp_a, exp_b, label)
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ValueError(f"k must be a positive integer (the size of the top sets compared), got {k!r}")
    if "anchors" in (exp_a.method, exp_b.method):
        return _compare_rule(exp_a, exp_b, k, label)
    k = 5 if k is None else k
    n_features = len(exp_a.feature_names)
    k = int(min(k, n_features))
    raw_a, raw_b = _rounded_weights(exp_a, label), _rounded_weights(exp_b, label)
    band_a, band_b = _noise_band(exp_a, label, raw_a), _noise_band(exp_b, label, raw_b)
    # Weights inside the noise are read as 0, like unselected features and rounding zeros.
    weights_a = np.where(np.abs(raw_a) > band_a, raw_a, 0.0)
    weights_b = np.where(np.abs(raw_b) > band_b, raw_b, 0.0)
    top_a, top_b = _top_k(weights_a, k), _top_k(weights_b, k)
    union_top = set(top_a) | set(top_b)
    apart = np.abs(raw_a - raw_b) > np.hypot(band_a, band_b)
    one_side = {i for i in union_top if (i in top_a) != (i in top_b) and apart[i]}
    overlap = (len(union_top) - len(one_side)) / len(union_top) if union_top else 1.0

    weighed = sorted({i for i, _ in exp_a.coefficients[label]} | {i for i, _ in exp_b.coefficients[label]})
    tau = _kendall_tau_b(np.abs(weights_a[weighed]), np.abs(weights_b[weighed]))

    both = (weights_a != 0) & (weights_b != 0)
    same_sign = np.sign(weights_a[both]) == np.sign(weights_b[both])
    sign_agreement = float(same_sign.mean()) if both.any() else float("nan")

    disagreements = []
    for i in _display_order(weights_a, weights_b, union_top):
        reasons = []
        if weights_a[i] * weights_b[i] < 0:
            reasons.append("opposite signs")
        if i in one_side:
            reasons.append(f"top {k} of {'a' if i in top_a else 'b'} only")
        if reasons:
            disagreements.append(
                Disagreement(
                    int(i), _description(exp_a, exp_b, i), float(raw_a[i]), float(raw_b[i]), "; ".join(reasons),
                    str(exp_a.feature_names[i]),
                )  # fmt: skip
            )
    shown = set(_top_k(raw_a, k)) | set(_top_k(raw_b, k))
    return Comparison(
        top_k_overlap=float(overlap),
        kendall_tau=tau,
        sign_agreement=sign_agreement,
        disagreements=disagreements,
        k=k,
        label=int(label),
        label_name=exp_a.label_name(label),
        method_a=exp_a.method,
        method_b=exp_b.method,
        top_k_a=top_a,
        top_k_b=top_b,
        features=_display_order(raw_a, raw_b, shown),
        shared=int(both.sum()),
        noise_a=[int(i) for i in np.flatnonzero((raw_a != 0) & (weights_a == 0))],
        noise_b=[int(i) for i in np.flatnonzero((raw_b != 0) & (weights_b == 0))],
    )


def _compare_rule(exp_a: Explanation, exp_b: Explanation, k: int | None, label: int) -> Comparison:
    """A rule against weights (which features both name), or two rules (their feature sets); see :func:`compare`."""
    n_features = len(exp_a.feature_names)
    rules = exp_a.method == "anchors" and exp_b.method == "anchors"
    sides, noise = {}, {"a": [], "b": []}
    for side, exp in (("a", exp_a), ("b", exp_b)):
        if exp.method == "anchors":
            sides[side] = [int(f) for f in exp.anchor_features]
    rule_length = max(len(named) for named in sides.values())
    k = rule_length if (k is None or rules) else int(min(k, n_features))
    weights = {side: exp.weights(label) for side, exp in (("a", exp_a), ("b", exp_b))}
    for side, exp in (("a", exp_a), ("b", exp_b)):
        if side not in sides:
            raw = _rounded_weights(exp, label)
            band = _noise_band(exp, label, raw)
            kept = np.where(np.abs(raw) > band, raw, 0.0)
            sides[side] = _top_k(kept, k) if k else []
            noise[side] = [int(i) for i in np.flatnonzero((raw != 0) & (kept == 0))]
    named_a, named_b = sides["a"], sides["b"]
    union = list(dict.fromkeys([*named_a, *named_b]))
    both = [i for i in union if i in named_a and i in named_b]
    overlap = len(both) / len(union) if union else float("nan")
    sign_agreement = float("nan")
    if not rules and both:
        weighed = weights["b" if exp_a.method == "anchors" else "a"]
        sign_agreement = float(np.mean([weighed[i] > 0 for i in both]))
    disagreements = []
    for i in union:
        reasons = []
        for side, exp, other in (("a", exp_a, "b"), ("b", exp_b, "a")):
            mine, theirs = sides[side], sides[other]
            if i in mine and i not in theirs:
                if exp.method == "anchors":
                    reasons.append(f"rule of {side} only")
                else:  # a rule never names a feature that speaks against its class: say so where that is why
                    against = ", weighed against the class" if weights[side][i] < 0 else ""
                    reasons.append(f"top {k} of {side} only{against}")
            if exp.method == "anchors" and i in mine and i in theirs and weights[other][i] < 0 and not rules:
                reasons.append(f"in the rule, but {other} weighs it against the class")
        if reasons:
            disagreements.append(
                Disagreement(int(i), _description(exp_a, exp_b, i), float(weights["a"][i]), float(weights["b"][i]),
                             "; ".join(reasons), str(exp_a.feature_names[i]))
            )
    return Comparison(
        top_k_overlap=float(overlap),
        kendall_tau=float("nan"),
        sign_agreement=sign_agreement,
        disagreements=disagreements,
        k=int(k),
        label=int(label),
        label_name=exp_a.label_name(label),
        method_a=exp_a.method,
        method_b=exp_b.method,
        top_k_a=named_a,
        top_k_b=named_b,
        features=union,
        shared=len(both),
        noise_a=noise["a"],
        noise_b=noise["b"],
        kind="rules" if rules else "rule_and_weights",
        named_by_both=both,
    )


def _rounded_weights(exp: Explanation, label: int) -> np.ndarray:
    """Dense weights with those within float rounding of 0 set to 0 (see the Notes of :func:`compare`)."""
    weights = exp.weights(label)
    scale = max(np.abs(weights).max(initial=0.0), abs(exp.prediction.get(label, 0.0)), abs(exp.intercept.get(label, 0.0)))
    weights[np.abs(weights) <= ROUNDING * scale] = 0.0
    return weights


def _noise_band(exp: Explanation, label: int, weights: np.ndarray) -> np.ndarray:
    """Half-width of each weight's noise band, shape (n_features,); 0 for features not selected."""
    fallback = RELATIVE_NOISE * np.abs(weights).max(initial=0.0)
    band = np.zeros(len(weights))
    stds = exp.coefficient_std.get(label) or []
    for position, (index, _) in enumerate(exp.coefficients[label]):
        std = stds[position] if position < len(stds) and stds[position] is not None else float("nan")
        band[index] = Z_95 * std if np.isfinite(std) else fallback
    return band


def _check_comparable(exp_a: Explanation, exp_b: Explanation, label) -> int:
    """Refuse explanations of different things; return the label's output column."""
    for name, exp in (("exp_a", exp_a), ("exp_b", exp_b)):
        if not isinstance(exp, Explanation):
            raise ValueError(f"{name} must be a lime_kit Explanation, got {type(exp).__name__}")
    if (exp_a.modality, exp_a.mode) != (exp_b.modality, exp_b.mode):
        raise ValueError(
            f"cannot compare a {exp_a.modality} {exp_a.mode} explanation with a {exp_b.modality} {exp_b.mode} one; "
            "pass two explanations of the same prediction"
        )
    if len(exp_a.feature_names) != len(exp_b.feature_names):
        raise ValueError(
            f"exp_a has {len(exp_a.feature_names)} features and exp_b {len(exp_b.feature_names)}; explain the same "
            "instance with the same explainer settings (for images: the same segmentation) to compare them"
        )
    if list(exp_a.feature_names) != list(exp_b.feature_names):
        first = next(i for i, (p, q) in enumerate(zip(exp_a.feature_names, exp_b.feature_names)) if p != q)
        raise ValueError(
            f"the explanations' features differ: feature {first} is {exp_a.feature_names[first]!r} in exp_a and "
            f"{exp_b.feature_names[first]!r} in exp_b; explain the same instance with the same explainer settings"
        )
    segments_a, segments_b = exp_a.payload.get("segments"), exp_b.payload.get("segments")
    if segments_a is not None and segments_b is not None and not np.array_equal(segments_a, segments_b):
        raise ValueError(
            "the image explanations use different segment maps, so 'segment k' is a different region in each; "
            "pass the same segmentation to both explain() calls"
        )
    if _json_form(exp_a.instance) != _json_form(exp_b.instance):
        raise ValueError("the explanations are of different instances; explain the same instance with both methods")
    if exp_a.class_names and exp_b.class_names and list(exp_a.class_names) != list(exp_b.class_names):
        raise ValueError(
            f"the explanations name their classes differently ({exp_a.class_names} and {exp_b.class_names}); "
            "compare explanations of the same model's prediction"
        )
    try:
        index = exp_a.resolve_label(label)
    except ValueError as error:
        raise ValueError(f"exp_a: {error}") from None
    if index not in exp_b.coefficients:
        raise ValueError(
            f"label {exp_a.label_name(index)!r} (column {index}) is explained in exp_a but not in exp_b, which "
            f"explains {list(exp_b.labels)}; pass label= one of those, or explain it in both (labels=[{index}])"
        )
    return index


def _json_form(value):
    from lime_kit.explanation import _to_json_value

    return _to_json_value(value)


def _top_k(weights: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` largest ``|weight|`` (ties by index), leaving out zero weights."""
    order = np.argsort(-np.abs(weights), kind="stable")[:k]
    return [int(i) for i in order if weights[i] != 0]


def _display_order(weights_a: np.ndarray, weights_b: np.ndarray, features: set) -> list[int]:
    """Features by the larger relative weight, so that neither method's scale decides the order."""
    scale_a, scale_b = np.abs(weights_a).max(), np.abs(weights_b).max()
    relative_a = np.abs(weights_a) / scale_a if scale_a > 0 else np.zeros_like(weights_a)
    relative_b = np.abs(weights_b) / scale_b if scale_b > 0 else np.zeros_like(weights_b)
    return sorted(features, key=lambda i: (-max(relative_a[i], relative_b[i]), i))


def _description(exp_a: Explanation, exp_b: Explanation, index: int) -> str:
    """The shared description, or the feature name where the two word it differently (e.g. bins vs values)."""
    description = exp_a.feature_descriptions[index]
    return description if description == exp_b.feature_descriptions[index] else str(exp_a.feature_names[index])


def _kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b (ties corrected); NaN when either side is constant or has fewer than 2 values."""
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return float("nan")
    from scipy.stats import kendalltau

    # Rounded so that identical rankings give exactly 1 rather than 1 - 1e-16.
    return round(float(kendalltau(x, y, variant="b").statistic), 12)
