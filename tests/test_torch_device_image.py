"""The device path of the torch adapter: images composed on the model's device from segment masks (CPU torch)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:lime_kit. this explanation may be unreliable")

from lime_kit import ImageExplainer  # noqa: E402
from lime_kit.datasets import make_shape_image  # noqa: E402
from lime_kit.image.fill import make_fill_image  # noqa: E402
from lime_kit.image.sampler import SegmentCompositor, sample_segment_masks  # noqa: E402
from lime_kit.torch_adapter import torch_predict_fn  # noqa: E402

MEAN, STD = [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]


class WindowNet(torch.nn.Module):
    """Class 1's logit grows with the mean of channel 0 minus the others inside rows/cols 8..23."""

    def __init__(self):
        super().__init__()
        self.batch_sizes = []

    def forward(self, x):
        self.batch_sizes.append(x.shape[0])
        window = x[:, :, 8:24, 8:24].mean(dim=(2, 3))
        score = 4 * (window[:, 0] - window[:, 1:].mean(dim=1))
        return torch.stack([-score, score], dim=1)


class TinyCNN(torch.nn.Module):
    def __init__(self, in_channels: int):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(in_channels, 4, kernel_size=3, padding=1)
        self.head = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).mean(dim=(2, 3)))


def _segments(size: int = 32, block: int = 8) -> np.ndarray:
    rows, cols = np.indices((size, size)) // block
    return rows * (size // block) + cols


def _image(channels: int | None, dtype=np.uint8, size: int = 32) -> np.ndarray:
    rng = np.random.default_rng(channels or 0)
    shape = (size, size) if channels is None else (size, size, channels)
    if np.dtype(dtype).kind == "f":
        return rng.random(shape).astype(dtype)
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


@pytest.mark.parametrize("channels", [None, 1, 3, 4])
def test_device_images_equal_numpy_images_exactly_before_normalization_and_closely_after(channels):
    image, segments = _image(channels), _segments()
    fill, _ = make_fill_image(image, segments, "mean")
    masks = sample_segment_masks(np.random.default_rng(0), 20, int(segments.max()) + 1)
    numpy_batch = SegmentCompositor(image, fill, segments).compose(masks)
    n_channels = 1 if channels is None else channels
    predict = torch_predict_fn(TinyCNN(n_channels), mean=MEAN[:1] * n_channels, std=STD[:1] * n_channels)
    scorer = predict.segment_scorer(image, fill, segments)

    raw = scorer.compose(masks)
    assert raw.dtype == torch.uint8 and tuple(raw.shape) == (20, n_channels, 32, 32)
    assert np.array_equal(raw.permute(0, 2, 3, 1).numpy().reshape(numpy_batch.shape), numpy_batch)
    nhwc = torch.from_numpy(numpy_batch.reshape(20, 32, 32, n_channels))
    expected = predict.normalize(nhwc.permute(0, 3, 1, 2), numpy_batch.dtype)
    np.testing.assert_allclose(scorer.model_inputs(masks).numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(scorer(masks), predict(numpy_batch), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("channels,dtype", [(None, np.uint8), (4, np.uint8), (3, np.float32)])
def test_device_path_and_numpy_path_give_the_same_explanation(channels, dtype):
    image = _image(channels, dtype)
    n_channels = 1 if channels is None else channels
    net = TinyCNN(n_channels)
    explainer = ImageExplainer(segmentation=_segments(), hide_color=0, random_state=3)
    on_device = explainer.explain(image, torch_predict_fn(net), num_samples=300)
    in_numpy = explainer.explain(image, torch_predict_fn(net, compose_on_device=False), num_samples=300)
    assert on_device.labels == in_numpy.labels
    np.testing.assert_allclose(on_device.weights(), in_numpy.weights(), rtol=1e-4, atol=1e-7)
    assert on_device.model_output == pytest.approx(in_numpy.model_output, rel=1e-5)


def test_the_device_path_finds_the_window_the_network_reads():
    image, _ = make_shape_image("square", size=32, random_state=0)
    explainer = ImageExplainer(segmentation=_segments(), hide_color=0, random_state=0)
    exp = explainer.explain(image, torch_predict_fn(WindowNet()), labels=[1], num_samples=400)
    inside = {5, 6, 9, 10}  # the 8x8 blocks covering rows/cols 8..23
    assert {i for i, _ in exp.coefficients[1][:4]} == inside


def test_default_batch_follows_the_device_and_batch_size_overrides_it():
    image, segments = _image(3), _segments()
    net = WindowNet()
    predict = torch_predict_fn(net)
    explainer = ImageExplainer(segmentation=segments, hide_color=0, random_state=0)
    explainer.explain(image, predict, num_samples=200)
    assert net.batch_sizes == [64, 64, 64, 8]  # CPU device: 64 images per call
    net.batch_sizes.clear()
    explainer.explain(image, predict, num_samples=200, batch_size=50)
    assert net.batch_sizes == [50] * 4
    fill, _ = make_fill_image(image, segments, 0)
    assert predict.segment_scorer(image, fill, segments).batch_size == 64
    assert predict.segment_scorer(image, fill, segments, batch_size=7).batch_size == 7
    with pytest.raises(ValueError, match="batch_size"):
        predict.segment_scorer(image, fill, segments, batch_size=0)


def test_the_largest_device_tensor_is_bounded_by_the_batch_not_the_sample_count():
    image = _image(3)
    net = WindowNet()
    largest = []
    net.register_forward_hook(lambda module, args, out: largest.append(args[0].numel()))
    explainer = ImageExplainer(segmentation=_segments(), hide_color=0, random_state=0)
    for num_samples in (200, 2000):
        largest.clear()
        explainer.explain(image, torch_predict_fn(net), num_samples=num_samples, batch_size=32)
        assert max(largest) == 32 * 3 * 32 * 32


def test_channels_last_and_autocast_keep_the_outputs():
    image, segments = _image(3), _segments()
    fill, _ = make_fill_image(image, segments, "mean")
    masks = sample_segment_masks(np.random.default_rng(1), 10, 16)
    net = TinyCNN(3)
    plain = torch_predict_fn(net).segment_scorer(image, fill, segments)(masks)
    fast = torch_predict_fn(net, channels_last=True, autocast="bf16").segment_scorer(image, fill, segments)(masks)
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, plain, atol=0.02)
    with pytest.raises(ValueError, match="autocast"):
        torch_predict_fn(net, autocast="int8")


def test_a_mismatched_fill_is_refused():
    image, segments = _image(3), _segments()
    with pytest.raises(ValueError, match="same"):
        torch_predict_fn(TinyCNN(3)).segment_scorer(image, image[..., :1], segments)


def test_kernel_shap_takes_the_device_path_too():
    image = _image(3)
    net = TinyCNN(3)
    explainer = ImageExplainer(segmentation=_segments(), hide_color=0, random_state=1)
    on_device = explainer.explain(image, torch_predict_fn(net), method="kernel_shap", num_samples=200)
    in_numpy = explainer.explain(image, torch_predict_fn(net, compose_on_device=False), method="kernel_shap", num_samples=200)
    label = on_device.labels[0]
    np.testing.assert_allclose(on_device.weights(), in_numpy.weights(), rtol=1e-4, atol=1e-7)
    total = on_device.intercept[label] + on_device.weights().sum()
    assert total == pytest.approx(on_device.prediction[label], abs=1e-9)


def test_anchors_take_the_device_path_too():
    image = _image(3)
    net = TinyCNN(3)
    explainer = ImageExplainer(segmentation=_segments(), hide_color=0, random_state=1)
    on_device = explainer.explain(image, torch_predict_fn(net), method="anchors")
    in_numpy = explainer.explain(image, torch_predict_fn(net, compose_on_device=False), method="anchors")
    assert on_device.anchor == in_numpy.anchor and on_device.num_samples == in_numpy.num_samples
    assert on_device.precision == pytest.approx(in_numpy.precision, abs=0.01)
