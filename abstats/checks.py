"""Checks of scalar settings and numeric arrays shared by every module.

Each check raises :class:`abstats.errors.ConfigError` / :class:`InputError`
naming the field, so no module lets a bad setting turn into a silent NaN.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import numpy as np

from abstats.errors import ConfigError, InputError

_T = TypeVar("_T")


def check_choice(field: str, value: Any, choices: Iterable[_T]) -> _T:
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


def check_finite(field: str, value: Any) -> float:
    """Any finite number."""
    return _as_float(field, value)


def check_finite_array(
    field: str, values: Any, *, setting: bool = False, metric: str | None = None, ndmin: int = 0
) -> np.ndarray:
    """``values`` as a float array (shape kept, at least ``ndmin`` dimensions), raising on non-numbers, NaN or inf.

    ``setting=True`` raises :class:`ConfigError` (a setting such as alpha),
    otherwise :class:`InputError` (data).
    """
    error = ConfigError if setting else InputError
    try:
        arr = np.array(values, dtype=float, ndmin=ndmin, copy=None)
    except (TypeError, ValueError):
        raise error(field, values, "a number or an array of numbers", metric=metric) from None
    bad = ~np.isfinite(arr)
    if bad.any():
        raise error(field, arr[bad].flat[0], "a finite number (no NaN or infinity)", metric=metric)
    return arr


def require_cells(bad: Any, field: str, values: Any, expected: str, *, setting: bool = False) -> None:
    """Raise for the first cell where ``bad`` holds, naming ``field`` and its value there."""
    bad = np.asarray(bad)
    if bad.any():
        error = ConfigError if setting else InputError
        first = np.broadcast_to(values, bad.shape)[bad].flat[0]
        raise error(field, float(first), expected)


def check_open_unit_array(field: str, values: Any, *, setting: bool = True) -> np.ndarray:
    """Every cell strictly between 0 and 1 (alpha, power, a baseline rate)."""
    arr = check_finite_array(field, values, setting=setting)
    require_cells((arr <= 0) | (arr >= 1), field, arr, "a number strictly between 0 and 1", setting=setting)
    return arr


def check_positive_array(field: str, values: Any, *, setting: bool = False, ndmin: int = 0) -> np.ndarray:
    """Every cell a finite number > 0."""
    arr = check_finite_array(field, values, setting=setting, ndmin=ndmin)
    require_cells(arr <= 0, field, arr, "a number > 0", setting=setting)
    return arr


def check_bool(field: str, value: Any) -> bool:
    """A flag: True or False only (a string such as "False" would read as true)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(field, value, "True or False")
    return bool(value)


def check_optional(check: Any, field: str, value: Any) -> Any:
    """``check(field, value)`` unless ``value`` is None."""
    return None if value is None else check(field, value)


def _as_float(field: str, value: Any) -> float:
    # Strings and booleans are refused: float("0.05") would pass here and fail later inside
    # numpy, and True would silently read as 1.
    if isinstance(value, (str, bytes, bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise ConfigError(field, value, "a number")
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(field, value, "a number") from None
    if not np.isfinite(x):
        raise ConfigError(field, value, "a finite number")
    return x
