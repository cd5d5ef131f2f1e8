"""lime_kit: fast, reproducible LIME-style explanations of any model's single predictions."""

from lime_kit.comparison import Comparison, compare
from lime_kit.explanation import Explanation
from lime_kit.image.explainer import ImageExplainer
from lime_kit.many import ExplanationSet
from lime_kit.tabular.explainer import TabularExplainer
from lime_kit.text.explainer import TextExplainer

__all__ = [
    "Comparison",
    "Explanation",
    "ExplanationSet",
    "ImageExplainer",
    "TabularExplainer",
    "TextExplainer",
    "compare",
]
__version__ = "0.1.0"
