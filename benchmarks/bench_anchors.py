"""Anchors benchmark: lime_kit's ``method="anchors"`` against alibi 0.9.6's AnchorTabular, AnchorText, AnchorImage.

Run from the repository root, in lime_kit's environment::

    python benchmarks/bench_anchors.py                      # every case, 10 rows each (images: 5)
    python benchmarks/bench_anchors.py --quick              # 3 rows, 2 images, 2,000 fresh samples
    python benchmarks/bench_anchors.py --cases cancer-rf,text-lexicon --rows 5
    python benchmarks/bench_anchors.py --no-alibi           # lime_kit alone (what CI may run)

alibi pins numpy<2, so it gets its own virtual environment, and this script
runs alibi's half there as a subprocess (``anchors_alibi_worker.py``, which
never imports lime_kit) and exchanges JSON files with it. To create it
(pip needs the network once; nothing is downloaded at run time, spaCy is used
as ``spacy.blank("en")`` without a model)::

    python3 -m venv /work/venv-alibi
    /work/venv-alibi/bin/pip install alibi==0.9.6 scikit-learn==<lime_kit's version> scikit-image spacy click

Use the scikit-learn version of lime_kit's environment: the worker rebuilds the
models from ``anchors_recipes.py`` and only the same version gives the same
forests (the worker checks that it predicts the same classes for the explained
rows, column ``same``). ``click`` is listed because spaCy 3.7 imports it and
the current typer no longer brings it. Point ``--alibi-python`` at another
interpreter; when it is missing or cannot import alibi the script prints
``alibi not available: <reason>`` and runs lime_kit alone. alibi is never a
dependency of lime_kit or of its CI.

Cases (``--cases``, comma-separated):

- ``cancer-rf``, ``cancer-lr``, ``wine-rf``: breast cancer with a
  RandomForestClassifier(n_estimators=100, random_state=0) and with
  StandardScaler + LogisticRegression(max_iter=1000); wine with the same
  forest. ``train_test_split(test_size=0.25, random_state=0)``; the first
  ``--rows`` test rows are explained. lime_kit's TabularExplainer uses
  ``discretizer="quartile"``, like alibi's default ``disc_perc=(25, 50, 75)``.
- ``text-tfidf``, ``text-lexicon``: lime_kit's review corpus
  (``load_reviews``) split the same way, explained with a TF-IDF +
  LogisticRegression pipeline and with a model that only counts the words of
  ``POSITIVE_WORDS`` / ``NEGATIVE_WORDS``. alibi samples with
  ``sampling_strategy="unknown"`` (absent words become "UNK"); lime_kit
  removes absent words.
- ``image-watermark``: 64 px squares (``make_shape_image``) carrying a white
  7x7 watermark in the corner, explained for a classifier that reads only
  the watermark (the shortcut model of ``tests/test_image_shortcuts.py``).
  Both tools get the same SLIC segments and the same fill (the image's mean
  colour, handed to alibi as its one background image). ``patch`` is the
  share of anchors holding every segment that overlaps the watermark.

Per case and tool, medians over the explained rows: seconds per explanation,
model rows per explanation (the predictor is wrapped and counts rows), rule
length (predicates), the precision and coverage the tool reports, and
``holds``: the share of explanations whose precision measured afresh on
``--fresh-samples`` new samples drawn by the tool's own sampler with the
anchor held (lime_kit: :func:`lime_kit.evaluation.anchor_precision`; alibi:
its sampler called with the anchor) is at least ``threshold - tolerance``.
Then lime_kit / alibi for seconds and rows. ``extra`` gives the median fresh
precision, for alibi's tabular cases ``data prec`` (the share of training rows
satisfying the anchor that get the instance's class) and for the image case
``patch``. ``--json PATH`` keeps every explanation's record (anchor included).

alibi's fresh precision on tabular data is far below the precision it reports
(about 0.5-0.7 against 0.99-1.0 with 0.9.6 on these cases): its search counts,
for a longer anchor, the earlier samples of a shorter one in which the new
predicate happened to hold, which are whole training rows, while the samples
drawn for the anchor itself mix the anchor's features of one row with the
other features of another. ``data prec`` shows that the rules do hold on
real rows.

Settings: both search for ``threshold=0.95`` with ``delta=0.1``; lime_kit with
``tolerance=0.05, beam_size=1`` and quartile bins (``--beam-size``,
``--discretizer model`` for lime_kit's default bins); alibi with its defaults ``tau=0.15,
beam_size=1, batch_size=100`` (``--alibi-tau``, ``--alibi-beam-size``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import anchors_recipes as recipes  # noqa: E402
from common import print_table  # noqa: E402

DEFAULT_ALIBI_PYTHON = "/work/venv-alibi/bin/python"
IMAGE_SIZE = 64
COLUMNS = ["case", "tool", "n", "s/expl", "rows", "len", "precision", "coverage", "holds", "extra"]


# ---------------------------------------------------------------- the shared cases
def text_data() -> dict:
    from lime_kit.datasets import NEGATIVE_WORDS, POSITIVE_WORDS, load_reviews

    texts, labels = load_reviews()
    train, y_train, test = recipes.split_texts(texts, labels)
    return {
        "train_texts": train,
        "train_labels": [int(v) for v in y_train],
        "test_texts": test,
        "positive": list(POSITIVE_WORDS),
        "negative": list(NEGATIVE_WORDS),
    }


def image_data(n: int) -> dict:
    """``n`` watermarked squares, their SLIC segments (labels 0..K-1) and their mean-colour fills."""
    from skimage.segmentation import slic

    from lime_kit.datasets import make_shape_image

    images, segments, fills = [], [], []
    for i in range(n):
        image, _ = make_shape_image("square", IMAGE_SIZE, random_state=100 + i)
        image[recipes.PATCH] = recipes.PATCH_COLOR
        labels = slic(image, n_segments=40, compactness=10, start_label=0)
        segments.append(np.unique(labels, return_inverse=True)[1].reshape(labels.shape))
        mean = np.round(image.reshape(-1, 3).mean(axis=0)).astype(np.uint8)
        fills.append(np.broadcast_to(mean, image.shape).copy())
        images.append(image)
    return {"images": np.stack(images), "segments": np.stack(segments), "fills": np.stack(fills)}


def expected_labels(cases, args, text, images) -> dict:
    """Classes lime_kit's environment predicts for the explained rows: the worker must find the same."""
    out = {}
    for name in cases:
        if name in recipes.TABULAR_CASES:
            case = recipes.tabular_case(name)
            out[name] = case["predict_proba"](case["X_test"][: args.rows]).argmax(1).tolist()
        elif name in recipes.TEXT_CASES:
            predict = recipes.text_model(name, text["train_texts"], text["train_labels"], text["positive"], text["negative"])
            out[name] = predict(text["test_texts"][: args.text_rows]).argmax(1).tolist()
        else:
            out[name] = recipes.watermark_proba(images["images"][: args.image_rows]).argmax(1).tolist()
    return out


