"""lime's ``SegmentationAlgorithm``, as a lime_kit named segmenter.

``from lime_kit.compat.wrappers.scikit_image import SegmentationAlgorithm``
replaces lime's import; the object is a ``segmentation_fn`` for
``LimeImageExplainer.explain_instance``.
"""

from __future__ import annotations

from lime_kit.image.segmentation import NamedSegmenter, make_segmenter

__all__ = ["SegmentationAlgorithm"]


class SegmentationAlgorithm(NamedSegmenter):
    """A scikit-image segmenter by name with fixed keyword arguments, as lime's wrapper.

    Parameters
    ----------
    algo_type : {"quickshift", "slic", "felzenszwalb", "watershed"}
    **target_params
        Keyword arguments of the scikit-image function (lime_kit's defaults
        fill the ones not given). The image is passed as float RGB in
        [0, 1], whatever its dtype or range.

    Examples
    --------
    >>> import numpy as np
    >>> segmenter = SegmentationAlgorithm("quickshift", kernel_size=1, max_dist=200, ratio=0.2)
    >>> segmenter(np.zeros((16, 16, 3))).shape
    (16, 16)
    """

    def __init__(self, algo_type: str, **target_params):
        named = make_segmenter(algo_type, **target_params)
        super().__init__(named.name, named.kwargs)
