"""Turn a PyTorch image model into a ``predict_fn`` for :class:`~lime_kit.ImageExplainer`.

The adapter is an ordinary ``predict_fn`` on NHWC numpy batches. It also
offers :meth:`TorchImagePredictor.segment_scorer`: given one image, its fill
image and its segment map, it keeps the three on the model's device and
builds every perturbed batch there from the segment masks alone, so that
only ``n x K`` booleans travel to the device and only the outputs come back.
:class:`~lime_kit.ImageExplainer` takes that path whenever it is offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext

import numpy as np

from lime_kit.core.validation import check_integer
from lime_kit.torch_adapter.memory import module_device, probe_batch_size

__all__ = ["DeviceSegmentScorer", "TorchImagePredictor", "torch_predict_fn"]

#: Default images per batch on the device path: enough to keep a GPU busy.
DEVICE_BATCH = 64
#: Largest default batch; bigger batches no longer speed a GPU up but hold more memory.
MAX_DEVICE_BATCH = 256

_AUTOCAST_DTYPES = {"bf16": "bfloat16", "bfloat16": "bfloat16", "fp16": "float16", "float16": "float16"}


def _channel_tensor(values, device):
    """Per-channel constants shaped (1, C, 1, 1) to broadcast over NCHW batches."""
    import torch

    return torch.as_tensor(np.asarray(values, dtype=np.float32).ravel(), device=device).view(1, -1, 1, 1)


def _autocast_dtype(autocast):
    import torch

    if autocast is None:
        return None
    key = autocast if isinstance(autocast, str) else str(autocast).removeprefix("torch.")
    if key not in _AUTOCAST_DTYPES:
        raise ValueError(f"autocast must be None, 'bf16' or 'fp16', got {autocast!r}")
    return getattr(torch, _AUTOCAST_DTYPES[key])


def _reverse_colours(x):
    """RGB(A) -> BGR(A) on an NCHW tensor; alpha stays last."""
    import torch

    reversed_colours = x[:, [2, 1, 0]]
    return reversed_colours if x.shape[1] == 3 else torch.cat([reversed_colours, x[:, 3:]], dim=1)


def _as_nhwc(array: np.ndarray) -> np.ndarray:
    if array.ndim == 3:  # grayscale (n, H, W)
        array = array[..., None]
    if array.ndim != 4:
        raise ValueError(f"expected a batch of images (n, H, W[, C]), got shape {array.shape}")
    return array


class TorchImagePredictor:
    """A torch image classifier as a ``predict_fn``; build it with :func:`torch_predict_fn`.

    Calling it on an ``(n, H, W[, C])`` numpy batch returns ``(n, n_outputs)``
    float32 outputs. :meth:`segment_scorer` offers the device path.
    """

    def __init__(
        self, module, *, device, mean, std, scale, softmax, dtype, channels_last, autocast, compose_on_device, channel_order="rgb"
    ):
        import torch

        self.module = module
        self.device = torch.device(device) if device is not None else module_device(module)
        self.compute_dtype = torch.float32 if dtype is None else dtype
        self.shift = None if mean is None else _channel_tensor(mean, self.device).to(self.compute_dtype)
        self.divide = None if std is None else _channel_tensor(std, self.device).to(self.compute_dtype)
        if scale != "auto" and not np.isfinite(float(scale)):
            raise ValueError(f"scale must be 'auto' or a finite number, got {scale!r}")
        self.scale = scale
        if channel_order not in ("rgb", "bgr"):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
        self.channel_order = channel_order
        self.softmax = bool(softmax)
        self.channels_last = bool(channels_last)
        self.autocast_dtype = _autocast_dtype(autocast)
        self.compose_on_device = bool(compose_on_device)
        self._probed_batch: dict[tuple, int] = {}  # default batch per (image shape, dtype), probed once
        if not self.compose_on_device:
            self.segment_scorer = None  # declares: no device batches

    def normalize(self, x, source_dtype: np.dtype):
        """NCHW tensor in the image's dtype -> the model's input: ``(x * scale - mean) / std`` in the compute dtype.

        With ``channel_order="bgr"`` the three colour channels are reversed
        first, so ``mean`` and ``std`` are in the model's (BGR) order.
        """
        x = x.to(self.compute_dtype)
        if self.channel_order == "bgr" and x.shape[1] in (3, 4):
            x = _reverse_colours(x)
        factor = (1 / 255 if source_dtype == np.uint8 else 1.0) if self.scale == "auto" else float(self.scale)
        if factor != 1.0:
            x = x * factor
        if self.shift is not None:
            x = x - self.shift
        if self.divide is not None:
            x = x / self.divide
        return x

    def forward(self, x) -> np.ndarray:
        """Run the module on a model-ready NCHW batch (no grad, eval mode, optional autocast) -> numpy outputs."""
        import torch

        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        autocast = (
            nullcontext() if self.autocast_dtype is None else torch.autocast(self.device.type, dtype=self.autocast_dtype)
        )
        was_training = self.module.training
        self.module.eval()
        try:
            with torch.no_grad(), autocast:
                out = self.module(x)
        finally:
            self.module.train(was_training)
        out = out.float()
        if self.softmax:
            out = torch.softmax(out, dim=-1)
        return out.cpu().numpy()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        import torch

        array = _as_nhwc(np.asarray(batch))
        x = torch.from_numpy(np.ascontiguousarray(array)).to(self.device, non_blocking=True)
        return self.forward(self.normalize(x.permute(0, 3, 1, 2), array.dtype))

    def segment_scorer(
        self, image: np.ndarray, fill: np.ndarray, segments: np.ndarray, batch_size: int | None = None
    ) -> DeviceSegmentScorer:
        """Keep ``image``, ``fill`` and ``segments`` on the device and score segment masks directly.

        Parameters
        ----------
        image, fill : ndarray of shape (H, W) or (H, W, C), same dtype
            The explained image and what hidden segments show.
        segments : ndarray of int, shape (H, W), labels 0..K-1
        batch_size : int, optional
            Images per model call; default :meth:`DeviceSegmentScorer.default_batch_size`.

        Returns
        -------
        DeviceSegmentScorer
        """
        return DeviceSegmentScorer(self, image, fill, segments, batch_size)


class DeviceSegmentScorer:
    """Scores boolean segment masks ``(n, K)`` by composing the images on the model's device.

    Each batch is one gather of the masks through the segment map and one
    ``where`` between the normalized image and the normalized fill, so it is
    already in the model's layout, dtype and normalization. Normalizing is
    per pixel, so selecting between normalized pixels equals normalizing the
    selected ones: the model sees what the numpy path would give it.
    Use it through :class:`~lime_kit.ImageExplainer`; it is public for tests
    and tools.

    Attributes
    ----------
    batch_size : int
        Images per model call (the default of the explainer's device path).
    """

    def __init__(self, predictor: TorchImagePredictor, image, fill, segments, batch_size: int | None = None):
        import torch

        image, fill = np.asarray(image), np.asarray(fill)
        if image.shape != fill.shape or image.dtype != fill.dtype or image.shape[:2] != np.shape(segments):
            raise ValueError(
                f"image {image.shape} {image.dtype}, fill {fill.shape} {fill.dtype} and segments "
                f"{np.shape(segments)} must describe the same (H, W) image in one dtype"
            )
        self.predictor = predictor
        self.source_dtype = image.dtype
        device = predictor.device
        nchw = [torch.from_numpy(np.ascontiguousarray(_as_nhwc(a[None]))).to(device).permute(0, 3, 1, 2) for a in (image, fill)]
        self.raw_image, self.raw_fill = nchw  # (1, C, H, W) in the image's dtype
        self.model_image, self.model_fill = (predictor.normalize(x, image.dtype) for x in nchw)
        self.segment_index = torch.from_numpy(np.ascontiguousarray(segments, dtype=np.int64).ravel()).to(device)
        self.image_shape = image.shape[:2]
        self.batch_size = self.default_batch_size() if batch_size is None else check_integer("batch_size", batch_size)

    def _keep(self, masks):
        """(n, K) masks -> (n, 1, H, W) bool on the device: True where the pixel shows the image."""
        import torch

        masks = torch.from_numpy(np.ascontiguousarray(masks, dtype=bool)).to(self.predictor.device, non_blocking=True)
        return masks.index_select(1, self.segment_index).view(masks.shape[0], 1, *self.image_shape)

    def compose(self, masks: np.ndarray):
        """The perturbed images of ``masks`` as an NCHW tensor in the image's dtype (before normalization)."""
        import torch

        return torch.where(self._keep(masks), self.raw_image, self.raw_fill)

    def model_inputs(self, masks: np.ndarray):
        """The perturbed images of ``masks`` as the model receives them: NCHW, compute dtype, normalized."""
        import torch

        return torch.where(self._keep(masks), self.model_image, self.model_fill)

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        return self.predictor.forward(self.model_inputs(masks))

    def default_batch_size(self) -> int:
        """64 images, or more on a GPU with room: up to 256, planned within half of the free device memory.

        On CUDA one image's share of the peak memory is measured with a
        two-image forward pass, once per image shape and dtype; elsewhere
        (CPU) the default is 64.
        """

        if self.predictor.device.type != "cuda":
            return DEVICE_BATCH
        key = (tuple(self.raw_image.shape), self.source_dtype.str)
        if key not in self.predictor._probed_batch:
            self.predictor._probed_batch[key] = self._probe_batch_size()
        return self.predictor._probed_batch[key]

    def _probe_batch_size(self) -> int:
        all_on = np.ones((2, int(self.segment_index.max()) + 1), dtype=bool)
        return probe_batch_size(lambda: self(all_on), self.predictor.device, MAX_DEVICE_BATCH)


def torch_predict_fn(
    module,
    *,
    device=None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    scale: float | str = "auto",
    softmax: bool = True,
    dtype=None,
    channels_last: bool = False,
    autocast: str | None = None,
    compose_on_device: bool = True,
    channel_order: str = "rgb",
) -> TorchImagePredictor:
    """Wrap ``module`` so that it takes NHWC numpy batches and returns numpy outputs.

    Each call moves the batch to the device in its own dtype (uint8 moves
    four times fewer bytes than float32), converts it there to NCHW float,
    applies ``x * scale`` then ``(x - mean) / std``, runs the module under
    ``torch.no_grad()`` in eval mode (restoring the module's mode after),
    applies a softmax over the last axis if asked, and returns a float32
    numpy array.

    With :class:`~lime_kit.ImageExplainer` the perturbed images are not built
    in numpy at all: the explainer hands the adapter the image, the fill and
    the segment map once (see :meth:`TorchImagePredictor.segment_scorer`) and
    then only the segment masks of each batch.

    Parameters
    ----------
    module : torch.nn.Module
        Takes a float tensor of shape (n, C, H, W).
    device : str or torch.device, optional
        Where to run; default the device of the module's parameters.
    mean, std : sequence of float, optional
        Per-channel normalization after scaling (e.g. ImageNet's).
    scale : float or "auto", default="auto"
        Multiplier applied first; "auto" is 1/255 for uint8 batches and 1
        otherwise.
    softmax : bool, default=True
        Turn logits into probabilities. Pass False if the module already
        returns probabilities, or for regression.
    dtype : torch.dtype, optional
        Dtype of the inputs; default ``torch.float32``.
    channels_last : bool, default=False
        Hand the module channels-last (NHWC-strided) tensors, which convolution
        kernels on recent GPUs run faster, especially under ``autocast``.
    autocast : {None, "bf16", "fp16"}, default=None
        Run the module under ``torch.autocast`` in this precision. Outputs
        are returned as float32 either way.
    compose_on_device : bool, default=True
        Offer the explainer the device path. False makes the explainer build
        numpy batches and call the adapter with them (for comparisons).
    channel_order : {"rgb", "bgr"}, default="rgb"
        The colour order the module was trained on; images are RGB, and
        "bgr" reverses their channels before ``mean`` and ``std`` (given in
        the module's order) apply.

    Returns
    -------
    TorchImagePredictor
        Callable ``(n, H, W[, C]) ndarray -> (n, n_outputs) ndarray``.

    Examples
    --------
    >>> import numpy as np
    >>> torch = __import__("pytest").importorskip("torch")
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    >>> predict = torch_predict_fn(net)
    >>> predict(np.zeros((5, 8, 8, 3), dtype=np.uint8)).shape
    (5, 2)
    """
    return TorchImagePredictor(
        module,
        device=device,
        mean=mean,
        std=std,
        scale=scale,
        softmax=softmax,
        dtype=dtype,
        channels_last=channels_last,
        autocast=autocast,
        compose_on_device=compose_on_device,
        channel_order=channel_order,
    )
