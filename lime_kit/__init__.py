"""lime_kit: fast, reproducible LIME-style explanations of any model's single predictions."""

# lime_kit.plot registers the notebook renderers in lime_kit.display (without importing matplotlib).
import lime_kit.plot  # noqa: F401
from lime_kit._version import __version__  # noqa: F401
from lime_kit.comparison import Comparison, compare
from lime_kit.explanation import Explanation
from lime_kit.explanation_set import ExplanationSet
from lime_kit.image.explainer import ImageExplainer
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
