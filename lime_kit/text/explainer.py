"""`TextExplainer`: which words made the model predict this for this document?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from time import perf_counter
from typing import NamedTuple

import numpy as np

from lime_kit.core.distances import distances_to_first_row
from lime_kit.core.explainer import Explainer, Prepared
from lime_kit.core.pipeline import ExplanationContext
from lime_kit.core.sampler import InstanceSampler, Perturbations
from lime_kit.core.validation import check_class_names, check_mode, explainer_seed
from lime_kit.text.sampler import DocumentLayout, cosine_distances_to_instance, draw_active, feature_index
from lime_kit.text.tokenize import TokenizedText, resolve_span_finder, tokenize

__all__ = ["TextExplainer", "DEFAULT_MASK_STRING"]

#: Written over masked positions when ``bow=False``: a made-up word that
#: typical vocabularies do not contain (the same placeholder lime uses, so
#: results stay comparable).
DEFAULT_MASK_STRING = "UNKWORDZ"
DEFAULT_KERNEL_WIDTH = 25.0  # lime's text default, on cosine distances x 100
DEFAULT_BATCH_SIZE = 1000


class _Document(NamedTuple):
    """One document laid out for perturbation: tokens, their features and the byte layout."""

    tokenized: TokenizedText
    feature_of_token: np.ndarray
    feature_tokens: list
    layout: DocumentLayout


class TextExplainer(Explainer):
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
        self.class_names = check_class_names(class_names)
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

    @staticmethod
    def _distances(active: np.ndarray, metric: str) -> np.ndarray:
        # lime's text scale: distances x 100 (its kernel width, 25, is on that scale)
        if metric == "cosine":
            return cosine_distances_to_instance(active)
        return 100.0 * distances_to_first_row(active, metric)

    def _payload(self, tokenized: TokenizedText, feature_of_token: np.ndarray) -> dict:
        return {
            "tokens": tokenized.tokens,
            "spans": np.stack([tokenized.starts, tokenized.ends], axis=1).tolist(),
            "token_features": feature_of_token.tolist(),
            "bow": self.bow,
            "mask_string": None if self.bow else self.mask_string,
            "tokenization": self.tokenization,
        }

    def _document(self, text: str) -> _Document:
        tokenized = self.tokenize(text)
        feature_of_token, feature_tokens = feature_index(tokenized.tokens, self.bow)
        layout = DocumentLayout(tokenized, feature_of_token, len(feature_tokens), None if self.bow else self.mask_string)
        return _Document(tokenized, feature_of_token, feature_tokens, layout)

    def instance_sampler(self, text: str, distance_metric: str = "cosine") -> InstanceSampler:
        """The sampler of one document: what the shared pipeline (and :mod:`lime_kit.evaluation`) draws from.

        ``draw(rng, n)`` removes words (lime's scheme); ``keep_inputs(keep)``
        builds the documents in which only the kept features remain.
        """
        return self._sampler_for(self._document(text), distance_metric)

    def _sampler_for(self, document: _Document, distance_metric: str, masks_as_inputs: bool = False) -> InstanceSampler:
        n_features, layout = len(document.feature_tokens), document.layout
        self._distances(np.ones((2, max(n_features, 1)), dtype=bool), distance_metric)  # fail early on a bad metric

        def draw(rng: np.random.Generator, n: int) -> Perturbations:
            active = draw_active(rng, n, n_features)
            # The id path's scorer takes the masks themselves and builds the model's ids on its device.
            build = (lambda start, stop: active[start:stop]) if masks_as_inputs else (
                lambda start, stop: layout.build(active[start:stop])
            )
            return Perturbations(
                Z=active.astype(np.float32),
                distances=self._distances(active, distance_metric),
                build_inputs=build,
            )

        return InstanceSampler(
            draw=draw,
            n_features=n_features,
            bytes_per_sample=9.0 * n_features + 16,  # mask (bool), Z and its centred copy (float32)
            keep_inputs=(
                (lambda keep, rng=None, background_rows=None: np.asarray(keep, dtype=bool))
                if masks_as_inputs
                else (lambda keep, rng=None, background_rows=None: layout.build(np.asarray(keep, dtype=bool)))
            ),
        )

    def _token_scorer(self, predict_fn, document: _Document):
        """The id path's scorer when ``predict_fn`` offers one for this document, else None (strings)."""
        make_scorer = getattr(predict_fn, "token_scorer", None)
        if not callable(make_scorer):
            return None
        tokenized = document.tokenized
        return make_scorer(
            tokenized.text,
            tokenized.starts,
            tokenized.ends,
            document.feature_of_token,
            bow=self.bow,
            mask_string=None if self.bow else self.mask_string,
        )

    modality = {"name": "text", "instance": "text", "renderer": "lime_kit.plot.text:text_html"}
    explain_options = {"distance_metric": "cosine"}
    explain_default_docs = {"batch_size": "1000, or on the id path the scorer's suggestion (sized to the device and the document)"}
    explain_doc = """
        Explain ``predict_fn``'s output for one document.

        text : str
            The document. Never modified; the explanation keeps it verbatim.
        predict_fn : callable
            Takes a list of strings and returns probabilities
            ``(n, n_classes)`` or, in regression, values ``(n,)``. If it
            offers a ``token_scorer`` method (as
            :func:`lime_kit.torch_adapter.torch_text_predict_fn` does), the
            perturbations are scored as token ids on the model's device
            instead of as strings, with the same result. With
            ``method="kernel_shap"`` absent tokens are removed as lime
            removes them.
        distance_metric : str, default="cosine"
            Distance between a sample's 0/1 vector and the all-ones vector,
            times 100; any scikit-learn ``pairwise_distances`` metric.
        Returns
        -------
        Explanation
            ``as_list(label)`` gives ``[(token, weight)]`` (``token@position``
            with ``bow=False``); ``payload`` holds every token with its
            character span and feature index.
        """

    def _prepare(self, text: str, predict_fn, options_for, distance_metric: str) -> Prepared:
        began = perf_counter()
        options = options_for(DEFAULT_KERNEL_WIDTH, batch_size=DEFAULT_BATCH_SIZE)
        document = self._document(text)
        scorer = self._token_scorer(predict_fn, document)
        if scorer is not None:
            predict_fn = scorer
            if options_for.given["batch_size"] is None:
                options = replace(options, batch_size=int(scorer.batch_size))
        sampler = self._sampler_for(document, distance_metric, masks_as_inputs=scorer is not None)
        context = ExplanationContext(
            modality=self.modality.name,
            feature_names=document.feature_tokens,
            feature_descriptions=self._descriptions(document.feature_tokens),
            instance=text,
            payload=self._payload(document.tokenized, document.feature_of_token),
            segmentation_seconds=perf_counter() - began,
        )
        return Prepared(sampler, predict_fn, options, context)
