"""Checks that an explanation tells the truth about the model, for any modality.

An explanation's own figures (fit, intervals, stability) describe the
surrogate. The functions here ask the model instead: does removing the
features an explanation ranks first move the prediction more than removing
features at random (:func:`deletion_curve`, :func:`insertion_curve`), do the
weights predict what removing each feature does (:func:`faithfulness_correlation`),
and do reruns with other seeds pick the same features (:func:`rerun_stability`)?

Removal is the modality's own, through the explainer's
``instance_sampler(instance).keep_inputs``: tabular values are replaced by
draws from the training distribution (random, so each step averages several
draws), text words are cut out or masked, image segments are hidden by the
explainer's fill. This module never builds model inputs itself.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from lime_kit.core.batching import predict_in_batches
from lime_kit.core.validation import UNRELIABLE, check_random_state, explanation_rng, plain
from lime_kit.explanation import Explanation
from lime_kit.modalities import modality_of

__all__ = [
    "anchor_precision",
    "CurveResult",
    "RerunStability",
    "deletion_curve",
    "faithfulness_correlation",
    "insertion_curve",
    "rerun_stability",
]

#: Modalities whose removal is random (draws from the training data), so each step is averaged over repeats.
_DEFAULT_REPEATS = 10
#: With more features than this, curves are evaluated at about this many evenly spaced steps.
_MAX_STEPS = 50
_ORDERS = ("weight", "absolute")


@dataclass
class CurveResult:
    """A deletion or insertion curve and its random-order baseline.

    Attributes
    ----------
    kind : {"deletion", "insertion"}
    fractions : list of float
        Fraction of features removed (deletion) or added (insertion) at each
        step, from 0 to 1.
    values : list of float
        The model's output for ``label`` at each step, features taken in the
        explanation's order.
    random_values : list of float
        The same, averaged over random orders.
    auc : float
        Trapezoid area under ``values`` over ``fractions``. Deletion: lower is
        better; insertion: higher is better.
    random_auc : float
        Area under ``random_values``: the score a ranking must beat.
    label : int
    label_name : str
    """

    kind: str
    fractions: list
    values: list
    random_values: list
    auc: float
    random_auc: float
    label: int
    label_name: str


@dataclass
class RerunStability:
    """How much an explanation's top features move when it is rerun with other seeds.

    Attributes
    ----------
    jaccard : float
        Mean Jaccard overlap of the top-``k`` feature sets over all pairs of
        reruns (1 = every rerun picked the same features).
    weight_spread : dict of int -> float
        Per feature that appears in any rerun, the standard deviation
        (``ddof=0``) of its weight across reruns, counting 0 where a rerun did
        not select it.
    top_sets : list of set of int
        The top-``k`` feature indices (by ``|weight|``) of each rerun.
    explanations : list of Explanation
        The reruns, in the order of ``seeds``.
    label : int
    seeds : list of int
    k : int
    """

    jaccard: float
    weight_spread: dict
    top_sets: list
    explanations: list
    label: int = 0
    seeds: list = field(default_factory=list)
    k: int = 5


# ---------------------------------------------------------------- validation
def _resolve_label(explanation: Explanation, label) -> int:
    """Return the explained label as a column index; raise if it was not explained."""
    if not isinstance(explanation, Explanation):
        raise TypeError(f"explanation must be a lime_kit Explanation, got {type(explanation).__name__}")
    return explanation.resolve_label(label)


def _explainer_modality(explainer) -> str | None:
    declaration = modality_of(explainer)
    return None if declaration is None else declaration.name


def _removal_sampler(explainer, instance, explanation: Explanation, sampler_kwargs: dict):
    """The explainer's sampler for ``instance``, checked against the explanation it is meant to test."""
    modality = _explainer_modality(explainer)
    if modality is not None and modality != explanation.modality:
        raise ValueError(
            f"the explanation is a {explanation.modality} explanation but the explainer is a "
            f"{type(explainer).__name__} ({modality}); pass the explainer that produced the explanation"
        )
    if not callable(getattr(explainer, "instance_sampler", None)):
        raise TypeError(
            f"{type(explainer).__name__} has no instance_sampler(instance, ...); pass a lime_kit "
            "TabularExplainer, TextExplainer or ImageExplainer"
        )
    kwargs = dict(sampler_kwargs)
    if "segments" in explanation.payload and "segmentation" not in kwargs:
        # Reuse the explained segment map: re-segmenting could give other segments (and costs time).
        kwargs["segmentation"] = np.asarray(explanation.payload["segments"])
    sampler = explainer.instance_sampler(instance, **kwargs)
    if sampler.keep_inputs is None:
        raise ValueError(f"{type(explainer).__name__}'s sampler cannot remove features, so it cannot be evaluated")
    n_features = len(explanation.feature_names)
    if sampler.n_features != n_features:
        raise ValueError(
            f"the explanation has {n_features} features but the explainer finds {sampler.n_features} in this "
            "instance; pass the instance (and the explainer settings) that produced the explanation"
        )
    return sampler


