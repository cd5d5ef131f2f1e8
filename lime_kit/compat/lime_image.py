"""lime's ``lime_image.LimeImageExplainer``, running on :class:`lime_kit.ImageExplainer`.

``from lime_kit.compat import lime_image`` replaces ``from lime import
lime_image``. As in lime, a grayscale image is turned into RGB before
anything else (so ``classifier_fn`` gets RGB batches), hidden superpixels
show their mean colour unless ``hide_color`` is given, the default segmenter
is quickshift with lime's settings, and the five most probable classes are
explained by default.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from lime_kit.compat._arguments import lime_kernel, print_fit, resolve_label_request, seed_from_random_state
from lime_kit.compat.explanation import ImageExplanation
from lime_kit.compat.lime_base import LimeBase
from lime_kit.compat.wrappers.scikit_image import SegmentationAlgorithm
from lime_kit.core.validation import explainer_seed
from lime_kit.image.explainer import IMAGE_KERNEL_WIDTH, ImageExplainer
from lime_kit.image.sampler import SegmentCompositor, sample_segment_masks
from lime_kit.image.segmentation import make_segmenter

__all__ = ["LimeImageExplainer", "ImageExplanation", "SegmentationAlgorithm"]


def _lime_image_kernel(d, kernel_width):
    """lime's image kernel ``sqrt(exp(-d^2 / width^2))``."""
    return np.sqrt(np.exp(-(d**2) / kernel_width**2))


