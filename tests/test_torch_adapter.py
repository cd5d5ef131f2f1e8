"""The PyTorch adapter: layout, normalization, softmax, device, mode, and a full explanation (CPU only)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lime_kit import ImageExplainer  # noqa: E402
from lime_kit.datasets import make_shape_image  # noqa: E402
from lime_kit.torch_adapter import torch_predict_fn  # noqa: E402


class TinyCNN(torch.nn.Module):
    def __init__(self, in_channels: int = 3, n_classes: int = 3):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(in_channels, 4, kernel_size=3, padding=1)
        self.dropout = torch.nn.Dropout(0.5)
        self.head = torch.nn.Linear(4, n_classes)

    def forward(self, x):
        return self.head(self.dropout(torch.relu(self.conv(x)).mean(dim=(2, 3))))


class RedDetector(torch.nn.Module):
    """Logit of class 1 grows with the mean red minus green+blue inside rows 8..15, cols 8..15."""

    def forward(self, x):
        window = x[:, :, 8:16, 8:16].mean(dim=(2, 3))
        redness = 20 * (window[:, 0] - 0.5 * (window[:, 1] + window[:, 2]))
        return torch.stack([-redness, redness], dim=1)


def test_nhwc_uint8_batch_matches_a_manual_nchw_forward_pass():
    net = TinyCNN()
    batch = np.random.default_rng(0).integers(0, 256, size=(4, 6, 5, 3), dtype=np.uint8)
    mean, std = [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]
    probabilities = torch_predict_fn(net, mean=mean, std=std)(batch)
    x = torch.tensor(batch, dtype=torch.float32).permute(0, 3, 1, 2) / 255
    x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    net.eval()
    with torch.no_grad():
        expected = torch.softmax(net(x), dim=1).numpy()
    assert probabilities.shape == (4, 3) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_float_batches_are_not_rescaled_and_softmax_can_be_off():
    net = TinyCNN()
    batch = np.random.default_rng(1).random((2, 4, 4, 3)).astype(np.float32)
    logits = torch_predict_fn(net, softmax=False)(batch)
    net.eval()
    with torch.no_grad():
        expected = net(torch.from_numpy(batch).permute(0, 3, 1, 2)).numpy()
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-6)


def test_grayscale_batches_get_a_channel_axis():
    net = TinyCNN(in_channels=1, n_classes=2)
    out = torch_predict_fn(net)(np.zeros((3, 7, 7), dtype=np.uint8))
    assert out.shape == (3, 2)


def test_predictions_are_deterministic_and_the_training_mode_is_restored():
    net = TinyCNN().train()
    predict = torch_predict_fn(net)
    batch = np.full((2, 5, 5, 3), 128, dtype=np.uint8)
    assert np.array_equal(predict(batch), predict(batch))  # dropout off while predicting
    assert net.training


def test_explicit_cpu_device_and_parameterless_modules_work():
    out = torch_predict_fn(torch.nn.Flatten(), device="cpu", softmax=False)(np.ones((2, 2, 2, 1), np.float32))
    assert out.tolist() == [[1.0] * 4] * 2


def test_explainer_with_the_adapter_finds_the_window_the_network_reads():
    image, _ = make_shape_image("square", size=24, random_state=0)
    image[8:16, 8:16] = [230, 20, 20]
    segments = (np.arange(24)[:, None] // 8) * 3 + (np.arange(24)[None, :] // 8)  # 3x3 grid of 8x8 blocks
    exp = ImageExplainer(segmentation=segments, hide_color=0, random_state=0).explain(
        image, torch_predict_fn(RedDetector()), labels=[1], num_samples=200
    )
    assert exp.as_map()[1][0][0] == 4  # the centre block
