"""Perturbed documents: which tokens stay (``Z``), how far that is, and the strings themselves.

The sampling follows lime: a sample removes ``k`` features, ``k`` uniform in
``1..d``, the removed set uniform given ``k``. Documents are built at byte
level: the document is laid out once as UTF-8 bytes in which every byte is
*gated* by one column of ``[Z, 1 - Z, 1]`` (a token by its feature, a mask
string by the feature's absence, a separator by the constant column). A
batch of documents is then one ``take`` (bytes kept per row), one
``compress`` over a tiled copy of the layout, one decode and one slice per
row: no Python loop over tokens or samples while building strings.
"""

from __future__ import annotations

import numpy as np

from lime_kit.core.distances import cosine_distances_to_all_on
from lime_kit.text.tokenize import TokenizedText

__all__ = ["DocumentLayout", "draw_active", "cosine_distances_to_instance", "feature_index"]

# Bytes of layout worked on at once, in reused buffers: small enough to stay in cache
# (measured 20 % faster than 8 MB at 1,000 tokens) and no fresh pages per batch.
CHUNK_BYTES = 2**19


def feature_index(tokens: list[str], bow: bool) -> tuple[np.ndarray, list[str]]:
    """Map every token occurrence to its interpretable feature.

    With ``bow`` a feature is a distinct token (first-appearance order);
    otherwise it is a position.

    Returns
    -------
    feature_of_token : ndarray of int, shape (n_tokens,)
    feature_tokens : list of str, one per feature
    """
    if not bow:
        return np.arange(len(tokens)), list(tokens)
    vocabulary: dict[str, int] = {}
    feature_of_token = np.array([vocabulary.setdefault(token, len(vocabulary)) for token in tokens])
    return feature_of_token, list(vocabulary)


def draw_active(rng: np.random.Generator, num_samples: int, n_features: int) -> np.ndarray:
    """Draw which features each sample keeps; row 0 keeps all.

    Every other row removes ``k`` features with ``k`` uniform in
    ``1..n_features`` and the removed set uniform given ``k`` (lime's
    scheme). Drawn without sorting: with ``p ~ U(0, 1)`` per row and each
    feature removed independently with probability ``p``, the number removed
    is uniform on ``0..n_features`` and the set uniform given its size; rows
    that removed nothing are drawn again.

    Returns
    -------
    ndarray of bool, shape (num_samples, n_features)
    """
    active = np.ones((num_samples, n_features), dtype=bool)
    redraw = np.arange(1, num_samples)
    while len(redraw):
        removal_probability = rng.random((len(redraw), 1), dtype=np.float32)
        rows = rng.random((len(redraw), n_features), dtype=np.float32) >= removal_probability
        active[redraw] = rows
        redraw = redraw[rows.all(axis=1)]
    return active


def cosine_distances_to_instance(active: np.ndarray) -> np.ndarray:
    """Cosine distance (x100, lime's text scale) of each binary row to the all-ones row.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
    """
    return 100.0 * cosine_distances_to_all_on(active)


class DocumentLayout:
    """The document as gated UTF-8 bytes, and the builder of perturbed copies.

    Parameters
    ----------
    tokenized : TokenizedText
    feature_of_token : ndarray of int, shape (n_tokens,)
    n_features : int
    mask_string : str or None
        Written in place of every occurrence of an absent feature; ``None``
        cuts the occurrence out (the separators around it stay).

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit.text.tokenize import TokenizedText
    >>> doc = TokenizedText("Bad, not bad.", np.array([0, 5, 9]), np.array([3, 8, 12]))
    >>> layout = DocumentLayout(doc, np.array([0, 1, 2]), 3, mask_string=None)
    >>> layout.build(np.array([[True, False, True], [False, True, True]]))
    ['Bad,  bad.', ', not bad.']
    """

    def __init__(self, tokenized: TokenizedText, feature_of_token: np.ndarray, n_features: int, mask_string: str | None):
        self.n_features = n_features
        self.always = 2 * n_features  # gate column that is always on
        pieces, gates = self._pieces(tokenized, feature_of_token, mask_string)
        encoded = [piece.encode("utf-8") for piece in pieces]
        byte_counts = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        char_counts = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        self.source = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        self.byte_gate = np.repeat(np.asarray(gates, dtype=np.intp), byte_counts)
        # Characters per gate column: a row's document length is a dot product, no scan of its bytes.
        chars_per_gate = np.bincount(gates, weights=char_counts, minlength=2 * n_features + 1).astype(np.int64)
        self.chars_when_on = chars_per_gate[:n_features]
        self.chars_when_off = chars_per_gate[n_features : 2 * n_features]
        self.chars_always = int(chars_per_gate[-1]) + int(self.chars_when_off.sum())
        self.rows_per_chunk = max(1, CHUNK_BYTES // max(1, len(self.source)))
        self._tiled = None
        self._gate_buffer = None
        self._keep_buffer = None

    def _pieces(self, tokenized: TokenizedText, feature_of_token: np.ndarray, mask_string: str | None):
        """Alternate separators and tokens (plus a mask piece per token when masking)."""
        text, starts, ends = tokenized.text, tokenized.starts.tolist(), tokenized.ends.tolist()
        separator_ends = starts + [len(text)]
        separator_starts = [0] + ends
        pieces, gates = [], []
        for i, feature in enumerate(feature_of_token.tolist()):
            pieces += [text[separator_starts[i] : separator_ends[i]], text[starts[i] : ends[i]]]
            gates += [self.always, feature]
            if mask_string:
                pieces.append(mask_string)
                gates.append(self.n_features + feature)
        pieces.append(text[separator_starts[-1] :])
        gates.append(self.always)
        return pieces, gates

    def _buffers(self):
        if self._tiled is None:
            rows = self.rows_per_chunk
            self._tiled = np.tile(self.source, rows)
            self._gate_buffer = np.ones((rows, 2 * self.n_features + 1), dtype=bool)
            self._keep_buffer = np.empty((rows, len(self.source)), dtype=bool)
        return self._tiled, self._gate_buffer, self._keep_buffer

    def _build_chunk(self, active: np.ndarray) -> list[str]:
        tiled, gate, keep = self._buffers()
        rows, d = active.shape[0], self.n_features
        gate, keep = gate[:rows], keep[:rows]
        gate[:, :d] = active
        np.logical_not(active, out=gate[:, d : 2 * d])
        np.take(gate, self.byte_gate, axis=1, out=keep, mode="clip")
        text = np.compress(keep.ravel(), tiled[: keep.size]).tobytes().decode("utf-8")
        lengths = self.chars_always + active @ (self.chars_when_on - self.chars_when_off)
        bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        return [text[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def build(self, active: np.ndarray) -> list[str]:
        """Return one perturbed document per row of ``active``.

        Parameters
        ----------
        active : ndarray of bool, shape (n_rows, n_features)
            Which features each document keeps.

        Returns
        -------
        list of str, length n_rows
        """
        documents: list[str] = []
        for start in range(0, active.shape[0], self.rows_per_chunk):
            documents += self._build_chunk(active[start : start + self.rows_per_chunk])
        return documents