def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {plain(value)}")
    return int(value)


def _repeats_for(sampler, repeats) -> int:
    if repeats is None:
        return _DEFAULT_REPEATS if sampler.random_removal else 1
    return _check_count(repeats, "repeats", 1)


# ------------------------------------------------------------------ scoring
def _score_keep(sampler, keep: np.ndarray, predict_fn, explanation: Explanation, label: int, rng, batch_size) -> np.ndarray:
    """The model's output for ``label`` on every row of the boolean ``keep`` matrix, one call per batch."""
    if batch_size is None:
        # Bounded memory whatever the input: about 8 MiB of array inputs per call, 1,000 otherwise.
        probe = sampler.keep_inputs(keep[:1], rng)
        row_bytes = getattr(probe, "nbytes", None)
        batch_size = 1000 if not row_bytes else int(np.clip(8 * 2**20 // row_bytes, 1, 10_000))
    outputs = predict_in_batches(
        predict_fn,
        lambda start, stop: sampler.keep_inputs(keep[start:stop], rng),
        keep.shape[0],
        _check_count(batch_size, "batch_size", 1),
        explanation.mode,
        len(explanation.model_output),
    )
    return outputs[:, label]


def _check_same_prediction(full_value: float, explanation: Explanation, label: int) -> None:
    """Warn when the model at the intact instance disagrees with the explanation's recorded prediction."""
    recorded = explanation.prediction.get(label)
    if recorded is not None and not np.isclose(full_value, recorded, rtol=1e-6, atol=1e-6):
        warnings.warn(
            f"the model gives {full_value:.6g} for {explanation.label_name(label)!r} on this instance but the "
            f"explanation recorded {recorded:.6g}: the explanation may be of another instance or model",
            UserWarning,
            stacklevel=3,
        )


def _ranking(weights: np.ndarray, order: str, rng: np.random.Generator) -> np.ndarray:
    """Feature indices, most important first; ties (unexplained features, weight 0) in random order."""
    key = -weights if order == "weight" else -np.abs(weights)
    shuffled = rng.permutation(len(weights))
    return shuffled[np.argsort(key[shuffled], kind="stable")]


def _step_counts(n_features: int, steps) -> np.ndarray:
    """How many features are removed (or added) at each step, from 0 to ``n_features``."""
    if steps is None:
        steps = min(n_features, _MAX_STEPS)
    steps = _check_count(steps, "steps", 1)
    return np.unique(np.rint(np.linspace(0, n_features, steps + 1)).astype(int))


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)


def _curve(
    kind: str,
    explainer,
    instance,
    predict_fn,
    explanation: Explanation,
    label,
    order: str,
    steps,
    random_orders: int,
    repeats,
    random_state,
    batch_size,
    sampler_kwargs: dict,
) -> CurveResult:
    label = _resolve_label(explanation, label)
    if order not in _ORDERS:
        raise ValueError(f"order must be 'weight' (signed, largest first) or 'absolute' (largest |weight| first), got {order!r}")
    random_orders = _check_count(random_orders, "random_orders", 1)
    rng = check_random_state(random_state)
    sampler = _removal_sampler(explainer, instance, explanation, sampler_kwargs)
    repeats = _repeats_for(sampler, repeats)
    n_features = sampler.n_features
    counts = _step_counts(n_features, steps)

    rankings = [_ranking(explanation.weights(label), order, rng)]
    rankings += [rng.permutation(n_features) for _ in range(random_orders)]
    # position[o, j]: when feature j is taken by order o; step k takes the features at positions < k.
    position = np.empty((len(rankings), n_features), dtype=np.int64)
    for o, ranking in enumerate(rankings):
        position[o, ranking] = np.arange(n_features)
    taken = position[:, None, :] < counts[None, :, None]  # (orders, steps, features)
    keep = ~taken if kind == "deletion" else taken
    keep = np.repeat(keep.reshape(-1, n_features), repeats, axis=0)

    scores = _score_keep(sampler, keep, predict_fn, explanation, label, rng, batch_size)
    curves = scores.reshape(len(rankings), len(counts), repeats).mean(axis=2)
    _check_same_prediction(float(curves[0, 0 if kind == "deletion" else -1]), explanation, label)
    fractions = counts / n_features
    values, random_values = curves[0], curves[1:].mean(axis=0)
    return CurveResult(
        kind=kind,
        fractions=fractions.tolist(),
        values=values.tolist(),
        random_values=random_values.tolist(),
        auc=_trapezoid(values, fractions),
        random_auc=_trapezoid(random_values, fractions),
        label=label,
        label_name=explanation.label_name(label),
    )


_CURVE_PARAMETERS = """
    Parameters
    ----------
    explainer : TabularExplainer, TextExplainer or ImageExplainer
        The explainer that produced ``explanation``.
    instance : row, str or image
        The explained instance, as passed to ``explain``.
    predict_fn : callable
        The explained model, called with one batch of model inputs at a time.
    explanation : Explanation
        The explanation whose ranking is tested.
    label : int or str, optional
        An explained label (index or class name); the first explained label
        by default.
    order : {"weight", "absolute"}, default="weight"
        ``"weight"``: features by decreasing signed weight, so the strongest
        evidence *for* the label goes first and evidence against it last;
        ``"absolute"``: by decreasing ``|weight|``. Features the explanation
        did not select count as weight 0 and take their place in that order
        (between positive and negative weights for ``"weight"``, last for
        ``"absolute"``) in random order among themselves.
    steps : int, optional
        Number of steps. By default one per feature up to 50 features,
        otherwise 50 evenly spaced steps.
    random_orders : int, default=10
        Random orders averaged into the baseline.
    repeats : int, optional
        Model inputs per step and order, averaged. Tabular removal draws
        replacement values from the training distribution, so the default is
        10 there; text and image removal is deterministic, so the default is 1.
    random_state : int or numpy Generator, optional
        Seeds the random orders, the order of tied features and the tabular
        replacement draws.
    batch_size : int, optional
        Model inputs per ``predict_fn`` call; by default about 8 MiB of array
        inputs (images) or 1,000 rows or documents.
    **sampler_kwargs
        Passed to ``explainer.instance_sampler`` (e.g. ``hide_color=`` for an
        image explained with a ``hide_color`` other than the explainer's). An
        image explanation's own segment map is reused unless
        ``segmentation=`` is given.

    Returns
    -------
    CurveResult
        Plot it with :func:`lime_kit.plot.curves.plot_curves`.

    Warns
    -----
    UserWarning
        When the model's output on the intact instance differs from the
        prediction the explanation recorded (another instance or model).
"""


def deletion_curve(
    explainer,
    instance,
    predict_fn: Callable[[Any], Any],
    explanation: Explanation,
    label: int | str | None = None,
    *,
    order: str = "weight",
    steps: int | None = None,
    random_orders: int = 10,
    repeats: int | None = None,
    random_state: int | np.random.Generator | None = None,
    batch_size: int | None = None,
    **sampler_kwargs,
) -> CurveResult:
    """Remove features in the explanation's order and record how fast the model's output falls.

    Step ``k`` removes the ``k`` most important features (the modality's way)
    and scores the result. A faithful ranking makes the output for the
    explained label fall faster than random orders do: ``auc`` below
    ``random_auc`` (lower is better).
    {parameters}
    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(300, 4))
    >>> def predict(rows):  # the probability of class 1 rises with features 0 and 1 only
    ...     p = 1 / (1 + np.exp(-(3 * rows[:, 0] + 2 * rows[:, 1])))
    ...     return np.column_stack([1 - p, p])
    >>> explainer = TabularExplainer(X, random_state=0)
    >>> row = np.array([1.5, 1.0, 0.2, -0.3])
    >>> exp = explainer.explain(row, predict, num_features=2, num_samples=500)
    >>> curve = deletion_curve(explainer, row, predict, exp, random_state=0)
    >>> curve.fractions
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> bool(curve.auc < curve.random_auc)
    True
    """
    return _curve(
        "deletion", explainer, instance, predict_fn, explanation, label, order, steps,
        random_orders, repeats, random_state, batch_size, sampler_kwargs,
    )


def insertion_curve(
    explainer,
    instance,
    predict_fn: Callable[[Any], Any],
    explanation: Explanation,
    label: int | str | None = None,
    *,
    order: str = "weight",
    steps: int | None = None,
    random_orders: int = 10,
    repeats: int | None = None,
    random_state: int | np.random.Generator | None = None,
    batch_size: int | None = None,
    **sampler_kwargs,
) -> CurveResult:
    """Add features in the explanation's order to an emptied instance and record how fast the output rises.

    Step ``k`` keeps only the ``k`` most important features (every other one
    removed the modality's way) and scores the result. A faithful ranking
    makes the output for the explained label rise faster than random orders
    do: ``auc`` above ``random_auc`` (higher is better).
    {parameters}
    Examples
    --------
    >>> from lime_kit import TextExplainer
    >>> def predict(docs):  # "good" makes a document positive
    ...     p = np.array([0.9 if "good" in d.split() else 0.2 for d in docs])
    ...     return np.column_stack([1 - p, p])
    >>> explainer = TextExplainer(random_state=0)
    >>> text = "a good plot with a dull ending"
    >>> exp = explainer.explain(text, predict, num_features=1, num_samples=300)
    >>> curve = insertion_curve(explainer, text, predict, exp, random_state=0)
    >>> curve.values[:2]
    [0.2, 0.9]
    >>> bool(curve.auc > curve.random_auc)
    True
    """
    return _curve(
        "insertion", explainer, instance, predict_fn, explanation, label, order, steps,
        random_orders, repeats, random_state, batch_size, sampler_kwargs,
    )


deletion_curve.__doc__ = deletion_curve.__doc__.replace("{parameters}", _CURVE_PARAMETERS)
insertion_curve.__doc__ = insertion_curve.__doc__.replace("{parameters}", _CURVE_PARAMETERS)


def faithfulness_correlation(
    explainer,
    instance,
    predict_fn: Callable[[Any], Any],
    explanation: Explanation,
    label: int | str | None = None,
    *,
    repeats: int | None = None,
    random_state: int | np.random.Generator | None = None,
    batch_size: int | None = None,
    **sampler_kwargs,
) -> float:
    """Pearson correlation between each explained feature's weight and what removing it alone does.

    For every feature in ``explanation.as_map()[label]``, the drop is the
    model's output for ``label`` on the intact instance minus its output with
    that one feature removed (the modality's way, averaged over ``repeats``
    draws for tabular rows). A faithful explanation gives large positive
    weights to features whose removal lowers the output most: a correlation
    near 1.

    Parameters
    ----------
    explainer, instance, predict_fn, explanation, label
        As for :func:`deletion_curve`.
    repeats : int, optional
        Model inputs per removed feature, averaged (default 10 for tabular
        rows, whose removal is random, 1 otherwise).
    random_state : int or numpy Generator, optional
    batch_size : int, optional
    **sampler_kwargs
        Passed to ``explainer.instance_sampler``.

    Returns
    -------
    float
        In [-1, 1]; NaN when the weights or the drops do not vary (e.g. the
        model ignores every explained feature).

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(500, 4))
    >>> coefficients = np.array([3.0, -2.0, 1.0, 0.5])
    >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
    >>> row = np.full(4, 1.2)
    >>> exp = explainer.explain(row, lambda rows: rows @ coefficients, num_samples=1000)
    >>> r = faithfulness_correlation(explainer, row, lambda rows: rows @ coefficients, exp, random_state=0)
    >>> bool(r > 0.9)
    True
    """
    label = _resolve_label(explanation, label)
    pairs = explanation.as_map()[label]
    if len(pairs) < 2:
        raise ValueError(
            f"the explanation selects {len(pairs)} feature(s) for {explanation.label_name(label)!r}; a correlation "
            "needs at least 2: explain with num_features >= 2"
        )
    rng = check_random_state(random_state)
    sampler = _removal_sampler(explainer, instance, explanation, sampler_kwargs)
    repeats = _repeats_for(sampler, repeats)
    features = np.array([index for index, _ in pairs])
    weights = np.array([weight for _, weight in pairs])
    # Row 0 keeps everything; row 1 + i removes features[i] alone.
    keep = np.ones((len(features) + 1, sampler.n_features), dtype=bool)
    keep[np.arange(1, len(features) + 1), features] = False
    keep = np.repeat(keep, repeats, axis=0)
    scores = _score_keep(sampler, keep, predict_fn, explanation, label, rng, batch_size)
    scores = scores.reshape(len(features) + 1, repeats).mean(axis=1)
    _check_same_prediction(float(scores[0]), explanation, label)
    drops = scores[0] - scores[1:]
    if np.ptp(weights) == 0 or np.ptp(drops) == 0:
        return float("nan")
    return float(np.corrcoef(weights, drops)[0, 1])


def _top_set(explanation: Explanation, label: int, k: int) -> set:
    return {index for index, _ in explanation.as_map()[label][:k]}


def _jaccard(a: set, b: set) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def rerun_stability(
    explainer,
    instance,
    predict_fn: Callable[[Any], Any],
    seeds: int | Sequence[int] = 10,
    k: int = 5,
    label: int | str | None = None,
    **explain_kwargs,
) -> RerunStability:
    """Rerun an explanation with other seeds and measure how much its top features move.

    Each rerun calls ``explainer.explain(instance, predict_fn,
    random_state=seed, **explain_kwargs)``. This is the measured counterpart
    of ``exp.stability``, which estimates the same overlap from one run.

    Parameters
    ----------
    explainer : TabularExplainer, TextExplainer or ImageExplainer
    instance : row, str or image
    predict_fn : callable
    seeds : int or sequence of int, default=10
        A count ``n`` (seeds ``0..n-1``) or the seeds themselves; at least 2.
    k : int, default=5
        Size of the top feature sets compared (by ``|weight|``; fewer when an
        explanation selects fewer features).
    label : int or str, optional
        The label compared. By default the first explained label of the
        first rerun. When ``explain_kwargs`` has neither ``labels`` nor
        ``top_labels``, it is passed to ``explain`` as ``labels=[label]``.
    **explain_kwargs
        Passed to every ``explain`` call (``num_samples``, ``num_features``, ...).

    Returns
    -------
    RerunStability
        The reruns' reliability warnings are not re-emitted (``seeds`` times
        the same message); each rerun keeps them in ``warnings``.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(300, 6))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False)
    >>> predict = lambda rows: rows @ np.array([5.0, -4.0, 3.0, 0.0, 0.0, 0.0])
    >>> result = rerun_stability(explainer, X[0], predict, seeds=3, k=3, num_samples=300)
    >>> result.jaccard, result.top_sets[0]
    (1.0, {0, 1, 2})
    """
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        seeds = list(range(_check_count(seeds, "seeds", 2)))
    else:
        try:
            seeds = [int(seed) for seed in seeds]
        except (TypeError, ValueError):
            raise ValueError(f"seeds must be a count or a list of int seeds, got {seeds!r}") from None
        if len(seeds) < 2:
            raise ValueError(f"seeds must hold at least 2 seeds to compare reruns, got {seeds!r}")
    k = _check_count(k, "k", 1)
    if "random_state" in explain_kwargs:
        raise ValueError("pass the seeds to compare as seeds=, not random_state=")
    if label is not None and "labels" not in explain_kwargs and "top_labels" not in explain_kwargs:
        explain_kwargs["labels"] = [label]
    explanations = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=UNRELIABLE, category=UserWarning)
        for seed in seeds:
            explanations.append(explainer.explain(instance, predict_fn, random_state=seed, **explain_kwargs))
    label = _resolve_label(explanations[0], label)
    for explanation in explanations[1:]:
        _resolve_label(explanation, label)
    top_sets = [_top_set(explanation, label, k) for explanation in explanations]
    jaccard = float(np.mean([_jaccard(a, b) for a, b in combinations(top_sets, 2)]))
    weights = np.array([explanation.weights(label) for explanation in explanations])
    selected = sorted({index for explanation in explanations for index, _ in explanation.as_map()[label]})
    spread = {index: float(weights[:, index].std()) for index in selected}
    return RerunStability(
        jaccard=jaccard,
        weight_spread=spread,
        top_sets=top_sets,
        explanations=explanations,
        label=label,
        seeds=seeds,
        k=k,
    )


