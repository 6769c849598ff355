"""The one place that maps a method name to its :class:`~abstats.methods.base.Method` object.

``analyze``/``compare`` resolve ``method=`` here (a name plus options, or a settings object);
the Result looks its method up here to format reasons and choose display columns.

Examples
--------
>>> from abstats.methods import get_method, method_names
>>> get_method("frequentist").settings_type.__name__
'FrequentistSettings'
>>> "msprt" in method_names()
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from abstats.bayesian.method import BAYESIAN, HIERARCHICAL
from abstats.errors import ConfigError
from abstats.frequentist.method import FREQUENTIST
from abstats.methods.base import Method, MethodSettings
from abstats.sequential.method import CONFIDENCE_SEQUENCE, GROUP_SEQUENTIAL, MSPRT


class MethodRegistry:
    """Methods by name.

    Parameters
    ----------
    methods
        The methods known from the start.
    """

    def __init__(self, methods: Iterable[Method] = ()) -> None:
        self._by_name: dict[str, Method] = {}
        for m in methods:
            self.register(m)

    def register(self, method: Method, *, replace: bool = False) -> Method:
        """Add ``method`` under its name (``replace=True`` to overwrite one of the same name)."""
        if not isinstance(method, Method):
            raise ConfigError("method", method, "an abstats.methods.Method")
        if method.name in self._by_name and not replace:
            raise ConfigError("method", method.name, "a name not yet registered (or replace=True)")
        self._by_name[method.name] = method
        return method

    def unregister(self, name: str) -> None:
        """Remove the method called ``name``."""
        self.get(name)
        del self._by_name[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def get(self, name: str) -> Method:
        """The method called ``name``; a ConfigError listing the known names otherwise."""
        method = self._by_name.get(name) if isinstance(name, str) else None
        if method is None:
            raise ConfigError("method", name, "one of " + ", ".join(repr(n) for n in self._by_name))
        return method

    def for_settings(self, settings: MethodSettings) -> Method:
        """The method whose settings class ``settings`` is an instance of."""
        for method in self._by_name.values():
            if type(settings) is method.settings_type:
                return method
        raise ConfigError("method", type(settings).__name__, "the settings of a registered method")

    def resolve(self, method: str | MethodSettings, options: Mapping[str, Any]) -> tuple[Method, MethodSettings]:
        """The method object and its validated settings, from a name plus options or a settings object.

        Options the method does not take are refused with an error naming the option and the method.
        """
        if isinstance(method, MethodSettings):
            if options:
                name = next(iter(options))
                raise ConfigError(name, options[name], "no separate options when method= is a settings object "
                                  "(set them on the settings object)")
            return self.for_settings(method), method
        found = self.get(method)
        accepted = {f.name for f in fields(found.settings_type) if f.init}
        for name, value in options.items():
            if name in accepted:
                continue
            why = found.refused.get(name)
            if why is not None:
                raise ConfigError(name, value, f"no {name!r} with method={found.name!r}: {why}")
            raise ConfigError(name, value, f"an option of method={found.name!r}: " + ", ".join(sorted(accepted)))
        try:
            return found, found.settings_type(**options)
        except TypeError as exc:  # a required option is missing (e.g. design= for group_sequential)
            raise ConfigError("method", found.name, f"its required options ({exc})") from None


METHODS = MethodRegistry([FREQUENTIST, BAYESIAN, HIERARCHICAL, GROUP_SEQUENTIAL, MSPRT, CONFIDENCE_SEQUENCE])

register = METHODS.register
unregister = METHODS.unregister
get_method = METHODS.get
method_names = METHODS.names
