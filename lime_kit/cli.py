"""The ``lime-kit`` command line: explain a saved model's predictions, or run a demo.

``lime-kit demo tabular [--out FOLDER]`` explains one prediction on bundled
data. ``lime-kit explain tabular|text|image --model FILE ...`` explains a
model saved with joblib (any scikit-learn estimator or pipeline) or, for
images, a TorchScript ``.pt`` file, and writes a PNG, a standalone HTML
report and the explanation as JSON (JSON lines for many rows).

The command line is a boundary for people, not programs: every mistake a
user can make (a missing file, a row out of range, columns the model does not
know, a model without ``predict``, an unreadable image) ends in one line on
stderr and a non-zero exit code, never a traceback. The terminal summary
prints each explanation's warnings, so the explainers' own UserWarning is
silenced here; it also prints the tie groups under the ranking they qualify,
and the notes.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lime_kit.core.methods import method_names, registered_methods
from lime_kit.core.validation import UNRELIABLE
from lime_kit.demos import DEMOS, run_demo
from lime_kit.modalities import get_modality, registered_modalities

__all__ = ["main"]

EXIT_USAGE = 2  # bad arguments or inputs: the user can fix the command
EXIT_FAILED = 1  # the inputs were read but explaining failed
SUMMARY_FEATURES = 10  # features per label printed to the terminal
SUMMARY_WARNINGS = 8  # warning lines printed for a set; the report lists them all


class CommandError(Exception):
    """A mistake in the command or its inputs, reported as one line without a traceback."""


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus an error and exits; here a bad argument is one line like every other error."""

    def error(self, message: str):
        raise CommandError(f"{self.prog}: {message} (see {self.prog} --help)")


def _one_line(error: BaseException | str) -> str:
    text = " ".join(str(error).split())
    if isinstance(error, BaseException):
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text[:400] + ("…" if len(text) > 400 else "")


# ------------------------------------------------------------------ models


@dataclass
class _Model:
    """A loaded model as the explainers need it."""

    predict_fn: Callable
    mode: str
    class_names: list[str] | None
    feature_names: list[str] | None  # the model's feature_names_in_, when it has them
    n_features: int | None  # the model's n_features_in_, when it has it
    torch_module: object = None


def _existing_file(path: str, what: str) -> Path:
    file = Path(path)
    if not file.exists():
        raise CommandError(f"{what} file not found: {path}")
    if not file.is_file():
        raise CommandError(f"{what} path is not a file: {path}")
    return file


def _load_model(path: str) -> tuple[object, Path]:
    file = _existing_file(path, "model")
    if file.suffix.lower() in (".pt", ".pth"):
        try:
            import torch
        except ImportError:
            raise CommandError(f"{file.name} is a TorchScript file and needs PyTorch: pip install 'lime_kit[torch]'") from None
        try:
            return torch.jit.load(str(file), map_location="cpu"), file
        except Exception as error:
            raise CommandError(
                f"could not load {file} as a TorchScript module ({_one_line(error)}); save the model with "
                "torch.jit.save(torch.jit.script(model), path)"
            ) from None
    import joblib

    try:
        return joblib.load(file), file
    except Exception as error:
        raise CommandError(
            f"could not load {file} with joblib ({_one_line(error)}); save the model with joblib.dump(model, path)"
        ) from None


def _sklearn_model(model, file: Path, class_names: list[str] | None) -> _Model:
    """predict_proba when the model has it (classification), predict otherwise (regression)."""
    if callable(getattr(model, "predict_proba", None)):
        predict, mode = model.predict_proba, "classification"
    elif callable(getattr(model, "predict", None)):
        predict, mode = model.predict, "regression"
    else:
        raise CommandError(
            f"the model in {file.name} ({type(model).__name__}) has neither predict_proba nor predict; "
            "save a fitted scikit-learn estimator or pipeline"
        )
    if class_names is None and mode == "classification" and getattr(model, "classes_", None) is not None:
        class_names = [str(name) for name in model.classes_]
    names = getattr(model, "feature_names_in_", None)
    n_features = getattr(model, "n_features_in_", None)
    return _Model(
        predict_fn=predict,
        mode=mode,
        class_names=class_names,
        feature_names=None if names is None else [str(name) for name in names],
        n_features=None if n_features is None else int(n_features),
    )


def _probe(predict_fn: Callable, inputs, what: str) -> np.ndarray:
    """Call the model once on real inputs, so a mismatch is reported before any sampling."""
    try:
        # A model that fails often warns first (feature names, dtypes); the error line says what matters.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(predict_fn(inputs))
    except Exception as error:
        raise CommandError(f"the model failed on {what}: {_one_line(error)}") from None


