"""alibi's half of ``bench_anchors.py``: run inside the alibi environment, never import lime_kit.

    /work/venv-alibi/bin/python benchmarks/anchors_alibi_worker.py SPEC.json RESULT.json

alibi 0.9.6 pins numpy<2, so it lives in its own virtual environment (see
``bench_anchors.py`` for how to make it) and this script talks to lime_kit's
side through two JSON files. It rebuilds every model from
``anchors_recipes.py``; the review texts and the shape images (``.npy`` files
next to the spec) come from the spec, because only lime_kit can make them.

Per explained row it records the seconds, the model rows (the predictor is
wrapped and counts the rows it scores, from the instance's own prediction on),
the anchor (alibi's readable predicates and the feature indices), its length
(number of predicates), the precision and coverage alibi reports, and the
precision measured afresh: the share of ``fresh_samples`` new samples, drawn by
alibi's own sampler with the anchor held, whose predicted class is the
instance's. The fresh samples are not counted in the model rows.

- AnchorTabular: the anchor's *encoded* predicates (which bins are allowed)
  are captured as the search hands them to ``add_names_to_exp`` and passed
  back to the fitted ``TabularSampler``. Also recorded: ``data_precision``,
  the same share over the training rows that satisfy the anchor.
- AnchorText: ``sampling_strategy="unknown"`` (absent words become "UNK") on
  ``spacy.blank("en")``, so no spaCy model is downloaded; the anchor's word
  positions go back to ``explainer.sampler``.
- AnchorImage: the segments lime_kit's side computed (a custom
  segmentation function returns them) and, as the only background image, the
  fill lime_kit uses; a fresh ``AnchorImageSampler`` draws the new samples.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anchors_recipes as recipes  # noqa: E402


def _search_options(spec: dict) -> dict:
    return {
        "threshold": spec["threshold"],
        "delta": spec["delta"],
        "tau": spec["tau"],
        "beam_size": spec["beam_size"],
        "batch_size": spec["batch_size"],
    }


def _record(explanation, seconds: float, rows: int, features, fresh, label: int, **extra) -> dict:
    names = [str(a) for a in explanation.anchor] if not isinstance(explanation.anchor, np.ndarray) else []
    return {
        "seconds": seconds,
        "model_rows": rows,
        "anchor": names,
        "features": [int(f) for f in features],
        "length": len(features) if not names else len(names),
        "precision": float(explanation.precision),
        "coverage": float(explanation.coverage),
        "fresh_precision": fresh,
        "label": int(label),
        **extra,
    }


def run_tabular(name: str, spec: dict) -> list[dict]:
    from alibi.explainers import AnchorTabular

    case = recipes.tabular_case(name)
    counter = recipes.RowCounter(case["predict_proba"])
    explainer = AnchorTabular(counter, case["feature_names"], seed=spec["seed"])
    explainer.fit(case["X_train"], disc_perc=(25, 50, 75))
    sampler = explainer.samplers[0]
    captured = {}
    name_anchor = explainer.add_names_to_exp

    def capture(result):
        # The search's encoded predicates (bin ranges) are only visible here; names come after.
        captured["encoded"] = tuple(int(f) for f in result["feature"])
        name_anchor(result)

    explainer.add_names_to_exp = capture
    records = []
    for i, x in enumerate(case["X_test"][: spec["rows"]]):
        np.random.seed(spec["seed"] + i)
        counter.rows = 0
        start = time.perf_counter()
        exp = explainer.explain(x, **_search_options(spec))
        seconds = time.perf_counter() - start
        rows = counter.rows
        label = int(exp.raw["prediction"][0])
        features = list(exp.raw["feature"])
        fresh = data = None
        if captured["encoded"]:
            np.random.seed(spec["fresh_seed"] + i)
            fresh = float(sampler((0, captured["encoded"]), spec["fresh_samples"])[2].mean())
            _, allowed_rows, _ = sampler.get_features_index(captured["encoded"])
            covered = np.arange(len(case["X_train"]))
            for f in set(features):
                covered = np.intersect1d(covered, allowed_rows[f])
            if len(covered):
                data = float(np.mean(case["predict_proba"](case["X_train"][covered]).argmax(1) == label))
        records.append(_record(exp, seconds, rows, features, fresh, label, data_precision=data))
    return records


def run_text(name: str, spec: dict) -> list[dict]:
    import spacy
    from alibi.explainers import AnchorText

    text = spec["text"]
    predict = recipes.text_model(name, text["train_texts"], text["train_labels"], text["positive"], text["negative"])
    counter = recipes.RowCounter(predict)
    explainer = AnchorText(counter, sampling_strategy="unknown", nlp=spacy.blank("en"), seed=spec["seed"])
    records = []
    for i, doc in enumerate(text["test_texts"][: spec["text_rows"]]):
        np.random.seed(spec["seed"] + i)
        counter.rows = 0
        start = time.perf_counter()
        exp = explainer.explain(doc, **_search_options(spec))
        seconds = time.perf_counter() - start
        rows = counter.rows
        features = tuple(int(f) for f in exp.raw["feature"])
        np.random.seed(spec["fresh_seed"] + i)
        fresh = float(explainer.sampler((0, features), spec["fresh_samples"])[2].mean())
        records.append(_record(exp, seconds, rows, features, fresh, int(exp.raw["prediction"][0])))
    return records


def run_image(name: str, spec: dict, folder: Path) -> list[dict]:
    from alibi.explainers import AnchorImage
    from alibi.explainers.anchors.anchor_image import AnchorImageSampler

    images = np.load(folder / spec["image"]["images"])
    segments = np.load(folder / spec["image"]["segments"])
    fills = np.load(folder / spec["image"]["fills"])
    records = []
    for i in range(min(spec["image_rows"], len(images))):
        counter = recipes.RowCounter(recipes.watermark_proba)
        seg = segments[i]
        explainer = AnchorImage(
            counter, image_shape=images[i].shape, segmentation_fn=lambda _image, seg=seg: seg,
            images_background=fills[i : i + 1], seed=spec["seed"],
        )
        np.random.seed(spec["seed"] + i)
        counter.rows = 0
        start = time.perf_counter()
        exp = explainer.explain(images[i], p_sample=0.5, **_search_options(spec))
        seconds = time.perf_counter() - start
        rows = counter.rows
        features = tuple(int(f) for f in exp.raw["feature"])
        sampler = AnchorImageSampler(
            predictor=explainer.predictor, segmentation_fn=lambda _image, seg=seg: seg, custom_segmentation=True,
            image=images[i], images_background=fills[i : i + 1], p_sample=0.5, n_covered_ex=0,
        )
        np.random.seed(spec["fresh_seed"] + i)
        labels = [sampler((0, features), n)[2] for n in _chunks(spec["fresh_samples"], 1000)]
        fresh = float(np.concatenate(labels).mean())
        holds_patch = set(recipes.patch_segments(seg)) <= set(features)
        records.append(_record(exp, seconds, rows, features, fresh, int(exp.raw["prediction"][0]),
                               holds_patch=holds_patch))
    return records


def _chunks(total: int, size: int) -> list[int]:
    return [size] * (total // size) + ([total % size] if total % size else [])


def main(spec_path: str, result_path: str) -> None:
    import alibi

    spec = json.loads(Path(spec_path).read_text())
    folder = Path(spec_path).resolve().parent
    result = {"alibi": alibi.__version__, "numpy": np.__version__, "cases": {}}
    for name in spec["cases"]:
        started = time.perf_counter()
        try:
            if name in recipes.TABULAR_CASES:
                records = run_tabular(name, spec)
            elif name in recipes.TEXT_CASES:
                records = run_text(name, spec)
            else:
                records = run_image(name, spec, folder)
            expected = spec.get("expected_labels", {}).get(name)
            agree = None if expected is None else [r["label"] for r in records] == expected[: len(records)]
            result["cases"][name] = {"records": records, "labels_agree": agree}
        except Exception as error:  # one case failing must not hide the others
            traceback.print_exc()
            result["cases"][name] = {"error": f"{type(error).__name__}: {error}"}
        print(f"alibi worker: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        Path(result_path).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: anchors_alibi_worker.py SPEC.json RESULT.json")
    main(sys.argv[1], sys.argv[2])
