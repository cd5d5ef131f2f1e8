"""Perturbed copies of one image: random segment masks and a fast compositor.

A sample is a boolean vector over the K segments; its image shows the
original pixels of the segments that are on and the fill image (see
:mod:`lime_kit.image.fill`) elsewhere. Building thousands of such images is
the explainer's main cost, so the compositor works on the raw bytes of the
image: it gathers, through the segment map, one all-ones/all-zeros word per
8-byte unit of the image (a *unit* lies inside one segment for most of the
image) and turns the words into pixels with two bitwise passes,
``fill ^ ((image ^ fill) & word)``. That keeps every numpy loop long and
contiguous (no per-channel broadcasting), is exact for every dtype, and
writes each batch straight into a plain C-contiguous array for the model.
"""

from __future__ import annotations

import numpy as np

from lime_kit.core.distances import cosine_distances_to_all_on

__all__ = [
    "BATCH_BYTES",
    "SegmentCompositor",
    "cosine_distances_to_all_on",
    "default_batch_size",
    "sample_segment_masks",
]

#: Default bytes of perturbed images per ``predict_fn`` call. Batches this
#: small stay in cache while being built and are recycled by the allocator
#: instead of being mapped afresh (see STYLE.md, "batch by bytes").
BATCH_BYTES = 8 * 2**20

_UNIT_DTYPES = {8: np.uint64, 4: np.uint32, 2: np.uint16, 1: np.uint8}


def default_batch_size(image: np.ndarray, budget_bytes: int = BATCH_BYTES) -> int:
    """Return how many copies of ``image`` fit in ``budget_bytes`` (at least 1).

    Examples
    --------
    >>> import numpy as np
    >>> default_batch_size(np.zeros((512, 512, 3), np.uint8)), default_batch_size(np.zeros((32, 32, 3), np.uint8))
    (10, 2730)
    """
    return max(1, int(budget_bytes) // max(1, image.nbytes))


def sample_segment_masks(rng: np.random.Generator, num_samples: int, num_segments: int) -> np.ndarray:
    """Draw which segments each sample keeps; each is on with probability 1/2.

    Returns
    -------
    ndarray of shape (num_samples, num_segments), bool
        Row 0 is all True: the unperturbed image.
    """
    masks = rng.integers(0, 2, size=(num_samples, num_segments), dtype=np.int8).astype(bool)
    masks[0] = True
    return masks


def _unit_size(image_bytes: int) -> int:
    """Largest word size (8, 4, 2 or 1 bytes) that tiles one image exactly."""
    return next(size for size in (8, 4, 2, 1) if image_bytes % size == 0)


class SegmentCompositor:
    """Builds perturbed images of one image with precomputed byte-level tables.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C), C-contiguous
    fill : ndarray, same shape and dtype as ``image``
        What hidden segments show.
    segments : ndarray of shape (H, W), labels 0..K-1

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[1, 2], [3, 4]], dtype=np.uint8)
    >>> compositor = SegmentCompositor(image, np.zeros_like(image), np.array([[0, 1], [1, 1]]))
    >>> compositor.compose(np.array([[True, False], [False, True]]))[:, 0].tolist()
    [[1, 0], [0, 2]]
    """

    def __init__(self, image: np.ndarray, fill: np.ndarray, segments: np.ndarray):
        self.shape = image.shape
        self.dtype = image.dtype
        unit = _unit_size(image.nbytes)
        self.unit_dtype = _UNIT_DTYPES[unit]
        image_units = np.ascontiguousarray(image).reshape(-1).view(self.unit_dtype)
        self.fill_units = np.ascontiguousarray(fill).reshape(-1).view(self.unit_dtype)
        self.image_xor_fill = image_units ^ self.fill_units
        pixel_bytes = image.nbytes // segments.size
        labels = segments.ravel().astype(np.intp)
        if pixel_bytes % unit == 0:
            # Every word lies inside one pixel, hence inside one segment.
            self.first_segment = labels[np.arange(image_units.size) * unit // pixel_bytes]
            self.mixed_units = np.empty(0, dtype=np.intp)
            self.mixed_levels = []
        else:
            byte_segments = np.repeat(labels, pixel_bytes).reshape(-1, unit)
            self.first_segment = byte_segments[:, 0].copy()
            mixed = np.flatnonzero(np.any(byte_segments != self.first_segment[:, None], axis=1))
            self.mixed_units, self.mixed_levels = self._mixed_tables(mixed, byte_segments[mixed])

    def _mixed_tables(self, mixed_units: np.ndarray, unit_bytes: np.ndarray) -> tuple[np.ndarray, list]:
        """Tables for words that straddle segments (segment borders).

        Returns the mixed words reordered by how many segments they touch
        (most first) and, per level j, the j-th segment of each word that
        has one and the byte mask of that segment's bytes in the word. The
        ordering makes "words with a j-th segment" a prefix of the list.
        """
        unit = unit_bytes.shape[1]
        first_seen = np.ones(unit_bytes.shape, dtype=bool)
        for position in range(1, unit):  # at most 7 columns, setup only
            first_seen[:, position] = np.all(unit_bytes[:, position : position + 1] != unit_bytes[:, :position], axis=1)
        counts = first_seen.sum(axis=1)
        order = np.argsort(-counts, kind="stable")
        unit_bytes, first_seen, counts = unit_bytes[order], first_seen[order], counts[order]
        rank = np.cumsum(first_seen, axis=1)
        levels = []
        for level in range(int(counts.max(initial=0))):
            rows = int(np.count_nonzero(counts > level))
            position = np.argmax(rank[:rows] == level + 1, axis=1)
            segment = unit_bytes[np.arange(rows), position]
            byte_mask = (unit_bytes[:rows] == segment[:, None]).astype(np.uint8) * np.uint8(255)
            levels.append((segment, np.ascontiguousarray(byte_mask).view(self.unit_dtype).ravel()))
        return mixed_units[order], levels

    def compose(self, masks: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return the perturbed images of the given segment masks.

        Parameters
        ----------
        masks : ndarray of shape (n, K), bool
            True where a segment shows the image, False where it shows the fill.
        out : ndarray of shape (n, H, W[, C]), the image's dtype, C-contiguous, optional
            Buffer to write into (reusing one avoids faulting in fresh pages per batch).

        Returns
        -------
        ndarray of shape (n, H, W[, C]), the image's dtype, C-contiguous
        """
        n = masks.shape[0]
        if out is None:
            out = np.empty((n, *self.shape), dtype=self.dtype)
        words = out.reshape(n, -1).view(self.unit_dtype)
        # 0 or all ones per segment: the word-level select mask.
        segment_words = masks.astype(self.unit_dtype)
        segment_words *= np.iinfo(self.unit_dtype).max
        # mode="clip" skips the buffered bounds check; indices are valid by construction.
        np.take(segment_words, self.first_segment, axis=1, out=words, mode="clip")
        if self.mixed_levels:
            words[:, self.mixed_units] = self._mixed_words(segment_words)
        words &= self.image_xor_fill
        words ^= self.fill_units
        return out

    def _mixed_words(self, segment_words: np.ndarray) -> np.ndarray:
        segment, byte_mask = self.mixed_levels[0]
        combined = np.take(segment_words, segment, axis=1, mode="clip")
        combined &= byte_mask
        for segment, byte_mask in self.mixed_levels[1:]:
            part = np.take(segment_words, segment, axis=1, mode="clip")
            part &= byte_mask
            combined[:, : segment.size] |= part
        return combined
