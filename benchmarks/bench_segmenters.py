"""Segmenter benchmark: speed and explanation quality of lime_kit's named segmenters.

Which segmenter should ``ImageExplainer`` use by default, and may large images
be segmented on a downscaled copy? For quickshift, slic, felzenszwalb and
watershed with their lime_kit defaults (``SEGMENTER_DEFAULTS``), and for
ImageExplainer's default (``DEFAULT_SEGMENTATION``: slic with sigma=1), at 224 and
512 px, and at 512 px also on a copy whose longer side is ``--max-sides``
(labels upscaled by nearest neighbour, ``segment_image(..., max_side=)``),
this prints:

- ``segment s``: median CPU seconds of ``segment_image`` over the images (one
  warm-up call per segmenter first; the downscaled rows include the resize).
  The segmenters are single-threaded, so on an idle machine this is their
  wall time; CPU time keeps the figure honest on a shared, busy one;
- ``K``: median number of segments;
- ``precision``: localization of the classifier's explanation, the share of
  the pixels of its top-3 segments (the three largest positive weights for
  the predicted class) that lie inside the true shape mask, i.e.
  :func:`lime_kit.image.localization_score`, averaged over images and seeds.
  Segments chosen at random score about the shape's share of the image
  (printed above the table), a perfect choice 1;
- ``recall``: the share of the shape's pixels those segments cover (small
  segments are precise but cover little of the shape);
- ``Jaccard``: rerun stability of the classifier's explanation, the mean
  pairwise Jaccard overlap of the top-5 segments by ``|weight|`` over explainer
  seeds (same segment map), averaged over images;
- ``area precision``: the same top-3 precision for a model that is linear in
  the segments, the visible share of shape pixels (one seed: its explanation
  is exact). Its top segments are those holding the most shape pixels, so
  this column isolates how well the segments follow the shape's outline,
  apart from any difficulty the classifier gives LIME.

Images: ``make_shape_image`` (one flat-coloured circle, square or triangle on
a textured background, with its exact mask), the same number of each class.
Both models read only the pixels of the palette colours, i.e. the shape, so
only segments that overlap the shape can matter and the mask is the right
answer. The classifier is the image demo's
(:func:`lime_kit.demos.image.train_shape_classifier`, trained here in about a
second on 300 generated 96 px images): a logistic regression on the blob's
scale-free geometry, accurate on every test image but far from linear in the
segments (hiding half the shape changes its geometry abruptly), as real
classifiers are. To keep the benchmark fast both models read every s-th pixel,
s = side // 112 (2 at 224 px, 4 at 512 px), far finer than any segment.
Hidden segments are black (``hide_color=0``) unless ``--hide-colors`` names
others (e.g. ``image_mean``, ImageExplainer's default, or ``mean``, lime's): a
segment's own mean colour inside the flat shape is the shape colour, which
would hide nothing. Explanations use
the precomputed segment map, so segmentation is timed apart from them.

    python benchmarks/bench_segmenters.py           # full table (15 minutes on 2 busy, shared cores)
    python benchmarks/bench_segmenters.py --quick   # 3 images, 2 seeds, 200 samples (under a minute)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import mean_pairwise_jaccard, print_table  # noqa: E402

from lime_kit import ImageExplainer  # noqa: E402
from lime_kit.datasets import SHAPE_COLORS, SHAPE_NAMES, make_shape_image  # noqa: E402
from lime_kit.demos.image import train_shape_classifier  # noqa: E402
from lime_kit.image import localization_score  # noqa: E402
from lime_kit.image.segmentation import DEFAULT_SEGMENTATION, SEGMENTERS, make_segmenter, segment_image  # noqa: E402

#: The named segmenters with lime_kit's defaults, and ImageExplainer's default (slic, smoothed).
CANDIDATES = {name: make_segmenter(name) for name in SEGMENTERS} | {"slic sigma=1 (default)": DEFAULT_SEGMENTATION}
TOP_LOCALIZED = 3
TOP_STABLE = 5
_PALETTE_CODES = np.array([(r << 16) | (g << 8) | b for r, g, b in SHAPE_COLORS.values()], dtype=np.int32)


def shape_images(size: int, n_images: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_images`` (image, mask) pairs cycling through the shape classes, fixed seeds."""
    return [make_shape_image(SHAPE_NAMES[i % len(SHAPE_NAMES)], size, random_state=1000 + i) for i in range(n_images)]


