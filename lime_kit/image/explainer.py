"""`ImageExplainer`: which regions of this image drove the model's prediction?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from time import perf_counter

import numpy as np

from lime_kit.core.explainer import Explainer, Prepared
from lime_kit.core.pipeline import ExplanationContext
from lime_kit.core.sampler import InstanceSampler, Perturbations
from lime_kit.core.validation import check_class_names, check_mode, explainer_seed
from lime_kit.image.fill import DEFAULT_HIDE_COLOR, fill_change, make_fill_image
from lime_kit.image.sampler import (
    SegmentCompositor,
    cosine_distances_to_all_on,
    default_batch_size,
    sample_segment_masks,
)
from lime_kit.image.segmentation import (
    DEFAULT_SEGMENTATION,
    DEFAULT_SEGMENTATION_MAX_SIDE,
    check_max_side,
    check_value_range,
    pixel_range,
    resolve_segmentation,
    segment_image,
)

__all__ = ["ImageExplainer", "check_image"]

#: lime's kernel width for images (on the cosine distance).
IMAGE_KERNEL_WIDTH = 0.25



def check_image(image) -> np.ndarray:
    """Validate an image and return it as a C-contiguous array (copied only if needed).

    Parameters
    ----------
    image : array-like of shape (H, W) or (H, W, C) with C in {1, 3, 4}
        Integer or float pixels, finite.

    Returns
    -------
    ndarray, same shape and dtype
    """
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ValueError(
            f"image has shape {array.shape}; pass one image of shape (H, W) (grayscale), "
            "(H, W, 1), (H, W, 3) (RGB) or (H, W, 4) (RGBA), not a batch"
        )
    if array.dtype.kind not in "iuf":
        raise ValueError(f"image dtype {array.dtype} is not supported; pass integer (e.g. uint8) or float pixels")
    if min(array.shape[:2]) < 1:
        raise ValueError(f"image has shape {array.shape}; it needs at least one pixel")
    if array.dtype.kind == "f":
        bad = int(np.count_nonzero(~np.isfinite(array)))
        if bad:
            raise ValueError(
                f"image contains {bad} NaN or infinite values; replace them (e.g. np.nan_to_num) before explaining"
            )
    return np.ascontiguousarray(array)


def _segment_descriptions(segments: np.ndarray) -> list[str]:
    """Name each segment by its size and centre, so that lists of weights can be read."""
    counts = np.bincount(segments.ravel())
    rows, cols = np.indices(segments.shape)
    centre_row = np.bincount(segments.ravel(), weights=rows.ravel()) / counts
    centre_col = np.bincount(segments.ravel(), weights=cols.ravel()) / counts
    return [
        f"segment {k} ({n} px at row {r:.0f}, col {c:.0f})"
        for k, (n, r, c) in enumerate(zip(counts, centre_row, centre_col))
    ]


@dataclass
class _PreparedImage:
    """One image ready for perturbation: its segments, what hidden segments show, the compositor."""

    image: np.ndarray
    segments: np.ndarray
    segmentation_used: str
    hide_used: object
    fill: np.ndarray
    segmentation_seconds: float
    value_range: tuple[float, float]

    @cached_property
    def fill_change(self) -> np.ndarray:
        """(K,) largest pixel change hiding each segment makes; 0 where the fill equals the segment."""
        return fill_change(self.image, self.fill, self.segments)

    @cached_property
    def compositor(self) -> SegmentCompositor:
        # Built on first use: a device scorer composes on its own and never needs these tables.
        return SegmentCompositor(self.image, self.fill, self.segments)


def _unchanged_hint(prepared: _PreparedImage) -> str:
    """What to check when no sample moved the model: a fill that hides nothing is the first suspect."""
    unchanged = int(np.count_nonzero(prepared.fill_change == 0))
    if unchanged == len(prepared.fill_change):
        return (
            f"hiding a segment cannot change this image: hide_color={prepared.hide_used!r} fills every segment "
            "with what it already shows; pick another hide_color (e.g. 'blur' or a fixed value)"
        )
    if unchanged:
        return (
            f"{unchanged} of {len(prepared.fill_change)} segments look the same hidden as shown under "
            f"hide_color={prepared.hide_used!r} (payload['fill_change'] is 0 there); if the model looks at "
            "those, pick another hide_color; otherwise check that predict_fn uses its input"
        )
    return "check that predict_fn uses its input"


class ImageExplainer(Explainer):
    """Explain image predictions with superpixels switched on and off.

    Each perturbed sample keeps a random half of the segments and replaces
    the others by ``hide_color``; a weighted linear model over "segment
    shown" then says which regions pushed the prediction up or down.

    Parameters
    ----------
    mode : {"classification", "regression"}
    class_names : list of str, optional
    segmentation : str, callable or ndarray, default=make_segmenter("slic", sigma=1.0)
        ``"quickshift"``, ``"slic"``, ``"felzenszwalb"`` or ``"watershed"``
        with default settings, :func:`~lime_kit.image.make_segmenter` for
        other settings, any callable ``image -> (H, W) labels``, or a
        precomputed label map. Labels are renumbered to ``0..K-1``. The
        default, slic on a lightly smoothed image, localizes the object as
        well as lime's quickshift (which :mod:`lime_kit.compat` keeps) in a
        tenth of the time (``benchmarks/bench_segmenters.py``). On images
        under 400 pixels it asks for one segment per 4 pixels (16 on an 8x8
        digit); a named segmenter refuses an image under 8 pixels.
    segmentation_max_side : int or None, default=256
        A named segmenter runs on an anti-aliased copy whose longer side is
        at most this many pixels, and its labels are upscaled (nearest) to
        the image. None: segment at full resolution. Callables and
        precomputed maps always see the full image.
    hide_color : "image_mean", "mean", "blur", number, sequence or ndarray, default="image_mean"
        What hidden segments show: the whole image's mean colour (default),
        each segment's own mean colour (lime's default, which cannot hide a
        uniform segment such as a watermark), a blurred copy of the image, a
        constant colour in the image's scale, or a background image of the
        image's shape. See :mod:`lime_kit.image.fill`.
    value_range : "auto" or (float, float), default="auto"
        The pixel values that mean black and white, for the named
        segmenters and the figures. "auto" reads them from the type and
        values (:func:`~lime_kit.image.segmentation.pixel_range`: 0-255 for
        uint8 and for larger values up to 255, 0-1 for values within 0-1);
        pass e.g. ``(0, 16)`` for scikit-learn's digits.
    kernel_width : float, optional
        Width of the exponential kernel on the cosine distance; default 0.25
        (lime's).
    kernel : callable, optional
        ``kernel(distances) -> weights``, replacing the exponential kernel.
    random_state : int, optional
        Seed of every explanation. Without it a seed is drawn once here, so
        repeated ``explain`` calls still agree with each other.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import ImageExplainer
    >>> image = np.zeros((8, 8), dtype=np.uint8)
    >>> image[:, 4:] = 200
    >>> segments = np.repeat([[0, 0, 1, 1, 2, 2, 3, 3]], 8, axis=0)
    >>> def brightness_right(batch):  # regression on the right half only
    ...     return batch[:, :, 4:].mean(axis=(1, 2))
    >>> explainer = ImageExplainer(mode="regression", segmentation=segments, hide_color=0, random_state=0)
    >>> exp = explainer.explain(image, brightness_right, num_samples=200)
    >>> sorted(k for k, w in exp.as_map()[0] if w > 1)
    [2, 3]
    """

    def __init__(
        self,
        *,
        mode: str = "classification",
        class_names=None,
        segmentation=DEFAULT_SEGMENTATION,
        segmentation_max_side: int | None = DEFAULT_SEGMENTATION_MAX_SIDE,
        hide_color=DEFAULT_HIDE_COLOR,
        value_range="auto",
        kernel_width: float | None = None,
        kernel: Callable[[np.ndarray], np.ndarray] | None = None,
        random_state: int | None = None,
    ):
        self.mode = check_mode(mode)
        self.class_names = check_class_names(class_names)
        self.segmentation = resolve_segmentation(segmentation)
        self.segmentation_max_side = check_max_side(segmentation_max_side)
        self.hide_color = hide_color
        self.value_range = value_range
        self._value_range = check_value_range(value_range)
        self.kernel_width = kernel_width
        self.kernel = kernel
        self._seed = explainer_seed(random_state)
        self.random_state = random_state

    def _prepare_image(self, image: np.ndarray, segmentation, hide_color, max_side="explainer") -> _PreparedImage:
        began = perf_counter()
        max_side = self.segmentation_max_side if max_side == "explainer" else max_side
        value_range = pixel_range(image) if self._value_range is None else self._value_range
        segments, segmentation_used = segment_image(
            image, self.segmentation if segmentation is None else segmentation, max_side, value_range
        )
        seconds = perf_counter() - began
        fill, hide_used = make_fill_image(image, segments, self.hide_color if hide_color is None else hide_color)
        return _PreparedImage(image, segments, segmentation_used, hide_used, fill, seconds, value_range)

    def instance_sampler(
        self, image, segmentation=None, hide_color=None, batch_size: int | None = None, reuse_batch_buffer: bool = False
    ) -> InstanceSampler:
        """The sampler of one image: what the shared pipeline (and :mod:`lime_kit.evaluation`) draws from.

        ``draw(rng, n)`` hides random sets of segments; ``keep_inputs(keep)``
        builds the images in which only the kept segments show.
        """
        image = check_image(image)
        return self._sampler_for(self._prepare_image(image, segmentation, hide_color), batch_size, reuse_batch_buffer)

    def _sampler_for(
        self, prepared: _PreparedImage, batch_size: int | None, reuse_batch_buffer: bool, masks_only: bool = False
    ) -> InstanceSampler:
        """The image's sampler; with ``masks_only`` its batches are the segment masks (for a device scorer)."""
        image = prepared.image
        n_segments = int(prepared.segments.max()) + 1
        batch = default_batch_size(image) if batch_size is None else int(batch_size)

        def draw(rng: np.random.Generator, n: int) -> Perturbations:
            masks = sample_segment_masks(rng, n, n_segments)
            if masks_only:
                return Perturbations(
                    Z=masks.astype(np.float32),
                    distances=cosine_distances_to_all_on(masks),
                    build_inputs=lambda start, stop: masks[start:stop],
                )
            # A reused buffer avoids fresh pages per batch, but a predict_fn that keeps its batches
            # would then see them overwritten: opt-in only.
            buffer = np.empty((min(batch, n), *image.shape), dtype=image.dtype) if reuse_batch_buffer else None
            return Perturbations(
                Z=masks.astype(np.float32),
                distances=cosine_distances_to_all_on(masks),
                build_inputs=lambda start, stop: prepared.compositor.compose(
                    masks[start:stop], out=None if buffer is None else buffer[: stop - start]
                ),
            )

        return InstanceSampler(
            draw=draw,
            n_features=n_segments,
            bytes_per_sample=9.0 * n_segments + 16,  # mask (bool), Z and its centred copy (float32)
            keep_inputs=(
                (lambda keep, rng=None, background_rows=None: np.asarray(keep, dtype=bool))
                if masks_only
                else (lambda keep, rng=None, background_rows=None: prepared.compositor.compose(np.asarray(keep, dtype=bool)))
            ),
            unchanged_hint=_unchanged_hint(prepared),
        )

    modality = {"name": "image", "instance": "image", "renderer": "lime_kit.plot.image:image_html"}
    explain_options = {
        "segmentation": None,
        "hide_color": None,
        "reuse_batch_buffer": False,
        "segmentation_max_side": "explainer",
    }
    explain_defaults = {"num_features": 100_000, "num_samples": 1000}
    explain_default_docs = {
        "num_features": "100000 (every segment)",
        "batch_size": "as many images as fit in ``lime_kit.image.sampler.BATCH_BYTES`` (8 MiB), so memory stays "
        "bounded whatever the image size; on the device path, the scorer's default (64 images, or up to 256 on a "
        "GPU with free memory for them)",
    }
    explain_doc = """
        Explain ``predict_fn``'s output for one image.

        image : ndarray of shape (H, W) or (H, W, C), C in {1, 3, 4}
            Integer or float pixels. Never modified.
        predict_fn : callable
            Takes a C-contiguous batch of shape (n, H, W[, C]) in the image's
            dtype and returns probabilities ``(n, n_classes)`` or, in
            regression, values ``(n,)``. Every batch is a new array, so a
            ``predict_fn`` may keep it (see ``reuse_batch_buffer``). A
            ``predict_fn`` that offers ``segment_scorer(image, fill, segments,
            batch_size)``, as :func:`lime_kit.torch_adapter.torch_predict_fn`
            does, gets the segment masks instead and builds the images on its
            device; the samples, and so the explanation, are the same. With
            ``method="kernel_shap"`` absent segments show ``hide_color``.
        segmentation, hide_color : optional
            Override the explainer's settings for this call (see the class).
        reuse_batch_buffer : bool, default=False
            Write every batch into one reused buffer: faster for large
            images, but a ``predict_fn`` that keeps a batch (instead of
            copying it) will see it overwritten by the next one.
        segmentation_max_side : int or None, default="explainer"
            Overrides the explainer's ``segmentation_max_side`` for this call;
            None segments at full resolution.
        Returns
        -------
        Explanation
            Features are segments; ``payload["segments"]`` is the (H, W)
            label map, ``payload["image"]`` a copy of the image,
            ``payload["value_range"]`` the values read as black and white,
            and ``payload["fill_change"]`` per segment the largest change
            hiding it makes to a pixel (0: the fill equals what the segment
            shows, so hiding it cannot change the model's output).
        """

    def _prepare(
        self, image, predict_fn, options_for, segmentation, hide_color, reuse_batch_buffer, segmentation_max_side
    ) -> Prepared:
        image = check_image(image)
        options = options_for(IMAGE_KERNEL_WIDTH, batch_size=default_batch_size(image))
        prepared = self._prepare_image(image, segmentation, hide_color, segmentation_max_side)
        scorer_for = getattr(predict_fn, "segment_scorer", None)
        if callable(scorer_for):
            predict_fn = scorer_for(image, prepared.fill, prepared.segments, options_for.given["batch_size"])
            options = replace(options, batch_size=predict_fn.batch_size)
        sampler = self._sampler_for(prepared, options.batch_size, reuse_batch_buffer, masks_only=callable(scorer_for))
        descriptions = _segment_descriptions(prepared.segments)
        context = ExplanationContext(
            modality=self.modality.name,
            feature_names=[f"segment {k}" for k in range(len(descriptions))],
            feature_descriptions=descriptions,
            instance={"shape": list(image.shape), "dtype": str(image.dtype)},
            payload={
                "image": image.copy(),
                "segments": prepared.segments,
                "segmentation": prepared.segmentation_used,
                "hide_color": prepared.hide_used,
                "value_range": [float(v) for v in prepared.value_range],
                "fill_change": prepared.fill_change.tolist(),
            },
            segmentation_seconds=prepared.segmentation_seconds,
        )
        return Prepared(sampler, predict_fn, options, context)
