"""Translate lime's constructor and ``explain_instance`` arguments into lime_kit's.

lime and lime_kit agree on most names; where they differ (a kernel taking
the width as a second argument, a ``numpy.random.RandomState``, a label
request that lime clamps to the number of classes) the conversion lives
here, once, for the three compat explainers.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from functools import partial

import numpy as np

__all__ = ["seed_from_random_state", "lime_kernel", "resolve_label_request", "LabelRequest", "OutputRange", "print_fit"]


def seed_from_random_state(random_state) -> int | None:
    """Return an int seed for lime_kit from lime's ``random_state``.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        What lime accepts. A ``RandomState`` is read, not advanced: its
        current state is hashed into a seed, so the caller's generator is
        left exactly as it was.

    Returns
    -------
    int or None
        None lets lime_kit draw (and record) a seed once per explainer.

    Examples
    --------
    >>> import numpy as np
    >>> state = np.random.RandomState(3)
    >>> seed_from_random_state(state) == seed_from_random_state(np.random.RandomState(3))
    True
    >>> seed_from_random_state(7)
    7
    """
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        _, keys, position, *_ = random_state.get_state(legacy=True)
        entropy = [int(k) for k in keys] + [int(position)]
        return int(np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.RandomState (as in lime), "
        f"got {type(random_state).__name__}"
    )


def lime_kernel(kernel: Callable | None, kernel_width: float) -> Callable[[np.ndarray], np.ndarray] | None:
    """Bind lime's ``kernel(distances, kernel_width)`` to a one-argument lime_kit kernel.

    Returns None when ``kernel`` is None, so lime_kit uses its own
    exponential kernel (the same formula as lime's) with ``kernel_width``.

    Examples
    --------
    >>> import numpy as np
    >>> k = lime_kernel(lambda d, kernel_width: np.exp(-d / kernel_width), 2.0)
    >>> k(np.array([0.0, 2.0])).round(3).tolist()
    [1.0, 0.368]
    """
    if kernel is None:
        return None
    if not callable(kernel):
        raise TypeError(f"kernel must be a callable kernel(distances, kernel_width), got {type(kernel).__name__}")
    return partial(kernel, kernel_width=float(kernel_width))


class LabelRequest:
    """Which labels lime would explain, in lime's order.

    Attributes
    ----------
    labels : tuple of int or None
        Passed to lime_kit's ``labels`` (None with ``top_labels``).
    top_labels : int or None
        Passed to lime_kit's ``top_labels``, already clamped to the number
        of classes (lime takes "the k most probable" of however many exist).
    lime_order_reversed : bool
        lime fits top labels from the least to the most probable, so its
        ``local_exp`` is filled in that order and ``score`` is the most
        probable label's; lime_kit lists them most probable first.
    """

    def __init__(self, labels, top_labels, lime_order_reversed):
        self.labels = labels
        self.top_labels = top_labels
        self.lime_order_reversed = lime_order_reversed


def resolve_label_request(labels, top_labels, mode: str) -> LabelRequest:
    """Turn lime's ``labels=(1,)`` / ``top_labels`` into lime_kit arguments.

    Parameters
    ----------
    labels : iterable of int
        lime's default is ``(1,)``: the second column of the model output.
    top_labels : int or None
        Used when truthy, as in lime; more than the number of classes means
        all of them (lime_kit clamps it the same way).
    mode : {"classification", "regression"}
        Regression ignores both, as lime does.

    Examples
    --------
    >>> request = resolve_label_request((1,), 5, "classification")
    >>> request.labels, request.top_labels
    (None, 5)
    >>> resolve_label_request((1,), None, "classification").labels
    (1,)
    """
    if mode == "regression":
        return LabelRequest(None, None, False)
    if top_labels:
        if not isinstance(top_labels, numbers.Integral) or top_labels < 1:
            raise ValueError(f"top_labels must be a positive integer or None, got {top_labels!r}")
        return LabelRequest(None, int(top_labels), True)
    if isinstance(labels, numbers.Integral):
        labels = (labels,)
    try:
        chosen = tuple(int(label) for label in labels)
    except TypeError:
        raise TypeError(f"labels must be an iterable of class indices such as (1,), got {labels!r}") from None
    return LabelRequest(chosen, None, False)


class OutputRange:
    """Wrap ``predict_fn`` to remember the smallest and largest output (lime's regression ``min_value``/``max_value``).

    Examples
    --------
    >>> import numpy as np
    >>> fn = OutputRange(lambda rows: rows.sum(axis=1))
    >>> _ = fn(np.array([[1.0, 2.0], [-4.0, 0.5]]))
    >>> fn.range
    (-3.5, 3.0)
    """

    def __init__(self, predict_fn: Callable):
        self.predict_fn = predict_fn
        self.range: tuple[float, float] | None = None

    def __call__(self, inputs):
        outputs = self.predict_fn(inputs)
        values = np.asarray(outputs, dtype=np.float64)
        if values.size:
            low, high = float(values.min()), float(values.max())
            if self.range is not None:
                low, high = min(low, self.range[0]), max(high, self.range[1])
            self.range = (low, high)
        return outputs


def print_fit(explanation) -> None:
    """Print what lime prints with ``verbose=True``: intercept, local prediction and model output per label."""
    for label in explanation.labels:
        print("Intercept", explanation.intercept[label])
        print("Prediction_local", [explanation.local_pred[label]])
        print("Right:", explanation.prediction[label])
