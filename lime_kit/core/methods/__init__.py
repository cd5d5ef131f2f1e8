"""The methods the pipeline can run, by name: ``method="lime"`` or ``method="kernel_shap"``, or an object.

Adding a method is one module defining a :class:`~lime_kit.core.methods.base.Method`
subclass plus one :func:`register` line below.
"""

from __future__ import annotations

from lime_kit.core.methods.anchors import Anchors
from lime_kit.core.methods.base import Method, MethodRun
from lime_kit.core.methods.kernel_shap import KernelShap
from lime_kit.core.methods.lime import Lime

__all__ = [
    "Anchors",
    "KernelShap",
    "Lime",
    "Method",
    "MethodRun",
    "every_modality_keywords",
    "method_names",
    "register",
    "registered_methods",
    "resolve_method",
    "unregister",
]

_REGISTRY: dict[str, type[Method]] = {}


def register(method: type[Method]) -> type[Method]:
    """Make ``method.name`` a valid ``method=`` of every explainer."""
    _REGISTRY[method.name] = method
    return method


def unregister(name: str) -> None:
    """Forget method ``name`` (a plugin unloading, a test cleaning up); unknown names are ignored."""
    _REGISTRY.pop(name, None)


def registered_methods() -> dict[str, type[Method]]:
    """The registered method classes by name, in registration order (a copy: change it with :func:`register`)."""
    return dict(_REGISTRY)


register(Lime)
register(KernelShap)
register(Anchors)


def every_modality_keywords() -> dict:
    """The ``explain`` keywords of the methods that every modality accepts (``threshold`` ...), with defaults."""
    return {name: default for cls in _REGISTRY.values() if cls.every_modality for name, default in cls.keywords.items()}


def method_names() -> tuple[str, ...]:
    """The registered method names, in registration order.

    >>> method_names()
    ('lime', 'kernel_shap', 'anchors')
    """
    return tuple(_REGISTRY)


def _unset(name: str, value) -> bool:
    default = next((cls.keywords[name] for cls in _REGISTRY.values() if name in cls.keywords), None)
    if default is None or value is None:
        return value is None
    return type(value) is type(default) and value == default


def _owner(name: str) -> str:
    return next(cls.name for cls in _REGISTRY.values() if name in cls.keywords)


def resolve_method(method, **keywords) -> Method:
    """The method object of an ``explain`` call: ``method`` by name with its ``keywords``, or as given.

    ``keywords`` are a method's own ``explain`` keywords (``background``,
    ``background_pairing``); one that is set must belong to the method.

    Examples
    --------
    >>> resolve_method("kernel_shap", background_pairing="one")
    KernelShap(background=None, background_pairing='one')
    """
    given = {name: value for name, value in keywords.items() if not _unset(name, value)}
    if isinstance(method, Method):
        if given:
            raise ValueError(
                f"{', '.join(given)} belong(s) to the method object: pass {type(method).__name__}("
                f"{', '.join(f'{k}=...' for k in given)}) instead of explain keywords"
            )
        return method
    if not isinstance(method, str) or method not in _REGISTRY:
        raise ValueError(f"method must be one of {method_names()} or a Method object, got {method!r}")
    cls = _REGISTRY[method]
    for name in given:
        if name not in cls.keywords:
            owner = _owner(name)
            raise ValueError(f"{name} is used by method={owner!r} only; pass method={owner!r} or drop {name}")
    return cls(**given)
