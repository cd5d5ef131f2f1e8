"""The base of every explainer: the keywords all modalities share (documented once), ``explain`` and ``explain_many``.

A modality subclasses :class:`Explainer` and provides

- ``modality``: its :class:`~lime_kit.core.modality.Modality` fields
  (``name``, ``instance``, ``renderer`` and, if it needs its own, ``split``),
- ``explain_options``: its own per-call keywords and their defaults,
  ``explain_defaults``: its defaults of shared keywords, and ``explain_doc``:
  the documentation of its instance, ``predict_fn`` and own keywords,
- ``_prepare(instance, predict_fn, options_for, **own)``: validate the
  instance, build the call's options with ``options_for(default kernel
  width, **defaults of None keywords)`` and return a :class:`Prepared` (its
  sampler and what describes its features).

The pipeline (:mod:`lime_kit.core.pipeline`) does the rest.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any, ClassVar

from lime_kit.core.methods import every_modality_keywords, resolve_method
from lime_kit.core.modality import Modality, register_modality
from lime_kit.core.options import ExplainOptions
from lime_kit.core.options import options_for as explain_options
from lime_kit.core.pipeline import ExplanationContext, explain_instance
from lime_kit.core.sampler import InstanceSampler
from lime_kit.many import ExplainManyMixin

__all__ = ["SHARED_KEYWORDS", "Explainer", "Prepared"]

#: Keywords of every explainer's ``explain`` (keyword-only, after ``predict_fn``) and their defaults.
SHARED_KEYWORDS = {
    "labels": None,
    "top_labels": None,
    "num_features": None,
    "num_samples": 5000,
    "model_regressor": None,
    "feature_selection": "auto",
    "batch_size": None,
    "random_state": None,
    "stability_resamples": 0,
    "max_samples": 20_000,
    "target_stability": 0.95,
    "method": "lime",
}

_SHARED_DOC = """\
labels : int, str or sequence of them, optional
    Output columns (or class names) to explain. Default: the predicted class.
top_labels : int, optional
    Explain the ``top_labels`` most probable classes instead (all classes if
    there are fewer).
num_features : int, optional
    Maximum number of features in the explanation; default{num_features}.
num_samples : int or "auto", default={num_samples}
    Perturbed samples, the instance included (with ``method="kernel_shap"``:
    coalitions, the empty and full ones aside). ``"auto"`` samples in rounds
    (1,000, then doubling) until the top features are stable and resolved, or
    ``max_samples`` is reached.
model_regressor : scikit-learn regressor, optional
    Surrogate to fit instead of the built-in ridge; its ``fit`` must accept
    ``sample_weight``.
feature_selection : {{"auto", "none", "highest_weights", "highest_slopes", "forward_selection", "lasso_path"}}
    How the ``num_features`` are chosen; ``"auto"`` is forward selection up to
    6 features, ``"highest_weights"`` above. ``"highest_weights"`` keeps the
    largest contributions at the instance, ``|weight x value|`` (for a
    continuous tabular feature its standardized value: a steep feature at
    which the instance sits at the training mean did not make this
    prediction); ``"highest_slopes"`` keeps the largest ``|weight|``. A
    present token, segment, bin or category is 1 at the instance, so both
    select alike there.
batch_size : int, optional
    Samples per ``predict_fn`` call; only one batch of model inputs exists at a
    time. Default: {batch_size}.
random_state : int or Generator, optional
    Overrides the explainer's seed for this call.
stability_resamples : int, default=0
    0: ``exp.stability`` comes from simulated reruns (cheap). N >= 2: from N
    exact surrogate refits on bootstrap reweightings.
max_samples : int, default=20000
    Cap of ``num_samples="auto"``.
target_stability : float, default=0.95
    Stability at which ``num_samples="auto"`` stops.
method : {{"lime", "kernel_shap", "anchors"}} or Method, default="lime"
    ``"kernel_shap"``: Shapley values of every feature (KernelSHAP,
    :class:`~lime_kit.core.methods.KernelShap`). They sum exactly to the
    prediction minus the *base value*, the output with every feature absent,
    given as ``exp.intercept[label]`` and ``exp.payload["base_value"]`` (one
    per output column). ``"anchors"``: a rule of features held at the
    instance's value that keeps the predicted class with precision
    ``threshold`` (:class:`~lime_kit.core.methods.Anchors`; ``exp.anchor``,
    ``exp.precision``, ``exp.coverage``). A method object carries its own
    options, e.g. ``KernelShap(background_pairing="one")``.
threshold, delta, tolerance, beam_size, selection_tolerance, max_model_rows
    ``method="anchors"`` only: the precision a rule must reach (0.95), the
    probability its bounds may fail (0.1), how far below ``threshold`` its
    lower bound may be (0.05), the rules kept per length (2), how close two
    precisions may be and still count as equal when the beam is chosen
    (0.15), and the cap on model rows (100,000)."""


@dataclass
class Prepared:
    """One instance ready for the pipeline: what a modality's ``_prepare`` returns."""

    sampler: InstanceSampler
    predict_fn: Callable
    options: ExplainOptions
    context: ExplanationContext


