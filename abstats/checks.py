"""Checks of scalar settings and numeric arrays shared by every module.

Each check raises :class:`abstats.errors.ConfigError` / :class:`InputError`
naming the field, so no module lets a bad setting turn into a silent NaN.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from abstats.errors import ConfigError, InputError


def check_choice(field: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ConfigError``."""
    options = tuple(choices)
    if value not in options:
        raise ConfigError(field, value, "one of " + ", ".join(repr(c) for c in options))
    return value


def check_open_unit(field: str, value: Any) -> float:
    """A probability strictly between 0 and 1 (alpha, power, a rate)."""
    x = _as_float(field, value)
    if not 0.0 < x < 1.0:
        raise ConfigError(field, value, "a number strictly between 0 and 1")
    return x


def check_positive(field: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (or >= 0 with ``allow_zero``)."""
    x = _as_float(field, value)
    if x < 0 or (x == 0 and not allow_zero):
        raise ConfigError(field, value, "a finite number >= 0" if allow_zero else "a finite number > 0")
    return x


def check_finite_array(field: str, values: Any, *, metric: str | None = None) -> np.ndarray:
    """Return ``values`` as a 1-D float array, raising on NaN or infinity."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(field, arr.flat[first], "a finite number (no NaN or infinity)", metric=metric)
    return arr


def _as_float(field: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(field, value, "a number") from None
    if not np.isfinite(x):
        raise ConfigError(field, value, "a finite number")
    return x