@dataclass
class _InputPipeline:
    """How image pixels become a TorchScript model's input (--mean, --std, --channel-order)."""

    mean: list[float] | None
    std: list[float] | None
    channel_order: str

    def check(self, image: np.ndarray) -> None:
        channels = 1 if image.ndim == 2 else image.shape[2]
        for option, values in (("--mean", self.mean), ("--std", self.std)):
            if values is not None and len(values) not in (1, channels):
                raise CommandError(
                    f"{option} has {len(values)} values but the image has {channels} channel(s); pass one value, "
                    f"or one per channel in the model's channel order"
                )
        if self.std is not None and min(self.std) <= 0:
            raise CommandError(f"--std must be positive, got {','.join(map(str, self.std))}")
        if self.channel_order == "bgr" and channels != 3:
            raise CommandError(f"--channel-order bgr needs an RGB image; this one has {channels} channel(s)")

    def describe(self, image: np.ndarray) -> str:
        scale = "x / 255" if image.dtype == np.uint8 else "x (no scaling)"
        order = "grayscale" if image.ndim == 2 else "RGB" if self.channel_order == "rgb" else "channels reversed to BGR"
        if self.mean is None and self.std is None:
            normalize = "no mean/std normalisation (pass --mean and --std if the model was trained with them)"
        else:
            normalize = (
                f"then (x - mean) / std with mean {_numbers(self.mean or [0.0])}, std {_numbers(self.std or [1.0])}"
            )
        return f"model input: {order}, {scale}, {normalize}"


def _numbers(values: list[float]) -> str:
    return ",".join(f"{v:g}" for v in values)


def _torch_model(module, image: np.ndarray, class_names: list[str] | None, pipeline: _InputPipeline) -> _Model:
    """Wrap a TorchScript module; the probe on the image decides softmax and mode.

    One output column is a regression; rows that are already probabilities
    (non-negative, summing to 1) are used as they are; anything else is
    taken as logits and gets a softmax.
    """
    from lime_kit.torch_adapter import torch_predict_fn

    pipeline.check(image)
    inputs = {"mean": pipeline.mean, "std": pipeline.std, "channel_order": pipeline.channel_order}
    raw = _probe(torch_predict_fn(module, softmax=False, **inputs), image[None], "the image")
    if raw.ndim != 2:
        raise CommandError(f"the TorchScript model returned shape {raw.shape} for one image; expected (1, n_outputs)")
    regression = raw.shape[1] == 1
    probabilities = bool(raw.min() >= 0 and np.allclose(raw.sum(axis=1), 1.0, atol=1e-4))
    softmax = not regression and not probabilities
    return _Model(
        predict_fn=torch_predict_fn(module, softmax=softmax, **inputs),
        mode="regression" if regression else "classification",
        class_names=None if regression else class_names,
        feature_names=None,
        n_features=None,
        torch_module=module,
    )


# ------------------------------------------------------------------ inputs


def _read_csv(path: str, what: str):
    import pandas as pd

    file = _existing_file(path, what)
    try:
        frame = pd.read_csv(file)
    except Exception as error:
        raise CommandError(f"could not read {file} as CSV ({_one_line(error)})") from None
    if frame.empty or frame.shape[1] == 0:
        raise CommandError(f"{file} holds no rows; pass a CSV with a header line and at least one row")
    return frame


def _match_columns(frame, model: _Model, name: str, notes: list[str]):
    """The model's columns from ``frame``, by name; a CSV lacking some of them is refused."""
    if model.feature_names is not None:
        missing = [column for column in model.feature_names if column not in frame.columns]
        if missing:
            raise CommandError(
                f"{name} lacks columns the model was trained on: {', '.join(missing)} "
                f"(the model takes {len(model.feature_names)} columns: {', '.join(model.feature_names)})"
            )
        extra = [str(column) for column in frame.columns if column not in model.feature_names]
        if extra:
            notes.append(f"{name}: ignoring columns the model does not use: {', '.join(extra)}")
        return frame[model.feature_names]
    if model.n_features is not None and frame.shape[1] != model.n_features:
        raise CommandError(
            f"{name} has {frame.shape[1]} columns but the model takes {model.n_features} features; "
            "pass a CSV with exactly the model's input columns"
        )
    return frame