def anchor_precision(
    explainer,
    instance,
    predict_fn,
    explanation: Explanation,
    num_samples: int = 10_000,
    random_state=None,
    batch_size: int | None = None,
    **sampler_kwargs,
) -> float:
    """Measure an anchor's precision afresh: the share of new samples satisfying the rule that keep the class.

    The samples come from the distribution the rule was found on: the
    explainer's sampler with the rule's features held at the instance's
    value (a table's bin, a word present, a segment shown) and every other
    feature perturbed. Use it to check ``explanation.precision`` and its
    bounds on samples the search never saw.

    Parameters
    ----------
    explainer : TabularExplainer, TextExplainer or ImageExplainer
        The explainer that produced ``explanation`` (a tabular one still
        holding the bins it used for ``predict_fn``).
    instance : the explained row, document or image
    predict_fn : callable
    explanation : Explanation
        A ``method="anchors"`` explanation.
    num_samples : int, default=10000
    random_state : int or Generator, optional
    batch_size : int, optional
        Rows per ``predict_fn`` call (default: as in evaluations, about 8 MiB
        of array inputs).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).uniform(size=(500, 3))
    >>> explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
    >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
    >>> exp = explainer.explain(X[0], predict, method="anchors")
    >>> anchor_precision(explainer, X[0], predict, exp, num_samples=2000, random_state=1) >= 0.95
    True
    """
    if explanation.method != "anchors":
        raise ValueError(f"anchor_precision needs a method='anchors' explanation, got method={explanation.method!r}")
    count = _check_count(num_samples, "num_samples", 1)
    sampler = _removal_sampler(explainer, instance, explanation, sampler_kwargs)
    rng = explanation_rng(None, random_state)[1]
    hold = np.zeros((count, sampler.n_features), dtype=bool)
    hold[:, list(explanation.anchor_features)] = True
    block = sampler.draw_holding(rng, hold)
    label = explanation.labels[0]
    if batch_size is None:
        probe = block.build_inputs(0, 1)
        row_bytes = getattr(probe, "nbytes", None)
        batch_size = 1000 if not row_bytes else int(np.clip(8 * 2**20 // row_bytes, 1, 10_000))
    outputs = predict_in_batches(
        predict_fn, block.build_inputs, count, _check_count(batch_size, "batch_size", 1), explanation.mode,
        len(explanation.model_output),
    )
    return float(np.mean(outputs.argmax(axis=1) == label))
