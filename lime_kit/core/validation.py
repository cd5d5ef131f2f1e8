"""Boundary checks shared by every explainer (labels, counts, model outputs)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_fit_options", "explanation_rng", "explainer_seed", "check_mode", "check_num_samples", "check_predictions", "choose_labels", "check_random_state"]

MODES = ("classification", "regression")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be 'classification' or 'regression', got {mode!r}")
    return mode


def check_random_state(random_state) -> np.random.Generator:
    """Return a Generator from None, an int seed, a SeedSequence or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(random_state)
    raise TypeError(
        f"random_state must be None, an int or a numpy Generator, got {type(random_state).__name__}"
    )


def explainer_seed(random_state) -> int:
    """Validate an explainer's ``random_state`` and return the seed every explain call starts from.

    Without a seed one is drawn here, once, so repeated ``explain`` calls on
    one explainer agree with each other and the seed can be recorded.
    """
    if random_state is not None and not isinstance(random_state, numbers.Integral):
        raise TypeError(f"random_state must be an int or None, got {type(random_state).__name__}")
    return int(np.random.SeedSequence().entropy % (2**63)) if random_state is None else int(random_state)


def explanation_rng(explainer_seed: int, random_state) -> tuple[int | None, np.random.Generator]:
    """Return ``(seed to record, Generator)`` for one explain call.

    A ``random_state`` passed to ``explain`` overrides the explainer's seed;
    a Generator passed there cannot be recorded, so the seed is None.
    """
    seed = explainer_seed if random_state is None else random_state
    recorded = int(seed) if isinstance(seed, numbers.Integral) else None
    return recorded, check_random_state(seed)


def check_fit_options(num_features, feature_selection: str) -> int:
    """Validate the surrogate options every explain takes; return num_features as int."""
    from lime_kit.core.surrogate import FEATURE_SELECTION_METHODS

    if feature_selection not in FEATURE_SELECTION_METHODS:
        raise ValueError(f"feature_selection must be one of {FEATURE_SELECTION_METHODS}, got {feature_selection!r}")
    if not isinstance(num_features, numbers.Integral) or num_features < 1:
        raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
    return int(num_features)


def check_num_samples(num_samples) -> int:
    if not isinstance(num_samples, numbers.Integral) or num_samples < 2:
        raise ValueError(
            f"num_samples must be an integer >= 2 (the instance plus at least one "
            f"perturbation), got {num_samples!r}"
        )
    return int(num_samples)


def check_predictions(raw, n_rows: int, mode: str, n_outputs: int | None) -> np.ndarray:
    """Validate one batch of predict_fn output and return it as (n_rows, n_outputs) float64.

    Regression accepts shape (n,) or (n, 1); classification needs (n, n_classes)
    with the same n_classes in every batch.
    """
    out = np.asarray(raw, dtype=np.float64)
    if mode == "regression":
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if out.shape != (n_rows,):
            raise ValueError(
                f"predict_fn returned shape {out.shape} for {n_rows} inputs; in regression mode "
                f"it must return one value per input, shape ({n_rows},)"
            )
        out = out[:, None]
    else:
        if out.ndim != 2 or out.shape[0] != n_rows:
            hint = " (did you pass model.predict instead of model.predict_proba?)" if out.ndim == 1 else ""
            raise ValueError(
                f"predict_fn returned shape {out.shape} for {n_rows} inputs; in classification "
                f"mode it must return class probabilities of shape ({n_rows}, n_classes){hint}"
            )
        if n_outputs is not None and out.shape[1] != n_outputs:
            raise ValueError(
                f"predict_fn returned {out.shape[1]} columns in one batch and {n_outputs} in another"
            )
    if not np.all(np.isfinite(out)):
        raise ValueError("predict_fn returned NaN or infinite values; the model must return finite outputs")
    return out


def choose_labels(first_row: np.ndarray, mode: str, labels, top_labels) -> tuple[int, ...]:
    """Resolve which labels to explain from the model output at the instance.

    With neither ``labels`` nor ``top_labels``, the predicted class is explained.
    """
    if mode == "regression":
        return (0,)
    n_classes = first_row.shape[0]
    if top_labels is not None:
        if not isinstance(top_labels, numbers.Integral) or not 1 <= top_labels <= n_classes:
            raise ValueError(f"top_labels must be an integer in [1, {n_classes}], got {top_labels!r}")
        return tuple(int(i) for i in np.argsort(-first_row, kind="stable")[:top_labels])
    if labels is None:
        return (int(np.argmax(first_row)),)
    labels = (labels,) if isinstance(labels, numbers.Integral) else tuple(labels)
    for label in labels:
        if not isinstance(label, numbers.Integral) or not 0 <= label < n_classes:
            raise ValueError(
                f"label {label!r} is not a column of the model output; valid labels are 0..{n_classes - 1}"
            )
    if not labels:
        raise ValueError("labels is empty; pass at least one label index")
    return tuple(int(label) for label in labels)
