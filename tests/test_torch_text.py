"""The torch text adapter: the token-id path feeds the model the ids of the re-tokenized strings (CPU only).

Tokenizers are trained here on a small corpus (no downloads). The duck-typed
transformers path is exercised by a stand-in that wraps a ``tokenizers``
tokenizer; transformers itself is not needed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tokenizers = pytest.importorskip("tokenizers")

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

from lime_kit import TextExplainer  # noqa: E402
from lime_kit.text.sampler import feature_index  # noqa: E402
from lime_kit.torch_adapter import torch_text_predict_fn  # noqa: E402

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
POSITIVE = ["good food and great service", "I love this café, really good!", "great, great value; good staff",
            "naïve but lovely: good coffee in Zürich", "the soup was great and the bread good"]
NEGATIVE = ["bad food and awful service", "I hate this place, really bad!", "awful, awful value; bad staff",
            "cold coffee, bad bread in Zürich", "the soup was awful and the room bad"]
DOCUMENTS = [
    "Good food, bad service! The food was good -- the service was bad, bad, bad.",
    "Naïve café in Zürich: don't go; the crème brûlée was awful, 東京 is better.",
    "great great great",
]


def _with_cls_sep(tokenizer: Tokenizer) -> Tokenizer:
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    return tokenizer


def word_level(pre_tokenizer=None) -> Tokenizer:
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace() if pre_tokenizer is None else pre_tokenizer
    tokenizer.train_from_iterator(POSITIVE + NEGATIVE + DOCUMENTS[:1], trainers.WordLevelTrainer(special_tokens=SPECIALS))
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]"))  # the adapter pads itself, with this id
    return _with_cls_sep(tokenizer)


def word_piece() -> Tokenizer:
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=120, special_tokens=SPECIALS)
    tokenizer.train_from_iterator(POSITIVE + NEGATIVE + DOCUMENTS, trainer)
    return _with_cls_sep(tokenizer)


TOKENIZERS = {"wordlevel": word_level, "wordpiece": word_piece}
MODES = {"bow": (True, None), "mask": (False, "UNKWORDZ"), "delete": (False, None), "mask-token": (False, "[MASK]")}


class Recorder(torch.nn.Module):
    """Logits from a fixed embedding sum; remembers every (input_ids, attention_mask) it was called with."""

    def __init__(self, vocabulary: int = 200):
        super().__init__()
        torch.manual_seed(0)
        self.embedding = torch.nn.Embedding(vocabulary, 3)
        self.calls = []

    def forward(self, input_ids, attention_mask):
        self.calls.append((input_ids.clone(), attention_mask.clone()))
        return (self.embedding(input_ids) * attention_mask[..., None]).sum(dim=1)


class BagClassifier(torch.nn.Module):
    def __init__(self, vocabulary: int):
        super().__init__()
        self.bag = torch.nn.EmbeddingBag(vocabulary, 8, mode="sum")
        self.head = torch.nn.Linear(8, 2)

    def forward(self, input_ids, attention_mask):
        weights = attention_mask.float()
        summed = self.bag(input_ids, per_sample_weights=weights)
        return self.head(summed / weights.sum(dim=1, keepdim=True).clamp(min=1))


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Tiny models run fastest on one thread; on busy two-core machines two threads took 30x longer."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


SENTIMENT = {"good": 2.0, "great": 2.0, "love": 2.0, "lovely": 2.0, "bad": -2.0, "awful": -2.0, "hate": -2.0}


@pytest.fixture(scope="module")
def classifier():
    """An EmbeddingBag sentiment classifier with set weights, and its WordPiece tokenizer.

    The weights are set, not trained: a word seen equally often in both classes ("food") keeps whatever a
    trained model's random start gave it, and on another CPU that start, after 150 float steps, once made
    "food" outweigh "good". Set weights make the ground truth the same on every machine: only the sentiment
    words move the logit.
    """
    tokenizer = word_piece()
    model = BagClassifier(tokenizer.get_vocab_size())
    with torch.no_grad():
        model.bag.weight.zero_()
        for word, score in SENTIMENT.items():
            token = tokenizer.token_to_id(word)
            if token is not None:
                model.bag.weight[token, 0] = score
        model.head.weight.zero_()
        model.head.bias.zero_()
        model.head.weight[0, 0], model.head.weight[1, 0] = -1.0, 1.0
    return model, tokenizer


def scorer_for(predict, text: str, bow: bool, mask_string):
    explainer = TextExplainer(bow=bow, mask_string=mask_string)
    tokenized = explainer.tokenize(text)
    feature_of_token, features = feature_index(tokenized.tokens, bow)
    scorer = predict.token_scorer(
        text, tokenized.starts, tokenized.ends, feature_of_token, bow=bow, mask_string=mask_string
    )
    return scorer, explainer.instance_sampler(text), len(features)


def random_masks(n_features: int, rows: int = 60, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    masks = rng.random((rows, n_features)) < rng.random((rows, 1))
    masks[0], masks[1] = True, False
    return masks


# ----------------------------------------------------------- same ids on both paths

@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("name", list(TOKENIZERS))
def test_id_path_feeds_the_ids_of_the_retokenized_strings(name, mode):
    bow, mask_string = MODES[mode]
    predict = torch_text_predict_fn(Recorder(), TOKENIZERS[name]())
    for text in DOCUMENTS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no fallback to strings: the id path must hold for these documents
            scorer, sampler, n_features = scorer_for(predict, text, bow, mask_string)
        masks = random_masks(n_features)
        strings = sampler.removal_inputs(masks, None)
        expected_ids, expected_attention = predict.encode(strings)
        ids, attention = scorer.build(masks)
        np.testing.assert_array_equal(ids.numpy(), expected_ids, err_msg=f"{text!r}")
        np.testing.assert_array_equal(attention.numpy(), expected_attention)
        np.testing.assert_array_equal(scorer(masks), predict(strings))


def test_wordpiece_splits_unknown_and_accented_words_into_the_same_subwords():
    """A word the vocabulary lacks becomes several ##-pieces, all gated by that one word."""
    tokenizer = word_piece()
    predict = torch_text_predict_fn(Recorder(), tokenizer)
    text = "Brûlée crème, Zürich!"
    assert len(tokenizer.encode(text).ids) > 2 + 3  # more subword tokens than words
    scorer, sampler, n_features = scorer_for(predict, text, True, None)
    masks = np.array([[True, False, True], [False, True, False], [False, False, False]])
    np.testing.assert_array_equal(scorer.build(masks)[0].numpy(), predict.encode(sampler.removal_inputs(masks, None))[0])


