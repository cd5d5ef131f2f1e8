"""GPU image benchmark: lime_kit's device path against its numpy path, captum's ``Lime`` and lime.

Models (torchvision, no downloads): a ResNet-18 trained in this script on
the generated shapes (:mod:`lime_kit.datasets.shapes`) and a ResNet-50 with
random weights, each at 224 and 512 px. Every tool explains the same image
with the same precomputed segment map (slic, about 60 segments at 224 px and
30 at 512 px), hide colour 0, 1,000 samples; times are medians over three
seeds after one warm-up call.

Columns:

- ``total``: wall seconds of one explanation (segmentation not included:
  every tool gets the map).
- ``model``: for lime_kit's device path, the seconds the bare module needs
  for as many images at the batch size used (timed separately on images
  already on the device); for the other tools the seconds inside their model
  calls (which for lime and the numpy path include the upload of the images).
- ``overhead``: ``total - model``: the explainer's own work.
- ``peak MiB``: peak device memory during the explanation.
- ``top-5 J``: mean pairwise Jaccard of the top-5 segments across the seeds.

A second table sweeps the bare model's batch size (best seconds per 1,000
images) to check that the default batch is within 10 % of the best; a third
gives lime_kit's end-to-end time with its default segmentation, against
captum's time on the precomputed map.

    python benchmarks/bench_gpu_image.py                       # on a CUDA GPU (about 5 minutes)
    python benchmarks/bench_gpu_image.py --device cpu --quick  # a smoke run without a GPU
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")
# Reliability warnings are the point of other benchmarks; here they would bury the tables.
warnings.filterwarnings("ignore", message="lime_kit: this explanation may be unreliable")

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT.parent)]
from common import mean_pairwise_jaccard, print_table  # noqa: E402

from lime_kit import ImageExplainer  # noqa: E402
from lime_kit.datasets import make_shape_image, make_shapes  # noqa: E402
from lime_kit.image.segmentation import make_segmenter, relabel_segments  # noqa: E402

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
SEGMENTS = {224: 60, 512: 30}


def sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_resnet18(device, size: int, n_images: int, epochs: int):
    """ResNet-18 (3 classes) trained from scratch on generated shapes; returns the module and its accuracy."""
    import torch
    import torchvision

    torch.manual_seed(0)
    net = torchvision.models.resnet18(num_classes=3).to(device)
    images, labels, _ = make_shapes(n_images, size=size, random_state=1)
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    x_all = torch.from_numpy(images).to(device).permute(0, 3, 1, 2)
    y_all = torch.from_numpy(labels).to(device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
    split = int(0.8 * n_images)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(split, device=device)
        for start in range(0, split, 64):
            idx = order[start : start + 64]
            x = (x_all[idx].float() / 255 - mean) / std
            loss = torch.nn.functional.cross_entropy(net(x), y_all[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    net.eval()
    with torch.no_grad():
        correct = sum(
            (net((x_all[start : start + 64].float() / 255 - mean) / std).argmax(1) == y_all[start : start + 64]).sum().item()
            for start in range(split, n_images, 64)
        )
    return net, correct / (n_images - split)


def random_resnet50(device):
    import torch
    import torchvision

    torch.manual_seed(0)
    return torchvision.models.resnet50(num_classes=10).to(device).eval()


def fixed_segments(image: np.ndarray, target: int) -> np.ndarray:
    # Smoothed first: plain slic follows the pixel noise of the generated images and merges into a few segments.
    segmenter = make_segmenter("slic", n_segments=target, compactness=10.0, sigma=1.0)
    return relabel_segments(segmenter(image), image.shape[:2])


def top5(pairs) -> set:
    return {int(k) for k, _ in list(pairs)[:5]}


def bare_model_seconds(net, device, size: int, n_images: int, batch: int, repeats: int = 3) -> float:
    """Seconds the module needs for ``n_images`` images already on the device, in batches of ``batch``."""
    import torch

    x = torch.randn(min(batch, n_images), 3, size, size, device=device)
    with torch.no_grad():
        net(x)
        times = []
        for _ in range(repeats):
            sync(device)
            began = time.perf_counter()
            for start in range(0, n_images, batch):
                out = net(x[: min(batch, n_images - start)])
                torch.softmax(out, -1).cpu()
            sync(device)
            times.append(time.perf_counter() - began)
    return min(times)


def timed_runs(explain, seeds, device):
    """Warm up once, then time ``explain(seed)`` per seed; returns totals, peaks and results."""
    import torch

    explain(seeds[0])
    totals, peaks, results = [], [], []
    for seed in seeds:
        if device.type == "cuda":
            sync(device)
            torch.cuda.reset_peak_memory_stats(device)
            base = torch.cuda.memory_allocated(device)
        began = time.perf_counter()
        results.append(explain(seed))
        sync(device)
        totals.append(time.perf_counter() - began)
        peaks.append((torch.cuda.max_memory_allocated(device) - base) / 2**20 if device.type == "cuda" else float("nan"))
    return statistics.median(totals), statistics.median(peaks), results


class TimedCall:
    """Accumulates seconds inside a callable, waiting for the device so that its work is counted."""

    def __init__(self, fn, device):
        self.fn, self.device, self.seconds = fn, device, 0.0

    def __call__(self, *args, **kwargs):
        sync(self.device)
        began = time.perf_counter()
        out = self.fn(*args, **kwargs)
        sync(self.device)
        self.seconds += time.perf_counter() - began
        return out


def run_case(name, net, image, label, num_samples, seeds, device, tools):
    import torch

    from lime_kit.torch_adapter import torch_predict_fn

    segments = fixed_segments(image, SEGMENTS.get(image.shape[0], 40))
    size, rows = image.shape[0], []
    explainer_args = dict(segmentation=segments, hide_color=0)

    def row(tool, total, model, peak, results, top_sets, batch):
        rows.append({
            "case": name, "tool": tool, "batch": batch, "total s": total, "model s": model,
            "overhead s": total - model, "overhead/model": (total - model) / model if model else float("nan"),
            "peak MiB": peak, "top-5 J": mean_pairwise_jaccard(top_sets), "segments": int(segments.max()) + 1,
        })

    if "device" in tools:
        predict = torch_predict_fn(net, mean=MEAN, std=STD)
        total, peak, results = timed_runs(
            lambda seed: ImageExplainer(random_state=seed, **explainer_args).explain(
                image, predict, labels=[label], num_samples=num_samples), seeds, device)
        batch = predict.segment_scorer(image, np.zeros_like(image), segments).batch_size
        model = bare_model_seconds(net, device, size, num_samples, batch)
        row("lime_kit (device)", total, model, peak, results, [top5(r.as_map()[label]) for r in results], batch)
        rows[-1]["timings"] = results[-1].timings
    if "numpy" in tools:
        timed = TimedCall(torch_predict_fn(net, mean=MEAN, std=STD, compose_on_device=False), device)
        models = []

        def numpy_path(seed):
            timed.seconds = 0.0
            exp = ImageExplainer(random_state=seed, **explainer_args).explain(
                image, timed, labels=[label], num_samples=num_samples)
            models.append(timed.seconds)
            return exp

        total, peak, results = timed_runs(numpy_path, seeds, device)
        row("lime_kit (numpy)", total, statistics.median(models[1:]), peak, results,
            [top5(r.as_map()[label]) for r in results], "8 MiB")
    if "captum" in tools:
        from captum.attr import Lime

        def forward(x):
            return torch.softmax(net(x), -1)

        timed = TimedCall(forward, device)
        mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
        std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
        x = (torch.from_numpy(image).to(device).permute(2, 0, 1)[None].float() / 255 - mean) / std
        baseline = (torch.zeros_like(x) - mean) / std
        mask = torch.from_numpy(segments).to(device)[None, None].expand(1, 3, size, size)
        models = []

        def captum_run(seed):
            torch.manual_seed(seed)
            timed.seconds = 0.0
            with torch.no_grad():
                attribution = Lime(timed).attribute(
                    x, target=label, baselines=baseline, feature_mask=mask, n_samples=num_samples,
                    perturbations_per_eval=64)
            models.append(timed.seconds)
            per_segment = np.zeros(int(segments.max()) + 1)
            flat = attribution[0, 0].flatten().cpu().numpy()
            per_segment[segments.ravel()] = flat
            return per_segment

        total, peak, results = timed_runs(captum_run, seeds, device)
        row("captum Lime (64/eval)", total, statistics.median(models[1:]), peak, results,
            [set(np.argsort(-np.abs(w))[:5].tolist()) for w in results], 64)
    if "lime" in tools:
        from lime.lime_image import LimeImageExplainer

        timed = TimedCall(torch_predict_fn(net, mean=MEAN, std=STD, compose_on_device=False), device)
        models = []

        def lime_run(seed):
            timed.seconds = 0.0
            exp = LimeImageExplainer(random_state=seed).explain_instance(
                image, timed, labels=(label,), top_labels=None, hide_color=0, num_samples=num_samples,
                batch_size=64, segmentation_fn=lambda _: segments)
            models.append(timed.seconds)
            return exp

        total, peak, results = timed_runs(lime_run, seeds, device)
        row("lime", total, statistics.median(models[1:]), peak, results,
            [top5(r.local_exp[label]) for r in results], 64)
    return rows


def batch_sweep(name, net, device, size, num_samples, batches):
    seconds = {b: bare_model_seconds(net, device, size, num_samples, b) for b in batches}
    best = min(seconds.values())
    return [{"case": name, "batch": b, "model s": s, "vs best": s / best} for b, s in seconds.items()]


def end_to_end(name, net, image, label, num_samples, seeds, device, captum_total):
    from lime_kit.torch_adapter import torch_predict_fn

    predict = torch_predict_fn(net, mean=MEAN, std=STD)
    total, _, results = timed_runs(
        lambda seed: ImageExplainer(hide_color=0, random_state=seed).explain(
            image, predict, labels=[label], num_samples=num_samples), seeds, device)
    timings = results[-1].timings
    return {
        "case": name, "segmentation": results[-1].payload["segmentation"], "segments": len(results[-1].feature_names),
        "lime_kit total s": total, "segmentation s": timings["segmentation"], "captum s (no segmentation)": captum_total,
        "captum / lime_kit": captum_total / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--quick", action="store_true", help="small images and models, no lime: a smoke run")
    parser.add_argument("--tools", default="device,numpy,captum,lime")
    args = parser.parse_args()

    import torch

    device = torch.device(args.device)
    seeds = [0, 1, 2]
    tools = set(args.tools.split(","))
    if args.quick:  # CPU smoke run: ResNet-18 only, two seeds, two batch sizes
        sizes, num_samples, train, sweep = [64], 100, {64: dict(n_images=120, epochs=1)}, [32, 64]
        seeds = seeds[:2]
        tools.discard("lime")
    else:
        sizes, num_samples, sweep = [224, 512], 1000, [16, 32, 64, 128, 256, 512]
        train = {224: dict(n_images=2000, epochs=10), 512: dict(n_images=800, epochs=10)}
    print(f"device: {torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}; torch {torch.__version__}; "
          f"{num_samples} samples; medians of {len(seeds)} seeds\n")

    table, sweeps, ends = [], [], []
    for size in sizes:
        net18, accuracy = train_resnet18(device, size, **train[size])
        print(f"ResNet-18 trained on generated shapes at {size} px: held-out accuracy {accuracy:.2f}")
        image, _ = make_shape_image("triangle", size=size, random_state=7)
        nets = [(f"ResNet-18 shapes {size}px", net18, 2)]
        if not args.quick:
            nets.append((f"ResNet-50 random {size}px", random_resnet50(device), 0))
        for name, net, label in nets:
            rows = run_case(name, net, image, label, num_samples, seeds, device, tools)
            table += rows
            sweeps += batch_sweep(name, net, device, size, num_samples, sweep)
            captum = [r["total s"] for r in rows if r["tool"].startswith("captum")]
            if captum:
                ends.append(end_to_end(name, net, image, label, num_samples, seeds, device, captum[0]))
            del net
        if device.type == "cuda":
            torch.cuda.empty_cache()

    print()
    print_table(table, ["case", "tool", "batch", "total s", "model s", "overhead s", "overhead/model", "peak MiB",
                        "top-5 J", "segments"])
    splits = [{"case": r["case"], **{k: v for k, v in r["timings"].items()}} for r in table if "timings" in r]
    if splits:
        print("\nlime_kit (device): exp.timings of one explanation (model includes composing on the device):")
        print_table(splits, list(splits[0]))
    print("\nBare model, seconds per", num_samples, "images by batch size:")
    print_table(sweeps, ["case", "batch", "model s", "vs best"])
    if ends:
        print("\nEnd to end with lime_kit's default segmentation (segmentation included) vs captum on a given map:")
        print_table(ends, list(ends[0]))


if __name__ == "__main__":
    main()