# ---------------------------------------------------------------- alibi, in its own environment
def run_alibi(args, cases, text, images, folder: Path) -> tuple[dict | None, str]:
    """alibi's result, or ``(None, reason)`` when it cannot run here."""
    python = Path(args.alibi_python)
    if not python.exists():
        return None, f"no interpreter at {python} (make the venv as this script's docstring shows)"
    spec = {
        "cases": cases,
        "threshold": args.threshold,
        "delta": args.delta,
        "tau": args.alibi_tau,
        "beam_size": args.alibi_beam_size,
        "batch_size": 100,
        "seed": 0,
        "fresh_seed": 1,
        "fresh_samples": args.fresh_samples,
        "rows": args.rows,
        "text_rows": args.text_rows,
        "image_rows": args.image_rows,
        "text": text,
        "image": {"images": "images.npy", "segments": "segments.npy", "fills": "fills.npy"},
    }
    if images is not None:
        for key in ("images", "segments", "fills"):
            np.save(folder / f"{key}.npy", images[key])
    spec["expected_labels"] = expected_labels(cases, args, text, images)
    (folder / "spec.json").write_text(json.dumps(spec))
    log = folder / "alibi_worker.log"
    command = [str(python), str(HERE / "anchors_alibi_worker.py"), str(folder / "spec.json"), str(folder / "result.json")]
    with log.open("w") as stderr:
        try:
            done = subprocess.run(command, stdout=stderr, stderr=stderr, timeout=args.alibi_timeout)
        except subprocess.TimeoutExpired:
            return None, f"the worker ran past --alibi-timeout={args.alibi_timeout} s"
    result_file = folder / "result.json"
    if done.returncode != 0 or not result_file.exists():
        lines = [line for line in log.read_text().splitlines() if line.strip()]
        return None, lines[-1] if lines else f"the worker exited with code {done.returncode}"
    return json.loads(result_file.read_text()), ""


