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

import numpy as np

from lime_kit.compat._arguments import lime_kernel, print_fit, resolve_label_request, seed_from_random_state
from lime_kit.compat.explanation import ImageExplanation
from lime_kit.image.explainer import IMAGE_KERNEL_WIDTH, ImageExplainer
from lime_kit.image.segmentation import make_segmenter

__all__ = ["LimeImageExplainer", "ImageExplanation"]


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
        self.explainer = ImageExplainer(
            segmentation_max_side=None,  # lime segments at full resolution
            kernel_width=float(kernel_width),
            kernel=lime_kernel(kernel, kernel_width),
            random_state=seed_from_random_state(random_state),
        )

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
