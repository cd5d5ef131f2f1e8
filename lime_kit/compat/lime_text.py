"""lime's ``lime_text.LimeTextExplainer``, running on :class:`lime_kit.TextExplainer`.

``from lime_kit.compat import lime_text`` replaces ``from lime import
lime_text``. lime splits the document with ``split_expression`` (a regular
expression for the *separators*, default ``\\W+``); lime_kit describes
*tokens*, so the separator expression becomes a tokenizer returning the text
between separators (for the default, lime_kit's own ``\\w+`` tokens).
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from functools import partial

import numpy as np

from lime_kit.compat._arguments import lime_kernel, print_fit, resolve_label_request, seed_from_random_state
from lime_kit.compat.explanation import DomainMapper, TextExplanation
from lime_kit.compat.lime_base import LimeBase
from lime_kit.text.explainer import DEFAULT_MASK_STRING, TextExplainer

__all__ = ["IndexedCharacters", "IndexedString", "LimeTextExplainer", "SeparatorTokenizer", "TextDomainMapper"]

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


def _separator_pieces(text: str, separator: str) -> tuple[list[str], list[bool]]:
    """Cut ``text`` into consecutive pieces around the matches of ``separator``; flag the separator pieces."""
    try:
        pattern = re.compile(separator)
    except re.error as error:
        raise ValueError(f"split_expression {separator!r} is not a valid regular expression: {error}") from None
    pieces, is_separator, start = [], [], 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue  # an empty match separates nothing
        if match.start() > start:
            pieces.append(text[start : match.start()])
            is_separator.append(False)
        pieces.append(match.group())
        is_separator.append(True)
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
        is_separator.append(False)
    return pieces, is_separator


def _token_pieces(text: str, tokens) -> tuple[list[str], list[bool]]:
    """Cut ``text`` into the ``tokens`` (in order) and the text between them; flag the in-between pieces."""
    pieces, is_separator, start = [], [], 0
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError(f"split_expression returned a {type(token).__name__} token; it must return a list of strings")
        found = text.find(token, start) if token else start
        if found < 0:
            raise ValueError(
                f"split_expression returned the token {token!r}, which does not occur in the text after position "
                f"{start}; a tokenizer must return substrings of the text, in order"
            )
        if found > start:
            pieces.append(text[start:found])
            is_separator.append(True)
        if token:
            pieces.append(token)
            is_separator.append(False)
        start = found + len(token)
    if start < len(text):
        pieces.append(text[start:])
        is_separator.append(True)
    return pieces, is_separator


class _IndexedPieces:
    """A text cut into consecutive pieces, some of them features ("words"); what IndexedString and IndexedCharacters share."""

    def _index(self, raw: str, pieces: list[str], is_separator: list[bool], bow: bool, mask_string: str) -> None:
        self.raw = raw
        self.mask_string = mask_string
        self.bow = bool(bow)
        self.as_list = pieces
        self.as_np = np.array(pieces)
        lengths = np.fromiter((len(piece) for piece in pieces), dtype=np.intp, count=len(pieces))
        self.string_start = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.intp) if pieces else np.zeros(0, np.intp)
        # A piece that was once a separator stays one everywhere in the text, as in lime.
        separators = {piece for piece, flag in zip(pieces, is_separator) if flag}
        word_at = [i for i, piece in enumerate(pieces) if piece not in separators]
        if bow:
            vocab: dict[str, int] = {}
            self.inverse_vocab, self.positions = [], []
            for i in word_at:
                word = pieces[i]
                if word not in vocab:
                    vocab[word] = len(vocab)
                    self.inverse_vocab.append(word)
                    self.positions.append([])
                self.positions[vocab[word]].append(i)
        else:
            self.inverse_vocab = [pieces[i] for i in word_at]
            self.positions = np.asarray(word_at, dtype=np.intp)

    def raw_string(self) -> str:
        """Return the text as given."""
        return self.raw

    def num_words(self) -> int:
        """Return the number of features: distinct words with ``bow``, word occurrences without."""
        return len(self.inverse_vocab)

    def word(self, id_: int) -> str:
        """Return the text of feature ``id_``."""
        return self.inverse_vocab[id_]

    def string_position(self, id_: int) -> np.ndarray:
        """Return the character offsets in :meth:`raw_string` where feature ``id_`` occurs."""
        if self.bow:
            return self.string_start[self.positions[id_]]
        return self.string_start[[self.positions[id_]]]

    def _piece_indices(self, words) -> np.ndarray:
        words = np.asarray(words, dtype=np.intp).reshape(-1)
        if self.bow:
            return np.fromiter(itertools.chain.from_iterable(self.positions[w] for w in words), dtype=np.intp)
        return self.positions[words]

    def inverse_removing(self, words_to_remove) -> str:
        """Return the text without the features ``words_to_remove`` (ids).

        With ``bow`` every occurrence of a removed word disappears; without
        it, each removed occurrence is replaced by ``mask_string``.
        """
        keep = np.ones(len(self.as_list), dtype=bool)
        keep[self._piece_indices(words_to_remove)] = False
        if self.bow:
            return "".join(itertools.compress(self.as_list, keep))
        return "".join(piece if kept else self.mask_string for piece, kept in zip(self.as_list, keep))


class IndexedString(_IndexedPieces):
    """A text cut into words, indexed so that words can be named, located and removed.

    Parameters
    ----------
    raw_string : str
    split_expression : str or callable, default=r"\\W+"
        A regular expression matching the text *between* words, or a
        callable returning the list of words (substrings of the text, in
        order; what lies between them is not a feature).
    bow : bool, default=True
        Bag of words: one feature per distinct word, covering all its
        occurrences. False: one feature per occurrence.
    mask_string : str, optional
        What replaces a removed occurrence when ``bow`` is False; default
        ``"UNKWORDZ"``.

    Attributes
    ----------
    as_list : list of str
        The text's consecutive pieces, words and separators.
    string_start : ndarray of int
        Character offset of each piece.
    inverse_vocab : list of str
        The word of each feature id.
    positions : list of list of int, or ndarray of int
        Piece indices of each feature (``bow``), or the piece index of each occurrence.

    Examples
    --------
    >>> s = IndexedString("the cat saw the dog")
    >>> s.num_words(), s.word(0), s.string_position(0).tolist()
    (4, 'the', [0, 12])
    >>> s.inverse_removing([0])
    ' cat saw  dog'
    >>> IndexedString("the cat saw the dog", bow=False).inverse_removing([0, 3])
    'UNKWORDZ cat saw UNKWORDZ dog'
    >>> IndexedString("a,b;c", split_expression=lambda t: t.replace(";", ",").split(",")).inverse_removing([1])
    'a,;c'
    """

    def __init__(self, raw_string: str, split_expression=r"\W+", bow: bool = True, mask_string: str | None = None):
        if not isinstance(raw_string, str):
            raise TypeError(f"raw_string must be a str, got {type(raw_string).__name__}")
        if callable(split_expression):
            pieces, is_separator = _token_pieces(raw_string, split_expression(raw_string))
        elif isinstance(split_expression, str):
            pieces, is_separator = _separator_pieces(raw_string, split_expression)
        else:
            raise TypeError(
                f"split_expression must be a regular expression (str) or a callable, got {type(split_expression).__name__}"
            )
        self._index(raw_string, pieces, is_separator, bow, "UNKWORDZ" if mask_string is None else mask_string)


class IndexedCharacters(_IndexedPieces):
    """A text indexed by character: every character (whitespace too) is a feature.

    Parameters
    ----------
    raw_string : str
    bow : bool, default=True
        One feature per distinct character, or (False) one per position.
    mask_string : str, optional
        Replaces a removed character when ``bow`` is False; default ``chr(0)``.

    Examples
    --------
    >>> s = IndexedCharacters("abba")
    >>> s.num_words(), s.string_position(1).tolist(), s.inverse_removing([1])
    (2, [1, 2], 'aa')
    """

    def __init__(self, raw_string: str, bow: bool = True, mask_string: str | None = None):
        if not isinstance(raw_string, str):
            raise TypeError(f"raw_string must be a str, got {type(raw_string).__name__}")
        pieces = list(raw_string)
        self._index(raw_string, pieces, [False] * len(pieces), bow, chr(0) if mask_string is None else mask_string)


class TextDomainMapper(DomainMapper):
    """Name features of an :class:`IndexedString` (or :class:`IndexedCharacters`) by their word.

    Examples
    --------
    >>> mapper = TextDomainMapper(IndexedString("good food, good service"))
    >>> mapper.map_exp_ids([(0, 0.5)]), mapper.map_exp_ids([(0, 0.5)], positions=True)
    ([('good', 0.5)], [('good_0-11', 0.5)])
    """

    def __init__(self, indexed_string):
        self.indexed_string = indexed_string

    def map_exp_ids(self, exp, positions: bool = False, **kwargs):
        """Return ``[(word, weight)]``, or ``[("word_start1-start2", weight)]`` with ``positions``."""
        words = self.indexed_string
        if positions:
            return [(f"{words.word(i)}_{'-'.join(map(str, words.string_position(i)))}", w) for i, w in exp]
        return [(words.word(i), w) for i, w in exp]

    def visualize_instance_html(self, exp, label, div_name, exp_object_name, text: bool = True, opacity: bool = True, **kwargs) -> str:
        """Return the text as HTML with the words of ``exp`` highlighted (green for, red against); no script."""
        if not text:
            return ""
        words = self.indexed_string
        raw = words.raw_string()
        largest = max((abs(w) for _, w in exp), default=0.0) or 1.0
        marks = sorted(
            (int(start), len(words.word(i)), w) for i, w in exp for start in np.atleast_1d(words.string_position(i))
        )
        out, at = [], 0
        for start, length, weight in marks:
            if start < at:
                continue
            alpha = abs(weight) / largest if opacity else 1.0
            colour = f"rgba(0,160,0,{alpha:.2f})" if weight > 0 else f"rgba(200,0,0,{alpha:.2f})"
            out.append(html.escape(raw[at:start]))
            out.append(f'<span style="background:{colour}">{html.escape(raw[start:start + length])}</span>')
            at = start + length
        out.append(html.escape(raw[at:]))
        return f'<div id="{html.escape(str(div_name))}" class="lime_kit-text">{"".join(out)}</div>'


def _lime_text_kernel(d, kernel_width):
    """lime's text kernel ``sqrt(exp(-d^2 / width^2))`` (on cosine distances, width 25 by default)."""
    return np.sqrt(np.exp(-(d**2) / kernel_width**2))


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
        self.bow, self.mask_string, self.char_level = bow, mask_string, char_level  # as given, like lime
        self.vocabulary = None  # lime's attribute, never filled there either
        if mask_string is None:
            mask_string = LIME_CHAR_MASK if char_level else DEFAULT_MASK_STRING
        self.verbose = bool(verbose)
        self.feature_selection = feature_selection
        self.random_state = random_state
        self.split_expression = split_expression
        self.kernel_fn = partial(kernel if kernel is not None else _lime_text_kernel, kernel_width=float(kernel_width))
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

    @property
    def base(self) -> LimeBase:
        """A :class:`~lime_kit.compat.lime_base.LimeBase` with this explainer's kernel, as lime's ``explainer.base``."""
        return LimeBase(self.kernel_fn, self.verbose, random_state=self.random_state)

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
