"""``lime-kit explain`` offers each method's keywords and each modality's own ``explain`` keywords from their declarations.

A method registered after the command line was written (here a dummy one)
gets its ``--method`` choice and one typed option per scalar keyword, with
no edit to ``lime_kit/cli.py``.
"""

import warnings

import joblib
import numpy as np
import pandas as pd
import pytest

from lime_kit import Explanation
from lime_kit.cli import _build_parser, _explain_options, main
from lime_kit.core.methods import Lime, method_names, register, unregister


class _Dummy(Lime):
    """LIME under another name, with keywords of every kind the command line may meet."""

    name = "dummy"
    keywords = {"shrink": 0.5, "rounds": 3, "tag": "x", "strict": False, "cap": None, "weights": (1, 2)}
    keyword_help = {"shrink": "Dummy: how far to shrink"}
    every_modality = True

    def __init__(self, **keywords):
        for name, default in self.keywords.items():
            setattr(self, name, keywords.get(name, default))


@pytest.fixture
def dummy():
    register(_Dummy)
    yield _Dummy
    unregister("dummy")


TEXT = ["explain", "text", "--model", "m.joblib", "--text", "a good film"]


def _options(argv) -> dict:
    return _explain_options(_build_parser().parse_args(argv))


def test_a_registered_method_gets_its_choice_and_one_typed_option_per_scalar_keyword(dummy, capsys):
    assert main([*TEXT, "--help"]) == 0
    usage = " ".join(capsys.readouterr().out.split())
    assert "--method {" + ",".join(method_names()) + "}" in usage and method_names()[-1] == "dummy"
    assert "--shrink SHRINK Dummy: how far to shrink (default: 0.5)" in usage
    assert "--rounds ROUNDS dummy only (default: 3)" in usage and "--tag TAG" in usage and "--cap CAP" in usage
    assert "--strict, --no-strict" in usage
    assert "--weights" not in usage  # a tuple has no one-word form on a command line
    given = _options([*TEXT, "--method", "dummy", "--shrink", "0.25", "--cap", "7", "--tag", "y", "--no-strict"])
    assert given == {"num_features": 10, "method": "dummy", "shrink": 0.25, "cap": 7, "tag": "y", "strict": False}
    assert type(given["shrink"]) is float and type(given["cap"]) is int


def test_method_keywords_reach_explain_only_when_given(dummy):
    assert _options([*TEXT, "--method", "dummy"]) == {"num_features": 10, "method": "dummy"}
    assert _options(TEXT) == {"num_features": 10}


def test_a_method_keyword_of_the_wrong_type_or_without_its_method_is_a_one_line_usage_error(dummy, capsys):
    assert main([*TEXT, "--method", "dummy", "--rounds", "2.5"]) == 2
    assert "argument --rounds: invalid int value: '2.5'" in capsys.readouterr().err
    assert main([*TEXT, "--shrink", "0.1"]) == 2  # before the (missing) model is read
    assert capsys.readouterr().err.strip() == (
        "lime-kit: error: --shrink is an option of --method dummy; add --method dummy or drop --shrink"
    )


def test_an_unregistered_method_leaves_the_command_line(capsys):
    register(_Dummy)
    unregister("dummy")
    assert "dummy" not in method_names()
    assert main([*TEXT, "--method", "dummy"]) == 2
    assert "invalid choice: 'dummy'" in capsys.readouterr().err
    assert main([*TEXT, "--help"]) == 0
    assert "--shrink" not in capsys.readouterr().out


def test_modality_options_come_from_the_explainers_declarations(capsys):
    assert main(["explain", "image", "--help"]) == 0
    usage = " ".join(capsys.readouterr().out.split())
    assert "--reuse-batch-buffer, --no-reuse-batch-buffer Write every batch into one reused buffer" in usage
    assert "--segmentation-max-side" in usage and "--background" not in usage  # KernelSHAP's background: tabular only
    assert _options(["explain", "image", "--model", "m", "--image", "i.png", "--segmentation-max-side", "none"]) == {
        "num_features": 10, "segmentation_max_side": None,
    }
    assert _options([*TEXT, "--distance-metric", "euclidean"])["distance_metric"] == "euclidean"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline

    folder = tmp_path_factory.mktemp("keywords")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 3)), columns=["a", "b", "c"])
    joblib.dump(Ridge().fit(X, 2 * X["a"] - X["c"]), folder / "reg.joblib")
    X.to_csv(folder / "rows.csv", index=False)
    docs = ["good great film", "bad awful film", "great acting", "awful plot"] * 4
    joblib.dump(make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, [1, 0, 1, 0] * 4), folder / "text.joblib")
    return folder


def _explain(argv, folder) -> Explanation:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([str(a) for a in argv] + ["--out", str(folder), "--seed", "0"]) == 0
    (path,) = folder.glob("*.json")
    return Explanation.from_json(path.read_text(encoding="utf-8"))


def test_kernel_shap_keywords_from_the_command_line_reach_the_method(files, tmp_path):
    exp = _explain(
        ["explain", "tabular", "--model", files / "reg.joblib", "--data", files / "rows.csv", "--row", 3,
         "--method", "kernel_shap", "--background", 5, "--background-pairing", "one", "--num-samples", 50],
        tmp_path,
    )
    assert exp.method == "kernel_shap"
    assert exp.payload["background_size"] == 5 and exp.payload["background_pairing"] == "one"


@pytest.mark.skipif("anchors" not in method_names(), reason="Anchors is not registered yet")
def test_anchors_keywords_work_with_no_command_line_edit(files, tmp_path):
    exp = _explain(
        ["explain", "text", "--model", files / "text.joblib", "--text", "a good film with an awful plot",
         "--method", "anchors", "--threshold", 0.9, "--beam-size", 1],
        tmp_path,
    )
    assert exp.method == "anchors"


def test_anchors_on_the_command_line_print_the_rule(files, tmp_path, capsys):
    exp = _explain(
        ["explain", "text", "--model", files / "text.joblib", "--text", "a good film with an awful plot",
         "--method", "anchors"],
        tmp_path,
    )
    out = capsys.readouterr().out
    rule = " AND ".join(exp.anchor) if exp.anchor else "(nothing needs to be held)"
    assert f"IF {rule}" in out
    assert f"precision {exp.precision:.3f} [{exp.precision_bounds[0]:.3f}" in out
    assert "held-out R²" not in out
