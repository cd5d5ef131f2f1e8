"""Turn a PyTorch image model into a ``predict_fn`` for :class:`~lime_kit.ImageExplainer`.

Optional: install with ``pip install "lime_kit[torch]"``. torch is imported
only when :func:`torch_predict_fn` is called, so ``import lime_kit`` never
needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["torch_predict_fn"]


def _module_device(module):
    import torch

    for tensor in list(module.parameters()) + list(module.buffers()):
        return tensor.device
    return torch.device("cpu")


def _channel_tensor(values, device):
    """Per-channel constants shaped (1, C, 1, 1) to broadcast over NCHW batches."""
    import torch

    return torch.as_tensor(np.asarray(values, dtype=np.float32).ravel(), device=device).view(1, -1, 1, 1)


def torch_predict_fn(
    module,
    *,
    device=None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    scale: float | str = "auto",
    softmax: bool = True,
    dtype=None,
) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap ``module`` so that it takes NHWC numpy batches and returns numpy outputs.

    Each call moves the batch to the device in its own dtype (uint8 moves
    four times fewer bytes than float32), converts it there to NCHW float,
    applies ``x * scale`` then ``(x - mean) / std``, runs the module under
    ``torch.no_grad()`` in eval mode (restoring the module's mode after),
    applies a softmax over the last axis if asked, and returns a float32
    numpy array.

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
        Compute dtype; default ``torch.float32``.

    Returns
    -------
    callable ``(n, H, W[, C]) ndarray -> (n, n_outputs) ndarray``

    Examples
    --------
    >>> import numpy as np
    >>> torch = __import__("pytest").importorskip("torch")
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    >>> predict = torch_predict_fn(net)
    >>> predict(np.zeros((5, 8, 8, 3), dtype=np.uint8)).shape
    (5, 2)
    """
    import torch

    target = torch.device(device) if device is not None else _module_device(module)
    compute_dtype = torch.float32 if dtype is None else dtype
    shift = None if mean is None else _channel_tensor(mean, target).to(compute_dtype)
    divide = None if std is None else _channel_tensor(std, target).to(compute_dtype)

    def predict(batch: np.ndarray) -> np.ndarray:
        array = np.asarray(batch)
        if array.ndim == 3:  # grayscale (n, H, W)
            array = array[..., None]
        if array.ndim != 4:
            raise ValueError(f"expected a batch of images (n, H, W[, C]), got shape {array.shape}")
        x = torch.from_numpy(np.ascontiguousarray(array)).to(target, non_blocking=True)
        x = x.permute(0, 3, 1, 2).to(compute_dtype)
        factor = (1 / 255 if array.dtype == np.uint8 else 1.0) if scale == "auto" else float(scale)
        if factor != 1.0:
            x = x * factor
        if shift is not None:
            x = x - shift
        if divide is not None:
            x = x / divide
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = module(x)
        finally:
            module.train(was_training)
        if softmax:
            out = torch.softmax(out, dim=-1)
        return out.float().cpu().numpy()

    return predict
