"""Image defaults that find a planted shortcut, and small images explained on their own scale.

A uniform patch (a watermark) is invisible to lime's fill, each segment's own
mean colour; the default fill, the image's mean colour, must remove it so
that the patch's segment ranks first. scikit-learn's 8x8 digits (values
0-16) must be segmented and drawn on their own scale, and an image too
small for superpixels must be refused in words.
"""

import numpy as np
import pytest

from lime_kit import ImageExplainer
from lime_kit.datasets import make_shape_image
from lime_kit.image.fill import fill_change, make_fill_image

# Only the patch (or one digit's strokes) matters, so the other segments tie: the reliability warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore:lime_kit. this explanation may be unreliable")

PATCH = (slice(2, 9), slice(2, 9))  # 7x7, top-left corner


def _watermarked(random_state: int) -> np.ndarray:
    image, _ = make_shape_image("square", size=64, random_state=random_state)
    image[PATCH] = 255
    return image


def _reads_the_patch(batch: np.ndarray) -> np.ndarray:
    """A classifier that has learnt the shortcut: 'marked' when the corner patch is bright."""
    brightness = batch[:, PATCH[0], PATCH[1]].mean(axis=(1, 2, 3))
    marked = 1 / (1 + np.exp(-(brightness - 200) / 10))
    return np.column_stack([1 - marked, marked])


def _on_patch(segments: np.ndarray, segment: int) -> bool:
    region = segments == segment
    patch = np.zeros(segments.shape, bool)
    patch[PATCH] = True
    return np.count_nonzero(region & patch) >= 0.5 * min(region.sum(), patch.sum())


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_uniform_patch_segment_ranks_first_by_default(random_state):
    image = _watermarked(random_state)
    exp = ImageExplainer(random_state=0).explain(image, _reads_the_patch, num_samples=500)
    assert list(exp.labels) == [1] and exp.payload["hide_color"] == "image_mean"
    weights = exp.weights(1)
    assert _on_patch(exp.payload["segments"], int(np.argmax(weights)))


def test_segment_mean_fill_cannot_hide_the_patch_and_fill_change_says_so():
    image = _watermarked(0)
    segments = np.arange(64)[:, None] // 8 * 8 + np.arange(64)[None, :] // 8  # an 8x8 grid of 8 px blocks
    segments[PATCH] = 64  # the patch is a segment of its own
    exp = ImageExplainer(segmentation=segments, hide_color="mean", random_state=0).explain(
        image, _reads_the_patch, num_samples=300
    )
    change = np.asarray(exp.payload["fill_change"])
    assert change[64] == 0 and np.all(change[:64] > 0)  # its own mean is the patch: hiding it changes no pixel
    assert abs(exp.weights(1)[64]) < 1e-9 and exp.weights(1).max() < 1e-9  # so the shortcut is not found
    default = ImageExplainer(segmentation=segments, random_state=0).explain(image, _reads_the_patch, num_samples=300)
    assert np.all(np.asarray(default.payload["fill_change"]) > 0)
    assert int(np.argmax(default.weights(1))) == 64


def test_fill_change_is_the_largest_pixel_change_per_segment():
    image = np.array([[[10, 0, 0], [20, 0, 0]], [[0, 0, 0], [0, 0, 90]]], dtype=np.uint8)
    segments = np.array([[0, 0], [1, 1]])
    fill, _ = make_fill_image(image, segments, "image_mean")
    # the image's mean colour is (7.5, 0, 22.5), rounded to (8, 0, 22)
    assert fill[0, 0].tolist() == [8, 0, 22]
    assert fill_change(image, fill, segments).tolist() == [22.0, 68.0]


