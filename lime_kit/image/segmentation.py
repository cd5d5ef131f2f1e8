"""Superpixels: scikit-image segmenters by name, user callables, and one clean label map.

The image explainer's interpretable features are segments. Whatever produced
them (a named scikit-image algorithm, a user callable, a precomputed map),
this module checks the map and relabels it to ``0..K-1`` so that every label
is a real, perturbable segment: scikit-image's ``slic`` starts at 1 and user
maps may have gaps, and neither may leave a phantom feature behind.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

__all__ = ["SEGMENTERS", "make_segmenter", "segment_image", "relabel_segments", "as_float_rgb"]

# Defaults per algorithm. quickshift's are lime's; the others are chosen to
# give tens to a few hundred segments on 64..512 px images.
SEGMENTER_DEFAULTS = {
    "quickshift": {"kernel_size": 4, "max_dist": 200, "ratio": 0.2},
    "slic": {"n_segments": 100, "compactness": 10.0},
    "felzenszwalb": {"scale": 100.0, "sigma": 0.5, "min_size": 50},
    "watershed": {"markers": 100, "compactness": 0.001},
}
SEGMENTERS = tuple(SEGMENTER_DEFAULTS)


# A float image whose pixels stay within [0, 255] and reach above this is on
# the 0-255 scale (lime's tutorials pass `image.astype('double')`): no image on
# the unit scale gets this high, even with resampling overshoot.
_BYTE_SCALE_FLOOR = 2.0


def as_float_rgb(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as float64 RGB in [0, 1], the form the named segmenters take.

    Grayscale is repeated over three channels and alpha is dropped. The scale
    is read from the pixel type and values, so that the same picture segments
    the same way whatever type it is stored in:

    - unsigned integers are divided by their type's maximum (255 for uint8);
    - values within [0, 1] (floats, booleans) are taken as they are;
    - values within [0, 255] that reach above 2 (signed integers, floats such
      as ``uint8_image.astype("double")``) are divided by 255, exactly as the
      uint8 image would be;
    - anything else (e.g. normalized network inputs with negative values) is
      rescaled by its own range.

    scikit-image's segmenters would read a float 0-255 image as if it were on
    the unit scale, which blows up its colour distances: quickshift with
    lime's settings then cuts the 128 px astronaut into 165 segments instead
    of the 17 it finds in the uint8 image.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)

    Returns
    -------
    ndarray of shape (H, W, 3), float64

    Examples
    --------
    >>> import numpy as np
    >>> as_float_rgb(np.array([[0, 255]], dtype=np.uint8)).tolist()
    [[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]
    >>> as_float_rgb(np.array([[0.0, 51.0]])).tolist()
    [[[0.0, 0.0, 0.0], [0.2, 0.2, 0.2]]]
    """
    if image.ndim == 2:
        image = image[..., None]
    rgb = image[..., :3] if image.shape[2] >= 3 else np.repeat(image[..., :1], 3, axis=2)
    if np.issubdtype(rgb.dtype, np.unsignedinteger):
        return rgb / float(np.iinfo(rgb.dtype).max)
    rgb = rgb.astype(np.float64)
    low, high = float(rgb.min()), float(rgb.max())
    if low >= 0.0 and high <= 1.0:
        return rgb
    if low >= 0.0 and _BYTE_SCALE_FLOOR < high <= 255.0:
        return rgb / 255.0
    return (rgb - low) / (high - low) if high > low else np.zeros_like(rgb)


def _quickshift(rgb: np.ndarray, **kwargs) -> np.ndarray:
    from skimage.segmentation import quickshift

    return quickshift(rgb, **kwargs)


def _slic(rgb: np.ndarray, **kwargs) -> np.ndarray:
    from skimage.segmentation import slic

    return slic(rgb, **kwargs)


def _felzenszwalb(rgb: np.ndarray, **kwargs) -> np.ndarray:
    from skimage.segmentation import felzenszwalb

    return felzenszwalb(rgb, **kwargs)


def _watershed(rgb: np.ndarray, **kwargs) -> np.ndarray:
    # Watershed floods a relief: the gradient magnitude of the luminance,
    # seeded by `markers` (a count or a label image).
    from skimage.color import rgb2gray
    from skimage.filters import sobel
    from skimage.segmentation import watershed

    return watershed(sobel(rgb2gray(rgb)), **kwargs)


_ALGORITHMS = {"quickshift": _quickshift, "slic": _slic, "felzenszwalb": _felzenszwalb, "watershed": _watershed}


