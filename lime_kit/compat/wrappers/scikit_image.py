"""lime's ``lime.wrappers.scikit_image``: ``BaseWrapper`` and ``SegmentationAlgorithm``.

``from lime_kit.compat.wrappers.scikit_image import SegmentationAlgorithm``
replaces lime's import; the object is a ``segmentation_fn`` for
``LimeImageExplainer.explain_instance`` and runs as a lime_kit named
segmenter (:func:`lime_kit.image.segmentation.make_segmenter`).
:class:`BaseWrapper` holds a function and keyword arguments for it, checked
against the function's signature with
:func:`~lime_kit.compat.utils.generic_utils.has_arg`.
"""

from __future__ import annotations

import inspect
import types

from lime_kit.compat.utils.generic_utils import has_arg
from lime_kit.image.segmentation import SEGMENTER_DEFAULTS, NamedSegmenter

__all__ = ["BaseWrapper", "SegmentationAlgorithm"]


class BaseWrapper:
    """A callable ``target_fn`` with the keyword arguments ``target_params`` to call it with.

    Parameters
    ----------
    target_fn : callable, optional
        What the parameters belong to; None checks them against the
        wrapper's own ``__call__``.
    **target_params
        Stored as given; :meth:`set_params` checks them.

    Examples
    --------
    >>> def blur(image, sigma=1.0, mode="reflect"): ...
    >>> wrapper = BaseWrapper(blur, sigma=2.0, colour="red")
    >>> wrapper.filter_params(blur)
    {'sigma': 2.0}
    >>> wrapper.set_params(colour="red")
    Traceback (most recent call last):
    ...
    ValueError: colour is not a valid parameter of blur; valid parameters are ['image', 'sigma', 'mode']
    """

    def __init__(self, target_fn=None, **target_params):
        self.target_fn = target_fn
        self.target_params = target_params

    def _checked_function(self):
        if self.target_fn is None:
            if not callable(self):
                raise TypeError("this wrapper has no target_fn and is not callable itself; pass a callable target_fn")
            return self.__call__
        if isinstance(self.target_fn, (types.FunctionType, types.MethodType)):
            return self.target_fn
        if not callable(self.target_fn):
            raise TypeError(f"target_fn must be callable, got {type(self.target_fn).__name__}")
        return self.target_fn.__call__

    def _check_params(self, parameters) -> None:
        """Raise ValueError for a name in ``parameters`` that the target function does not take by keyword.

        Raises
        ------
        TypeError
            When ``parameters`` is a string (a dict or list of names is expected), or nothing callable is set.
        ValueError
            For the first name the function does not accept.
        """
        if isinstance(parameters, str):
            raise TypeError(f"parameters must be a dict or a list of names, not the string {parameters!r}")
        fn = self._checked_function()
        for name in parameters:
            if not has_arg(fn, name):
                try:
                    valid = list(inspect.signature(fn).parameters)
                except (TypeError, ValueError):
                    valid = []
                label = getattr(fn, "__name__", type(fn).__name__)
                raise ValueError(f"{name} is not a valid parameter of {label}; valid parameters are {valid}")

    def set_params(self, **params) -> None:
        """Replace ``target_params`` by ``params`` after checking every name against the target function."""
        self._check_params(params)
        self.target_params = params

    def filter_params(self, fn, override: dict | None = None) -> dict:
        """Return the entries of ``target_params`` that ``fn`` takes by keyword, updated with ``override``."""
        kept = {name: value for name, value in self.target_params.items() if has_arg(fn, name)}
        kept.update(override or {})
        return kept


def _skimage_function(algo_type: str):
    import skimage.segmentation as segmentation

    return getattr(segmentation, algo_type)


class SegmentationAlgorithm(BaseWrapper, NamedSegmenter):
    """A scikit-image segmenter by name with fixed keyword arguments, as lime's wrapper.

    As in lime, arguments the scikit-image function does not take are
    dropped when the object is made (:meth:`set_params` later refuses
    them). The image is passed as float RGB in [0, 1], whatever its dtype or
    range, and lime_kit's defaults (quickshift's are lime's) fill the
    arguments not given.

    Parameters
    ----------
    algo_type : {"quickshift", "slic", "felzenszwalb", "watershed"}
    **target_params
        Keyword arguments of the scikit-image function.

    Examples
    --------
    >>> import numpy as np
    >>> segmenter = SegmentationAlgorithm("quickshift", kernel_size=1, max_dist=200, ratio=0.2, colour="red")
    >>> segmenter.target_params
    {'kernel_size': 1, 'max_dist': 200, 'ratio': 0.2}
    >>> segmenter(np.zeros((16, 16, 3))).shape
    (16, 16)
    """

    def __init__(self, algo_type: str, **target_params):
        if algo_type not in SEGMENTER_DEFAULTS:
            raise ValueError(f"algo_type must be one of {list(SEGMENTER_DEFAULTS)}, got {algo_type!r}")
        self.algo_type = algo_type
        BaseWrapper.__init__(self, _skimage_function(algo_type), **target_params)
        self.set_params(**self.filter_params(self.target_fn))

    def set_params(self, **params) -> None:
        """Replace the scikit-image arguments (each checked against the function) and rebuild the segmenter."""
        BaseWrapper.set_params(self, **params)
        NamedSegmenter.__init__(self, self.algo_type, {**SEGMENTER_DEFAULTS[self.algo_type], **self.target_params})

    def __call__(self, *args):
        return NamedSegmenter.__call__(self, args[0])