def test_lime_api_keeps_the_segment_mean_fill():
    from lime_kit.compat import lime_image

    image = _watermarked(0)
    exp = lime_image.LimeImageExplainer(random_state=0).explain_instance(
        image, _reads_the_patch, top_labels=1, num_samples=50, segmentation_fn=lambda img: np.arange(64 * 64).reshape(64, 64) // 512
    )
    assert exp.explanation.payload["hide_color"] == "mean"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_device_path_composes_the_default_fill_like_numpy():
    torch = pytest.importorskip("torch")
    from lime_kit.torch_adapter import torch_predict_fn

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveMaxPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 2))
    image = _watermarked(1)
    explainer = ImageExplainer(random_state=0)
    on_device = explainer.explain(image, torch_predict_fn(net), num_samples=200)
    in_numpy = explainer.explain(image, torch_predict_fn(net, compose_on_device=False), num_samples=200)
    assert on_device.payload["hide_color"] == "image_mean"
    label = on_device.labels[0]
    assert np.allclose(on_device.weights(label), in_numpy.weights(label), atol=1e-5)


# ---------------------------------------------------------------- small images
@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    data = load_digits()
    model = LogisticRegression(max_iter=2000).fit(data.data / 16, data.target)
    return data.images, data.target, lambda batch: model.predict_proba(batch.reshape(len(batch), -1) / 16)


def test_digits_are_segmented_into_a_few_pixel_segments_and_drawn_on_their_scale(digits):
    from lime_kit.plot.image import plot_panel

    images, target, predict = digits
    exp = ImageExplainer(value_range=(0, 16), random_state=0).explain(images[0], predict, num_samples=500)
    segments = exp.payload["segments"]
    n_segments = int(segments.max()) + 1
    assert 8 <= n_segments <= 16  # slic asked for 16 (4 px each), not 64 one-pixel segments
    assert "n_segments=16" in exp.payload["segmentation"] and exp.payload["value_range"] == [0.0, 16.0]
    assert list(exp.labels) == [int(target[0])] and not any("did not change" in w for w in exp.warnings)
    assert np.ptp(exp.weights(exp.labels[0])) > 0
    shown = plot_panel(exp).axes[0].images[0].get_array()
    assert shown.max() == pytest.approx(images[0].max() / 16)  # white strokes, not 16/255 (nearly black)


def test_value_range_auto_reads_digits_as_dark_0_255_and_a_bad_range_is_refused(digits):
    images, _, predict = digits
    exp = ImageExplainer(random_state=0).explain(images[0], predict, num_samples=100)
    assert exp.payload["value_range"] == [0.0, 255.0]
    with pytest.raises(ValueError, match=r"value_range must be 'auto' or \(low, high\)"):
        ImageExplainer(value_range=(16, 0))


def test_default_segment_count_follows_the_image_size():
    image = np.random.default_rng(0).integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
    exp = ImageExplainer(mode="regression", random_state=0).explain(image, lambda b: b.mean(axis=(1, 2, 3)), num_samples=50)
    assert "n_segments=64" in exp.payload["segmentation"]
    large, _ = make_shape_image("circle", size=64, random_state=0)
    exp = ImageExplainer(mode="regression", random_state=0).explain(large, lambda b: b.mean(axis=(1, 2, 3)), num_samples=50)
    assert "n_segments=100" in exp.payload["segmentation"]


def test_an_image_too_small_for_superpixels_is_refused_in_words():
    image = np.array([[0, 255], [255, 0]], dtype=np.uint8)
    with pytest.raises(ValueError, match=r"the image is 2x2 \(4 pixels\), too small to explain with superpixels"):
        ImageExplainer(mode="regression", random_state=0).explain(image, lambda b: b.mean(axis=(1, 2)))
    # The way out the message names: one segment per pixel, which the default fill can hide.
    exp = ImageExplainer(mode="regression", segmentation=np.arange(4).reshape(2, 2), random_state=0).explain(
        image, lambda b: b[:, 0, 1].astype(float), num_samples=200
    )
    assert int(np.argmax(exp.weights())) == 1


def test_readme_digits_example_runs_as_written():
    import re
    import warnings
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (code,) = [block for block in re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL) if "load_digits" in block]
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["exp"].payload["segmentation"] == "slic(n_segments=16, compactness=10.0, sigma=1.0)"
