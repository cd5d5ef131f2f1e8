"""Split a document into interpretable tokens without losing a single character.

A token is a ``(start, end)`` character span of the original text, never a
bare string: the sampler cuts tokens out by span and the renderers rebuild
the document around the spans, so punctuation, whitespace and case come out
exactly as they went in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_TOKEN_PATTERN", "TokenizedText", "resolve_span_finder", "tokenize"]

#: Words are runs of word characters (letters, digits, underscore; Unicode aware).
DEFAULT_TOKEN_PATTERN = r"\w+"

SpanFinder = Callable[[str], "tuple[np.ndarray, np.ndarray]"]


@dataclass(frozen=True)
class TokenizedText:
    """A document and the character spans of its tokens, in reading order.

    Attributes
    ----------
    text : str
        The original document.
    starts, ends : ndarray of int, shape (n_tokens,)
        Token ``i`` is ``text[starts[i]:ends[i]]``; spans are non-empty,
        sorted and non-overlapping.
    """

    text: str
    starts: np.ndarray
    ends: np.ndarray

    @property
    def n_tokens(self) -> int:
        return len(self.starts)

    @property
    def tokens(self) -> list[str]:
        return [self.text[a:b] for a, b in zip(self.starts.tolist(), self.ends.tolist())]


def _spans_array(spans: list) -> tuple[np.ndarray, np.ndarray]:
    array = np.array(spans, dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1]


def _regex_spans(text: str, pattern: re.Pattern) -> tuple[np.ndarray, np.ndarray]:
    # Empty matches (a pattern like r"\w*") cannot be removed from the document, so they are no tokens.
    return _spans_array([m.span() for m in pattern.finditer(text) if m.end() > m.start()])


def _locate_tokens(text: str, tokenizer: Callable[[str], list]) -> tuple[np.ndarray, np.ndarray]:
    """Find each token the user's tokenizer returned, left to right, in the text."""
    spans = []
    position = 0
    for index, token in enumerate(tokenizer(text)):
        if not isinstance(token, str) or not token:
            raise ValueError(
                f"tokenizer returned {token!r} at index {index}; it must return non-empty strings "
                f"that are substrings of the text, in reading order"
            )
        start = text.find(token, position)
        if start < 0:
            raise ValueError(
                f"tokenizer returned {token!r} at index {index}, which does not occur in the text after "
                f"character {position}; a tokenizer must return substrings of the text in reading order "
                f"(no lower-casing, stemming or normalization)"
            )
        position = start + len(token)
        spans.append((start, position))
    return _spans_array(spans)


def resolve_span_finder(
    token_pattern: str | None, tokenizer: Callable[[str], list] | None, char_level: bool
) -> tuple[SpanFinder, str]:
    """Return ``(find_spans, description)`` for the chosen way of tokenizing.

    Exactly one of a regular expression (default ``\\w+``), a callable
    ``tokenizer(text) -> list of str`` or ``char_level=True`` (every
    non-whitespace character) may be chosen.
    """
    chosen = [name for name, value in (("token_pattern", token_pattern), ("tokenizer", tokenizer)) if value is not None]
    if char_level:
        chosen.append("char_level=True")
    if len(chosen) > 1:
        raise ValueError(f"pass only one of token_pattern, tokenizer and char_level=True, got {' and '.join(chosen)}")
    if tokenizer is not None:
        if not callable(tokenizer):
            raise TypeError(f"tokenizer must be a callable text -> list of str, got {type(tokenizer).__name__}")
        return (lambda text: _locate_tokens(text, tokenizer)), f"tokenizer {getattr(tokenizer, '__name__', 'callable')}"
    pattern_text = r"\S" if char_level else DEFAULT_TOKEN_PATTERN if token_pattern is None else token_pattern
    try:
        pattern = re.compile(pattern_text)
    except (re.error, TypeError) as error:
        raise ValueError(f"token_pattern {token_pattern!r} is not a valid regular expression: {error}") from None
    description = "characters" if char_level else f"regex {pattern_text}"
    return (lambda text: _regex_spans(text, pattern)), description


def tokenize(text: str, find_spans: SpanFinder, description: str = "the tokenizer") -> TokenizedText:
    """Validate ``text`` and return its tokens as spans.

    Examples
    --------
    >>> find_spans, description = resolve_span_finder(None, None, False)
    >>> tokenize("Not bad, really!", find_spans).tokens
    ['Not', 'bad', 'really']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str (one document), got {type(text).__name__}")
    if not text:
        raise ValueError("text is empty; pass the document to explain as a non-empty string")
    starts, ends = find_spans(text)
    if len(starts) == 0:
        raise ValueError(
            f"{description} found no tokens in the text {text[:40]!r}; pass a document with words in it, "
            f"or choose another token_pattern or tokenizer (char_level=True splits into characters)"
        )
    return TokenizedText(text, starts, ends)
