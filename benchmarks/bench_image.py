"""Image benchmark: lime_kit's ImageExplainer against lime's LimeImageExplainer in one run.

Cases: scikit-image's astronaut at 224x224 and 512x512, quickshift and slic
tuned to about 50, 100 and 200 segments, and two numpy models (a near-free
one that reads a window, a slower one that computes edge energy over the
whole image); ``--torch-device cuda`` adds a small CNN run through
:func:`lime_kit.torch_adapter.torch_predict_fn` (needs torch).

Both tools get the same image, the same precomputed 0..K-1 segment map (so
segmentation is timed once, separately, and lime's phantom-segment issue
with maps starting at 1 cannot occur), the same model, 1000 samples, the
same batch size, mean-colour hiding and lime's kernel. Times are medians
over the seeds after one warm-up call; overhead = total - time in the model.
Top-5 Jaccard is the mean pairwise overlap of the top-5 segments (by
|weight|) across seeds. Then a memory check: peak traced memory of 5000
samples of the 512x512 image. BLAS runs single-threaded for both tools
(``--blas-threads``), as in the text benchmark: on two busy cores,
multi-threaded OpenBLAS turned a 1000 x 100 Gram product from 0.5 ms into
30 ms at random.

    python benchmarks/bench_image.py                 # full table (about 20 minutes on 2 cores)
    python benchmarks/bench_image.py --quick         # 224 px, slic, 100 segments only
    python benchmarks/bench_image.py --torch-device cuda --models cnn
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # lime's progress bar would flood the table

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TimedModel, mean_pairwise_jaccard, print_table, time_explanations  # noqa: E402

from lime_kit import ImageExplainer  # noqa: E402
from lime_kit.image.sampler import default_batch_size  # noqa: E402
from lime_kit.image.segmentation import make_segmenter, relabel_segments  # noqa: E402

# quickshift kernel sizes (max_dist=200, ratio=0.2, lime's other defaults) that give
# about 50 / 100 / 200 segments on the astronaut; slic is tuned by search instead.
QUICKSHIFT_KERNEL = {224: {50: 3.0, 100: 2.2, 200: 1.5}, 512: {50: 7.0, 100: 5.5, 200: 4.0}}


def load_astronaut(size: int) -> np.ndarray:
    from skimage import data, transform

    image = data.astronaut()
    if size != image.shape[0]:
        image = transform.resize(image, (size, size), anti_aliasing=True, preserve_range=True).round().astype(np.uint8)
    return image


def segment(image: np.ndarray, algorithm: str, target: int) -> tuple[np.ndarray, float]:
    """Return a 0..K-1 map near ``target`` segments and the seconds one segmentation took."""
    if algorithm == "quickshift":
        segmenter = make_segmenter("quickshift", kernel_size=QUICKSHIFT_KERNEL[image.shape[0]][target])
    else:
        requested = target
        for _ in range(6):  # slic returns fewer segments than asked for on this image
            segmenter = make_segmenter("slic", n_segments=requested)
            found = len(np.unique(segmenter(image)))
            if abs(found - target) <= 0.1 * target:
                break
            requested = int(requested * target / found)
    start = time.perf_counter()
    labels = segmenter(image)
    seconds = time.perf_counter() - start
    return relabel_segments(labels, image.shape[:2]), seconds


def _two_class(score: np.ndarray) -> np.ndarray:
    probability = 1 / (1 + np.exp(-score))
    return np.stack([1 - probability, probability], axis=1)


def window_model(batch: np.ndarray) -> np.ndarray:
    """Near free: mean colour of a window around the astronaut's face."""
    h, w = batch.shape[1:3]
    window = batch[:, int(0.2 * h) : int(0.45 * h), int(0.35 * w) : int(0.6 * w)]
    return _two_class(window.mean(axis=(1, 2, 3)) / 32 - 4)


def edge_model(batch: np.ndarray) -> np.ndarray:
    """Slower: float conversion, luminance and horizontal edge energy over the whole image."""
    x = batch.astype(np.float32)
    gray = 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    edges = np.abs(np.diff(gray, axis=2))
    h = batch.shape[1]
    return _two_class(edges[:, : h // 2].mean(axis=(1, 2)) / 4 - edges[:, h // 2 :].mean(axis=(1, 2)) / 4)


def cnn_model(device: str):
    import torch

    from lime_kit.torch_adapter import torch_predict_fn

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 5, stride=2, padding=2), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(32, 64, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(64, 2),
    ).to(device).eval()
    # The adapter copies outputs back with .cpu(), which waits for the GPU: the timings are honest.
    return torch_predict_fn(net, mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])


