"""`ImageExplainer`: which regions of this image drove the model's prediction?"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from lime_kit.core.pipeline import explain_perturbations
from lime_kit.core.sampler import Perturbations
from lime_kit.core.validation import check_fit_options, check_mode, check_num_samples, explainer_seed, explanation_rng
from lime_kit.explanation import Explanation
from lime_kit.image.fill import make_fill_image
from lime_kit.image.sampler import (
    SegmentCompositor,
    cosine_distances_to_all_on,
    default_batch_size,
    sample_segment_masks,
)
from lime_kit.image.segmentation import resolve_segmentation, segment_image

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


class ImageExplainer:
    """Explain image predictions with superpixels switched on and off.

    Each perturbed sample keeps a random half of the segments and replaces
    the others by ``hide_color``; a weighted linear model over "segment
    shown" then says which regions pushed the prediction up or down.

    Parameters
    ----------
    mode : {"classification", "regression"}
    class_names : list of str, optional
    segmentation : str, callable or ndarray, default="quickshift"
        ``"quickshift"``, ``"slic"``, ``"felzenszwalb"`` or ``"watershed"``
        with default settings, :func:`~lime_kit.image.make_segmenter` for
        other settings, any callable ``image -> (H, W) labels``, or a
        precomputed label map. Labels are renumbered to ``0..K-1``.
    hide_color : "mean", "blur", number, sequence or ndarray, default="mean"
        What hidden segments show: their mean colour, a blurred copy of the
        image, a constant colour in the image's scale, or a background image
        of the image's shape. See :func:`~lime_kit.image.fill.make_fill_image`.
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
        segmentation="quickshift",
        hide_color="mean",
        kernel_width: float | None = None,
        kernel: Callable[[np.ndarray], np.ndarray] | None = None,
        random_state: int | None = None,
    ):
        self.mode = check_mode(mode)
        self.class_names = None if class_names is None else list(class_names)
        self.segmentation = resolve_segmentation(segmentation)
        self.hide_color = hide_color
        self.kernel_width = kernel_width
        self.kernel = kernel
        self._seed = explainer_seed(random_state)
        self.random_state = random_state

    def explain(
        self,
        image,
        predict_fn: Callable[[np.ndarray], Any],
        labels=None,
        top_labels: int | None = None,
        num_features: int = 100_000,
        num_samples: int = 1000,
        batch_size: int | None = None,
        segmentation=None,
        hide_color=None,
        feature_selection: str = "auto",
        model_regressor=None,
        random_state: int | np.random.Generator | None = None,
        stability_resamples: int = 0,
    ) -> Explanation:
        """Explain ``predict_fn``'s output for one image.

        Parameters
        ----------
        image : ndarray of shape (H, W) or (H, W, C), C in {1, 3, 4}
            Integer or float pixels. Never modified.
        predict_fn : callable
            Takes a C-contiguous batch of shape (n, H, W[, C]) in the image's
            dtype and returns probabilities ``(n, n_classes)`` or, in
            regression, values ``(n,)``. The batch's memory is reused for
            the next batch: copy it if ``predict_fn`` keeps it.
        labels : int or sequence of int, optional
            Output columns to explain. Default: the predicted class.
        top_labels : int, optional
            Explain the ``top_labels`` most probable classes instead.
        num_features : int, default=100000
            Maximum number of segments in the explanation (default: all).
        num_samples : int, default=1000
            Perturbed images, the original included.
        batch_size : int, optional
            Images per ``predict_fn`` call. Default: as many as fit in
            ``lime_kit.image.sampler.BATCH_BYTES`` (8 MiB), so memory stays
            bounded whatever the image size.
        segmentation, hide_color : optional
            Override the explainer's settings for this call (see the class).
        feature_selection : {"auto", "none", "highest_weights", "forward_selection", "lasso_path"}
        model_regressor : scikit-learn regressor, optional
            Surrogate to fit instead of the built-in ridge.
        random_state : int or Generator, optional
            Overrides the explainer's seed for this call.

        stability_resamples : int, default=0
            Refit the surrogate this many times on bootstrap reweightings of
            the same samples and record in ``exp.stability`` how much the
            top-5 features stay (no extra model calls).

        Returns
        -------
        Explanation
            Features are segments; ``payload["segments"]`` is the (H, W)
            label map and ``payload["image"]`` a copy of the image.
        """
        num_features = check_fit_options(num_features, feature_selection)
        num_samples = check_num_samples(num_samples)
        image = check_image(image)
        batch_size = default_batch_size(image) if batch_size is None else batch_size
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        seed, rng = explanation_rng(self._seed, random_state)

        segments, segmentation_used = segment_image(image, self.segmentation if segmentation is None else segmentation)
        hide = self.hide_color if hide_color is None else hide_color
        fill, hide_used = make_fill_image(image, segments, hide)
        compositor = SegmentCompositor(image, fill, segments)
        masks = sample_segment_masks(rng, num_samples, int(segments.max()) + 1)
        # One buffer serves every batch: fresh pages per batch cost more than building the images.
        buffer = np.empty((min(int(batch_size), num_samples), *image.shape), dtype=image.dtype)
        perturbations = Perturbations(
            Z=masks.astype(np.float64),
            distances=cosine_distances_to_all_on(masks),
            build_inputs=lambda start, stop: compositor.compose(masks[start:stop], out=buffer[: stop - start]),
        )
        descriptions = _segment_descriptions(segments)
        return explain_perturbations(
            perturbations,
            predict_fn,
            mode=self.mode,
            modality="image",
            feature_names=[f"segment {k}" for k in range(len(descriptions))],
            feature_descriptions=descriptions,
            instance={"shape": list(image.shape), "dtype": str(image.dtype)},
            default_kernel_width=IMAGE_KERNEL_WIDTH,
            kernel_width=self.kernel_width,
            kernel=self.kernel,
            labels=labels,
            top_labels=top_labels,
            num_features=num_features,
            feature_selection=feature_selection,
            model_regressor=model_regressor,
            batch_size=batch_size,
            class_names=self.class_names,
            random_state=seed,
            stability_resamples=stability_resamples,
            rng=rng,
            payload={
                "image": image.copy(),
                "segments": segments,
                "segmentation": segmentation_used,
                "hide_color": hide_used,
            },
        )
