"""Turn a PyTorch text classifier and its tokenizer into a ``predict_fn`` for :class:`~lime_kit.TextExplainer`.

Called on a list of strings, the adapter tokenizes and scores them like any
``predict_fn``. It also offers :class:`~lime_kit.TextExplainer` the *token-id
path* (:meth:`TorchTextPredictor.token_scorer`): the document is tokenized
once, and each batch of perturbations goes to the device as boolean masks
that become model ids there, so perturbed strings are never built nor
re-tokenized. torch is imported only when the adapter is created.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from lime_kit.torch_adapter.memory import module_device, probe_batch_size
from lime_kit.torch_adapter.token_layout import Misalignment, align_document, build_id_batch, split_specials

__all__ = ["torch_text_predict_fn", "TorchTextPredictor", "TokenScorer"]

AUTOCAST_DTYPES = {"bf16": "bfloat16", "fp16": "float16"}
#: Tokens per batch suggested for the id path off CUDA: rows x longest row stays near this.
TOKENS_PER_BATCH = 2**14
#: Most rows per suggested batch; on CUDA the rows that fit in half the free memory, up to this.
MAX_ROWS = 1000

Encoder = Callable[[list], "tuple[list, list]"]


def _tokenizers_encoder(tokenizer) -> tuple[Encoder, int, str]:
    """A ``tokenizers.Tokenizer``: encoded by a private copy without padding or truncation (the user's is untouched)."""
    own = type(tokenizer).from_str(tokenizer.to_str())
    own.no_padding()
    own.no_truncation()

    def encode(texts: list) -> tuple[list, list]:
        encodings = own.encode_batch(texts, add_special_tokens=True)
        return [e.ids for e in encodings], [e.offsets for e in encodings]

    return encode, int((tokenizer.padding or {}).get("pad_id", 0)), "tokenizers.Tokenizer"


def _transformers_encoder(tokenizer) -> tuple[Encoder, int, str]:
    """A transformers fast tokenizer, called duck-typed (transformers itself is never imported)."""
    if not tokenizer.is_fast:
        raise ValueError(
            f"{type(tokenizer).__name__} is a slow (Python) tokenizer, which gives no character offsets; the "
            "adapter needs them to map words to tokens: load the fast one (AutoTokenizer.from_pretrained(name, "
            "use_fast=True))"
        )

    def encode(texts: list) -> tuple[list, list]:
        batch = tokenizer(
            texts, add_special_tokens=True, return_offsets_mapping=True, padding=False, truncation=False,
            return_attention_mask=False,
        )
        return batch["input_ids"], batch["offset_mapping"]

    pad_id = getattr(tokenizer, "pad_token_id", None)
    return encode, 0 if pad_id is None else int(pad_id), type(tokenizer).__name__


def _callable_encoder(tokenizer) -> tuple[Encoder, int, str]:
    """The small protocol: ``tokenizer(texts) -> (ids per text, (start, end) offsets per text)``."""
    name = getattr(tokenizer, "__name__", type(tokenizer).__name__)

    def encode(texts: list) -> tuple[list, list]:
        result = tokenizer(texts)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise ValueError(
                f"tokenizer {name} returned {type(result).__name__}; a tokenizer callable must return a pair "
                "(ids, offsets): a list of token ids per text and a list of (start, end) character offsets per "
                "text (the adapter needs the offsets to map words to tokens)"
            )
        ids, offsets = result
        if len(ids) != len(texts) or len(offsets) != len(texts):
            raise ValueError(
                f"tokenizer {name} returned {len(ids)} id lists and {len(offsets)} offset lists for "
                f"{len(texts)} texts; return one of each per text"
            )
        for row, (row_ids, row_offsets) in enumerate(zip(ids, offsets)):
            if len(row_ids) != len(row_offsets):
                raise ValueError(
                    f"tokenizer {name} returned {len(row_ids)} ids but {len(row_offsets)} offsets for text "
                    f"{row}; return one (start, end) character span per token ((0, 0) for special tokens)"
                )
        return ids, offsets

    return encode, 0, name


def _resolve_encoder(tokenizer) -> tuple[Encoder, int, str]:
    if hasattr(tokenizer, "encode_batch") and hasattr(tokenizer, "to_str"):
        return _tokenizers_encoder(tokenizer)
    if hasattr(tokenizer, "is_fast"):
        return _transformers_encoder(tokenizer)
    if callable(tokenizer):
        return _callable_encoder(tokenizer)
    raise TypeError(
        f"tokenizer must be a tokenizers.Tokenizer, a transformers fast tokenizer or a callable "
        f"texts -> (ids, offsets), got {type(tokenizer).__name__}"
    )


def _truncate(ids: list, offsets: list, max_length: int) -> list:
    """Keep the special tokens and the first text tokens, so that ``max_length`` tokens remain."""
    n_prefix, n_suffix = split_specials(ids, offsets)
    keep_text = max(0, max_length - n_prefix - n_suffix)
    return list(ids[: n_prefix + keep_text]) + list(ids[len(ids) - n_suffix :])


class TorchTextPredictor:
    """A torch text classifier behind its tokenizer, as a ``predict_fn`` on lists of strings.

    Made by :func:`torch_text_predict_fn`; see there for the parameters.
    """

    def __init__(self, module, tokenizer, *, max_length=None, device=None, softmax=True, autocast=None):
        import torch

        if max_length is not None and (isinstance(max_length, bool) or int(max_length) != max_length or max_length < 1):
            raise ValueError(f"max_length must be a positive integer or None, got {max_length!r}")
        if autocast is not None and autocast not in AUTOCAST_DTYPES:
            raise ValueError(f"autocast must be None, 'bf16' or 'fp16', got {autocast!r}")
        self.module = module
        self.tokenizer = tokenizer
        self.max_length = None if max_length is None else int(max_length)
        self.device = torch.device(device) if device is not None else module_device(module)
        self.softmax = bool(softmax)
        self.autocast = autocast
        self._encode, self.pad_id, self.tokenizer_name = _resolve_encoder(tokenizer)

    # -- the string path -------------------------------------------------------------------------------------

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Tokenize ``texts`` and pad them to the longest row (truncated to ``max_length`` with a warning).

        Returns
        -------
        ids, attention_mask : ndarray of int64, shape (n_texts, longest row)
        """
        ids, offsets = self._encode(list(texts))
        if self.max_length is not None:
            long_rows = [row for row, row_ids in enumerate(ids) if len(row_ids) > self.max_length]
            if long_rows:
                ids = list(ids)
                for row in long_rows:
                    ids[row] = _truncate(ids[row], offsets[row], self.max_length)
                self._warn_truncation()
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        width = max(1, int(lengths.max(initial=0)))
        attention = np.arange(width) < lengths[:, None]
        batch = np.full((len(ids), width), self.pad_id, dtype=np.int64)
        batch[attention] = np.fromiter((i for row in ids for i in row), dtype=np.int64, count=int(lengths.sum()))
        return batch, attention.astype(np.int64)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Score a list of strings; returns float32 outputs of shape (n_texts, n_outputs)."""
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, got one str; wrap a single document in a list")
        import torch

        ids, attention = self.encode(texts)
        return self.forward(torch.from_numpy(ids).to(self.device), torch.from_numpy(attention).to(self.device))

    def forward(self, ids, attention_mask) -> np.ndarray:
        """Run the module on device tensors (eval mode, no gradients, autocast if asked); numpy outputs."""
        import torch

        module = self.module
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad(), self._autocast():
                out = module(input_ids=ids, attention_mask=attention_mask)
        finally:
            module.train(was_training)
        logits = getattr(out, "logits", out)
        if not isinstance(logits, torch.Tensor):
            raise TypeError(
                f"the module returned {type(out).__name__}; it must return a tensor of logits or an object "
                f"with a .logits tensor"
            )
        logits = logits.float()
        if self.softmax:
            logits = torch.softmax(logits, dim=-1)
        return logits.cpu().numpy()

    def _autocast(self):
        import contextlib

        import torch

        if self.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=getattr(torch, AUTOCAST_DTYPES[self.autocast]))

    def _warn_truncation(self) -> None:
        warnings.warn(
            f"texts longer than max_length={self.max_length} tokens were truncated: the model sees their "
            f"special tokens and first text tokens only, so words past the cut cannot affect it (and removing "
            f"words earlier in a document moves later words into view)",
            UserWarning,
            stacklevel=3,
        )

    # -- the token-id path -----------------------------------------------------------------------------------

    def token_scorer(
        self,
        text: str,
        starts: np.ndarray,
        ends: np.ndarray,
        feature_of_token: np.ndarray,
        *,
        bow: bool,
        mask_string: str | None,
    ) -> TokenScorer | None:
        """Prepare the id path for one document: a scorer of feature masks, or None where it would differ.

        Tokenizes the document (and its fully perturbed copy, to learn what
        separators and ``mask_string`` become around absent words) in one
        call, maps every model token to the explainer's word that holds it
        through the character offsets, and uploads those tables to the
        device once.

        Parameters
        ----------
        text : str
        starts, ends : ndarray of int, shape (n_words,)
            Character spans of the explainer's words.
        feature_of_token : ndarray of int, shape (n_words,)
            Feature of each word (with ``bow`` one feature holds every occurrence of a word).
        bow : bool
            Ignore ``mask_string``: absent words are removed (lime's bag of words).
        mask_string : str or None
            With ``bow=False``, written over absent words; None removes them.

        Returns
        -------
        TokenScorer or None
            None, with a warning saying why, when re-tokenizing perturbed
            strings would not give the ids of the pieces (a token spanning a
            word and its neighbour, or punctuation and spaces that tokenize
            differently once a word is gone); the explainer then scores
            strings, so the explanation is the same either way.
        """
        import torch

        n_features = int(np.max(feature_of_token)) + 1 if len(feature_of_token) else 0
        try:
            layout = align_document(
                self._encode, text, starts, ends, feature_of_token, n_features, None if bow else mask_string
            )
        except Misalignment as reason:
            warnings.warn(
                f"the token-id path cannot reproduce {self.tokenizer_name}'s ids for this document ({reason}); "
                "scoring perturbed strings instead (same explanation, slower). A token_pattern that splits "
                "words where the tokenizer does can avoid this",
                UserWarning,
                stacklevel=2,
            )
            return None
        if self.max_length is not None and layout.longest > self.max_length:
            self._warn_truncation()
        tables = {
            name: torch.as_tensor(getattr(layout, name), dtype=torch.int64, device=self.device)
            for name in ("slot_ids", "slot_gate", "prefix_ids", "suffix_ids")
        }
        tables["pad_id"] = self.pad_id
        longest = max(1, min(layout.longest, self.max_length or layout.longest))
        batch_size = int(np.clip(TOKENS_PER_BATCH // longest, 1, MAX_ROWS))
        truncate_at = self.max_length if self.max_length is not None and layout.longest > self.max_length else None
        scorer = TokenScorer(self, tables, n_features, truncate_at, batch_size)
        if self.device.type == "cuda":
            # A GPU runs faster on larger batches: as many full-length rows as half its free memory holds.
            all_kept = np.ones((2, n_features), dtype=bool)
            scorer.batch_size = probe_batch_size(lambda: scorer(all_kept), self.device, MAX_ROWS)
        return scorer


class TokenScorer:
    """Score batches of feature masks of one document on the model's device.

    Attributes
    ----------
    batch_size : int
        Suggested masks per call, at most 1,000: on CUDA as many full-length
        rows as fit in half the free device memory (measured with a two-row
        forward pass), elsewhere about 16,384 tokens' worth.
    """

    def __init__(self, predictor: TorchTextPredictor, tables: dict, n_features: int, truncate_at, batch_size: int):
        self.predictor = predictor
        self.tables = tables
        self.n_features = n_features
        self.truncate_at = truncate_at
        self.batch_size = batch_size

    def build(self, masks: np.ndarray):
        """The ids and attention mask (device tensors) of a (n, n_features) boolean mask batch."""
        import torch

        masks = np.ascontiguousarray(masks, dtype=bool)
        if masks.ndim != 2 or masks.shape[1] != self.n_features:
            raise ValueError(f"masks must have shape (n, {self.n_features}), got {masks.shape}")
        device_masks = torch.from_numpy(masks).to(self.predictor.device, non_blocking=True)
        return build_id_batch(self.tables, device_masks, self.truncate_at)

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        """Outputs of shape (n, n_outputs) for the documents that keep the features marked True."""
        return self.predictor.forward(*self.build(masks))


def torch_text_predict_fn(
    module,
    tokenizer,
    *,
    max_length: int | None = None,
    device=None,
    softmax: bool = True,
    autocast: str | None = None,
) -> TorchTextPredictor:
    """Wrap a torch text classifier and its tokenizer as a ``predict_fn`` on lists of strings.

    Each call tokenizes the texts (special tokens in place, padded to the
    longest row of the batch), runs ``module(input_ids=ids,
    attention_mask=mask)`` with int64 tensors of shape (n, length) under
    ``torch.no_grad()`` in eval mode (restoring the module's mode after),
    takes ``.logits`` when the output has it, applies a softmax if asked and
    returns a float32 numpy array (n, n_outputs).

    :class:`~lime_kit.TextExplainer` also finds the adapter's
    :meth:`~TorchTextPredictor.token_scorer` and perturbs token ids on the
    device instead of strings (the *id path*): same ids, same explanation,
    no re-tokenizing.

    Parameters
    ----------
    module : torch.nn.Module
        Called as ``module(input_ids=..., attention_mask=...)``; returns logits
        (n, n_classes) or an object with ``.logits`` (transformers models).
        Put it on its device yourself; the adapter never moves it.
    tokenizer : tokenizers.Tokenizer, transformers fast tokenizer or callable
        A ``tokenizers.Tokenizer`` (encoded by a private copy without its
        padding and truncation settings, whose pad id it keeps); a
        transformers *fast* tokenizer (called with
        ``return_offsets_mapping=True``; slow ones have no offsets); or any
        callable ``texts -> (ids, offsets)`` returning, per text, a list of
        token ids and a list of ``(start, end)`` character spans, one per id,
        with an empty span (e.g. ``(0, 0)``) for special tokens it adds.
    max_length : int, optional
        Longest input the model takes, special tokens included. Longer
        inputs are truncated (special tokens kept, text tokens cut at the
        end) with a warning, on both paths alike.
    device : str or torch.device, optional
        Where inputs go; default the device of the module's parameters.
    softmax : bool, default=True
        Turn logits into probabilities; False for regression or modules that return probabilities.
    autocast : {None, "bf16", "fp16"}
        Run the module under ``torch.autocast`` on the device's type with this dtype.

    Returns
    -------
    TorchTextPredictor
        Callable ``list of str -> ndarray (n, n_outputs)``.

    Examples
    --------
    >>> torch = __import__("pytest").importorskip("torch")
    >>> vocabulary = {"[CLS]": 0, "good": 1, "bad": 2, "[UNK]": 3}
    >>> def tokenize(texts):  # the callable protocol: ids and character offsets per text
    ...     spans = [[(m.start(), m.end()) for m in __import__("re").finditer(r"\\w+", t)] for t in texts]
    ...     ids = [[0] + [vocabulary.get(t[a:b], 3) for a, b in row] for t, row in zip(texts, spans)]
    ...     return ids, [[(0, 0)] + row for row in spans]
    >>> class Bag(torch.nn.Module):
    ...     def forward(self, input_ids, attention_mask):
    ...         votes = (input_ids == 1).sum(1) - (input_ids == 2).sum(1)
    ...         return torch.stack([-votes, votes], dim=1).float()
    >>> predict = torch_text_predict_fn(Bag(), tokenize)
    >>> predict(["good good", "bad"]).round(2)
    array([[0.02, 0.98],
           [0.88, 0.12]], dtype=float32)
    """
    return TorchTextPredictor(
        module, tokenizer, max_length=max_length, device=device, softmax=softmax, autocast=autocast
    )