def _stride(size: int) -> int:
    return max(1, size // 112)


def strided_classifier(model, size: int):
    """The shape classifier reading every ``size // 112``-th pixel of each image."""
    stride = _stride(size)
    return lambda batch: model.predict_proba(batch[:, ::stride, ::stride])


def visible_shape_share(size: int):
    """Regression model: the share of (every ``size // 112``-th) pixels that have a shape colour."""
    stride = _stride(size)

    def predict(batch: np.ndarray) -> np.ndarray:
        view = batch[:, ::stride, ::stride].astype(np.int32)
        codes = (view[..., 0] << 16) | (view[..., 1] << 8) | view[..., 2]
        return np.isin(codes, _PALETTE_CODES).mean(axis=(1, 2))

    return predict


def top_positive(exp, k: int) -> list[int]:
    label = exp.labels[0]
    positive = sorted(((w, i) for i, w in exp.coefficients[label] if w > 0), reverse=True)
    return [i for _, i in positive[:k]]


def top_by_magnitude(exp, k: int) -> set[int]:
    return {i for i, _ in exp.coefficients[exp.labels[0]][:k]}


def precision_and_recall(exp, segments: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    chosen = top_positive(exp, TOP_LOCALIZED)
    if not chosen:  # nothing pointed at: a miss, not skipped
        return 0.0, 0.0
    return localization_score(segments, chosen, mask), float(np.isin(segments, chosen)[mask].mean())


def run_case(images, segmenter, max_side: int | None, models: dict, seeds, num_samples: int, hide_color=0) -> dict:
    seconds, counts, scores, stability, area_precision = [], [], [], [], []
    for image, mask in images:
        began = time.process_time()
        segments, _ = segment_image(image, segmenter, max_side)
        seconds.append(time.process_time() - began)
        counts.append(int(segments.max()) + 1)
        explainer = ImageExplainer(segmentation=segments, hide_color=hide_color)
        tops = []
        for seed in seeds:
            exp = explainer.explain(image, models["classifier"], num_samples=num_samples, random_state=seed)
            scores.append(precision_and_recall(exp, segments, mask))
            tops.append(top_by_magnitude(exp, TOP_STABLE))
        stability.append(mean_pairwise_jaccard(tops))
        linear = ImageExplainer(mode="regression", segmentation=segments, hide_color=hide_color, random_state=0)
        exp = linear.explain(image, models["area"], num_samples=num_samples)
        area_precision.append(precision_and_recall(exp, segments, mask)[0])
    return {
        "segment s": statistics.median(seconds),
        "K": int(statistics.median(counts)),
        "precision": statistics.fmean(p for p, _ in scores),
        "recall": statistics.fmean(r for _, r in scores),
        "Jaccard": statistics.fmean(stability),
        "area precision": statistics.fmean(area_precision),
    }


def _hide_color(value: str):
    try:
        return float(value)
    except ValueError:
        return value


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[224, 512])
    parser.add_argument("--segmenters", nargs="+", default=list(CANDIDATES), choices=list(CANDIDATES))
    parser.add_argument("--max-sides", type=int, nargs="*", default=[256],
                        help="also segment images larger than this on a copy of this longer side")
    parser.add_argument("--images", type=int, default=6, help="images per size, classes in turn")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--hide-colors", type=_hide_color, nargs="+", default=[0],
                        help="hide_color settings to compare: names such as 'mean' or numbers (default: 0)")
    parser.add_argument("--quick", action="store_true", help="3 images, 2 seeds, 200 samples, --max-sides 256")
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.seeds, args.num_samples, args.max_sides = 3, 2, 200, [256]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        # The classifier is far from linear in the segments, so most explanations carry
        # reliability warnings; the table reports their stability instead.
        warnings.filterwarnings("ignore", message="lime_kit: this explanation may be unreliable")
        run(args)


def run(args) -> None:
    model = train_shape_classifier()
    warm_up, _ = make_shape_image("circle", 64, random_state=0)
    for name in args.segmenters:  # imports and first-call set-up stay out of the timings
        segment_image(warm_up, CANDIDATES[name])
    seeds = list(range(args.seeds))
    table, chance = [], {}
    for size in args.sizes:
        images = shape_images(size, args.images)
        chance[size] = statistics.fmean(float(mask.mean()) for _, mask in images)
        models = {"classifier": strided_classifier(model, size), "area": visible_shape_share(size)}
        resolutions = [None] + [m for m in args.max_sides if m < size]
        for max_side in resolutions:
            for name in args.segmenters:
                for hide_color in args.hide_colors:
                    row = run_case(images, CANDIDATES[name], max_side, models, seeds, args.num_samples, hide_color)
                    table.append({"image": f"{size} px", "segmenter": name,
                                  "segmented at": "full" if max_side is None else f"{max_side} px",
                                  "hide_color": hide_color, **row})
                print(f"done {size} {name} {max_side}", file=sys.stderr, flush=True)
    shares = ", ".join(f"{share:.3f} at {size} px" for size, share in chance.items())
    print(f"\n{args.images} shape images per size, {len(seeds)} explainer seeds, {args.num_samples} samples, "
          f"hide_color {', '.join(map(str, args.hide_colors))}; shape share of the image (chance precision): {shares}\n")
    print_table(table, ["image", "segmenter", "segmented at", "hide_color", "segment s", "K", "precision", "recall", "Jaccard",
                        "area precision"])


if __name__ == "__main__":
    main()
