"""lime's ``lime_text.LimeTextExplainer``, running on :class:`lime_kit.TextExplainer`.

``from lime_kit.compat import lime_text`` replaces ``from lime import
lime_text``. lime splits the document with ``split_expression`` (a regular
expression for the *separators*, default ``\\W+``); lime_kit describes
*tokens*, so the separator expression becomes a tokenizer returning the text
between separators (for the default, lime_kit's own ``\\w+`` tokens).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lime_kit.compat._arguments import lime_kernel, print_fit, resolve_label_request, seed_from_random_state
from lime_kit.compat.explanation import TextExplanation
from lime_kit.text.explainer import DEFAULT_MASK_STRING, TextExplainer

__all__ = ["LimeTextExplainer", "SeparatorTokenizer"]

LIME_SPLIT_EXPRESSION = r"\W+"
#: lime's placeholder for a masked character with ``char_level=True, bow=False``.
LIME_CHAR_MASK = chr(0)


class SeparatorTokenizer:
    """Tokens are the non-empty stretches of text between matches of a separator expression (lime's ``split_expression``).

    Examples
    --------
    >>> SeparatorTokenizer(r"[ ,]+")("good food, bad service")
    ['good', 'food', 'bad', 'service']
    """

    def __init__(self, separator: str):
        try:
            self.separator = re.compile(separator)
        except re.error as error:
            raise ValueError(f"split_expression {separator!r} is not a valid regular expression: {error}") from None

    def __call__(self, text: str) -> list[str]:
        tokens, start = [], 0
        for match in self.separator.finditer(text):
            if match.start() > start:
                tokens.append(text[start : match.start()])
            start = max(start, match.end())
        if start < len(text):
            tokens.append(text[start:])
        return tokens

    def __repr__(self) -> str:
        return f"split on {self.separator.pattern!r}"


class LimeTextExplainer:
    """lime's text explainer, computed by :class:`lime_kit.TextExplainer`.

    Arguments, their order and their defaults are lime 0.2.0.1's.

    Parameters
    ----------
    kernel_width : float, default=25
    kernel : callable, optional
        lime's signature ``kernel(distances, kernel_width) -> weights``.
    verbose : bool, default=False
    class_names : list of str, optional
    feature_selection : {"auto", "none", "forward_selection", "highest_weights", "lasso_path"}
    split_expression : str or callable, default=r"\\W+"
        A regular expression matching separators, or a callable returning
        the list of tokens (substrings of the text, in order).
    bow : bool, default=True
    mask_string : str, optional
        Replaces absent positions with ``bow=False``; default ``"UNKWORDZ"``
        (``chr(0)`` with ``char_level``), as in lime.
    random_state : int or numpy.random.RandomState, optional
    char_level : bool, default=False
        Characters as features. Unlike lime, whitespace characters are not
        features.

    Examples
    --------
    >>> from lime_kit.compat.lime_text import LimeTextExplainer
    >>> def predict_proba(docs):
    ...     p = [0.9 if "good" in d.split() else 0.2 for d in docs]
    ...     return [[1 - q, q] for q in p]
    >>> explainer = LimeTextExplainer(class_names=["bad", "good"], random_state=0)
    >>> exp = explainer.explain_instance("a good day", predict_proba, num_samples=200)
    >>> exp.as_list()[0][0]
    'good'
    """

    def __init__(
        self,
        kernel_width: float = 25,
        kernel: Callable | None = None,
        verbose: bool = False,
        class_names=None,
        feature_selection: str = "auto",
        split_expression=LIME_SPLIT_EXPRESSION,
        bow: bool = True,
        mask_string: str | None = None,
        random_state=None,
        char_level: bool = False,
    ):
        if char_level:
            tokens = {"char_level": True}
        elif callable(split_expression):
            tokens = {"tokenizer": split_expression}
        elif split_expression == LIME_SPLIT_EXPRESSION:
            tokens = {}  # lime_kit's default tokens, \w+, are exactly the text between \W+ separators
        elif isinstance(split_expression, str):
            tokens = {"tokenizer": SeparatorTokenizer(split_expression)}
        else:
            raise TypeError(
                f"split_expression must be a regular expression (str) or a callable, got {type(split_expression).__name__}"
            )
        if mask_string is None:
            mask_string = LIME_CHAR_MASK if char_level else DEFAULT_MASK_STRING
        self.verbose = bool(verbose)
        self.feature_selection = feature_selection
        self.random_state = random_state
        self.split_expression = split_expression
        self.explainer = TextExplainer(
            class_names=class_names,
            bow=bow,
            mask_string=mask_string,
            kernel_width=kernel_width,
            kernel=lime_kernel(kernel, kernel_width),
            random_state=seed_from_random_state(random_state),
            **tokens,
        )

    @property
    def class_names(self):
        return self.explainer.class_names

    def explain_instance(
        self,
        text_instance: str,
        classifier_fn: Callable,
        labels=(1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str = "cosine",
        model_regressor=None,
    ) -> TextExplanation:
        """Explain ``classifier_fn``'s output for one document, with lime's arguments.

        Parameters
        ----------
        text_instance : str
        classifier_fn : callable
            A list of ``d`` strings -> probabilities ``(d, n_classes)``.
        labels : iterable of int, default=(1,)
        top_labels : int, optional
        num_features, num_samples, distance_metric, model_regressor
            As in lime.

        Returns
        -------
        lime_kit.compat.explanation.TextExplanation
            ``as_list(label, positions=True)`` gives ``word_start1-start2``.
        """
        request = resolve_label_request(labels, top_labels, "classification")
        explanation = self.explainer.explain(
            text_instance,
            classifier_fn,
            labels=request.labels,
            top_labels=request.top_labels,
            num_features=num_features,
            num_samples=num_samples,
            distance_metric=distance_metric,
            model_regressor=model_regressor,
            feature_selection=self.feature_selection,
        )
        if self.verbose:
            print_fit(explanation)
        return TextExplanation(explanation, top_labels=request.lime_order_reversed)
