"""Text models on the GPU: the token-id path against the string path and lime, on a small BERT.

The model is a BERT-like classifier built from ``torch.nn`` (4 encoder
layers, hidden size 256, 4 heads, random weights: timing only; ``--quick``
uses 2 layers of 64), called as
``module(input_ids=, attention_mask=)``, behind a ``tokenizers`` WordLevel
tokenizer with BERT's normalizer and pre-tokenizer, trained here on the
bundled reviews. Documents of about 50, 300 and 1,000 words are made by
joining reviews. Three ways, with the same batches of ``batch_size``
documents (default: the id path's suggestion for the device):

- ``ids``: :class:`lime_kit.TextExplainer` with
  :func:`lime_kit.torch_adapter.torch_text_predict_fn` (perturbed on the
  device as token ids);
- ``strings``: the same explainer and adapter, forced to the string path
  (perturbed strings, re-tokenized by the adapter);
- ``lime``: lime's ``LimeTextExplainer`` on the same adapter, fed in chunks
  (skipped when lime is not installed).

Columns (medians over seeds after one warm-up): total seconds; model
seconds (inside the module, with the device synchronized around it);
ids/tokenizing seconds (building ids on the id path, tokenizing and padding
strings on the others: time in the predict function outside the module);
overhead seconds (everything else: sampling, building strings, the fit);
the split ``exp.timings`` gives (sampling, model = predict-function time,
fit); and whether the id and string paths gave the identical explanation.

Run from the repository root::

    python benchmarks/bench_gpu_text.py --device cuda       # 50/300/1,000 words, 5,000 samples, 3 seeds
    python benchmarks/bench_gpu_text.py --device cpu --quick
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_text import WORD, document_of  # noqa: E402
from common import print_table  # noqa: E402
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

from lime_kit import TextExplainer  # noqa: E402
from lime_kit.datasets import load_reviews  # noqa: E402
from lime_kit.text.sampler import feature_index  # noqa: E402
from lime_kit.torch_adapter import torch_text_predict_fn  # noqa: E402

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]


class SmallBert(torch.nn.Module):
    """Token and position embeddings, a post-norm transformer encoder, a classifier on [CLS]."""

    def __init__(self, vocabulary: int, hidden: int = 256, layers: int = 4, heads: int = 4, positions: int = 2048):
        super().__init__()
        self.tokens = torch.nn.Embedding(vocabulary, hidden)
        self.positions = torch.nn.Embedding(positions, hidden)
        self.norm = torch.nn.LayerNorm(hidden)
        layer = torch.nn.TransformerEncoderLayer(hidden, heads, 4 * hidden, dropout=0.1, activation="gelu",
                                                 batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.classifier = torch.nn.Linear(hidden, 2)

    def forward(self, input_ids, attention_mask):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.norm(self.tokens(input_ids) + self.positions(positions))
        x = self.encoder(x, src_key_padding_mask=attention_mask == 0)
        return self.classifier(x[:, 0])


class TimedModule(torch.nn.Module):
    """Accumulate the seconds spent inside ``inner``, synchronizing the device before and after."""

    def __init__(self, inner: torch.nn.Module, device: torch.device):
        super().__init__()
        self.inner, self.cuda = inner, device.type == "cuda"
        self.seconds = 0.0

    def forward(self, input_ids, attention_mask):
        if self.cuda:
            torch.cuda.synchronize()
        began = time.perf_counter()
        out = self.inner(input_ids=input_ids, attention_mask=attention_mask)
        if self.cuda:
            torch.cuda.synchronize()
        self.seconds += time.perf_counter() - began
        return out


def word_level_tokenizer(texts) -> Tokenizer:
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=SPECIALS))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", SPECIALS.index("[CLS]")), ("[SEP]", SPECIALS.index("[SEP]"))]
    )
    return tokenizer


def lime_explainer():
    try:
        from lime.lime_text import LimeTextExplainer
    except ImportError:
        return None
    return LimeTextExplainer


def run_way(way: str, document: str, predict, timed: TimedModule, seed: int, args, batch_size: int) -> dict:
    """One explanation; returns its seconds by part and its top features."""
    calls = {"seconds": 0.0}

    def timed_call(function):
        def call(inputs):
            began = time.perf_counter()
            out = function(inputs)
            calls["seconds"] += time.perf_counter() - began
            return out

        return call

    timed.seconds = 0.0
    began = time.perf_counter()
    if way == "lime":
        def chunked(texts):
            return np.concatenate([predict(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)])

        explainer = lime_explainer()(random_state=seed)
        exp = explainer.explain_instance(document, timed_call(chunked), labels=(1,), num_samples=args.num_samples)
        total = time.perf_counter() - began
        top, timings, in_predict = exp.as_list(label=1), {}, calls["seconds"]
    else:
        explainer = TextExplainer(random_state=seed)
        predict_fn = predict if way == "ids" else (lambda texts: predict(texts))
        exp = explainer.explain(document, predict_fn, labels=1, num_samples=args.num_samples, batch_size=batch_size)
        total = time.perf_counter() - began
        top, timings, in_predict = exp.as_list(), exp.timings, exp.timings["model"]
    return {
        "total": total,
        "model": timed.seconds,
        "tokenizing": in_predict - timed.seconds,
        "overhead": total - in_predict,
        "sampling": timings.get("sampling", 0.0),
        "predict": timings.get("model", 0.0),
        "fit": timings.get("fit", 0.0),
        "timings_missing": () if timings else ("sampling", "predict", "fit"),
        "top": top,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 300, 1000], help="words per document")
    parser.add_argument("--num-samples", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None, help="default: the id path's suggestion")
    parser.add_argument("--autocast", choices=["bf16", "fp16"], default=None)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--quick", action="store_true",
                        help="50 and 150 words, 200 samples, hidden 64, 2 layers (under a minute on a CPU)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.num_samples, args.hidden, args.layers = [50, 150], 200, 64, 2
    warnings.filterwarnings("ignore", message="lime_kit: this explanation may be unreliable")  # random weights
    device = torch.device(args.device)
    torch.manual_seed(0)

    texts, _ = load_reviews()
    tokenizer = word_level_tokenizer(texts)
    bert = SmallBert(tokenizer.get_vocab_size(), hidden=args.hidden, layers=args.layers)
    timed = TimedModule(bert.to(device).eval(), device)
    predict = torch_text_predict_fn(timed, tokenizer, device=device, autocast=args.autocast)
    ways = ["ids", "strings"] + (["lime"] if lime_explainer() is not None else [])
    seeds = list(range(args.seeds))
    rows = []
    for size in args.sizes:
        document = document_of(texts, size)
        n_words, n_tokens = len(WORD.findall(document)), len(tokenizer.encode(document).ids)
        tokenized = TextExplainer().tokenize(document)
        features, _ = feature_index(tokenized.tokens, True)
        scorer = predict.token_scorer(document, tokenized.starts, tokenized.ends, features, bow=True, mask_string=None)
        batch_size = args.batch_size or (1000 if scorer is None else scorer.batch_size)
        results = {}
        for way in ways:
            run_way(way, document, predict, timed, seeds[0], args, batch_size)  # warm-up
            results[way] = [run_way(way, document, predict, timed, seed, args, batch_size) for seed in seeds]
        identical = all(a["top"] == b["top"] for a, b in zip(results["ids"], results["strings"]))
        for way in ways:
            runs = results[way]
            row = {"document": f"{n_words} words, {n_tokens} tokens", "way": way, "batch": batch_size}
            for key in ("total", "model", "tokenizing", "overhead", "sampling", "predict", "fit"):
                row[f"{key} s"] = "" if key in runs[0]["timings_missing"] else statistics.median(run[key] for run in runs)
            row["ids = strings"] = ("yes" if identical else "NO") if way == "ids" else ""
            rows.append(row)
    print(f"device {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}), "
          f"torch {torch.__version__}, {args.layers} layers x {args.hidden}, {args.num_samples} samples, medians of {len(seeds)} seeds, "
          f"autocast {args.autocast}" + ("" if "lime" in ways else "; lime not installed: no lime rows"))
    print("tokenizing s: ids built on the device (ids) or strings tokenized and padded (strings, lime); "
          "sampling/predict/fit s: exp.timings\n")
    print_table(rows, list(rows[0]))


if __name__ == "__main__":
    main()
