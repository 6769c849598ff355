"""Methods as objects, found by name in one registry.

Method packages import :mod:`abstats.methods.base` only; the registry (which imports every
built-in method) loads on first use of a registry name here, so there is no import cycle.

>>> from abstats.methods import get_method
>>> get_method("bayesian").display.interval
'cred'
"""

from typing import Any

from abstats.methods.base import Display, Method, MethodSettings, Scores

_REGISTRY_NAMES = ("METHODS", "MethodRegistry", "get_method", "method_names", "register", "unregister")


def __getattr__(name: str) -> Any:
    if name in _REGISTRY_NAMES:
        from abstats.methods import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'abstats.methods' has no attribute {name!r}")


__all__ = [
    "METHODS",
    "Display",
    "Method",
    "MethodRegistry",
    "MethodSettings",
    "Scores",
    "get_method",
    "method_names",
    "register",
    "unregister",
]
