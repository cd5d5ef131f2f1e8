"""Boundary checks shared by every explainer (labels, counts, model outputs)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_class_names",
    "check_memory",
    "check_mode",
    "check_predictions",
    "check_random_state",
    "choose_labels",
    "explainer_seed",
    "explanation_rng",
    "UNRELIABLE",
    "check_integer",
    "plain",
]

MODES = ("classification", "regression")
#: Start of the UserWarning an explanation with alarms raises; filters match on it.
UNRELIABLE = "lime_kit: this explanation may be unreliable"


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


def plain(value) -> str:
    """``repr`` of a value as a user would write it: numpy scalars shown as Python ones.

    >>> plain(np.float64("nan")), plain(np.str_("red")), plain(np.int64(3))
    ('nan', "'red'", '3')
    """
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
        value = value.item()
    elif isinstance(value, np.datetime64):
        return repr(str(value))
    return repr(value)


def check_integer(name: str, value, minimum: int = 1, hint: str = "") -> int:
    """Return ``value`` as an int, or refuse it naming ``name``, what was expected and ``hint``.

    >>> check_integer("batch_size", 64)
    64
    >>> check_integer("num_samples", 1, 2)
    Traceback (most recent call last):
    ...
    ValueError: num_samples must be an integer >= 2, got 1
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {wanted}{hint}, got {plain(value)}")
    return int(value)


def check_class_names(class_names) -> list | None:
    """Return class names as a list of str; a bare string is refused (it is not a list of names)."""
    if class_names is None:
        return None
    if isinstance(class_names, (str, bytes)):
        raise TypeError(
            f"class_names must be a list of names, one per model output column, got the string {class_names!r}; "
            f"pass e.g. {list(class_names)!r} if each character is a class, or a list of words"
        )
    try:
        names = list(class_names)
    except TypeError:
        raise TypeError(f"class_names must be a list of names, got {type(class_names).__name__}") from None
    return [str(name) for name in names]


def available_memory_bytes() -> int | None:
    """Memory the OS reports as available (Linux ``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import os

        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


#: Requests below this many bytes are never refused (and the OS is not asked).
SMALL_REQUEST_BYTES = 256 * 2**20


def check_memory(num_samples: int, bytes_per_sample: float, what: str = "num_samples") -> None:
    """Refuse a request whose samples alone would not fit in half of the available memory."""
    needed = num_samples * bytes_per_sample
    if needed < SMALL_REQUEST_BYTES:  # not worth asking the OS
        return
    available = available_memory_bytes()
    if available is not None and needed > available / 2:
        raise MemoryError(
            f"{what}={num_samples} would need about {needed / 1e9:.1f} GB to hold the perturbed samples, but only "
            f"{available / 1e9:.1f} GB of memory is available; use fewer samples (about "
            f"{int(available / 2 / bytes_per_sample):,} fit), or num_samples='auto' to stop once the explanation "
            "is stable"
        )


def check_predictions(raw, n_rows: int, mode: str, n_outputs: int | None) -> np.ndarray:
    """Validate one batch of predict_fn output and return it as (n_rows, n_outputs) float64.

    Regression accepts shape (n,) or (n, 1); classification needs (n, n_classes)
    with the same n_classes in every batch.
    """
    try:
        out = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        example = np.asarray(raw, dtype=object).ravel()[:1].tolist()
        raise ValueError(
            f"predict_fn must return numbers, but it returned {type(raw).__name__} holding e.g. {example}; "
            "return class probabilities (model.predict_proba) or, in regression, numeric predictions"
        ) from None
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


def label_index(label, n_classes: int, class_names: list | None) -> int:
    """Resolve one label given as a column index or a class name."""
    if isinstance(label, str) and class_names is not None and label in class_names:
        return class_names.index(label)
    if isinstance(label, numbers.Integral) and not isinstance(label, bool) and 0 <= label < n_classes:
        return int(label)
    names = f" or one of the class names {class_names}" if class_names else ""
    raise ValueError(
        f"label {plain(label)} is not a column of the model output; valid labels are 0..{n_classes - 1}{names}"
    )


def choose_labels(first_row: np.ndarray, mode: str, labels, top_labels, class_names: list | None = None) -> tuple[int, ...]:
    """Resolve which labels to explain from the model output at the instance.

    With neither ``labels`` nor ``top_labels``, the predicted class is
    explained. Labels may be column indices or class names; a ``top_labels``
    above the number of classes explains every class (as lime does).
    """
    if mode == "regression":
        return (0,)
    n_classes = first_row.shape[0]
    if top_labels is not None:
        if isinstance(top_labels, bool) or not isinstance(top_labels, numbers.Integral) or top_labels < 1:
            raise ValueError(f"top_labels must be a positive integer, got {plain(top_labels)}")
        return tuple(int(i) for i in np.argsort(-first_row, kind="stable")[: min(int(top_labels), n_classes)])
    if labels is None:
        return (int(np.argmax(first_row)),)
    labels = (labels,) if isinstance(labels, (numbers.Integral, str)) else tuple(labels)
    if not labels:
        raise ValueError("labels is empty; pass at least one label index")
    return tuple(label_index(label, n_classes, class_names) for label in labels)


def probability_warning(outputs: np.ndarray) -> str | None:
    """A plain-words warning when a classifier's outputs are not probabilities (e.g. logits)."""
    sums = outputs @ np.ones(outputs.shape[1])  # a product: much faster than a row-wise sum of few columns
    if np.abs(sums - 1.0).max() <= 1e-3 and outputs.min() >= -1e-6:
        return None
    return (
        f"predict_fn's rows do not look like probabilities (they sum to {sums.min():.3g}..{sums.max():.3g}"
        f"{', with negative values' if outputs.min() < 0 else ''}); if these are logits or scores, apply a "
        "softmax first (weights on logits explain the score, not the probability)"
    )
