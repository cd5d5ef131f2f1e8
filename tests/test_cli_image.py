"""``lime-kit explain image`` with a TorchScript model: the input normalisation is an option and is printed."""

import json
import warnings

import numpy as np
import pytest

from lime_kit import Explanation
from lime_kit.cli import main

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch 2.13 deprecates torch.jit, which .pt files need


class ChannelMeans(torch.nn.Module):
    """Logits = the mean of input channels 0 and 2: the output shows exactly what the model was fed."""

    def forward(self, x):
        return torch.stack([x[:, 0].mean(dim=(1, 2)), x[:, 2].mean(dim=(1, 2))], dim=1)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from skimage.io import imsave

    folder = tmp_path_factory.mktemp("cli_image")
    torch.jit.save(torch.jit.script(ChannelMeans()), str(folder / "net.pt"))
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = 200, 100, 20
    image[8:24, 8:24, 2] = 240
    imsave(folder / "picture.png", image, check_contrast=False)
    return folder, image


def _run(argv, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _softmax(logits):
    e = np.exp(logits - np.max(logits))
    return e / e.sum()


def test_mean_std_and_bgr_order_reach_the_model_and_are_printed(files, tmp_path, capsys):
    folder, image = files
    code, out, err = _run(
        ["explain", "image", "--model", folder / "net.pt", "--image", folder / "picture.png", "--out", tmp_path,
         "--num-samples", 50, "--mean", "0.1,0.2,0.3", "--std", "0.5,0.5,0.25", "--channel-order", "bgr"],
        capsys,
    )
    assert code == 0, err
    assert "model input: channels reversed to BGR, x / 255, then (x - mean) / std with mean 0.1,0.2,0.3, std 0.5,0.5,0.25" in out
    exp = Explanation.from_json((tmp_path / "image_picture.json").read_text(encoding="utf-8"))
    bgr = image[..., ::-1].reshape(-1, 3).mean(axis=0) / 255
    fed = (bgr - [0.1, 0.2, 0.3]) / [0.5, 0.5, 0.25]
    assert np.allclose(exp.model_output, _softmax(fed[[0, 2]]), atol=1e-5)


def test_without_options_the_model_gets_x_over_255_and_the_summary_says_so(files, tmp_path, capsys):
    folder, image = files
    code, out, err = _run(
        ["explain", "image", "--model", folder / "net.pt", "--image", folder / "picture.png", "--out", tmp_path,
         "--num-samples", 50],
        capsys,
    )
    assert code == 0, err
    assert "model input: RGB, x / 255, no mean/std normalisation (pass --mean and --std" in out
    exp = json.loads((tmp_path / "image_picture.json").read_text(encoding="utf-8"))
    rgb = image.reshape(-1, 3).mean(axis=0) / 255
    assert np.allclose(exp["model_output"], _softmax(rgb[[0, 2]]), atol=1e-5)
    assert exp["payload"]["hide_color"] == "image_mean"


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--mean", "0.5,0.5"], "--mean has 2 values but the image has 3 channel(s)"),
        (["--std", "0.2,0,0.2"], "--std must be positive"),
        (["--mean", "a,b,c"], "expected comma-separated numbers"),
        (["--channel-order", "gbr"], "invalid choice: 'gbr'"),
    ],
)
def test_bad_normalisation_options_give_one_line(files, tmp_path, capsys, extra, message):
    folder, _ = files
    code, out, err = _run(
        ["explain", "image", "--model", folder / "net.pt", "--image", folder / "picture.png", "--out", tmp_path, *extra],
        capsys,
    )
    assert code == 2 and message in err and err.count("\n") == 1


def test_normalisation_options_are_refused_for_a_joblib_model(files, tmp_path, capsys):
    import joblib
    from sklearn.dummy import DummyClassifier

    folder, _ = files
    joblib.dump(DummyClassifier().fit(np.zeros((2, 1)), [0, 1]), tmp_path / "dummy.joblib")
    code, _, err = _run(
        ["explain", "image", "--model", tmp_path / "dummy.joblib", "--image", folder / "picture.png", "--mean", "0.5"],
        capsys,
    )
    assert code == 2 and "--mean, --std and --channel-order apply to TorchScript (.pt) models" in err