def top5(pairs) -> set:
    return {int(k) for k, _ in list(pairs)[:5]}


def run_case(image, segments, model_fn, num_samples, seeds, with_lime, hide_color="mean"):
    batch = default_batch_size(image)
    model = TimedModel(model_fn)

    def ours(seed, timed):
        return ImageExplainer(segmentation=segments, hide_color=hide_color, random_state=seed).explain(
            image, timed, labels=[1], num_samples=num_samples, batch_size=batch
        )

    rows = {"lime_kit": time_explanations(ours, model, seeds)}
    rows["lime_kit"]["top5"] = [top5(exp.as_map()[1]) for exp in rows["lime_kit"]["results"]]
    if with_lime:
        from lime.lime_image import LimeImageExplainer

        def theirs(seed, timed):
            return LimeImageExplainer(random_state=seed).explain_instance(
                image, timed, labels=(1,), top_labels=None, hide_color=None, num_samples=num_samples,
                batch_size=batch, segmentation_fn=lambda _: segments,
            )

        rows["lime"] = time_explanations(theirs, model, seeds)
        rows["lime"]["top5"] = [top5(exp.local_exp[1]) for exp in rows["lime"]["results"]]
    return rows


def peak_memory_mb(image: np.ndarray, segments: np.ndarray, num_samples: int) -> float:
    tracemalloc.start()
    ImageExplainer(segmentation=segments, random_state=0).explain(image, window_model, labels=[1], num_samples=num_samples)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[224, 512], choices=[224, 512])
    parser.add_argument("--segmenters", nargs="+", default=["quickshift", "slic"], choices=["quickshift", "slic"])
    parser.add_argument("--segments", type=int, nargs="+", default=[50, 100, 200], choices=[50, 100, 200])
    parser.add_argument("--models", nargs="+", default=["window", "edges"], choices=["window", "edges", "cnn"])
    parser.add_argument("--torch-device", default=None, help="run the CNN model through the torch adapter on this device (adds 'cnn' to --models)")
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-lime", action="store_true", help="time lime_kit only")
    parser.add_argument("--hide-color", default="mean",
                        help="lime_kit's hide_color ('mean', lime's, by default; 'image_mean' is lime_kit's default); lime keeps 'mean'")
    parser.add_argument("--quick", action="store_true", help="224 px, slic, 100 segments")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads for both tools (default: 1)")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        run(args)


def run(args) -> None:
    if args.quick:
        args.sizes, args.segmenters, args.segments = [224], ["slic"], [100]
    models = {"window": window_model, "edges": edge_model}
    if args.torch_device:
        models["cnn"] = cnn_model(args.torch_device)
        args.models = list(dict.fromkeys(args.models + ["cnn"]))
    seeds = list(range(args.seeds))

    table = []
    for size in args.sizes:
        image = load_astronaut(size)
        for algorithm in args.segmenters:
            for target in args.segments:
                segments, seg_seconds = segment(image, algorithm, target)
                for model_name in args.models:
                    rows = run_case(image, segments, models[model_name], args.num_samples, seeds, not args.no_lime,
                                    args.hide_color)
                    ours = rows["lime_kit"]
                    for tool, row in rows.items():
                        table.append({
                            "image": f"{size}x{size}", "segmenter": algorithm, "K": int(segments.max()) + 1,
                            "model": model_name, "tool": tool, "segment s": seg_seconds,
                            "total s": row["total"], "model s": row["model"], "overhead s": row["overhead"],
                            "overhead vs lime_kit": row["overhead"] / ours["overhead"],
                            "top-5 Jaccard": mean_pairwise_jaccard(row["top5"]),
                        })
                    print(f"done {size} {algorithm} {target} {model_name}", file=sys.stderr, flush=True)
    print(f"\n{args.num_samples} samples, medians over {len(seeds)} seeds after one warm-up; batch size "
          f"{default_batch_size(load_astronaut(args.sizes[0]))} at {args.sizes[0]} px (8 MiB of images); "
          f"BLAS threads {args.blas_threads}; lime_kit hide_color={args.hide_color!r}, lime's mean colour\n")
    print_table(table, list(table[0]))
    big = load_astronaut(512)
    segments, _ = segment(big, "slic", 200)
    print(f"\npeak traced memory, 5000 samples of the 512x512 image: {peak_memory_mb(big, segments, 5000):.1f} MB "
          f"(all perturbed images at once would be {5000 * big.nbytes / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