# ---------------------------------------------------------------- lime_kit
def _lime_kit_case(name: str, args, text, images) -> list[dict]:
    from lime_kit import ImageExplainer, TabularExplainer, TextExplainer
    from lime_kit.evaluation import anchor_precision

    if name in recipes.TABULAR_CASES:
        case = recipes.tabular_case(name)
        explainer = TabularExplainer(
            case["X_train"], feature_names=case["feature_names"], class_names=case["class_names"],
            discretizer=args.discretizer, random_state=0,
        )
        jobs = [(explainer, x, case["predict_proba"], None) for x in case["X_test"][: args.rows]]
    elif name in recipes.TEXT_CASES:
        predict = recipes.text_model(name, text["train_texts"], text["train_labels"], text["positive"], text["negative"])
        explainer = TextExplainer(random_state=0)
        jobs = [(explainer, doc, predict, None) for doc in text["test_texts"][: args.text_rows]]
    else:
        jobs = [
            (ImageExplainer(segmentation=images["segments"][i], hide_color=images["fills"][i], random_state=0),
             images["images"][i], recipes.watermark_proba, images["segments"][i])
            for i in range(min(args.image_rows, len(images["images"])))
        ]
    records = []
    for i, (explainer, instance, predict, segments) in enumerate(jobs):
        counter = recipes.RowCounter(predict)
        start = time.perf_counter()
        exp = explainer.explain(
            instance, counter, method="anchors", threshold=args.threshold, delta=args.delta,
            tolerance=args.tolerance, beam_size=args.beam_size, random_state=i,
        )
        seconds = time.perf_counter() - start
        fresh = anchor_precision(explainer, instance, predict, exp, num_samples=args.fresh_samples, random_state=1)
        features = [int(f) for f in exp.anchor_features]
        record = {
            "seconds": seconds,
            "model_rows": counter.rows,
            "reported_rows": int(exp.num_samples),
            "anchor": [str(a) for a in exp.anchor],
            "features": features,
            "length": len(exp.anchor),
            "precision": float(exp.precision),
            "coverage": float(exp.coverage),
            "fresh_precision": float(fresh),
            "label": int(exp.labels[0]),
        }
        if segments is not None:
            record["holds_patch"] = set(recipes.patch_segments(segments)) <= set(features)
        records.append(record)
    return records


def lime_kit_anchors_reason() -> str:
    """Why lime_kit cannot run anchors here ("" when it can): the method or its evaluation may be missing."""
    try:
        from lime_kit.core.methods import resolve_method
        from lime_kit.evaluation import anchor_precision  # noqa: F401

        resolve_method("anchors")
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return ""