def _positions(args, n_rows: int, name: str) -> list[int] | int:
    """One row (an int) for --row, a list of positions for --rows and --all."""
    last = f"{name} has {n_rows} rows (0..{n_rows - 1})"
    if args.row is not None:
        if not 0 <= args.row < n_rows:
            raise CommandError(f"row {args.row} is out of range: {last}")
        return args.row
    if args.all:
        return list(range(n_rows))
    start_text, _, stop_text = args.rows.partition(":")
    try:
        start = int(start_text) if start_text.strip() else 0
        stop = int(stop_text) if stop_text.strip() else n_rows
    except ValueError:
        raise CommandError(f"--rows takes START:STOP with whole numbers, e.g. 0:100; got {args.rows!r}") from None
    if not 0 <= start < stop or ":" not in args.rows:
        raise CommandError(f"--rows {args.rows} selects no rows; pass START:STOP with 0 <= START < STOP, e.g. 0:100")
    if stop > n_rows:
        raise CommandError(f"rows {start}:{stop} reach past the end: {last}; use {start}:{n_rows} or --all")
    return list(range(start, stop))


def _read_image(path: str) -> np.ndarray:
    file = _existing_file(path, "image")
    try:
        from skimage.io import imread

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # image plugins that fail leave file handles to the collector
            image = np.asarray(imread(file))
    except Exception as error:
        raise CommandError(f"could not read {file} as an image ({_one_line(error)})") from None
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]  # the alpha channel is not part of what the model sees
    if image.ndim not in (2, 3) or image.size == 0 or (image.ndim == 3 and image.shape[2] != 3):
        raise CommandError(f"{file} is not a grayscale or RGB image (array of shape {image.shape})")
    return np.ascontiguousarray(image)


def _read_text(args) -> tuple[str, str]:
    if args.text is not None:
        return args.text, "text"
    file = _existing_file(args.file, "text")
    try:
        return file.read_text(encoding="utf-8"), f"text_{file.stem}"
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"could not read {file} as UTF-8 text ({_one_line(error)})") from None


# ---------------------------------------------------------------- summaries


def _prediction_line(exp) -> str:
    if exp.mode == "regression":
        return f"prediction {exp.model_output[0]:.4g}"
    order = sorted(range(len(exp.model_output)), key=lambda k: -exp.model_output[k])
    return "predicted " + ", ".join(f"{exp.label_name(k)} {exp.model_output[k]:.3f}" for k in order[:3])


def _figure(values: dict, label: int, digits: int = 3) -> str:
    value = values.get(label)
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _print_rule(exp) -> None:
    """An anchors explanation: the rule, its precision and coverage with bounds, and how it grew."""
    label = exp.labels[0]
    rule = " AND ".join(exp.anchor) if exp.anchor else "(nothing needs to be held)"
    reached = "" if exp.payload.get("reached", True) else f" — does NOT reach threshold {exp.payload.get('threshold')}"
    print(f"  rule for {exp.label_name(label)}{reached}:")
    print(f"    IF {rule}")
    low, high = exp.precision_bounds
    coverage_low, coverage_high = exp.coverage_bounds
    print(
        f"  precision {exp.precision:.3f} [{low:.3f}, {high:.3f}] · coverage {exp.coverage:.3f} "
        f"[{coverage_low:.3f}, {coverage_high:.3f}] · {exp.num_samples} model rows"
    )
    for size, step in enumerate(exp.partial_anchors, start=1):
        print(
            f"    after {size} predicate(s): precision {step['precision']:.3f}, coverage {step['coverage']:.3f}"
        )


def _print_explanation(exp, heading: str) -> None:
    from lime_kit.plot.ties import shown_ties

    print(heading)
    print(f"  {_prediction_line(exp)}")
    if exp.method == "anchors":
        _print_rule(exp)
    for label in exp.labels if exp.method != "anchors" else ():
        what = "the prediction" if exp.mode == "regression" else exp.label_name(label)
        print(f"  top features for {what} (weight [95 % interval]):")
        rows = exp.as_list(label, intervals=True)[:SUMMARY_FEATURES]
        width = max((len(str(d)) for d, *_ in rows), default=0)
        for description, weight, low, high in rows:
            interval = f"[{low:+.3g}, {high:+.3g}]" if np.isfinite(low) and np.isfinite(high) else "[no interval]"
            print(f"    {str(description):<{width}}  {weight:+.3g}  {interval}")
        # Right under the ranking it qualifies: these ranks are within sampling noise of each other.
        for tie in shown_ties(exp, label, len(rows)):
            members = ", ".join(str(rows[p][0]) for p in range(tie.first, tie.last + 1))
            extra = f", and {tie.hidden} not shown" if tie.hidden else ""
            print(f"    tied: {members}{extra} (order within sampling noise)")
        print(
            f"  held-out R² {_figure(exp.heldout_score, label)} · stability {_figure(exp.stability, label, 2)} · "
            f"settled stability {_figure(exp.settled_stability, label, 2)} · {exp.num_samples} samples"
        )
    if exp.warnings:
        print("  warnings:")
        for note in exp.warnings:
            print(f"    - {note}")
    else:
        print("  warnings: none")
    if exp.notes:
        print("  notes:")
        for note in exp.notes:
            print(f"    - {note}")


