"""Superpixels: scikit-image segmenters by name, user callables, and one clean label map.

The image explainer's interpretable features are segments. Whatever produced
them (a named scikit-image algorithm, a user callable, a precomputed map),
this module checks the map and relabels it to ``0..K-1`` so that every label
is a real, perturbable segment: scikit-image's ``slic`` starts at 1 and user
maps may have gaps, and neither may leave a phantom feature behind.

Named segmenters can run on a downscaled copy of a large image (``max_side``)
so that segmentation does not cost more than the explanation it serves; the
label map is then upscaled by nearest neighbour to the image's own size.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

__all__ = [
    "SEGMENTERS",
    "DEFAULT_SEGMENTATION",
    "DEFAULT_SEGMENTATION_MAX_SIDE",
    "make_segmenter",
    "segment_image",
    "relabel_segments",
    "as_float_rgb",
    "check_value_range",
    "pixel_range",
    "MIN_SEGMENT_PIXELS",
]

# Defaults per algorithm. quickshift's are lime's, slic's are scikit-image's
# (so that the lime API's SegmentationAlgorithm("slic") matches lime); the
# others are chosen to give tens to a few hundred segments on 64..512 px images.
SEGMENTER_DEFAULTS = {
    "quickshift": {"kernel_size": 4, "max_dist": 200, "ratio": 0.2},
    "slic": {"n_segments": 100, "compactness": 10.0},
    "felzenszwalb": {"scale": 100.0, "sigma": 0.5, "min_size": 50},
    "watershed": {"markers": 100, "compactness": 0.001},
}
SEGMENTERS = tuple(SEGMENTER_DEFAULTS)

#: Longest side, in pixels, at which ImageExplainer segments by default. The
#: usual network inputs (224 and 256 px) are segmented as they are; larger
#: images are segmented on a copy this size, where one pixel is 1/256 of the
#: side while a segment (of about 100) spans a tenth of it, so borders move by
#: under half a copy pixel and segment counts stay as the segmenter intends.
DEFAULT_SEGMENTATION_MAX_SIDE = 256


# A float image whose pixels stay within [0, 255] and reach above this is on
# the 0-255 scale (lime's tutorials pass `image.astype('double')`): no image on
# the unit scale gets this high, even with resampling overshoot.
_BYTE_SCALE_FLOOR = 2.0


def pixel_range(image: np.ndarray) -> tuple[float, float]:
    """The value range ``(low, high)`` an image's pixels are read on, from its type and values.

    - unsigned integers: 0 to their type's maximum (255 for uint8);
    - values within [0, 1] (floats, booleans): (0, 1);
    - values within [0, 255] that reach above 2 (signed integers, floats such
      as ``uint8_image.astype("double")``): (0, 255), exactly as the uint8
      image would be read;
    - anything else (e.g. normalized network inputs with negative values):
      the image's own minimum and maximum.

    An image on another scale, such as scikit-learn's 8x8 digits (0-16),
    would be read as a dark 0-255 image: pass its range to ImageExplainer
    (``value_range=(0, 16)``).

    Examples
    --------
    >>> import numpy as np
    >>> pixel_range(np.zeros((2, 2), np.uint8)), pixel_range(np.array([[0.0, 0.5]])), pixel_range(np.array([[0.0, 16.0]]))
    ((0.0, 255.0), (0.0, 1.0), (0.0, 255.0))
    """
    if np.issubdtype(image.dtype, np.unsignedinteger):
        return 0.0, float(np.iinfo(image.dtype).max)
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]  # alpha is not part of the picture
    low, high = float(image.min()), float(image.max())
    if low >= 0.0 and high <= 1.0:
        return 0.0, 1.0
    if low >= 0.0 and _BYTE_SCALE_FLOOR < high <= 255.0:
        return 0.0, 255.0
    return low, high


def check_value_range(value_range) -> tuple[float, float] | None:
    """Validate a ``value_range`` setting: "auto" (None) or two finite numbers, low < high."""
    if value_range is None or (isinstance(value_range, str) and value_range == "auto"):
        return None
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        low = high = float("nan")
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(
            f"value_range must be 'auto' or (low, high) with finite low < high, e.g. (0, 16) for "
            f"scikit-learn's digits; got {value_range!r}"
        )
    return low, high


def as_float_rgb(image: np.ndarray, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """Return ``image`` as float64 RGB in [0, 1], the form the named segmenters (and the figures) take.

    Grayscale is repeated over three channels and alpha is dropped. Values
    are mapped from ``value_range`` (default :func:`pixel_range`, read from
    the pixel type and values), so that the same picture segments the same
    way whatever type it is stored in, and clipped to [0, 1].

    scikit-image's segmenters would read a float 0-255 image as if it were on
    the unit scale, which blows up its colour distances: quickshift with
    lime's settings then cuts the 128 px astronaut into 165 segments instead
    of the 17 it finds in the uint8 image.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
    value_range : (float, float), optional
        The values that mean black and white.

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
    >>> as_float_rgb(np.array([[0.0, 4.0]]), value_range=(0, 16)).tolist()
    [[[0.0, 0.0, 0.0], [0.25, 0.25, 0.25]]]
    """
    if image.ndim == 2:
        image = image[..., None]
    rgb = image[..., :3] if image.shape[2] >= 3 else np.repeat(image[..., :1], 3, axis=2)
    low, high = pixel_range(rgb) if value_range is None else value_range
    if (low, high) == (0.0, 1.0) and rgb.dtype.kind == "f" and rgb.dtype.itemsize == 8:
        return np.clip(rgb, 0.0, 1.0)
    if high <= low:
        return np.zeros(rgb.shape, dtype=np.float64)
    return np.clip((rgb.astype(np.float64) - low) / (high - low), 0.0, 1.0)


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
    """A scikit-image segmenter with fixed keyword arguments (made by :func:`make_segmenter`).

    ``fit_to_size`` (ImageExplainer's default only) lowers slic's
    ``n_segments`` on small images so that a segment averages at least
    ``MIN_SEGMENT_PIXELS`` pixels (see :meth:`sized`).
    """

    def __init__(self, name: str, kwargs: dict, fit_to_size: bool = False):
        self.name = name
        self.kwargs = kwargs
        self.fit_to_size = fit_to_size
        self._run = partial(_ALGORITHMS[name], **kwargs)

    def sized(self, shape: tuple[int, int]) -> NamedSegmenter:
        """This segmenter, or (``fit_to_size``) one asking for at most a segment per ``MIN_SEGMENT_PIXELS`` pixels.

        Examples
        --------
        >>> DEFAULT_SEGMENTATION.sized((8, 8))
        slic(n_segments=16, compactness=10.0, sigma=1.0)
        >>> DEFAULT_SEGMENTATION.sized((224, 224)) is DEFAULT_SEGMENTATION
        True
        """
        if not self.fit_to_size or "n_segments" not in self.kwargs:
            return self
        most = max(2, shape[0] * shape[1] // MIN_SEGMENT_PIXELS)
        if self.kwargs["n_segments"] <= most:
            return self
        return NamedSegmenter(self.name, {**self.kwargs, "n_segments": most})

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


#: Fewest pixels per segment, on average, that ImageExplainer's default
#: segmenter asks for: slic's 100 segments would cut an 8x8 image (sklearn's
#: digits) into 64 one-pixel segments, each too small to mean anything alone.
#: An image with fewer than twice this many pixels is too small for any named
#: segmenter.
MIN_SEGMENT_PIXELS = 4

#: ImageExplainer's segmenter (the lime API layer keeps lime's quickshift),
#: chosen with ``benchmarks/bench_segmenters.py`` (README, "Segmentation: speed
#: and the default"). slic smooths first (sigma=1 px): unsmoothed, its clusters
#: follow pixel noise and its connectivity pass merges the fragments into a
#: third of the segments asked for, with ragged borders. On images under 400
#: pixels it asks for one segment per ``MIN_SEGMENT_PIXELS`` pixels.
DEFAULT_SEGMENTATION = NamedSegmenter("slic", {**SEGMENTER_DEFAULTS["slic"], "sigma": 1.0}, fit_to_size=True)


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


def check_max_side(max_side) -> int | None:
    """Validate a ``segmentation_max_side`` value: None (full resolution) or an integer >= 8."""
    if max_side is None:
        return None
    if isinstance(max_side, bool) or not isinstance(max_side, (int, np.integer)) or max_side < 8:
        raise ValueError(
            f"segmentation_max_side must be None (segment at full resolution) or an integer of at "
            f"least 8 pixels (e.g. 256), got {max_side!r}"
        )
    return int(max_side)


def downscaled_shape(shape: tuple[int, int], max_side: int | None) -> tuple[int, int]:
    """Height and width of the copy a segmenter sees: ``shape`` itself unless its longer side exceeds ``max_side``.

    Examples
    --------
    >>> downscaled_shape((512, 384), 256), downscaled_shape((200, 100), 256), downscaled_shape((512, 384), None)
    ((256, 192), (200, 100), (512, 384))
    """
    height, width = shape
    if max_side is None or max(height, width) <= max_side:
        return height, width
    scale = max_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def upscale_labels(labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour upscaling of a label map to ``shape`` (pixel centres mapped to pixel centres).

    Every small pixel covers at least one full-size pixel (the factor is at
    least 1), so no label disappears.

    Examples
    --------
    >>> upscale_labels(np.array([[0, 1], [2, 3]]), (4, 5)).tolist()
    [[0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [2, 2, 3, 3, 3], [2, 2, 3, 3, 3]]
    """
    small_height, small_width = labels.shape
    rows = np.minimum(((np.arange(shape[0]) + 0.5) * small_height / shape[0]).astype(np.intp), small_height - 1)
    cols = np.minimum(((np.arange(shape[1]) + 0.5) * small_width / shape[1]).astype(np.intp), small_width - 1)
    return labels[rows[:, None], cols[None, :]]


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


def check_segmentable(shape: tuple[int, int]) -> None:
    """Refuse an image too small for a named segmenter, saying what to pass instead."""
    height, width = shape
    if height * width < 2 * MIN_SEGMENT_PIXELS:
        raise ValueError(
            f"the image is {height}x{width} ({height * width} pixels), too small to explain with superpixels: a "
            f"named segmenter needs at least {2 * MIN_SEGMENT_PIXELS} pixels (two segments of {MIN_SEGMENT_PIXELS}); "
            f"to explain single pixels, pass a precomputed label map such as "
            f"segmentation=np.arange({height * width}).reshape({height}, {width})"
        )


def segment_image(
    image: np.ndarray, segmentation, max_side: int | None = None, value_range: tuple[float, float] | None = None
) -> tuple[np.ndarray, str]:
    """Segment ``image`` and return ``(segments, description)``.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        Validated image; callables get a read-only view of it.
    segmentation : str, callable or ndarray
        See :func:`resolve_segmentation`.
    max_side : int, optional
        A named segmenter (a name or :func:`make_segmenter`) whose image has
        a longer side above ``max_side`` runs on an anti-aliased copy with
        that longer side, and its label map is upscaled by nearest neighbour.
        None: full resolution. User callables always get the full image (they
        may depend on its size) and precomputed maps are never resampled.
    value_range : (float, float), optional
        The values a named segmenter reads as black and white (default
        :func:`pixel_range`). User callables get the image as it is.

    Returns
    -------
    segments : ndarray of shape (H, W), int32, labels 0..K-1
    description : str
        How the map was made, for the explanation's payload.

    Examples
    --------
    >>> from lime_kit.datasets import make_shape_image
    >>> image, _ = make_shape_image("circle", size=300, random_state=0)
    >>> segments, how = segment_image(image, make_segmenter("slic", n_segments=20), max_side=60)
    >>> segments.shape, how
    ((300, 300), 'slic(n_segments=20, compactness=10.0) on a 60x60 copy, labels upscaled (nearest)')
    """
    resolved = resolve_segmentation(segmentation)
    max_side = check_max_side(max_side)
    if isinstance(resolved, np.ndarray):
        return relabel_segments(resolved, image.shape[:2]), "precomputed"
    small_shape = downscaled_shape(image.shape[:2], max_side)
    if isinstance(resolved, NamedSegmenter):
        check_segmentable(image.shape[:2])
        resolved = resolved.sized(small_shape)
    if isinstance(resolved, NamedSegmenter) and small_shape != image.shape[:2]:
        from skimage.transform import resize

        # Clipped because interpolation may overshoot 1 by a rounding error, which
        # as_float_rgb would take for an unknown scale and stretch.
        small = np.clip(resize(as_float_rgb(image, value_range), small_shape, order=1, anti_aliasing=True), 0.0, 1.0)
        labels = upscale_labels(np.asarray(resolved(small)), image.shape[:2])
        description = f"{resolved!r} on a {small_shape[0]}x{small_shape[1]} copy, labels upscaled (nearest)"
        return relabel_segments(labels, image.shape[:2]), description
    if isinstance(resolved, NamedSegmenter):
        return relabel_segments(resolved(as_float_rgb(image, value_range)), image.shape[:2]), repr(resolved)
    view = image.view()
    view.flags.writeable = False  # a user segmenter must not edit the explained image
    return relabel_segments(resolved(view), image.shape[:2]), getattr(resolved, "__name__", "callable")