class LimeImageExplainer:
    """lime's image explainer, computed by :class:`lime_kit.ImageExplainer`.

    Arguments, their order and their defaults are lime 0.2.0.1's.

    Parameters
    ----------
    kernel_width : float, default=0.25
        On the cosine distance between a sample's on/off vector and all-on.
    kernel : callable, optional
        lime's signature ``kernel(distances, kernel_width) -> weights``.
    verbose : bool, default=False
    feature_selection : {"auto", "none", "forward_selection", "highest_weights", "lasso_path"}
    random_state : int or numpy.random.RandomState, optional

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit.compat import lime_image
    >>> image = np.zeros((8, 8, 3)); image[:, 4:] = 1.0
    >>> def classifier_fn(batch):  # "bright" when the right half is lit
    ...     p = batch[:, :, 4:].mean(axis=(1, 2, 3))
    ...     return np.column_stack([1 - p, p])
    >>> segments = lambda img: np.repeat([[0, 0, 1, 1, 2, 2, 3, 3]], 8, axis=0)
    >>> explainer = lime_image.LimeImageExplainer(random_state=0)
    >>> exp = explainer.explain_instance(image, classifier_fn, top_labels=1, hide_color=0,
    ...                                  num_samples=100, segmentation_fn=segments)
    >>> temp, mask = exp.get_image_and_mask(exp.top_labels[0], num_features=2)
    >>> mask[0].tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """

    def __init__(
        self,
        kernel_width: float = IMAGE_KERNEL_WIDTH,
        kernel: Callable | None = None,
        verbose: bool = False,
        feature_selection: str = "auto",
        random_state=None,
    ):
        self.verbose = bool(verbose)
        self.feature_selection = feature_selection
        self.random_state = random_state
        self.kernel_fn = partial(kernel if kernel is not None else _lime_image_kernel, kernel_width=float(kernel_width))
        # One seed for explain_instance and data_labels alike, drawn here when random_state is None.
        self._seed = explainer_seed(seed_from_random_state(random_state))
        self.explainer = ImageExplainer(
            segmentation_max_side=None,  # lime segments at full resolution
            kernel_width=float(kernel_width),
            kernel=lime_kernel(kernel, kernel_width),
            random_state=self._seed,
        )

    @property
    def base(self) -> LimeBase:
        """A :class:`~lime_kit.compat.lime_base.LimeBase` with this explainer's kernel, as lime's ``explainer.base``."""
        return LimeBase(self.kernel_fn, self.verbose, random_state=self.random_state)

    def explain_instance(
        self,
        image,
        classifier_fn: Callable,
        labels=(1,),
        hide_color=None,
        top_labels: int | None = 5,
        num_features: int = 100000,
        num_samples: int = 1000,
        batch_size: int = 10,
        segmentation_fn: Callable | None = None,
        distance_metric: str = "cosine",
        model_regressor=None,
        random_seed: int | None = None,
    ) -> ImageExplanation:
        """Explain ``classifier_fn``'s output for one image, with lime's arguments.

        Parameters
        ----------
        image : ndarray of shape (H, W, 3) or (H, W)
            A grayscale image is converted to RGB first, as in lime.
        classifier_fn : callable
            A batch ``(n, H, W, 3)`` -> probabilities ``(n, n_classes)``.
        labels : iterable of int, default=(1,)
            Used only when ``top_labels`` is None, as in lime.
        hide_color : number or sequence, optional
            Colour of hidden superpixels; None: each superpixel's mean colour.
        top_labels : int, default=5
        num_features : int, default=100000
        num_samples : int, default=1000
        batch_size : int, default=10
            Images per ``classifier_fn`` call.
        segmentation_fn : callable, optional
            ``image -> (H, W) labels``; default quickshift with lime's settings
            (``kernel_size=4, max_dist=200, ratio=0.2``).
        distance_metric : {"cosine"}
            lime_kit weights image samples by cosine distance only.
        model_regressor : scikit-learn regressor, optional
        random_seed : int, optional
            Seed of the default quickshift segmenter.

        Returns
        -------
        lime_kit.compat.explanation.ImageExplanation
        """
        if distance_metric != "cosine":
            raise ValueError(
                f"distance_metric {distance_metric!r} is not supported for images by lime_kit; "
                "use 'cosine' (lime's default)"
            )
        image = np.asarray(image)
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)  # lime explains grayscale images as RGB
        if segmentation_fn is None:
            segmentation_fn = "quickshift" if random_seed is None else make_segmenter("quickshift", random_seed=int(random_seed))
        request = resolve_label_request(labels, top_labels, "classification")
        explanation = self.explainer.explain(
            image,
            classifier_fn,
            labels=request.labels,
            top_labels=request.top_labels,
            num_features=num_features,
            num_samples=num_samples,
            batch_size=batch_size,
            segmentation=segmentation_fn,
            hide_color="mean" if hide_color is None else hide_color,
            feature_selection=self.feature_selection,
            model_regressor=model_regressor,
        )
        if self.verbose:
            print_fit(explanation)
        return ImageExplanation(explanation, top_labels=request.lime_order_reversed)

    def data_labels(self, image, fudged_image, segments, classifier_fn: Callable, num_samples: int, batch_size: int = 10):
        """Draw ``num_samples`` on/off vectors over the superpixels and the model's output on their images.

        lime's sampling step, on lime_kit's compositor: a sample shows
        ``image`` on its "on" superpixels and ``fudged_image`` on the others;
        row 0 is all on (the image itself). Samples are drawn from this
        explainer's seed, so two calls with the same arguments agree, and
        ``classifier_fn`` sees batches of ``batch_size`` images.

        Parameters
        ----------
        image : ndarray of shape (H, W, C) or (H, W)
        fudged_image : ndarray of the same shape
            What a hidden superpixel shows (cast to ``image``'s dtype, as lime does).
        segments : ndarray of shape (H, W), int
            Superpixel labels ``0..K-1``; ``K`` is the number of distinct labels
            (as in lime, a pixel whose label is ``K`` or more is never hidden).
        classifier_fn : callable
            A batch ``(n, H, W[, C])`` -> outputs ``(n, n_classes)``.
        num_samples : int
        batch_size : int, default=10

        Returns
        -------
        data : ndarray of shape (num_samples, K), int
            1 where a superpixel shows the image, 0 where it is hidden.
        labels : ndarray of shape (num_samples, n_classes)
            ``classifier_fn``'s outputs, row by row.

        Examples
        --------
        >>> import numpy as np
        >>> image = np.arange(16.0).reshape(4, 4)
        >>> segments = np.repeat([[0, 0, 1, 1]], 4, axis=0)
        >>> explainer = LimeImageExplainer(random_state=0)
        >>> data, labels = explainer.data_labels(image, np.zeros_like(image), segments,
        ...                                      lambda batch: batch.sum(axis=(1, 2))[:, None], num_samples=4)
        >>> data[0].tolist(), float(labels[0, 0])
        ([1, 1], 120.0)
        >>> bool(np.all(labels[:, 0] == data @ [image[:, :2].sum(), image[:, 2:].sum()]))
        True
        """
        image = np.ascontiguousarray(image)
        fudged = np.asarray(fudged_image)
        segments = np.asarray(segments)
        if fudged.shape != image.shape:
            raise ValueError(
                f"fudged_image has shape {fudged.shape} but image has shape {image.shape}; pass a replacement image "
                "of the same shape (lime: the image with every superpixel hidden)"
            )
        if segments.shape != image.shape[:2]:
            raise ValueError(
                f"segments has shape {segments.shape} but image is {image.shape[:2]} pixels; pass one label per pixel"
            )
        num_samples, batch_size = int(num_samples), int(batch_size)
        if num_samples < 1 or batch_size < 1:
            raise ValueError(f"num_samples and batch_size must be at least 1, got {num_samples} and {batch_size}")
        n_features = np.unique(segments).size
        # Labels outside 0..K-1 map to one extra, always-on column: lime never hides those pixels.
        labels_in_range = np.where((segments >= 0) & (segments < n_features), segments, n_features).astype(np.intp)
        compositor = SegmentCompositor(image, np.ascontiguousarray(fudged.astype(image.dtype, copy=False)), labels_in_range)
        masks = sample_segment_masks(np.random.default_rng(self._seed), num_samples, n_features)
        always_on = np.ones((num_samples, 1), dtype=bool)
        outputs = []
        for start in range(0, num_samples, batch_size):
            stop = min(start + batch_size, num_samples)
            batch = compositor.compose(np.hstack([masks[start:stop], always_on[start:stop]]))
            outputs.append(np.array(classifier_fn(batch)))
        return masks.astype(int), np.concatenate(outputs, axis=0)