def _print_set(explanation_set, rows: list[int], heading: str) -> None:
    frame = explanation_set.quality_frame()
    failed = len(explanation_set.failures)
    print(heading)
    print(f"  {len(rows) - failed} of {len(rows)} rows explained" + (f", {failed} failed" if failed else ""))
    explained = frame.dropna(subset=["score"])
    rules = [exp for exp in explanation_set if exp is not None and exp.method == "anchors"]
    if rules:
        precision = np.array([exp.precision for exp in rules])
        coverage = np.array([exp.coverage for exp in rules])
        reached = sum(bool(exp.payload.get("reached", True)) for exp in rules)
        print(
            f"  rules: {reached} of {len(rules)} reach the threshold · precision median {np.median(precision):.3f} "
            f"(lowest {precision.min():.3f}) · coverage median {np.median(coverage):.3f} · rule length median "
            f"{np.median([len(exp.anchor_features) for exp in rules]):.0f}"
        )
        importance = explanation_set.with_method("anchors").global_importance()
        print("  features the rules name (share of rules):")
        width = max((len(str(name)) for name in importance.index[:SUMMARY_FEATURES]), default=0)
        for name, share in zip(importance.index[:SUMMARY_FEATURES], importance["in_rules"][:SUMMARY_FEATURES]):
            if share > 0:
                print(f"    {str(name):<{width}}  {share:.0%}")
        explained = explained.iloc[:0]
    if len(explained):
        heldout, stability = explained["heldout_score"].astype(float), explained["stability"].astype(float)
        settled = explained["settled_stability"].astype(float)
        print(
            f"  held-out R² median {heldout.median():.3f} (lowest {heldout.min():.3f}) · stability median "
            f"{stability.median():.2f} (lowest {stability.min():.2f}) · settled stability median "
            f"{settled.median():.2f} (lowest {settled.min():.2f})"
        )
        importance = explanation_set.global_importance()
        print("  global importance (mean |weight|, share of rows that selected it):")
        width = max((len(str(name)) for name in importance.index[:SUMMARY_FEATURES]), default=0)
        for name, value, share in zip(
            importance.index[:SUMMARY_FEATURES],
            importance["importance"][:SUMMARY_FEATURES],
            importance["selected"][:SUMMARY_FEATURES],
        ):
            print(f"    {str(name):<{width}}  {value:.3g}  {share:.0%}")
    lines = [
        f"row {rows[position]}: {note}"
        for position, exp in enumerate(explanation_set)
        if exp is not None
        for note in exp.warnings
    ]
    lines += [f"row {rows[position]} failed: {message}" for position, message in explanation_set.failures]
    warned = sum(1 for exp in explanation_set if exp is not None and exp.warnings)
    print(f"  warnings: {warned} of {len(rows)} explanations carry warnings" if lines else "  warnings: none")
    for line in lines[:SUMMARY_WARNINGS]:
        print(f"    - {line}")
    if len(lines) > SUMMARY_WARNINGS:
        print(f"    … {len(lines) - SUMMARY_WARNINGS} more in the report")
    tied = sum(1 for exp in explanation_set if exp is not None and exp.ties())
    noted = sum(1 for exp in explanation_set if exp is not None and exp.notes)
    if noted:
        print(
            f"  notes: {noted} of {len(rows)} explanations carry notes ({tied} with tied features in their top 5); "
            "each explanation's notes are in the JSON lines"
        )


def _print_written(paths: list[Path]) -> None:
    print(f"wrote {len(paths)} files into {paths[0].parent.resolve()}:")
    for path in paths:
        print(f"  {path.name}")


# ------------------------------------------------------------------ writing


def _write_explanation(exp, folder: Path, stem: str, figure, title: str) -> list[Path]:
    from lime_kit.plot.report import explanation_report

    folder.mkdir(parents=True, exist_ok=True)
    png, page, data = folder / f"{stem}.png", folder / f"{stem}.html", folder / f"{stem}.json"
    figure.savefig(png, dpi=120, facecolor="white", bbox_inches="tight")
    page.write_text(explanation_report(exp, title=title), encoding="utf-8")
    data.write_text(exp.to_json(indent=1), encoding="utf-8")
    return [png, page, data]


