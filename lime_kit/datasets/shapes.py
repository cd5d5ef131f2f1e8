"""Synthetic images of one coloured shape on a textured background.

This module exists so that image explainers can be checked against an exact
answer: each image contains a single circle, square or triangle painted in
one flat colour, and the returned boolean mask marks exactly its pixels.
The background (a smooth colour gradient plus soft stripes plus pixel
noise) carries no class information.
"""

import numpy as np

__all__ = ["SHAPE_NAMES", "SHAPE_COLORS", "make_shape_image", "make_shapes"]

#: Class names; the class label is the index in this tuple.
SHAPE_NAMES = ("circle", "square", "triangle")
#: Palette the flat shape colour is drawn from (RGB, uint8).
SHAPE_COLORS = {
    "red": (220, 30, 30),
    "green": (30, 180, 40),
    "blue": (30, 60, 220),
    "yellow": (240, 220, 20),
    "magenta": (210, 30, 200),
    "cyan": (20, 200, 210),
    "orange": (250, 140, 10),
}
_PALETTE = np.array(list(SHAPE_COLORS.values()), dtype=np.uint8)


def _background(rng, size):
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    a, b = rng.uniform(0, 2 * np.pi, size=2)
    t = (np.cos(a) * (x - 0.5) + np.sin(a) * (y - 0.5) + 0.71) / 1.42
    c0, c1 = rng.uniform(70, 190, size=(2, 3))
    img = c0 + t[..., None] * (c1 - c0)
    freq = rng.uniform(2.0, 6.0)
    stripes = np.sin(2 * np.pi * freq * (np.cos(b) * x + np.sin(b) * y)
                     + rng.uniform(0, 2 * np.pi))
    img += rng.uniform(8, 25) * stripes[..., None]
    img += rng.normal(0.0, 10.0, size=img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def _shape_mask(rng, label, size):
    # All classes share one area distribution (that of a circle of radius
    # 12-22 % of `size`), so the area alone does not reveal the class.
    sides = {0: 0, 1: 4, 2: 3}[label]
    radius = max(rng.uniform(0.12, 0.22) * size, 2.0)
    if sides:
        radius *= np.sqrt(np.pi / (sides / 2 * np.sin(2 * np.pi / sides)))
    cx, cy = rng.uniform(radius + 1, size - radius - 2, size=2)
    y, x = np.mgrid[0:size, 0:size]
    dx, dy = x - cx, y - cy
    if not sides:
        return dx**2 + dy**2 <= radius**2
    # Regular polygon with circumradius `radius`, randomly rotated: a pixel
    # is inside when its projection on every edge normal is <= the apothem.
    angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(sides) / sides
    proj = dx[..., None] * np.cos(angles) + dy[..., None] * np.sin(angles)
    return np.all(proj <= radius * np.cos(np.pi / sides), axis=-1)


def _as_label(shape):
    label = SHAPE_NAMES.index(shape) if shape in SHAPE_NAMES else shape
    if isinstance(label, str) or not 0 <= int(label) < len(SHAPE_NAMES):
        raise ValueError(f"shape must be one of {SHAPE_NAMES} or 0..2, got {shape!r}")
    return int(label)


def make_shape_image(shape, size=64, random_state=None):
    """Draw one shape on a random textured background.

    The shape's area (that of a circle with radius 12-22 % of ``size``, the
    same range for every class), position (fully inside the image),
    rotation (squares and triangles) and colour (one of ``SHAPE_COLORS``)
    are random. Every pixel in the mask has exactly the
    shape colour; no other pixel is modified.

    Parameters
    ----------
    shape : {"circle", "square", "triangle"} or int
        Shape name or class index into ``SHAPE_NAMES``.
    size : int, default 64
        Height and width in pixels.
    random_state : int, numpy.random.Generator or None, default None
        Seed or generator for ``numpy.random.default_rng``.

    Returns
    -------
    image : numpy.ndarray of uint8, shape (size, size, 3)
    mask : numpy.ndarray of bool, shape (size, size)
        True on the shape's pixels.

    Examples
    --------
    >>> image, mask = make_shape_image("triangle", size=32, random_state=0)
    >>> image.shape, mask.dtype, bool(mask.any())
    ((32, 32, 3), dtype('bool'), True)
    """
    rng = np.random.default_rng(random_state)
    label = _as_label(shape)
    image = _background(rng, size)
    mask = _shape_mask(rng, label, size)
    image[mask] = _PALETTE[rng.integers(len(_PALETTE))]
    return image, mask


def make_shapes(n_samples=200, size=64, random_state=0):
    """Generate a balanced set of single-shape images with exact masks.

    Classes: 0 = circle, 1 = square, 2 = triangle (``SHAPE_NAMES``). Labels
    cycle through the classes and are then shuffled, so class counts differ
    by at most one. Each image is drawn by :func:`make_shape_image` from one
    shared generator.

    Parameters
    ----------
    n_samples : int, default 200
        Number of images.
    size : int, default 64
        Height and width in pixels.
    random_state : int or None, default 0
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    images : numpy.ndarray of uint8, shape (n_samples, size, size, 3)
    labels : numpy.ndarray of int, shape (n_samples,)
    masks : numpy.ndarray of bool, shape (n_samples, size, size)

    Examples
    --------
    >>> images, labels, masks = make_shapes(6, size=32, random_state=0)
    >>> images.shape, sorted(labels.tolist())
    ((6, 32, 32, 3), [0, 0, 1, 1, 2, 2])
    """
    rng = np.random.default_rng(random_state)
    n = int(n_samples)
    labels = rng.permutation(np.arange(n) % len(SHAPE_NAMES)).astype(np.int64)
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    masks = np.empty((n, size, size), dtype=bool)
    for i, label in enumerate(labels):
        images[i], masks[i] = make_shape_image(label, size, rng)
    return images, labels, masks
