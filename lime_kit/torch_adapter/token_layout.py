"""One document's model tokens laid out by interpretable feature, and the batches built from them.

The id path of :func:`~lime_kit.torch_adapter.torch_text_predict_fn` rests on
one assumption: a perturbed document tokenizes into the concatenation of the
tokens of its pieces (separators, kept words, mask strings), each piece
tokenized as it was in the full document. :func:`align_document` checks that
assumption on the two extreme documents (everything kept, everything
absent) and, when it holds, returns a :class:`TokenLayout`: every model token
as a *slot* with its id and the gate column that keeps it. A batch of masks
then becomes a batch of ids on the device by one gather, one cumulative sum
and one scatter (left-packing), with no strings and no tokenizer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["TokenLayout", "Misalignment", "align_document", "absent_document", "build_id_batch", "split_specials"]


class Misalignment(Exception):
    """The tokenizer's tokens of this document do not follow the explainer's pieces (the message says where)."""


@dataclass(frozen=True)
class TokenLayout:
    """A document's model tokens as gated slots.

    Attributes
    ----------
    slot_ids : ndarray of int64, shape (n_slots,)
        Token ids of separators, words and mask strings, in document order.
    slot_gate : ndarray of int64, shape (n_slots,)
        Column of ``[mask, ~mask, 1]`` (width ``2 * n_features + 1``) that keeps each slot: a word's tokens by
        its feature, a mask string's tokens by the feature's absence, a separator's always.
    prefix_ids, suffix_ids : ndarray of int64
        Special tokens before and after the text ([CLS], [SEP]); never gated.
    n_features : int
    longest : int
        Tokens of the longest possible perturbed document, special tokens included.
    """

    slot_ids: np.ndarray
    slot_gate: np.ndarray
    prefix_ids: np.ndarray
    suffix_ids: np.ndarray
    n_features: int
    longest: int


def split_specials(ids: list, offsets: list) -> tuple[int, int]:
    """Return how many leading and trailing tokens are special (an empty character span: added, not read).

    Raises :class:`Misalignment` when an added token sits between two tokens of the text.
    """
    content = [i for i, (start, end) in enumerate(offsets) if end > start]
    if not content:
        return len(ids), 0
    first, last = content[0], content[-1]
    if last - first + 1 != len(content):
        raise Misalignment("the tokenizer adds tokens inside the text (tokens with an empty character span)")
    return first, len(ids) - 1 - last


def _piece_of_tokens(offsets: np.ndarray, piece_starts: np.ndarray, piece_ends: np.ndarray, text: str):
    """Index of the piece holding each token; :class:`Misalignment` if one spans two pieces."""
    piece = np.searchsorted(piece_starts, offsets[:, 0], side="right") - 1
    crossing = np.flatnonzero((piece < 0) | (offsets[:, 1] > piece_ends[np.maximum(piece, 0)]))
    if len(crossing):
        start, end = offsets[crossing[0]].tolist()
        raise Misalignment(
            f"the tokenizer's token at characters {start}-{end} ({text[start:end]!r}) spans a word and its "
            f"neighbouring characters"
        )
    if np.any(np.diff(piece) < 0):
        raise Misalignment("the tokenizer's tokens are not in reading order")
    return piece


def absent_document(text: str, starts: np.ndarray, ends: np.ndarray, mask_string: str | None):
    """The document with every word absent, and the character bounds of its pieces.

    Pieces alternate ``separator 0, mask 0, separator 1, ..., separator n``
    exactly as :class:`lime_kit.text.sampler.DocumentLayout` builds them;
    a mask piece is empty when words are removed.

    Returns
    -------
    document : str
    piece_starts, piece_ends : ndarray of int64, shape (2 * n_words + 1,)
    """
    separators = [text[a:b] for a, b in zip([0, *ends.tolist()], [*starts.tolist(), len(text)])]
    mask = mask_string or ""
    lengths = np.full(2 * len(starts) + 1, len(mask), dtype=np.int64)
    lengths[::2] = [len(s) for s in separators]
    piece_ends = np.cumsum(lengths)
    return mask.join(separators), piece_ends - lengths, piece_ends


def align_document(
    encode: Callable[[list], tuple[list, list]],
    text: str,
    starts: np.ndarray,
    ends: np.ndarray,
    feature_of_token: np.ndarray,
    n_features: int,
    mask_string: str | None,
) -> TokenLayout:
    """Tokenize the full and the fully perturbed document once each and lay their tokens out by feature.

    Raises :class:`Misalignment` when a token spans two pieces, or when a
    separator or the special tokens come out differently once the words
    around them are gone (the perturbed documents would then not tokenize
    piece by piece).
    """
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    feature_of_token = np.asarray(feature_of_token, dtype=np.int64)
    n_words = len(starts)
    absent, absent_starts, absent_ends = absent_document(text, starts, ends, mask_string)
    (full_ids, absent_ids), (full_offsets, absent_offsets) = encode([text, absent])
    full_starts = np.empty(2 * n_words + 1, dtype=np.int64)
    full_starts[0], full_starts[1::2], full_starts[2::2] = 0, starts, ends
    full_ends = np.append(full_starts[1:], len(text))

    full = _content_tokens(full_ids, full_offsets, full_starts, full_ends, text)
    empty = _content_tokens(absent_ids, absent_offsets, absent_starts, absent_ends, absent)
    if not _same_specials(full, empty):
        raise Misalignment("the special tokens differ between the document and its perturbed copies")
    specials = full if len(full.ids) or not len(empty.ids) else empty
    full_separator = full.piece % 2 == 0
    empty_separator = empty.piece % 2 == 0
    if not (
        np.array_equal(full.piece[full_separator], empty.piece[empty_separator])
        and np.array_equal(full.ids[full_separator], empty.ids[empty_separator])
    ):
        raise Misalignment(
            "the characters between words tokenize differently once the words around them are removed or "
            "masked (e.g. punctuation that merges into one token, or spaces that belong to the next word's token)"
        )
    # Slots in document order: separator j, then word j's tokens, then its mask string's (order key 3j, 3j+1, 3j+2).
    word_of_full = (full.piece - 1) // 2
    mask_of_empty = (empty.piece - 1) // 2
    is_mask = ~empty_separator
    order_key = np.concatenate([np.where(full_separator, 3 * (full.piece // 2), 3 * word_of_full + 1),
                                3 * mask_of_empty[is_mask] + 2])
    gate = np.concatenate([
        np.where(full_separator, 2 * n_features, feature_of_token[np.maximum(word_of_full, 0)]),
        n_features + feature_of_token[mask_of_empty[is_mask]],
    ])
    ids = np.concatenate([full.ids, empty.ids[is_mask]])
    order = np.argsort(order_key, kind="stable")
    # The longest perturbation keeps, for every feature, whichever of its word or mask tokens are more.
    per_gate = np.bincount(gate, minlength=2 * n_features + 1)
    longest = int(per_gate[-1] + np.maximum(per_gate[:n_features], per_gate[n_features:-1]).sum())
    return TokenLayout(
        slot_ids=ids[order],
        slot_gate=gate[order],
        prefix_ids=specials.prefix,
        suffix_ids=specials.suffix,
        n_features=n_features,
        longest=longest + len(specials.prefix) + len(specials.suffix),
    )


@dataclass(frozen=True)
class _Tokens:
    ids: np.ndarray
    piece: np.ndarray
    prefix: np.ndarray
    suffix: np.ndarray


def _same_specials(a: _Tokens, b: _Tokens) -> bool:
    """Whether two encodings add the same special tokens (a text without tokens cannot tell prefix from suffix)."""
    if len(a.ids) and len(b.ids):
        return np.array_equal(a.prefix, b.prefix) and np.array_equal(a.suffix, b.suffix)
    return np.array_equal(np.concatenate([a.prefix, a.suffix]), np.concatenate([b.prefix, b.suffix]))


def _content_tokens(ids: list, offsets: list, piece_starts, piece_ends, text: str) -> _Tokens:
    ids = np.asarray(ids, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    n_prefix, n_suffix = split_specials(ids, offsets)
    stop = len(ids) - n_suffix
    piece = _piece_of_tokens(offsets[n_prefix:stop], piece_starts, piece_ends, text)
    return _Tokens(ids[n_prefix:stop], piece, ids[:n_prefix], ids[stop:])


def build_id_batch(tables: dict, masks, max_length: int | None):
    """Turn a batch of feature masks into left-packed, right-padded ids and attention masks (torch, any device).

    Parameters
    ----------
    tables : dict
        The :class:`TokenLayout` as tensors on the device: ``slot_ids``, ``slot_gate``, ``prefix_ids``,
        ``suffix_ids`` and the int ``pad_id``.
    masks : torch.Tensor of bool, shape (n, n_features)
    max_length : int or None
        Cut the text tokens so that a row, special tokens included, has at most this many.

    Returns
    -------
    ids, attention_mask : torch.Tensor of int64, shape (n, longest row in the batch)
    """
    import torch

    n, device = masks.shape[0], masks.device
    prefix, suffix = tables["prefix_ids"], tables["suffix_ids"]
    n_prefix, n_suffix = len(prefix), len(suffix)
    gates = torch.cat([masks, ~masks, masks.new_ones((n, 1))], dim=1)
    keep = gates.index_select(1, tables["slot_gate"])
    rank = keep.cumsum(dim=1)
    if max_length is not None:
        keep &= rank <= max_length - n_prefix - n_suffix
    content = keep.sum(dim=1)
    lengths = content + (n_prefix + n_suffix)
    width = max(1, int(lengths.max()))
    ids = torch.full((n, width + 1), tables["pad_id"], dtype=torch.int64, device=device)
    # Dropped slots all land in the spare last column, which is cut off below.
    ids.scatter_(1, torch.where(keep, rank - 1 + n_prefix, width), tables["slot_ids"].expand(n, -1))
    if n_prefix:
        ids[:, :n_prefix] = prefix
    if n_suffix:
        positions = (content + n_prefix)[:, None] + torch.arange(n_suffix, device=device)
        ids.scatter_(1, positions, suffix.expand(n, -1))
    attention = (torch.arange(width, device=device) < lengths[:, None]).to(torch.int64)
    return ids[:, :width].contiguous(), attention
