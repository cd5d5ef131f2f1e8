"""Image explanations: superpixel segmentation, perturbation and array views.

:class:`ImageExplainer` plugs into the shared pipeline
(:mod:`lime_kit.core`); this package adds only what is image specific:
segmenters (:mod:`.segmentation`), what hidden segments show (:mod:`.fill`),
how perturbed images are built (:mod:`.sampler`) and lime-style array views
of the result (:mod:`.masks`). Figures live in :mod:`lime_kit.plot.image`.
"""

from lime_kit.image.explainer import ImageExplainer
from lime_kit.image.masks import image_and_mask, localization_score, segment_weight_map, top_segments
from lime_kit.image.segmentation import SEGMENTERS, make_segmenter

__all__ = [
    "ImageExplainer",
    "SEGMENTERS",
    "image_and_mask",
    "localization_score",
    "make_segmenter",
    "segment_weight_map",
    "top_segments",
]
