"""`TextExplainer`: which words made the model predict this for this document?"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lime_kit.core.pipeline import explain_perturbations
from lime_kit.core.sampler import Perturbations
from lime_kit.core.validation import check_fit_options, check_mode, check_num_samples, explainer_seed, explanation_rng
from lime_kit.explanation import Explanation
from lime_kit.text.sampler import DocumentLayout, cosine_distances_to_instance, draw_active, feature_index
from lime_kit.text.tokenize import TokenizedText, resolve_span_finder, tokenize

__all__ = ["TextExplainer", "DEFAULT_MASK_STRING"]

#: Written over masked positions when ``bow=False``: a made-up word that
#: typical vocabularies do not contain (the same placeholder lime uses, so
#: results stay comparable).
DEFAULT_MASK_STRING = "UNKWORDZ"
DEFAULT_KERNEL_WIDTH = 25.0  # lime's text default, on cosine distances x 100



class TextExplainer:
    """Explain a text model's prediction for one document by removing words.

    Parameters
    ----------
    mode : {"classification", "regression"}
    class_names : list of str, optional
    bow : bool, default=True
        Bag of words: a feature is a distinct token and removing it cuts
        every occurrence out of the document (separators stay), so the
        model sees real, shorter documents. With ``bow=False`` a feature is
        one position and an absent position is replaced by ``mask_string``.
    mask_string : str or None, default="UNKWORDZ"
        Placeholder for absent positions when ``bow=False``; ``None`` (or
        ``""``) deletes them instead. Ignored with ``bow=True``.
    token_pattern : str, optional
        Regular expression matching one token; default ``\\w+`` (runs of
        word characters).
    tokenizer : callable, optional
        ``tokenizer(text) -> list of str`` returning substrings of the text in
        reading order; replaces ``token_pattern``.
    char_level : bool, default=False
        Every non-whitespace character is a token.
    kernel_width : float, optional
        Width of the exponential kernel on cosine distances x 100; default 25.
    kernel : callable, optional
        ``kernel(distances) -> weights``, replacing the exponential kernel.
    random_state : int, optional
        Seed of every explanation. Without it a seed is drawn once here, so
        repeated ``explain`` calls still agree with each other.

    Examples
    --------
    >>> from lime_kit import TextExplainer
    >>> def score(docs):  # a "model" that likes 'good' and dislikes 'bad'
    ...     return [2.0 * ("good" in d.split()) - 1.0 * ("bad" in d.split()) for d in docs]
    >>> explainer = TextExplainer(mode="regression", random_state=0)
    >>> exp = explainer.explain("good food , bad service", score, num_samples=300)
    >>> [(word, round(weight)) for word, weight in exp.as_list()[:2]]
    [('good', 2), ('bad', -1)]
    """

    def __init__(
        self,
        *,
        mode: str = "classification",
        class_names=None,
        bow: bool = True,
        mask_string: str | None = DEFAULT_MASK_STRING,
        token_pattern: str | None = None,
        tokenizer: Callable[[str], list] | None = None,
        char_level: bool = False,
        kernel_width: float | None = None,
        kernel: Callable[[np.ndarray], np.ndarray] | None = None,
        random_state: int | None = None,
    ):
        self.mode = check_mode(mode)
        self.class_names = None if class_names is None else list(class_names)
        self.bow = bool(bow)
        if mask_string is not None and not isinstance(mask_string, str):
            raise TypeError(f"mask_string must be a str or None, got {type(mask_string).__name__}")
        self.mask_string = mask_string or None
        self.char_level = bool(char_level)
        self._find_spans, self.tokenization = resolve_span_finder(token_pattern, tokenizer, self.char_level)
        self.kernel_width = kernel_width
        self.kernel = kernel
        self._seed = explainer_seed(random_state)
        self.random_state = random_state

    def tokenize(self, text: str) -> TokenizedText:
        """Return the tokens of ``text`` as character spans (what the features are made of)."""
        return tokenize(text, self._find_spans, self.tokenization)

    def _descriptions(self, feature_tokens: list[str]) -> list[str]:
        if self.bow:
            return list(feature_tokens)
        return [f"{token}@{position}" for position, token in enumerate(feature_tokens)]

    def _distances(self, active: np.ndarray, metric: str) -> np.ndarray:
        if metric == "cosine":
            return cosine_distances_to_instance(active)
        from sklearn.metrics import pairwise_distances

        try:
            return 100.0 * pairwise_distances(active, active[:1], metric=metric).ravel()
        except (ValueError, TypeError) as error:
            raise ValueError(f"distance_metric {metric!r} is not supported: {error}") from None

    def _payload(self, tokenized: TokenizedText, feature_of_token: np.ndarray) -> dict:
        return {
            "tokens": tokenized.tokens,
            "spans": np.stack([tokenized.starts, tokenized.ends], axis=1).tolist(),
            "token_features": feature_of_token.tolist(),
            "bow": self.bow,
            "mask_string": None if self.bow else self.mask_string,
            "tokenization": self.tokenization,
        }

    def explain(
        self,
        text: str,
        predict_fn: Callable[[list], Any],
        labels=None,
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str = "cosine",
        model_regressor=None,
        feature_selection: str = "auto",
        batch_size: int = 1000,
        random_state: int | np.random.Generator | None = None,
        stability_resamples: int = 0,
    ) -> Explanation:
        """Explain ``predict_fn``'s output for one document.

        Parameters
        ----------
        text : str
            The document. Never modified; the explanation keeps it verbatim.
        predict_fn : callable
            Takes a list of strings and returns probabilities
            ``(n, n_classes)`` or, in regression, values ``(n,)``.
        labels : int or sequence of int, optional
            Output columns to explain. Default: the predicted class.
        top_labels : int, optional
            Explain the ``top_labels`` most probable classes instead.
        num_features : int, default=10
            Maximum number of tokens in the explanation.
        num_samples : int, default=5000
            Perturbed documents, the original included.
        distance_metric : str, default="cosine"
            Distance between a sample's 0/1 vector and the all-ones vector,
            times 100; any scikit-learn ``pairwise_distances`` metric.
        model_regressor : scikit-learn regressor, optional
            Surrogate to fit instead of the built-in ridge; must accept
            ``sample_weight``.
        feature_selection : {"auto", "none", "highest_weights", "forward_selection", "lasso_path"}
        batch_size : int, default=1000
            Documents per ``predict_fn`` call; only one batch of perturbed
            strings exists at a time.
        random_state : int or Generator, optional
            Overrides the explainer's seed for this call.

        stability_resamples : int, default=0
            Refit the surrogate this many times on bootstrap reweightings of
            the same samples and record in ``exp.stability`` how much the
            top-5 features stay (no extra model calls).

        Returns
        -------
        Explanation
            ``as_list(label)`` gives ``[(token, weight)]`` (``token@position``
            with ``bow=False``); ``payload`` holds every token with its
            character span and feature index.
        """
        num_features = check_fit_options(num_features, feature_selection)
        num_samples = check_num_samples(num_samples)
        seed, rng = explanation_rng(self._seed, random_state)
        tokenized = self.tokenize(text)
        feature_of_token, feature_tokens = feature_index(tokenized.tokens, self.bow)
        n_features = len(feature_tokens)
        layout = DocumentLayout(tokenized, feature_of_token, n_features, None if self.bow else self.mask_string)
        active = draw_active(rng, num_samples, n_features)
        perturbations = Perturbations(
            Z=active.astype(np.float64),
            distances=self._distances(active, distance_metric),
            build_inputs=lambda start, stop: layout.build(active[start:stop]),
        )
        return explain_perturbations(
            perturbations,
            predict_fn,
            mode=self.mode,
            modality="text",
            feature_names=feature_tokens,
            feature_descriptions=self._descriptions(feature_tokens),
            instance=text,
            default_kernel_width=DEFAULT_KERNEL_WIDTH,
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
            payload=self._payload(tokenized, feature_of_token),
        )
