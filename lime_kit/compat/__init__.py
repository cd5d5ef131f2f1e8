"""lime's API as a thin layer over lime_kit: change the import line, keep the code.

>>> from lime_kit.compat import lime_tabular, lime_text, lime_image

replaces ``from lime import lime_tabular, lime_text, lime_image``. The three
explainers take lime 0.2.0.1's arguments in lime's order with lime's
defaults, build the matching lime_kit explainer and call its ``explain``;
the result exposes lime's attributes and methods (``as_list``, ``as_map``,
``local_exp``, ``score``, ``intercept``, ``available_labels``,
``as_pyplot_figure``, ``show_in_notebook``, ``save_to_file``,
``get_image_and_mask``) and the lime_kit explanation itself as
``.explanation``. The README section "Coming from lime" lists what differs.

lime's other public modules are here under lime's paths too:
``discretize``, ``lime_base``, ``submodular_pick``, ``explanation``,
``exceptions``, ``utils.generic_utils`` and ``wrappers.scikit_image``.
"""

from lime_kit.compat import (
    discretize,
    exceptions,
    explanation,
    lime_base,
    lime_image,
    lime_tabular,
    lime_text,
    submodular_pick,
    utils,
    wrappers,
)
from lime_kit.compat.explanation import Explanation, ImageExplanation, TextExplanation
from lime_kit.compat.lime_image import LimeImageExplainer
from lime_kit.compat.lime_tabular import LimeTabularExplainer
from lime_kit.compat.lime_text import LimeTextExplainer

__all__ = [
    "discretize",
    "exceptions",
    "explanation",
    "lime_base",
    "submodular_pick",
    "utils",
    "wrappers",
    "Explanation",
    "ImageExplanation",
    "LimeImageExplainer",
    "LimeTabularExplainer",
    "LimeTextExplainer",
    "TextExplanation",
    "lime_image",
    "lime_tabular",
    "lime_text",
]