def run_lime_kit(args, cases, text, images) -> dict:
    reason = lime_kit_anchors_reason()
    if reason:
        print(f"lime_kit anchors not available: {reason}")
        return {}
    out = {}
    for name in cases:
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                # The table counts how often the anchors hold; per-row reliability alarms would bury it.
                warnings.simplefilter("ignore")
                out[name] = {"records": _lime_kit_case(name, args, text, images)}
        except Exception as error:  # one case failing (or anchors not merged yet) must not hide the others
            out[name] = {"error": f"{type(error).__name__}: {error}"}
        print(f"lime_kit: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return out


# ---------------------------------------------------------------- the table
def summarise(records: list[dict], floor: float) -> dict:
    """Medians over the explained rows, and the share of measured anchors whose fresh precision >= ``floor``."""

    def median(key):
        values = [r[key] for r in records if r.get(key) is not None]
        return statistics.median(values) if values else None

    measured = [r["fresh_precision"] for r in records if r.get("fresh_precision") is not None]
    return {
        "n": len(records),
        "seconds": median("seconds"),
        "rows": median("model_rows"),
        "length": median("length"),
        "precision": median("precision"),
        "coverage": median("coverage"),
        "holds": sum(p >= floor for p in measured) / len(measured) if measured else None,
        "measured": len(measured),
    }


def _extra(records: list[dict]) -> str:
    parts = []
    if any("holds_patch" in r for r in records):
        parts.append(f"patch {sum(bool(r.get('holds_patch')) for r in records)}/{len(records)}")
    data = [r["data_precision"] for r in records if r.get("data_precision") is not None]
    if data:
        parts.append(f"data prec {statistics.median(data):.3f}")
    fresh = [r["fresh_precision"] for r in records if r.get("fresh_precision") is not None]
    if fresh:
        parts.append(f"fresh prec {statistics.median(fresh):.3f}")
    return ", ".join(parts)


def table_rows(name: str, tool: str, outcome: dict | None, floor: float) -> list[dict]:
    empty = dict.fromkeys(COLUMNS[2:], "")
    if outcome is None:
        return []
    if "error" in outcome:
        return [{"case": name, "tool": tool, **empty, "extra": f"failed: {outcome['error'][:80]}"}]
    s = summarise(outcome["records"], floor)

    def fmt(value, spec):
        return "" if value is None else format(value, spec)

    extra = _extra(outcome["records"])
    if outcome.get("labels_agree") is False:
        extra = "MODELS DIFFER; " + extra
    return [{
        "case": name, "tool": tool, "n": s["n"], "s/expl": fmt(s["seconds"], ".3g"), "rows": fmt(s["rows"], ",.0f"),
        "len": fmt(s["length"], "g"), "precision": fmt(s["precision"], ".3f"), "coverage": fmt(s["coverage"], ".3f"),
        "holds": "" if s["holds"] is None else f"{s['holds']:.0%} of {s['measured']}", "extra": extra,
    }]


def ratio_rows(cases, ours: dict, theirs: dict | None, floor: float) -> list[dict]:
    rows = []
    for name in cases:
        a, b = ours.get(name, {}), (theirs or {}).get(name, {})
        if "records" not in a or "records" not in b:
            continue
        sa, sb = summarise(a["records"], floor), summarise(b["records"], floor)
        rows.append({
            "case": name,
            "seconds lime_kit/alibi": f"{sa['seconds'] / sb['seconds']:.3g}",
            "rows lime_kit/alibi": f"{sa['rows'] / sb['rows']:.3g}",
        })
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=",".join(recipes.ALL_CASES), help="comma-separated: " + ", ".join(recipes.ALL_CASES))
    parser.add_argument("--rows", type=int, default=10, help="tabular rows per case (default 10)")
    parser.add_argument("--text-rows", type=int, default=None, help="texts per case (default --rows)")
    parser.add_argument("--image-rows", type=int, default=None, help="images (default 5, or --rows if smaller)")
    parser.add_argument("--fresh-samples", type=int, default=10_000)
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--delta", type=float, default=0.1)
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--beam-size", type=int, default=1, help="lime_kit beam size (default 1, as alibi)")
    parser.add_argument("--discretizer", default="quartile", help="lime_kit bins: quartile (as alibi) or model")
    parser.add_argument("--alibi-tau", type=float, default=0.15)
    parser.add_argument("--alibi-beam-size", type=int, default=1)
    parser.add_argument("--alibi-python", default=DEFAULT_ALIBI_PYTHON)
    parser.add_argument("--alibi-timeout", type=float, default=3600)
    parser.add_argument("--no-alibi", action="store_true", help="run lime_kit alone")
    parser.add_argument("--no-lime-kit", action="store_true", help="run alibi alone")
    parser.add_argument("--quick", action="store_true", help="3 rows, 2 images, 2,000 fresh samples")
    parser.add_argument("--json", help="also write every explanation's record to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.image_rows, args.fresh_samples = min(args.rows, 3), 2, min(args.fresh_samples, 2000)
    args.text_rows = args.rows if args.text_rows is None else args.text_rows
    args.image_rows = min(5, args.rows) if args.image_rows is None else args.image_rows
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in recipes.ALL_CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {list(recipes.ALL_CASES)}")
    return args, cases


def main(argv=None) -> None:
    args, cases = parse_args(argv)
    floor = args.threshold - args.tolerance
    text = text_data() if any(c in recipes.TEXT_CASES for c in cases) else None
    images = image_data(args.image_rows) if any(c in recipes.IMAGE_CASES for c in cases) else None
    alibi, version = None, ""
    if args.no_alibi:
        print("alibi not available: --no-alibi")
    else:
        with tempfile.TemporaryDirectory(prefix="bench_anchors_") as folder:
            result, reason = run_alibi(args, cases, text, images, Path(folder))
        if result is None:
            print(f"alibi not available: {reason}")
        else:
            alibi, version = result["cases"], f"alibi {result['alibi']} (numpy {result['numpy']})"
    ours = {} if args.no_lime_kit else run_lime_kit(args, cases, text, images)

    print(f"\nAnchors, threshold {args.threshold}, delta {args.delta}; lime_kit tolerance {args.tolerance}, beam {args.beam_size}, {args.discretizer} bins; "
          f"alibi tau {args.alibi_tau}, beam {args.alibi_beam_size}{'; ' + version if version else ''}")
    print(f"holds = share of anchors whose precision on {args.fresh_samples:,} fresh samples is >= {floor:.2f}\n")
    rows = []
    for name in cases:
        rows += table_rows(name, "lime_kit", ours.get(name), floor)
        rows += table_rows(name, "alibi", (alibi or {}).get(name), floor)
    if rows:
        print_table(rows, COLUMNS)
    ratios = ratio_rows(cases, ours, alibi, floor)
    if ratios:
        print()
        print_table(ratios, list(ratios[0]))
    if args.json:
        Path(args.json).write_text(json.dumps({"lime_kit": ours, "alibi": alibi, "settings": vars(args)}, indent=1))


if __name__ == "__main__":
    main()