def _write_set(explanation_set, folder: Path, stem: str, title: str) -> list[Path]:
    from lime_kit.plot.many import plot_global_importance
    from lime_kit.plot.report import set_report

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    if any(exp is not None for exp in explanation_set):
        png = folder / f"{stem}.png"
        plot_global_importance(explanation_set).savefig(png, dpi=120, facecolor="white", bbox_inches="tight")
        paths.append(png)
    page = folder / f"{stem}.html"
    page.write_text(set_report(explanation_set, title=title), encoding="utf-8")
    paths.append(page)
    paths.append(Path(explanation_set.save(folder / f"{stem}.jsonl")))
    summary = folder / f"{stem}_global.csv"
    explanation_set.global_importance().to_csv(summary, index_label="feature")
    paths.append(summary)
    return paths


# ---------------------------------------------------------------- commands


def _explain_options(args) -> dict:
    """The keywords of ``explain``: the common options, and the modality's and method's ones that were given."""
    options = {"num_features": args.num_features}
    if args.num_samples is not None:
        options["num_samples"] = args.num_samples
    if args.top_labels is not None:
        options["top_labels"] = args.top_labels
    if args.method is not None:
        options["method"] = args.method
    options.update({name: getattr(args, name) for name in args.explain_keywords if hasattr(args, name)})
    return options


def _check_method_keywords(args) -> None:
    """A method's option given without that method is a usage error, caught before any model is loaded."""
    method = args.method or "lime"
    owners = {name: cls.name for cls in registered_methods().values() for name in cls.keywords}
    for name in args.explain_keywords:
        owner = owners.get(name)
        if hasattr(args, name) and owner is not None and name not in registered_methods()[method].keywords:
            flag = _flag(name)
            raise CommandError(f"{flag} is an option of --method {owner}; add --method {owner} or drop {flag}")


def _check_class_names(model: _Model, class_names: list[str] | None, outputs: np.ndarray) -> None:
    if class_names is None or model.mode != "classification":
        return
    n_outputs = outputs.shape[1] if outputs.ndim == 2 else 1
    if len(class_names) != n_outputs:
        raise CommandError(
            f"--class-names gives {len(class_names)} names but the model returns {n_outputs} class probabilities"
        )


@dataclass
class _Job:
    """What a modality's part of the CLI hands the one explain path: who explains what, and how it is named."""

    explainer: object
    predict_fn: Callable
    instances: object  # one instance, or the instances at ``rows`` when ``rows`` is set
    stem: str  # file names: <stem>.json, .png, .html (.jsonl, _global.csv for many)
    title: str
    heading: str  # first line of the terminal summary
    figure: Callable | None = None  # figure of one explanation
    rows: list[int] | None = None
    n_jobs: int = 1


def _explain(args, job: _Job) -> list[Path]:
    """Explain one instance or many the same way for every modality; write the files, print the summary."""
    folder = Path(args.out)
    if job.rows is None:
        exp = job.explainer.explain(job.instances, job.predict_fn, **_explain_options(args))
        paths = _write_explanation(exp, folder, job.stem, job.figure(exp), job.title)
        _print_explanation(exp, job.heading)
        return paths
    from lime_kit.batch import explain_many

    explanation_set = explain_many(
        job.explainer, job.instances, job.predict_fn, n_jobs=job.n_jobs, progress=sys.stderr.isatty(),
        random_state=args.seed, errors="keep", **_explain_options(args),
    )
    if not any(exp is not None for exp in explanation_set):
        first_failure = explanation_set.failures[0][1] if explanation_set.failures else "no explanation came back"
        raise RuntimeError(f"every one of the {len(job.rows)} rows failed; the first: {first_failure}")
    paths = _write_set(explanation_set, folder, job.stem, job.title)
    _print_set(explanation_set, job.rows, job.heading)
    return paths


