"""lime_kit: fast, reproducible LIME-style explanations of any model's single predictions."""

from lime_kit.explanation import Explanation
from lime_kit.tabular.explainer import TabularExplainer

__all__ = ["Explanation", "TabularExplainer"]
__version__ = "0.1.0"
