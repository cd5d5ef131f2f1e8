"""What a hidden superpixel becomes: the ``hide_color`` modes, computed once per image.

Every mode reduces to one *fill image* of the image's shape and dtype; a
perturbed sample shows the image where its segment is on and the fill
image where it is off. Keeping that single representation lets the sampler
build every sample with the same bitwise select, whatever the mode.

The default, ``"image_mean"``, paints a hidden segment in the whole image's
mean colour. A fill should remove what a segment shows whatever that is, and
a fill computed from the segment itself cannot: lime's ``"mean"`` (each
segment's own mean colour) leaves a uniform segment (a watermark, a logo, a
flat background) exactly as it was, and a blur or the neighbours' colour
leave the inside of any flat region as it was. A constant colour removes
every segment's texture, edges and colour except a segment that already has
exactly that colour; the image's own mean is the constant that assumes
nothing about the value scale or brightness (black, or a mid grey, is far
from a dark or a bright image). :func:`fill_change` says, per segment, how
much hiding it changes, so that a segment the fill cannot change is reported
instead of silently given weight 0.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["DEFAULT_HIDE_COLOR", "HIDE_MODES", "BLUR_SIGMA_FRACTION", "fill_change", "make_fill_image"]

HIDE_MODES = ("image_mean", "mean", "blur")
#: ImageExplainer's ``hide_color`` (``lime_kit.compat`` keeps lime's ``"mean"``).
DEFAULT_HIDE_COLOR = "image_mean"
#: ``hide_color="blur"`` uses a Gaussian of sigma = this fraction of the longer image side.
BLUR_SIGMA_FRACTION = 1 / 16


def _cast_like(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Cast float values to ``dtype``, rounding and clipping for integer dtypes."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype)


def _channels(image: np.ndarray) -> np.ndarray:
    """View ``image`` as (H, W, C) so grayscale and colour share one code path."""
    return image[..., None] if image.ndim == 2 else image


def segment_mean_fill(image: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Each pixel takes its segment's mean colour (rounded for integer images)."""
    channels = _channels(image)
    pixels = channels.reshape(-1, channels.shape[2]).astype(np.float64)
    labels = segments.ravel()
    counts = np.bincount(labels)
    # One bincount per channel (at most 4): sums of each segment's pixel values.
    sums = np.stack([np.bincount(labels, weights=column, minlength=counts.size) for column in pixels.T], axis=1)
    means = _cast_like(sums / counts[:, None], image.dtype)
    return means[segments].reshape(image.shape)


def image_mean_fill(image: np.ndarray) -> np.ndarray:
    """Every pixel takes the whole image's mean colour (rounded for integer images).

    Examples
    --------
    >>> import numpy as np
    >>> image_mean_fill(np.array([[0, 10], [20, 31]], dtype=np.uint8)).tolist()
    [[15, 15], [15, 15]]
    """
    channels = _channels(image)
    mean = channels.reshape(-1, channels.shape[2]).mean(axis=0, dtype=np.float64)
    fill = np.empty(channels.shape, image.dtype)
    fill[...] = _cast_like(mean, image.dtype)
    return fill.reshape(image.shape)


def blurred_fill(image: np.ndarray) -> np.ndarray:
    """A Gaussian-blurred copy (sigma = ``BLUR_SIGMA_FRACTION`` of the longer side)."""
    from skimage.filters import gaussian

    sigma = max(image.shape[:2]) * BLUR_SIGMA_FRACTION
    blurred = gaussian(image.astype(np.float64), sigma=sigma, channel_axis=None if image.ndim == 2 else -1, preserve_range=True)
    return _cast_like(blurred, image.dtype)


def constant_fill(image: np.ndarray, color) -> np.ndarray:
    """Every pixel takes ``color`` (a number, or one value per channel)."""
    n_channels = 1 if image.ndim == 2 else image.shape[2]
    color = np.asarray(color, dtype=np.float64).ravel()
    if color.size not in (1, n_channels) or not np.all(np.isfinite(color)):
        raise ValueError(
            f"hide_color {color.tolist()} must be one finite number or {n_channels} finite values "
            f"(one per channel of the image)"
        )
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        if color.min() < info.min or color.max() > info.max:
            raise ValueError(
                f"hide_color {color.tolist()} is outside the range of the image dtype {image.dtype} "
                f"[{info.min}, {info.max}]; pass a colour in the image's own scale"
            )
    per_channel = _cast_like(np.broadcast_to(color, (n_channels,)), image.dtype)
    fill = np.empty(image.shape, image.dtype)
    fill[...] = per_channel if image.ndim == 3 else per_channel[0]
    return fill