class Explainer(ExplainManyMixin):
    """Base of the modality explainers; see the module docstring for what a modality provides."""

    modality: ClassVar[Modality]
    explain_options: ClassVar[dict[str, Any]] = {}
    explain_defaults: ClassVar[dict[str, Any]] = {}
    #: Shown for defaults that are not one value (``{"batch_size": "1000"}``).
    explain_default_docs: ClassVar[dict[str, str]] = {}
    explain_doc: ClassVar[str] = ""

    mode: str
    class_names: list | None
    kernel: Callable | None
    kernel_width: float | None
    _seed: int

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("modality")
        if isinstance(declared, dict):
            declared = dict(declared)
            html = declared.pop("renderer")
            row = declared.pop("instance_is_row", "split" in declared)
            cls.modality = register_modality(Modality(explainer=cls, html=html, instance_is_row=row, **declared))
        if "explain_doc" in cls.__dict__:
            cls.explain = _explain_for(cls)

    def explain(self, instance, predict_fn: Callable[[Any], Any], **keywords):
        """Explain ``predict_fn``'s output for one instance (each modality documents its own)."""
        started = perf_counter()
        shared = {**SHARED_KEYWORDS, **self.explain_defaults}
        own = {**every_modality_keywords(), **self.explain_options}
        for name, value in keywords.items():
            if name in shared:
                shared[name] = value
            elif name in own:
                own[name] = value
            else:
                raise TypeError(f"{type(self).__name__}.explain() got an unexpected keyword argument {name!r}")
        method_keywords = {name: own.pop(name) for name in list(own) if name in _method_keywords()}
        method = resolve_method(shared.pop("method"), **method_keywords)
        if getattr(method, "background", None) is not None and "background" not in self.explain_options:
            raise ValueError(
                f"background is used by tabular explainers only; a {self.modality.name} explainer removes absent "
                "features its own way, so leave it None"
            )

        def options_for(default_kernel_width: float, **defaults) -> ExplainOptions:
            """The call's shared options; ``defaults`` fill those the caller left None (e.g. a batch size)."""
            given = {name: defaults[name] if value is None and name in defaults else value for name, value in shared.items()}
            return explain_options(self, default_kernel_width, method=method, **given)

        options_for.given = shared  # what the caller passed, for defaults a modality settles later

        prepared = self._prepare(instance, predict_fn, options_for, **own)
        prepared.context.started = started
        return explain_instance(prepared.sampler, prepared.predict_fn, prepared.options, prepared.context)

    def _prepare(self, instance, predict_fn, options_for, **own) -> Prepared:
        raise NotImplementedError


def _method_keywords() -> set:
    from lime_kit.core.methods import _REGISTRY

    return {name for cls in _REGISTRY.values() for name in cls.keywords}


def _explain_for(cls) -> Callable:
    """``cls.explain`` with its real signature (shared keywords keyword-only) and its documentation composed."""
    shared = {**SHARED_KEYWORDS, **cls.explain_defaults}
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(cls.modality.instance, inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("predict_fn", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *(inspect.Parameter(name, keyword, default=default) for name, default in shared.items()),
        *(inspect.Parameter(name, keyword, default=default) for name, default in cls.explain_options.items()),
        *(
            inspect.Parameter(name, keyword, default=default)
            for name, default in every_modality_keywords().items()
            if name not in cls.explain_options
        ),
    ]
    signature = inspect.Signature(parameters)

    def explain(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        arguments = dict(bound.arguments)
        arguments.pop("self")
        return Explainer.explain(self, arguments.pop(cls.modality.instance), arguments.pop("predict_fn"), **arguments)

    filled = {
        "num_features": " " + cls.explain_default_docs.get("num_features", _default_features(shared["num_features"])),
        "num_samples": shared["num_samples"],
        "batch_size": cls.explain_default_docs.get("batch_size", shared["batch_size"]),
    }
    summary, _, rest = textwrap.dedent(cls.explain_doc).strip("\n").partition("\n\n")
    own, _, tail = rest.partition("\nReturns\n")
    doc = (
        f"{summary}\n\nParameters\n----------\n{own.strip()}\n"
        + _SHARED_DOC.format(**filled)
        + (f"\n\nReturns\n{tail}" if tail else "")
    )
    explain.__signature__ = signature
    explain.__doc__ = textwrap.indent(doc, "        ").strip()
    explain.__name__ = explain.__qualname__ = "explain"
    explain.__qualname__ = f"{cls.__name__}.explain"
    explain.__module__ = cls.__module__
    return explain


def _default_features(default) -> str:
    return "10 for lime and every feature for method='kernel_shap'" if default is None else str(default)
