"""PyTorch models as ``predict_fn`` for lime_kit's explainers.

Optional: install with ``pip install "lime_kit[torch]"``. torch is imported
only when an adapter is called, so ``import lime_kit`` never needs it.

- :func:`torch_predict_fn`: image classifiers (NCHW float input).
- :func:`torch_text_predict_fn`: text classifiers behind a tokenizer.

Both return plain callables that any explainer (and lime-style code) can
use, and that also offer the explainer a faster path in which perturbed
inputs are built directly on the model's device.
"""

from lime_kit.torch_adapter.image import torch_predict_fn
from lime_kit.torch_adapter.text import torch_text_predict_fn

__all__ = ["torch_predict_fn", "torch_text_predict_fn"]
