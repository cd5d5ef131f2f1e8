"""lime's ``lime.utils.generic_utils``: ``has_arg``, which lime's scikit-image wrapper checks parameters with."""

from __future__ import annotations

import inspect

__all__ = ["has_arg"]

_BY_NAME = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def has_arg(fn, arg_name: str) -> bool:
    """Return whether ``fn`` takes a parameter called ``arg_name`` that can be passed by keyword.

    Only named parameters count: a ``**kwargs`` catch-all does not make
    every name valid, and positional-only parameters cannot be passed by
    keyword. For a callable whose signature cannot be read (some compiled
    functions), its ``__call__`` is inspected instead.

    Parameters
    ----------
    fn : callable
        A function, method, class or object with ``__call__``.
    arg_name : str

    Returns
    -------
    bool

    Examples
    --------
    >>> def segment(image, n_segments=10, *, sigma=1.0, **rest): ...
    >>> has_arg(segment, "sigma"), has_arg(segment, "n_segments"), has_arg(segment, "rest")
    (True, True, False)
    """
    try:
        signature = inspect.signature(fn)
    except ValueError:
        signature = inspect.signature(fn.__call__)
    parameter = signature.parameters.get(arg_name)
    return parameter is not None and parameter.kind in _BY_NAME
