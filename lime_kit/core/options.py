"""The options of one ``explain`` call, validated once at the boundary.

Every explainer's ``explain`` takes the same surrogate, sampling-budget and
label keywords; they are checked here and travel to the pipeline as one
object instead of a dozen pass-through arguments.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lime_kit.core.kernels import resolve_kernel
from lime_kit.core.methods import Lime, Method, method_names, resolve_method
from lime_kit.core.methods.kernel_shap import BACKGROUND_PAIRINGS
from lime_kit.core.surrogate import FEATURE_SELECTION_METHODS, check_model_regressor
from lime_kit.core.validation import check_integer, explanation_rng

__all__ = ["AUTO", "BACKGROUND_PAIRINGS", "DEFAULT_NUM_FEATURES", "METHODS", "ExplainOptions"]

AUTO = "auto"
#: How the weights are estimated: lime's kernel-weighted ridge, or Shapley values (see :mod:`lime_kit.core.methods`).
METHODS = method_names()
#: ``num_features=None`` means this many for lime (each method says its own default; KernelSHAP: every feature).
DEFAULT_NUM_FEATURES = Lime.default_num_features


@dataclass(frozen=True)
class ExplainOptions:
    """Validated options of one explanation.

    ``num_samples`` is None for ``"auto"``: rounds of samples until the
    explanation is stable, at most ``max_samples``.
    """

    mode: str
    num_samples: int | None
    max_samples: int
    target_stability: float
    num_features: int
    feature_selection: str
    model_regressor: object
    labels: object
    top_labels: int | None
    batch_size: int
    kernel: Callable[[np.ndarray], np.ndarray]
    kernel_width: float | None
    stability_resamples: int
    class_names: list | None
    seed: int | None
    rng: np.random.Generator
    cv_folds: int = 5
    method: Method = field(default_factory=Lime)

    @classmethod
    def from_call(
        cls,
        *,
        mode: str,
        explainer_seed: int,
        random_state,
        num_samples,
        max_samples,
        target_stability,
        num_features,
        feature_selection: str,
        model_regressor,
        labels,
        top_labels,
        batch_size,
        kernel,
        kernel_width,
        default_kernel_width: float,
        stability_resamples,
        class_names,
        method: Method | str = "lime",
    ) -> ExplainOptions:
        """Check every option of an ``explain`` call and resolve the kernel and the Generator.

        ``method`` is a name or a :class:`~lime_kit.core.methods.Method`;
        ``num_features=None`` is the method's default (:data:`DEFAULT_NUM_FEATURES`
        for lime, every feature for KernelSHAP: Shapley values are not
        selected unless asked).
        """
        method = method if isinstance(method, Method) else resolve_method(method)
        method.check_options(
            {"feature_selection": feature_selection, "model_regressor": model_regressor, "stability_resamples": stability_resamples}
        )
        if num_features is None:
            num_features = 2**62 if method.default_num_features is None else method.default_num_features
        if feature_selection not in FEATURE_SELECTION_METHODS:
            raise ValueError(f"feature_selection must be one of {FEATURE_SELECTION_METHODS}, got {feature_selection!r}")
        check_integer("num_features", num_features, 1)
        check_integer("batch_size", batch_size, 1)
        check_integer("max_samples", max_samples, 2)
        if num_samples == AUTO:
            num_samples = None
        else:
            check_integer("num_samples", num_samples, 2, " (the instance plus at least one perturbation), or 'auto'")
            num_samples = int(num_samples)
        if not isinstance(target_stability, numbers.Real) or not 0 < target_stability <= 1:
            raise ValueError(f"target_stability must be a number in (0, 1], got {target_stability!r}")
        if not isinstance(stability_resamples, numbers.Integral) or stability_resamples < 0:
            raise ValueError(f"stability_resamples must be a non-negative integer, got {stability_resamples!r}")
        if stability_resamples == 1:
            raise ValueError("stability_resamples must be 0 (simulated reruns) or at least 2 refits to compare, got 1")
        check_model_regressor(model_regressor)
        kernel_fn, width = resolve_kernel(kernel, kernel_width, default_kernel_width)
        seed, rng = explanation_rng(explainer_seed, random_state)
        return cls(
            mode=mode,
            num_samples=num_samples,
            max_samples=int(max_samples),
            target_stability=float(target_stability),
            num_features=int(num_features),
            feature_selection=feature_selection,
            model_regressor=model_regressor,
            labels=labels,
            top_labels=top_labels,
            batch_size=int(batch_size),
            kernel=kernel_fn,
            kernel_width=width,
            stability_resamples=int(stability_resamples),
            class_names=class_names,
            seed=seed,
            rng=rng,
            method=method,
        )


def options_for(explainer, default_kernel_width: float, **call) -> ExplainOptions:
    """Options of one ``explain`` call on ``explainer`` (any modality's explainer).

    The explainer contributes its mode, seed, kernel and class names; ``call``
    holds the keywords of its ``explain``.
    """
    return ExplainOptions.from_call(
        mode=explainer.mode,
        explainer_seed=explainer._seed,
        kernel=explainer.kernel,
        kernel_width=explainer.kernel_width,
        default_kernel_width=default_kernel_width,
        class_names=explainer.class_names,
        **call,
    )