def _tabular_job(args) -> _Job:
    from lime_kit import TabularExplainer

    model_object, model_file = _load_model(args.model)
    if model_file.suffix.lower() in (".pt", ".pth"):
        raise CommandError("a TorchScript model (.pt) works with 'lime-kit explain image' only")
    model = _sklearn_model(model_object, model_file, args.class_names)
    notes: list[str] = []
    data_name = Path(args.data).name
    data = _match_columns(_read_csv(args.data, "data"), model, data_name, notes)
    train = data if args.train is None else _match_columns(_read_csv(args.train, "training"), model, Path(args.train).name, notes)
    selected = _positions(args, len(data), data_name)
    first = selected if isinstance(selected, int) else selected[0]

    predict_fn = model.predict_fn
    if model.feature_names is None and model.n_features is not None:
        # Fitted on an array: hand it arrays, so it does not warn about feature names it never saw.
        def predict_fn(frame, _predict=model.predict_fn):
            return _predict(np.asarray(frame))

    outputs = _probe(predict_fn, data.iloc[[first]], f"row {first} of {data_name}")
    _check_class_names(model, model.class_names, outputs)
    for note in notes:
        print(f"note: {note}")
    try:
        explainer = TabularExplainer(
            train, mode=model.mode, class_names=model.class_names, categorical_features=args.categorical,
            random_state=args.seed,
        )
    except (TypeError, ValueError) as error:
        raise CommandError(f"could not build the explainer from the training rows: {_one_line(error)}") from None
    if isinstance(selected, int):
        return _Job(
            explainer, predict_fn, data.iloc[[selected]], f"tabular_row{selected}",
            f"lime_kit: row {selected} of {data_name}",
            f"tabular explanation of row {selected} of {data_name} ({model.mode})", figure=_weights_figure,
        )
    span = "all" if args.all else f"{selected[0]}-{selected[-1]}"
    return _Job(
        explainer, predict_fn, data.iloc[selected], f"tabular_rows_{span}",
        f"lime_kit: rows {selected[0]}-{selected[-1]} of {data_name} (instance k is row {selected[0]} + k)",
        f"tabular explanations of rows {selected[0]}-{selected[-1]} of {data_name}", rows=selected, n_jobs=args.n_jobs,
    )


def _weights_figure(exp):
    from lime_kit.plot.bars import plot_weights

    return plot_weights(exp)


def _text_job(args) -> _Job:
    from lime_kit import TextExplainer
    from lime_kit.plot.text import plot_text

    model_object, model_file = _load_model(args.model)
    if model_file.suffix.lower() in (".pt", ".pth"):
        raise CommandError("a TorchScript model (.pt) works with 'lime-kit explain image' only")
    model = _sklearn_model(model_object, model_file, args.class_names)
    text, stem = _read_text(args)
    if not text.strip():
        raise CommandError("the text is empty; pass a document with at least one word")
    outputs = _probe(model.predict_fn, [text], "the text")
    _check_class_names(model, model.class_names, outputs)
    explainer = TextExplainer(mode=model.mode, class_names=model.class_names, random_state=args.seed)
    source = "the --text string" if args.text is not None else Path(args.file).name
    return _Job(
        explainer, model.predict_fn, text, stem, f"lime_kit: text explanation of {source}",
        f"text explanation of {source} ({model.mode})", figure=plot_text,
    )


def _hide_color(value: str):
    if value in ("image_mean", "mean", "blur"):
        return value
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hide-color takes 'image_mean', 'mean', 'blur' or a number (e.g. 0 for black), got {value!r}"
        ) from None


def _floats(value: str) -> list[float]:
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if not numbers or not all(np.isfinite(numbers)):
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 0.485,0.456,0.406; got {value!r}")
    return numbers


def _image_job(args) -> _Job:
    from lime_kit import ImageExplainer
    from lime_kit.plot.image import plot_panel

    image = _read_image(args.image)
    model_object, model_file = _load_model(args.model)
    pipeline = _InputPipeline(args.mean, args.std, args.channel_order)
    if model_file.suffix.lower() in (".pt", ".pth"):
        model = _torch_model(model_object, image, args.class_names, pipeline)
        print(pipeline.describe(image))
    else:
        if pipeline != _InputPipeline(None, None, "rgb"):
            raise CommandError(
                "--mean, --std and --channel-order apply to TorchScript (.pt) models; a joblib model gets the "
                "image's pixels as they are, so put any normalisation inside the saved pipeline"
            )
        model = _sklearn_model(model_object, model_file, args.class_names)
    outputs = _probe(model.predict_fn, image[None], "the image")
    _check_class_names(model, model.class_names, outputs)
    explainer = ImageExplainer(
        mode=model.mode, class_names=model.class_names, hide_color=args.hide_color, random_state=args.seed,
        **({} if args.segmentation is None else {"segmentation": args.segmentation}),
    )
    name = Path(args.image).name
    return _Job(
        explainer, model.predict_fn, image, f"image_{Path(args.image).stem}", f"lime_kit: image explanation of {name}",
        f"image explanation of {name} ({model.mode})", figure=plot_panel,
    )


@dataclass(frozen=True)
class _Part:
    """A modality's part of the command line: the arguments naming its inputs, and the job that reads them.

    Everything else a modality's subcommand offers comes from declarations:
    its explainer's own ``explain`` keywords (``explain_options``, help from
    ``explain``'s docstring) and the keywords of every registered method
    its ``explain`` takes (``Method.keywords`` and ``Method.keyword_help``).
    """

    help: str
    add_inputs: Callable[[argparse.ArgumentParser], None]
    job: Callable[[argparse.Namespace], _Job]
    #: ``explain`` keywords the part's own arguments already set (through the explainer's constructor).
    own: tuple[str, ...] = ()
    #: Argument types of ``explain`` keywords whose default does not tell it.
    types: dict[str, Callable[[str], object]] = field(default_factory=dict)


