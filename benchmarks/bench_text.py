"""Text benchmark: lime_kit's TextExplainer against lime's LimeTextExplainer in one run.

Both explain the same documents (about 50, 300 and 1,000 word tokens, made
by joining reviews of the bundled corpus) for the same TF-IDF +
LogisticRegression pipeline, with the same num_samples, bag-of-words
perturbation and default kernel. Reported per tool and size, as medians over
seeds after one warm-up call: total seconds, seconds inside the model, the
overhead (everything else), and the mean pairwise Jaccard similarity of the
top-5 tokens over the seeds. A second, untimed table gives the peak memory
(tracemalloc) of one explanation of the 1,000-token document for several
batch sizes, next to the size of all perturbed strings together: lime_kit's
peak follows ``batch_size`` because only one batch of strings exists at a time.

BLAS runs single-threaded for both tools (``--blas-threads``): on the
two-core machines this was written on, multi-threaded OpenBLAS made the same
small least-squares solves take anywhere between 30 and 250 ms from call to
call, which drowned the differences being measured.

Run from the repository root::

    python benchmarks/bench_text.py            # 10 seeds, 5000 samples
    python benchmarks/bench_text.py --seeds 3  # quicker
"""

from __future__ import annotations

import argparse
import re
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import TimedModel, mean_pairwise_jaccard, print_table, time_explanations  # noqa: E402

from lime_kit import TextExplainer  # noqa: E402
from lime_kit.datasets import load_reviews  # noqa: E402

WORD = re.compile(r"\w+")
SIZES = (50, 300, 1000)
TOP_K = 5


def train_model(texts, labels):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(texts, labels)


def document_of(texts, n_tokens: int) -> str:
    """Join consecutive reviews until the document has at least ``n_tokens`` word tokens."""
    parts, count = [], 0
    for text in texts:
        if count >= n_tokens:
            break
        parts.append(text)
        count += len(WORD.findall(text))
    return " ".join(parts)


def lime_kit_runner(document, num_samples, batch_size):
    def explain(seed, model):
        explainer = TextExplainer(random_state=seed)
        exp = explainer.explain(document, model, num_samples=num_samples, batch_size=batch_size)
        return {name for name, _ in exp.as_list()[:TOP_K]}

    return explain


def lime_runner(document, num_samples):
    from lime.lime_text import LimeTextExplainer

    def explain(seed, model):
        explainer = LimeTextExplainer(random_state=seed)
        probabilities = model([document])[0]
        label = int(probabilities.argmax())
        exp = explainer.explain_instance(document, model, labels=(label,), num_samples=num_samples)
        return {name for name, _ in exp.as_list(label=label)[:TOP_K]}

    return explain


def peak_megabytes(explain) -> float:
    tracemalloc.start()
    explain()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def all_strings_megabytes(document, num_samples) -> float:
    """Memory of every perturbed document of one explanation held at once."""
    sizes = []

    def measure(documents):
        sizes.extend(map(sys.getsizeof, documents))
        return [[0.5, 0.5]] * len(documents)

    TextExplainer(random_state=0).explain(document, measure, num_samples=num_samples)
    return sum(sizes) / 2**20


def memory_rows(document, predict_fn, num_samples) -> list[dict]:
    from lime.lime_text import LimeTextExplainer

    rows = []
    for batch_size in (250, 1000, num_samples):
        peak = peak_megabytes(
            lambda size=batch_size: TextExplainer(random_state=0).explain(
                document, predict_fn, num_samples=num_samples, batch_size=size
            )
        )
        rows.append({"tool": "lime_kit", "batch_size": batch_size, "peak MB": peak})
    peak = peak_megabytes(
        lambda: LimeTextExplainer(random_state=0).explain_instance(document, predict_fn, num_samples=num_samples)
    )
    rows.append({"tool": "lime", "batch_size": "all", "peak MB": peak})
    for row in rows:
        row["all perturbed strings MB"] = all_strings_megabytes(document, num_samples)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--num-samples", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads for both tools (default: 1)")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        run(args)


def run(args) -> None:
    texts, labels = load_reviews()
    model = train_model(texts, labels)
    seeds = list(range(args.seeds))
    rows = []
    for size in SIZES:
        document = document_of(texts, size)
        n_tokens, n_distinct = len(WORD.findall(document)), len(set(WORD.findall(document)))
        timed = TimedModel(model.predict_proba)
        ours = time_explanations(lime_kit_runner(document, args.num_samples, args.batch_size), timed, seeds)
        theirs = time_explanations(lime_runner(document, args.num_samples), timed, seeds)
        for tool, result in (("lime_kit", ours), ("lime", theirs)):
            rows.append(
                {
                    "tokens": f"{n_tokens} ({n_distinct} distinct)",
                    "tool": tool,
                    "total s": result["total"],
                    "model s": result["model"],
                    "overhead s": result["overhead"],
                    "overhead ratio": result["overhead"] / theirs["overhead"],
                    f"top-{TOP_K} Jaccard": mean_pairwise_jaccard(result["results"]),
                }
            )
    print(f"{args.num_samples} samples, batch_size {args.batch_size}, medians over {len(seeds)} seeds, "
          f"BLAS threads {args.blas_threads}\n")
    print_table(rows, list(rows[0]))
    document = document_of(texts, SIZES[-1])
    print(f"\nPeak memory of one explanation, {SIZES[-1]}-token document, {args.num_samples} samples\n")
    memory = memory_rows(document, model.predict_proba, args.num_samples)
    print_table(memory, list(memory[0]))


if __name__ == "__main__":
    main()