# ----------------------------------------------------------- same explanation on both paths

@pytest.mark.filterwarnings("ignore:lime_kit. this explanation may be unreliable")
@pytest.mark.parametrize("bow", [True, False])
def test_id_and_string_paths_give_the_same_explanation(classifier, bow):
    model, tokenizer = classifier
    texts_tokenized = []

    def counting_tokenizer(texts):  # the callable protocol, counting the texts it tokenizes
        texts_tokenized.append(len(texts))
        encodings = tokenizer.encode_batch(texts)
        return [e.ids for e in encodings], [e.offsets for e in encodings]

    predict = torch_text_predict_fn(model, counting_tokenizer)
    explainer = TextExplainer(class_names=["negative", "positive"], bow=bow, random_state=3)
    text = DOCUMENTS[0]
    by_ids = explainer.explain(text, predict, num_samples=600, batch_size=128)
    assert sum(texts_tokenized) == 2  # the document and its fully perturbed copy, in one call
    by_strings = explainer.explain(text, lambda texts: predict(texts), num_samples=600, batch_size=128)
    assert sum(texts_tokenized) == 2 + 600
    # The same words with the same weights; torch may round a batch's sums differently from run to run
    # (the exact comparison failed now and then in full-suite runs on a loaded machine), so weights agree to
    # float precision, not bit for bit.
    ids_weights, string_weights = dict(by_ids.as_list()), dict(by_strings.as_list())
    assert ids_weights.keys() == string_weights.keys()
    np.testing.assert_allclose([ids_weights[w] for w in ids_weights], [string_weights[w] for w in ids_weights], atol=1e-6)
    np.testing.assert_allclose(by_ids.model_output, by_strings.model_output, atol=1e-6)
    assert by_ids.payload == by_strings.payload
    if bow:
        top_words = {word.lower() for word, _ in by_ids.as_list()[:2]}
        assert top_words == {"good", "bad"}  # the only sentiment words in the document lead