def background_fill(image: np.ndarray, background) -> np.ndarray:
    """Hidden pixels show the matching pixels of a user-supplied background image."""
    background = np.asarray(background)
    if background.shape != image.shape:
        raise ValueError(
            f"hide_color background has shape {background.shape} but the image has shape {image.shape}; "
            "pass a background image of the same shape"
        )
    if not np.all(np.isfinite(background)):
        raise ValueError("hide_color background contains NaN or infinite values")
    return np.ascontiguousarray(_cast_like(background.astype(np.float64), image.dtype) if background.dtype != image.dtype else background)


def make_fill_image(image: np.ndarray, segments: np.ndarray, hide_color) -> tuple[np.ndarray, str]:
    """Return ``(fill, description)`` for a ``hide_color`` setting.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
    segments : ndarray of shape (H, W), labels 0..K-1
    hide_color : "image_mean", "mean", None, "blur", number, sequence of numbers, or ndarray
        ``"image_mean"``: the whole image's mean colour (ImageExplainer's
        default). ``"mean"`` (or None, as in lime): each segment's own mean
        colour, which leaves a uniform segment unchanged.
        ``"blur"``: a Gaussian-blurred copy of the image. A number or one
        value per channel: that constant colour, in the image's scale. An
        array of the image's shape: a background image.

    Returns
    -------
    fill : ndarray, same shape and dtype as ``image``
    description : str

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[0, 10], [20, 30]], dtype=np.uint8)
    >>> segments = np.array([[0, 0], [1, 1]])
    >>> make_fill_image(image, segments, "mean")[0].tolist()
    [[5, 5], [25, 25]]
    """
    if hide_color is None or (isinstance(hide_color, str) and hide_color == "mean"):
        return segment_mean_fill(image, segments), "mean"
    if isinstance(hide_color, str):
        if hide_color == "image_mean":
            return image_mean_fill(image), "image_mean"
        if hide_color == "blur":
            return blurred_fill(image), f"blur(sigma={max(image.shape[:2]) * BLUR_SIGMA_FRACTION:.3g})"
        raise ValueError(
            f"unknown hide_color {hide_color!r}; use 'image_mean', 'mean', 'blur', a colour (number or one value "
            "per channel) or a background image of the image's shape"
        )
    if isinstance(hide_color, numbers.Number) or np.ndim(hide_color) == 1:
        fill = constant_fill(image, hide_color)
        return fill, f"constant {np.asarray(hide_color).tolist()}"
    return background_fill(image, hide_color), "background image"


def fill_change(image: np.ndarray, fill: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Largest change hiding each segment makes to any of its pixels, in the image's scale.

    0 means the fill equals the segment's content (e.g. ``hide_color="mean"``
    on a uniform segment): hiding that segment changes no pixel, so no model
    can respond to it, and its weight says nothing about what it shows.

    Parameters
    ----------
    image, fill : ndarray of shape (H, W) or (H, W, C), same dtype
    segments : ndarray of shape (H, W), labels 0..K-1

    Returns
    -------
    ndarray of shape (K,), float64
        Max over the segment's pixels and channels of ``|fill - image|``.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[9, 9], [0, 200]], dtype=np.uint8)
    >>> segments = np.array([[0, 0], [1, 1]])
    >>> fill_change(image, make_fill_image(image, segments, "mean")[0], segments).tolist()
    [0.0, 100.0]
    """
    k = int(segments.max()) + 1
    image, fill = _channels(image), _channels(fill)
    if image.dtype in (np.uint8, np.int8):
        # |fill - image| fits in 0..255: one histogram of (segment, difference) pairs gives every
        # segment's largest difference without a float copy of the image (several times faster).
        wide = image.astype(np.int16)
        difference = np.abs(wide - fill).max(axis=2).astype(np.intp)
        counts = np.bincount(segments.ravel().astype(np.intp) * 256 + difference.ravel(), minlength=k * 256)
        present = counts.reshape(k, 256) > 0
        return (255 - np.argmax(present[:, ::-1], axis=1)).astype(np.float64)
    from scipy.ndimage import maximum

    difference = np.abs(image.astype(np.float64) - fill).max(axis=2)
    return np.asarray(maximum(difference, labels=segments, index=np.arange(k)), dtype=np.float64).reshape(k)
