"""Reusable scratch arrays, one set per thread.

Fresh memory is expensive here: every newly touched page costs a fault, so a
temporary the size of the whole sample can cost more than the arithmetic on
it. Hot paths take their temporaries from this workspace instead. A scratch
array is uninitialized and stays valid only until the same name is asked for
again on the same thread, so it must never escape an ``explain`` call.
"""

from __future__ import annotations

import threading
from math import prod

import numpy as np

__all__ = ["scratch"]

_local = threading.local()


def scratch(name: str, shape: tuple, dtype=np.float64) -> np.ndarray:
    """Return an uninitialized, C-contiguous array of ``shape`` reused across calls.

    Examples
    --------
    >>> a = scratch("example", (2, 3))
    >>> b = scratch("example", (3, 2))
    >>> np.shares_memory(a, b)
    True
    """
    buffers = _local.__dict__.setdefault("buffers", {})
    key = (name, np.dtype(dtype))
    size = prod(shape)
    flat = buffers.get(key)
    if flat is None or flat.size < size:
        flat = np.empty(size, dtype=dtype)
        buffers[key] = flat
    return flat[:size].reshape(shape)