def _tabular_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="CSV with a header line: the rows to explain")
    parser.add_argument("--train", help="CSV of training rows for the explainer's statistics (default: --data)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--row", type=int, help="explain this row (0-based, header not counted)")
    which.add_argument("--rows", help="explain rows START:STOP (STOP excluded), e.g. 0:100")
    which.add_argument("--all", action="store_true", help="explain every row")
    parser.add_argument("--categorical", type=_names, help="comma-separated columns to treat as categorical")
    parser.add_argument("--n-jobs", type=int, default=1, help="parallel workers for --rows/--all (default: 1)")


def _text_inputs(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the document itself")
    source.add_argument("--file", help="a UTF-8 text file holding the document")


def _image_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image", required=True, help="the image file; an alpha channel is dropped")
    parser.add_argument(
        "--segmentation", default=None, choices=["quickshift", "slic", "felzenszwalb", "watershed"],
        help="superpixel algorithm with its default settings (default: the explainer's, slic with sigma=1)",
    )
    parser.add_argument(
        "--hide-color", type=_hide_color, default="image_mean",
        help="what hidden segments show: 'image_mean' (the image's mean colour), 'mean' (each segment's own mean "
        "colour, lime's), 'blur' or a value such as 0 (default: %(default)s)",
    )
    parser.add_argument(
        "--mean", type=_floats,
        help="TorchScript models: per-channel mean subtracted after scaling uint8 pixels to 0..1, in the model's "
        "channel order, e.g. 0.485,0.456,0.406 (default: none)",
    )
    parser.add_argument(
        "--std", type=_floats,
        help="TorchScript models: per-channel standard deviation divided by after --mean, e.g. 0.229,0.224,0.225 "
        "(default: none)",
    )
    parser.add_argument(
        "--channel-order", choices=["rgb", "bgr"], default="rgb",
        help="TorchScript models: the colour order the model was trained on (default: %(default)s)",
    )


def _max_side(value: str) -> int | None:
    return None if value.lower() == "none" else _positive(value)


#: Each modality's part of the CLI, keyed by the modality's declared name (lime_kit.modalities).
_PARTS = {
    "tabular": _Part("rows of a CSV file", _tabular_inputs, _tabular_job),
    "text": _Part("one document", _text_inputs, _text_job),
    "image": _Part(
        "one image (PNG, JPEG, ...)", _image_inputs, _image_job, own=("segmentation", "hide_color"),
        types={"segmentation_max_side": _max_side},
    ),
}


def _part(modality: str) -> _Part:
    get_modality(modality)  # an undeclared modality is an error naming the known ones
    try:
        return _PARTS[modality]
    except KeyError:
        raise CommandError(
            f"modality {modality!r} has no command-line part; the command line explains {sorted(_PARTS)}"
        ) from None


def _run_explain(args) -> int:
    with warnings.catch_warnings():
        # The summary prints every explanation's warnings; the UserWarning would say them twice.
        warnings.filterwarnings("ignore", message=UNRELIABLE)
        warnings.filterwarnings("ignore", message=r"\d+ of \d+ explanations carry warnings")
        warnings.showwarning = _show_warning
        _check_method_keywords(args)
        try:
            paths = _explain(args, _part(args.modality).job(args))
        except CommandError:
            raise
        except Exception as error:  # the model or the explainer failed on valid-looking inputs
            print(f"lime-kit: error: explaining failed: {_one_line(error)}", file=sys.stderr)
            return EXIT_FAILED
    _print_written(paths)
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"lime-kit: warning: {_one_line(str(message))}", file=sys.stderr)


def _run_demo(args) -> int:
    paths = run_demo(args.modality, args.out)
    print(f"wrote {len(paths)} files into {paths[0].parent.resolve()}:")
    for path in paths:
        print(f"  {path.name}")
    return 0


# ------------------------------------------------------------------ parser


def _num_samples(value: str):
    if value == "auto":
        return "auto"
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 2:
        raise argparse.ArgumentTypeError(f"--num-samples takes a whole number >= 2 or 'auto', got {value!r}")
    return number


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def _names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names such as a,b; got {value!r}")
    return names