class NamedSegmenter:
    """A scikit-image segmenter with fixed keyword arguments (made by :func:`make_segmenter`)."""

    def __init__(self, name: str, kwargs: dict):
        self.name = name
        self.kwargs = kwargs
        self._run = partial(_ALGORITHMS[name], **kwargs)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        return self._run(as_float_rgb(image))

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items())
        return f"{self.name}({args})"


def make_segmenter(name: str, **kwargs) -> NamedSegmenter:
    """Return a callable ``image -> label map`` running a scikit-image segmenter.

    Parameters
    ----------
    name : {"quickshift", "slic", "felzenszwalb", "watershed"}
    **kwargs
        Keyword arguments of the scikit-image function; they override the
        defaults in ``SEGMENTER_DEFAULTS`` (quickshift's are lime's).
        ``watershed`` floods the Sobel gradient of the luminance and takes
        ``markers`` (a count) and ``compactness``.

    Examples
    --------
    >>> import numpy as np
    >>> segmenter = make_segmenter("slic", n_segments=4)
    >>> segmenter
    slic(n_segments=4, compactness=10.0)
    >>> image = np.random.default_rng(0).integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    >>> segmenter(image).shape
    (32, 32)
    """
    if name not in _ALGORITHMS:
        raise ValueError(
            f"unknown segmentation {name!r}; use one of {list(SEGMENTERS)}, a callable "
            f"image -> label map, or a precomputed (H, W) label map"
        )
    return NamedSegmenter(name, {**SEGMENTER_DEFAULTS[name], **kwargs})


def relabel_segments(labels, shape: tuple[int, int]) -> np.ndarray:
    """Check a label map and renumber its labels to ``0..K-1`` (order kept).

    Parameters
    ----------
    labels : array-like of shape (H, W)
        Integer labels, any start, gaps allowed.
    shape : (int, int)
        The image's height and width.

    Returns
    -------
    ndarray of shape (H, W), int32

    Examples
    --------
    >>> relabel_segments([[1, 1, 5], [7, 7, 5]], (2, 3)).tolist()
    [[0, 0, 1], [2, 2, 1]]
    """
    labels = np.asarray(labels)
    if labels.shape != tuple(shape):
        raise ValueError(
            f"the segmentation map has shape {labels.shape} for an image of height x width "
            f"{tuple(shape)}; the segmenter must return one integer label per pixel, shape {tuple(shape)}"
        )
    if labels.dtype.kind not in "iub":
        if labels.dtype.kind != "f" or not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(
                f"the segmentation map must hold integer labels, got dtype {labels.dtype}; "
                "return an integer array from the segmenter"
            )
    _, inverse = np.unique(labels, return_inverse=True)
    segments = inverse.reshape(shape).astype(np.int32)
    if segments.max(initial=0) < 1:
        raise ValueError(
            "the segmentation has a single segment, so there is nothing to compare; use a "
            "segmenter setting that makes more segments (e.g. make_segmenter('slic', n_segments=50)) "
            "or pass a label map with at least 2 labels"
        )
    return segments


def resolve_segmentation(segmentation) -> Callable | np.ndarray:
    """Turn a name, a callable or a label map into a callable or an array."""
    if isinstance(segmentation, str):
        return make_segmenter(segmentation)
    if callable(segmentation):
        return segmentation
    if isinstance(segmentation, (np.ndarray, list)):
        return np.asarray(segmentation)
    raise TypeError(
        f"segmentation must be a name in {list(SEGMENTERS)}, a callable image -> label map "
        f"or an (H, W) label map, got {type(segmentation).__name__}"
    )


def segment_image(image: np.ndarray, segmentation) -> tuple[np.ndarray, str]:
    """Segment ``image`` and return ``(segments, description)``.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        Validated image; callables get a read-only view of it.
    segmentation : str, callable or ndarray
        See :func:`resolve_segmentation`.

    Returns
    -------
    segments : ndarray of shape (H, W), int32, labels 0..K-1
    description : str
        How the map was made, for the explanation's payload.
    """
    resolved = resolve_segmentation(segmentation)
    if isinstance(resolved, np.ndarray):
        return relabel_segments(resolved, image.shape[:2]), "precomputed"
    view = image.view()
    view.flags.writeable = False  # a user segmenter must not edit the explained image
    description = repr(resolved) if isinstance(resolved, NamedSegmenter) else getattr(resolved, "__name__", "callable")
    return relabel_segments(resolved(view), image.shape[:2]), description
