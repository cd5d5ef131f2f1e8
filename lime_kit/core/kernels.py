"""Similarity kernels turning sample distances into regression weights."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

__all__ = ["exponential_kernel", "resolve_kernel"]

Kernel = Callable[[np.ndarray], np.ndarray]


def exponential_kernel(distances: np.ndarray, width: float) -> np.ndarray:
    """Return ``sqrt(exp(-d^2 / width^2))``, lime's kernel.

    Examples
    --------
    >>> import numpy as np
    >>> exponential_kernel(np.array([0.0, 1.0]), width=1.0).round(3)
    array([1.   , 0.607])
    """
    return np.sqrt(np.exp(-(distances**2) / width**2))


def resolve_kernel(kernel: Kernel | None, kernel_width: float | None, default_width: float):
    """Return ``(kernel_fn, width)``; ``width`` is None for a user kernel.

    A user ``kernel`` callable takes the distances and returns weights; it
    takes precedence over ``kernel_width``.
    """
    if kernel is not None:
        if not callable(kernel):
            raise TypeError(f"kernel must be a callable distances -> weights, got {type(kernel).__name__}")
        return kernel, None
    width = default_width if kernel_width is None else float(kernel_width)
    if not np.isfinite(width) or width <= 0:
        raise ValueError(f"kernel_width must be a positive number, got {kernel_width!r}")
    return partial(exponential_kernel, width=width), width