def test_model_calls_are_bounded_by_the_batch_size_not_the_number_of_samples():
    model, tokenizer = Recorder(), word_piece()
    predict = torch_text_predict_fn(model, tokenizer)
    explainer = TextExplainer(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the recorder is no real classifier
        explainer.explain(DOCUMENTS[0], predict, num_samples=1000, batch_size=64)
        rows = [ids.shape[0] for ids, _ in model.calls]
        assert max(rows) == 64 and sum(rows) == 1000 and len(rows) == 16
        model.calls.clear()
        explainer.explain(DOCUMENTS[0], predict, num_samples=3000)
    longest = len(tokenizer.encode(DOCUMENTS[0]).ids)
    scorer, _, _ = scorer_for(predict, DOCUMENTS[0], True, None)
    assert scorer.batch_size == min(1000, 2**14 // longest)  # the CPU suggestion: about 16k tokens per batch
    assert max(ids.shape[0] for ids, _ in model.calls) == scorer.batch_size
    assert max(ids.numel() for ids, _ in model.calls) <= 2**14


def test_rows_are_padded_to_the_longest_row_of_their_batch():
    model, tokenizer = Recorder(), word_piece()
    predict = torch_text_predict_fn(model, tokenizer)
    scorer, _, n_features = scorer_for(predict, DOCUMENTS[0], True, None)
    masks = np.zeros((3, n_features), dtype=bool)
    masks[1] = True
    ids, attention = scorer.build(masks)
    full, empty = len(tokenizer.encode(DOCUMENTS[0]).ids), 2 + 7  # [CLS] [SEP] and the 7 punctuation marks
    assert ids.shape == (3, full)
    assert attention.sum(dim=1).tolist() == [empty, full, empty]
    assert (ids[0, empty:] == tokenizer.token_to_id("[PAD]")).all()


# ----------------------------------------------------------- max_length, fallbacks, errors

def test_long_documents_are_truncated_with_a_warning_on_both_paths():
    tokenizer = word_piece()
    predict = torch_text_predict_fn(Recorder(), tokenizer, max_length=10)
    text = DOCUMENTS[0]
    with pytest.warns(UserWarning, match="longer than max_length=10"):
        scorer, sampler, n_features = scorer_for(predict, text, True, None)
    masks = random_masks(n_features)
    with pytest.warns(UserWarning, match="truncated"):
        expected = predict.encode(sampler.removal_inputs(masks, None))[0]
    ids, attention = (tensor.numpy() for tensor in scorer.build(masks))
    np.testing.assert_array_equal(ids, expected)
    assert ids.shape[1] == 10
    last = attention.sum(axis=1) - 1
    assert (ids[:, 0] == tokenizer.token_to_id("[CLS]")).all()
    assert (ids[np.arange(len(ids)), last] == tokenizer.token_to_id("[SEP]")).all()


@pytest.mark.parametrize("mode", ["bow", "mask"])
def test_punctuation_that_merges_once_a_word_is_gone_falls_back_to_strings(classifier, mode):
    """tokenizers' Whitespace pre-tokenizer joins runs of punctuation: '(good)' minus 'good' is one token '()'."""
    bow, mask_string = MODES[mode]
    tokenizer = word_level(pre_tokenizers.Whitespace())
    text = "The food (good) was fine."
    explainer = TextExplainer(bow=bow, mask_string=mask_string)
    perturbed = explainer.instance_sampler(text).removal_inputs(np.array([[True, True, False, True, True]]), None)[0]
    pieces = [piece for piece, _ in tokenizer.pre_tokenizer.pre_tokenize_str(perturbed)]
    assert ("()" in pieces) == bow
    model = BagClassifier(tokenizer.get_vocab_size())
    predict = torch_text_predict_fn(model, tokenizer)
    if bow:
        with pytest.warns(UserWarning, match="scoring perturbed strings instead"):
            assert scorer_for(predict, text, bow, mask_string)[0] is None
        with pytest.warns(UserWarning, match="scoring perturbed strings instead"):
            by_adapter = explainer.explain(text, predict, num_samples=300, random_state=0)
        by_strings = explainer.explain(text, lambda texts: predict(texts), num_samples=300, random_state=0)
        assert by_adapter.as_list() == by_strings.as_list()
    else:  # the mask string keeps the parentheses apart, so the id path holds
        scorer, sampler, n_features = scorer_for(predict, text, bow, mask_string)
        masks = random_masks(n_features)
        np.testing.assert_array_equal(scorer.build(masks)[0].numpy(), predict.encode(sampler.removal_inputs(masks, None))[0])


def test_byte_level_bpe_falls_back_because_spaces_belong_to_the_next_word():
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator(POSITIVE + NEGATIVE, trainers.BpeTrainer(
        vocab_size=600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<pad>"]))
    # 'Ġfood' carries the space before it; once 'food' is removed, that space becomes a token of its own.
    assert tokenizer.encode("good food, bad").tokens[1] == "Ġfood"
    assert tokenizer.encode("good , bad").tokens[1] == "Ġ"
    predict = torch_text_predict_fn(Recorder(tokenizer.get_vocab_size()), tokenizer)
    with pytest.warns(UserWarning, match="spans a word and its neighbouring characters"):
        assert scorer_for(predict, "good food, bad", True, None)[0] is None


def test_tokenizer_without_offsets_is_refused_with_a_clear_message():
    def ids_only(texts):
        return [[1, 2, 3] for _ in texts]

    predict = torch_text_predict_fn(Recorder(), ids_only)
    with pytest.raises(ValueError, match=r"must return a pair \(ids, offsets\)"):
        predict(["good food"])

    class SlowTokenizer:
        is_fast = False

    with pytest.raises(ValueError, match="slow .* no character offsets.*use_fast=True"):
        torch_text_predict_fn(Recorder(), SlowTokenizer())
    with pytest.raises(TypeError, match="tokenizer must be"):
        torch_text_predict_fn(Recorder(), 42)


def test_bad_options_and_inputs_are_refused():
    tokenizer = word_piece()
    with pytest.raises(ValueError, match="autocast must be"):
        torch_text_predict_fn(Recorder(), tokenizer, autocast="int8")
    with pytest.raises(ValueError, match="max_length must be a positive integer"):
        torch_text_predict_fn(Recorder(), tokenizer, max_length=0)
    with pytest.raises(TypeError, match="list of strings"):
        torch_text_predict_fn(Recorder(), tokenizer)("one document")

    class Strings(torch.nn.Module):
        def forward(self, input_ids, attention_mask):
            return "not a tensor"

    with pytest.raises(TypeError, match=r"\.logits"):
        torch_text_predict_fn(Strings(), tokenizer)(["good"])


# ----------------------------------------------------------- the adapter as a plain predict_fn

def test_transformers_style_outputs_and_tokenizers_are_accepted_and_the_mode_restored():
    tokenizer = word_piece()

    class FastTokenizer:  # the duck-typed face of a transformers fast tokenizer
        is_fast = True
        pad_token_id = 0

        def __call__(self, texts, **options):
            assert options["return_offsets_mapping"] and not options["truncation"]
            encodings = tokenizer.encode_batch(texts)
            return {"input_ids": [e.ids for e in encodings], "offset_mapping": [e.offsets for e in encodings]}

    class Output:
        def __init__(self, logits):
            self.logits = logits

    class Wrapped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Recorder()
            self.dropout = torch.nn.Dropout(0.9)

        def forward(self, input_ids, attention_mask):
            return Output(self.dropout(self.inner(input_ids, attention_mask)))

    module = Wrapped().train()
    texts = ["good food", "bad, bad service"]
    by_duck = torch_text_predict_fn(module, FastTokenizer(), softmax=False)(texts)
    by_tokenizers = torch_text_predict_fn(module, tokenizer, softmax=False)(texts)
    assert module.training  # restored after each call
    np.testing.assert_array_equal(by_duck, by_tokenizers)  # eval mode: dropout off, deterministic
    probabilities = torch_text_predict_fn(module, tokenizer)(texts)
    np.testing.assert_allclose(probabilities, torch.softmax(torch.from_numpy(by_tokenizers), 1).numpy(), rtol=1e-6)
    assert probabilities.dtype == np.float32 and probabilities.shape == (2, 3)


def test_autocast_runs_the_module_in_bfloat16():
    seen = []

    class DtypeProbe(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(1, 2)

        def forward(self, input_ids, attention_mask):
            out = self.linear(attention_mask.float().sum(1, keepdim=True))
            seen.append(out.dtype)
            return out

    outputs = torch_text_predict_fn(DtypeProbe(), word_piece(), autocast="bf16")(["good food"])
    assert seen == [torch.bfloat16] and outputs.dtype == np.float32


def test_anchors_on_the_id_path_match_the_string_path(classifier):
    model, tokenizer = classifier
    predict = torch_text_predict_fn(model, tokenizer)
    explainer = TextExplainer(class_names=["negative", "positive"], random_state=3)
    by_ids = explainer.explain(DOCUMENTS[0], predict, method="anchors")
    by_strings = explainer.explain(DOCUMENTS[0], lambda texts: predict(texts), method="anchors")
    assert by_ids.anchor == by_strings.anchor
    assert by_ids.num_samples == by_strings.num_samples
    assert by_ids.precision == pytest.approx(by_strings.precision, abs=0.01)  # a near-tie may round differently