def _common_options() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--model", required=True, help="a model saved with joblib.dump (image: or a TorchScript .pt)")
    common.add_argument("--out", default="lime_kit_output", help="folder to write into (default: %(default)s)")
    common.add_argument("--num-samples", type=_num_samples, help="perturbed samples, or 'auto' (default: the explainer's)")
    common.add_argument("--num-features", type=_positive, default=10, help="features in the surrogate (default: %(default)s)")
    common.add_argument("--top-labels", type=_positive, help="explain the K most probable classes (default: the predicted one)")
    common.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    common.add_argument("--class-names", type=_names, help="comma-separated class names (default: the model's classes_)")
    common.add_argument("--method", choices=method_names(), help="how to explain (default: lime)")
    return common


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _is_scalar(default) -> bool:
    return isinstance(default, (bool, int, float, str))


def _keyword_option(group, name: str, default, help: str, kind: Callable[[str], object] | None = None) -> bool:
    """Add ``--name`` for an ``explain`` keyword, set only when given; False if the command line has that flag already.

    The type is ``kind``, else that of the default: a bool is ``--name`` /
    ``--no-name``, an int, float or str parses as one, and a method keyword
    whose default is None takes a whole number (a size or a cap).
    """
    shown = "" if default is None or "default" in help else f" (default: {default})"
    settings = {"dest": name, "default": argparse.SUPPRESS, "help": (help + shown).replace("%", "%%")}
    if kind is None and isinstance(default, bool):
        settings["action"] = argparse.BooleanOptionalAction
    else:
        settings["type"] = kind or (int if default is None else type(default))
        settings["metavar"] = name.upper()
    try:
        group.add_argument(_flag(name), **settings)
    except argparse.ArgumentError:  # the command line's own flag of that name wins
        return False
    return True


def _parameter_help(doc: str, name: str) -> str:
    """The first sentence of ``name``'s entry in a numpydoc Parameters section (``a, b : type`` lines count)."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        head = line.strip().partition(" : ")[0]
        if name in [part.strip() for part in head.split(",")] and " : " in line:
            indent = len(line) - len(line.lstrip())
            body = []
            for following in lines[i + 1:]:
                if not following.strip() or len(following) - len(following.lstrip()) <= indent:
                    break
                body.append(following.strip())
            text = re.sub(r"``|:\w+:`~?([^`]+)`", lambda m: m.group(1) or "", " ".join(body))
            return text.split(". ")[0].rstrip(".")
    return ""


def _keyword_options(parser: argparse.ArgumentParser, modality: str, part: _Part) -> tuple[str, ...]:
    """Offer the explainer's own ``explain`` keywords and the method keywords it takes; return their names."""
    explainer = get_modality(modality).explainer_class()
    takes = set(inspect.signature(explainer.explain).parameters)
    added: list[str] = []
    methods = [
        (name, default, method.keyword_help.get(name, f"{method.name} only"))
        for method in registered_methods().values()
        for name, default in method.keywords.items()
        if (name in takes or getattr(method, "every_modality", False)) and (default is None or _is_scalar(default))
    ]
    own = [
        (name, default, _parameter_help(explainer.explain.__doc__ or "", name))
        for name, default in explainer.explain_options.items()
        if name in part.types or _is_scalar(default)
    ]
    for title, offered in (("method options", methods), (f"{modality} options", own)):
        fresh = [(name, default, help) for name, default, help in offered if name not in added and name not in part.own]
        if fresh:
            group = parser.add_argument_group(title, "passed to explain only when given")
            added += [name for name, default, help in fresh
                      if _keyword_option(group, name, default, help, part.types.get(name))]
    return tuple(added)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lime-kit", description="Explain single predictions of any model.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="explain one prediction on bundled data and write PNG + HTML")
    demo.add_argument("modality", choices=sorted(DEMOS))
    demo.add_argument("--out", default="lime_kit_output", help="folder to write into (default: %(default)s)")
    demo.set_defaults(run=_run_demo)

    explain = commands.add_parser("explain", help="explain a saved model's prediction; writes PNG, HTML and JSON")
    modalities = explain.add_subparsers(dest="modality", required=True)
    common = _common_options()
    for modality in registered_modalities():
        part = _PARTS.get(modality)
        if part is None:  # a modality declared without a command-line part (one a test or a plugin adds)
            continue
        subcommand = modalities.add_parser(modality, parents=[common], help=part.help)
        part.add_inputs(subcommand)
        subcommand.set_defaults(run=_run_explain, explain_keywords=_keyword_options(subcommand, modality, part))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Examples
    --------
    >>> main(["explain", "tabular", "--model", "missing.joblib", "--data", "rows.csv", "--row", "0"])
    2
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        return args.run(args)
    except CommandError as error:
        print(f"lime-kit: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exit_:  # --help and --version print and stop: not an error
        return exit_.code if isinstance(exit_.code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
