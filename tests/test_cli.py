"""``lime-kit explain``: saved models explained from the shell, and every user mistake as one line of error."""

import json
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest

from lime_kit import Explanation
from lime_kit.cli import main

COLUMNS = ["income", "debt", "age", "noise"]
FAST = ["--num-samples", "300", "--seed", "0"]


@pytest.fixture(scope="module")
def tabular(tmp_path_factory):
    """A logistic pipeline and a ridge regression fitted on a DataFrame, and CSVs of rows."""
    from sklearn.dummy import DummyRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folder = tmp_path_factory.mktemp("tabular")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 4)), columns=COLUMNS)
    y = (X["income"] - 2 * X["debt"] > 0).astype(int)
    joblib.dump(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), folder / "clf.joblib")
    joblib.dump(Ridge().fit(X, 3 * X["income"] - X["age"]), folder / "reg.joblib")
    joblib.dump(Ridge().fit(X.to_numpy(), X["income"]), folder / "array_model.joblib")
    joblib.dump(StandardScaler().fit(X), folder / "scaler.joblib")
    joblib.dump(DummyRegressor().fit(X, X["income"]), folder / "constant.joblib")  # its output never moves
    X.iloc[:20].assign(target=y[:20]).to_csv(folder / "rows.csv", index=False)  # target: a column the model ignores
    X.to_csv(folder / "train.csv", index=False)
    X.iloc[:5].drop(columns=["age"]).to_csv(folder / "no_age.csv", index=False)
    X.iloc[:5].assign(debt="high").to_csv(folder / "text_debt.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def text_model(tmp_path_factory):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    folder = tmp_path_factory.mktemp("text")
    docs = ["good great film", "bad awful film", "great acting", "awful plot", "good fun", "bad acting"] * 4
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, [1, 0, 1, 0, 1, 0] * 4)
    joblib.dump(model, folder / "text.joblib")
    (folder / "review.txt").write_text("a good film with an awful plot", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def image_files(tmp_path_factory):
    """The shape classifier (takes uint8 images) saved with joblib, and an RGBA PNG of a triangle."""
    from skimage.io import imsave

    from lime_kit.datasets import make_shape_image
    from lime_kit.demos.image import train_shape_classifier

    folder = tmp_path_factory.mktemp("image")
    joblib.dump(train_shape_classifier(n_images=60, size=48), folder / "shapes.joblib")
    image, _ = make_shape_image("triangle", size=48, random_state=0)
    imsave(folder / "triangle.png", np.dstack([image, np.full(image.shape[:2], 255, np.uint8)]), check_contrast=False)
    (folder / "broken.png").write_text("not a picture", encoding="utf-8")
    return folder


def _run(argv, capsys):
    """Run main in-process; return (exit code, stdout, stderr) and fail on any lime_kit UserWarning leaking out."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    leaked = [str(w.message) for w in caught] + [err]
    repeated = [text for text in leaked if "may be unreliable" in text or "explanations carry warnings" in text]
    assert not repeated, f"the summary prints the warnings; the UserWarning repeated them: {repeated}"
    return code, out, err


def _load(path) -> Explanation:
    return Explanation.from_json(path.read_text(encoding="utf-8"))


def test_tabular_row_writes_png_html_json_and_prints_weights_intervals_quality_ties_and_notes(tabular, tmp_path, capsys):
    code, out, err = _run(
        ["explain", "tabular", "--model", tabular / "clf.joblib", "--data", tabular / "rows.csv", "--row", 17,
         "--train", tabular / "train.csv", "--out", tmp_path, "--class-names", "no,yes", "--num-features", 4, *FAST],
        capsys,
    )
    assert code == 0, err
    exp = _load(tmp_path / "tabular_row17.json")
    assert (tmp_path / "tabular_row17.png").read_bytes()[:4] == b"\x89PNG"
    page = (tmp_path / "tabular_row17.html").read_text(encoding="utf-8")
    assert "<script" not in page and "row 17 of rows.csv" in page
    assert exp.class_names == ["no", "yes"] and len(exp.as_list()) == 4
    # The explained row is row 17 of the CSV, read by column name (the extra target column is ignored).
    row = pd.read_csv(tabular / "rows.csv").iloc[17]
    assert exp.instance == pytest.approx([row[c] for c in COLUMNS])
    assert "ignoring columns the model does not use: target" in out
    words = " ".join(out.split())  # the terminal pads descriptions into a column
    for description, weight, low, high in exp.as_list(intervals=True):
        assert f"{description} {weight:+.3g} [{low:+.3g}, {high:+.3g}]" in words
    assert f"held-out R² {exp.heldout_score[exp.labels[0]]:.3f}" in out
    assert f"stability {exp.stability[exp.labels[0]]:.2f}" in out
    assert f"settled stability {exp.settled_stability[exp.labels[0]]:.2f}" in out
    # The three weak features are tied: the summary says so right under the ranking, and no alarm is raised.
    names = dict(exp.as_list())
    assert exp.ties() and not exp.warnings
    lines = out.splitlines()
    last_row = max(i for i, line in enumerate(lines) if any(line.strip().startswith(d) for d in names))
    for group in exp.ties():
        members = ", ".join(exp.feature_descriptions[j] for j in group)
        assert f"    tied: {members} (order within sampling noise)" in lines[last_row + 1 : last_row + 1 + len(exp.ties())]
    assert "  warnings: none" in lines
    assert exp.notes and lines.index("  notes:") > lines.index("  warnings: none")
    for note in exp.notes:
        assert f"    - {note}" in lines
    assert "Traceback" not in err


def test_tabular_row_of_a_model_that_never_moves_prints_the_alarm(tabular, tmp_path, capsys):
    code, out, err = _run(
        ["explain", "tabular", "--model", tabular / "constant.joblib", "--data", tabular / "rows.csv", "--row", 1,
         "--out", tmp_path, *FAST],
        capsys,
    )
    assert code == 0, err
    exp = _load(tmp_path / "tabular_row1.json")
    assert any("did not change" in alarm for alarm in exp.warnings)
    lines = out.splitlines()
    assert "  warnings:" in lines and "  warnings: none" not in lines
    for alarm in exp.warnings:
        assert f"    - {alarm}" in lines


def test_model_without_predict_proba_is_explained_as_a_regression(tabular, tmp_path, capsys):
    code, _, err = _run(
        ["explain", "tabular", "--model", tabular / "reg.joblib", "--data", tabular / "rows.csv", "--row", 2,
         "--out", tmp_path, *FAST],
        capsys,
    )
    assert code == 0, err
    exp = _load(tmp_path / "tabular_row2.json")
    model = joblib.load(tabular / "reg.joblib")
    expected = model.predict(pd.read_csv(tabular / "rows.csv")[COLUMNS].iloc[[2]])[0]
    assert exp.mode == "regression" and exp.model_output[0] == pytest.approx(expected)


def test_rows_range_writes_json_lines_a_global_summary_and_a_report(tabular, tmp_path, capsys):
    many = pytest.importorskip("lime_kit.many")
    code, out, err = _run(
        ["explain", "tabular", "--model", tabular / "clf.joblib", "--data", tabular / "rows.csv", "--rows", "3:7",
         "--out", tmp_path, *FAST],
        capsys,
    )
    assert code == 0, err
    explanations = many.ExplanationSet.load(tmp_path / "tabular_rows_3-6.jsonl")
    assert len(explanations) == 4
    rows = pd.read_csv(tabular / "rows.csv")
    assert explanations[0].instance == pytest.approx(rows[COLUMNS].iloc[3].tolist())
    summary = pd.read_csv(tmp_path / "tabular_rows_3-6_global.csv", index_col="feature")
    assert list(summary.index) == list(explanations.global_importance().index)
    page = (tmp_path / "tabular_rows_3-6.html").read_text(encoding="utf-8")
    assert "<script" not in page and "SP-LIME" in page and summary.index[0] in page
    assert "4 of 4 rows explained" in out and summary.index[0] in out
    settled = explanations.quality_frame()["settled_stability"]
    assert f"settled stability median {settled.median():.2f} (lowest {settled.min():.2f})" in out
    noted = sum(bool(exp.notes) for exp in explanations)
    tied = sum(bool(exp.ties()) for exp in explanations)
    assert noted and f"notes: {noted} of 4 explanations carry notes ({tied} with tied features in their top 5)" in out


def test_all_rows_explains_every_row(tabular, tmp_path, capsys):
    many = pytest.importorskip("lime_kit.many")
    code, _, err = _run(
        ["explain", "tabular", "--model", tabular / "clf.joblib", "--data", tabular / "rows.csv", "--all",
         "--out", tmp_path, "--num-samples", 100],
        capsys,
    )
    assert code == 0, err
    assert len(many.ExplanationSet.load(tmp_path / "tabular_rows_all.jsonl")) == 20


@pytest.mark.parametrize("source", ["--text", "--file"])
def test_text_from_the_command_line_or_a_file(text_model, tmp_path, capsys, source):
    document = (text_model / "review.txt").read_text(encoding="utf-8")
    value = document if source == "--text" else text_model / "review.txt"
    code, out, err = _run(
        ["explain", "text", "--model", text_model / "text.joblib", source, value, "--out", tmp_path, *FAST], capsys
    )
    assert code == 0, err
    stem = "text" if source == "--text" else "text_review"
    exp = _load(tmp_path / f"{stem}.json")
    assert exp.modality == "text" and exp.instance == document
    assert {d for d, _ in exp.as_list()[:2]} == {"good", "awful"}
    assert "<script" not in (tmp_path / f"{stem}.html").read_text(encoding="utf-8")
    assert (tmp_path / f"{stem}.png").exists() and f"top features for {exp.label_name(exp.labels[0])}" in out


def test_image_with_a_joblib_model_drops_the_alpha_channel(image_files, tmp_path, capsys):
    code, out, err = _run(
        ["explain", "image", "--model", image_files / "shapes.joblib", "--image", image_files / "triangle.png",
         "--segmentation", "slic", "--hide-color", 0, "--out", tmp_path, "--num-samples", 100, "--class-names",
         "circle,square,triangle"],
        capsys,
    )
    assert code == 0, err
    exp = _load(tmp_path / "image_triangle.json")
    assert exp.modality == "image" and np.asarray(exp.payload["image"]).shape == (48, 48, 3)
    assert exp.label_name(exp.labels[0]) == "triangle" and "predicted triangle" in out
    assert (tmp_path / "image_triangle.png").exists() and (tmp_path / "image_triangle.html").exists()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch 2.13 deprecates torch.jit, which .pt files need
def test_image_with_a_torchscript_module(image_files, tmp_path, capsys):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 5), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    torch.jit.save(torch.jit.script(net), str(tmp_path / "net.pt"))
    code, _, err = _run(
        ["explain", "image", "--model", tmp_path / "net.pt", "--image", image_files / "triangle.png",
         "--segmentation", "slic", "--out", tmp_path, "--num-samples", 50],
        capsys,
    )
    assert code == 0, err
    exp = _load(tmp_path / "image_triangle.json")
    # Logits get a softmax: the explained outputs are probabilities.
    assert exp.mode == "classification" and sum(exp.model_output) == pytest.approx(1, abs=1e-5)


BAD = {
    "missing model": (["tabular", "--model", "{t}/nope.joblib", "--data", "{t}/rows.csv", "--row", "0"], "model file not found"),
    "missing data": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/nope.csv", "--row", "0"], "data file not found"),
    "row out of range": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/rows.csv", "--row", "20"], "row 20 is out of range"),
    "rows past the end": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/rows.csv", "--rows", "5:50"], "reach past the end"),
    "rows not a range": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/rows.csv", "--rows", "five"], "START:STOP"),
    "missing column": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/no_age.csv", "--row", "0"], "lacks columns the model was trained on: age"),
    "column count": (["tabular", "--model", "{t}/array_model.joblib", "--data", "{t}/rows.csv", "--row", "0"], "has 5 columns but the model takes 4"),
    "model rejects values": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/text_debt.csv", "--row", "0"], "the model failed on row 0"),
    "no predict": (["tabular", "--model", "{t}/scaler.joblib", "--data", "{t}/rows.csv", "--row", "0"], "neither predict_proba nor predict"),
    "not a model file": (["tabular", "--model", "{t}/rows.csv", "--data", "{t}/rows.csv", "--row", "0"], "could not load"),
    "no row chosen": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/rows.csv"], "one of the arguments --row --rows --all is required"),
    "bad num-samples": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/rows.csv", "--row", "0", "--num-samples", "lots"], "--num-samples"),
    "wrong class names": (["tabular", "--model", "{t}/clf.joblib", "--data", "{t}/rows.csv", "--row", "0", "--class-names", "a,b,c"], "3 names but the model returns 2"),
    "missing text file": (["text", "--model", "{x}/text.joblib", "--file", "{x}/nope.txt"], "text file not found"),
    "empty text": (["text", "--model", "{x}/text.joblib", "--text", " "], "the text is empty"),
    "unreadable image": (["image", "--model", "{i}/shapes.joblib", "--image", "{i}/broken.png"], "could not read"),
    "missing image": (["image", "--model", "{i}/shapes.joblib", "--image", "{i}/nope.png"], "image file not found"),
    "image to a tabular model": (["image", "--model", "{t}/clf.joblib", "--image", "{i}/triangle.png"], "the model failed on the image"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_arguments_give_one_line_and_a_nonzero_exit_code(case, tabular, text_model, image_files, tmp_path, capsys):
    argv, message = BAD[case]
    argv = [a.format(t=tabular, x=text_model, i=image_files) for a in argv]
    code, out, err = _run(["explain", *argv, "--out", tmp_path], capsys)
    assert code != 0
    assert "Traceback" not in err + out
    assert err.count("\n") == 1 and err.startswith("lime-kit: error:"), err
    assert message in err
    assert not list(tmp_path.iterdir()), "nothing is written when the inputs are wrong"


def test_the_installed_command_runs_and_fails_without_a_traceback(tabular, tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "lime_kit.cli", "explain", "tabular", "--model", str(tabular / "clf.joblib"),
         "--data", str(tabular / "rows.csv"), "--row", "3", "--out", str(tmp_path), *FAST],
        capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "held-out R²" in ok.stdout and "UserWarning" not in ok.stderr
    assert json.loads((tmp_path / "tabular_row3.json").read_text(encoding="utf-8"))["modality"] == "tabular"
    bad = subprocess.run(
        [sys.executable, "-m", "lime_kit.cli", "explain", "tabular", "--model", str(tabular / "clf.joblib"),
         "--data", str(tabular / "rows.csv"), "--row", "99"],
        capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert "row 99 is out of range: rows.csv has 20 rows (0..19)" in bad.stderr
