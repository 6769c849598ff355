"""Row-level checks of sufficient statistics that name the offending row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from abstats.errors import InputError

# sum_sq may undershoot sum**2 / n by floating-point rounding only.
_SUM_SQ_RTOL = 1e-9


class RowLabels:
    """Experiment and variant labels used to point at a bad row in error messages."""

    def __init__(self, metric: str | None, experiment: Sequence[Any] | None, variant: Sequence[Any] | None):
        self.metric = metric
        self.experiment = experiment
        self.variant = variant

    def fail(self, row: int, field: str, value: Any, expected: str) -> InputError:
        experiment = None if self.experiment is None else self.experiment[row]
        variant = None if self.variant is None else self.variant[row]
        return InputError(field, _plain(value), expected, metric=self.metric, variant=variant, experiment=experiment)


def as_float_array(field: str, values: Any, labels: RowLabels) -> np.ndarray:
    """1-D float array with every element finite; booleans and strings are refused, not parsed."""
    raw = np.asarray(values)
    if raw.dtype.kind in "bUS" or (raw.dtype.kind == "O" and any(isinstance(v, (str, bytes, bool, np.bool_))
                                                                 for v in raw.ravel().tolist())):
        raise InputError(field, values, "numbers (not strings or booleans)", metric=labels.metric)
    try:
        arr = np.atleast_1d(np.asarray(raw, dtype=float))
    except (TypeError, ValueError):
        raise InputError(field, values, "numbers", metric=labels.metric) from None
    if arr.ndim != 1:
        raise InputError(field, f"array of shape {arr.shape}", "a 1-D array", metric=labels.metric)
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise labels.fail(row, field, arr[row], "a finite number (no NaN or infinity)")
    return arr


def require(mask_bad: np.ndarray, field: str, values: np.ndarray, expected: str, labels: RowLabels) -> None:
    """Raise for the first row where ``mask_bad`` holds."""
    if mask_bad.any():
        row = int(np.flatnonzero(mask_bad)[0])
        raise labels.fail(row, field, values[row], expected)


def require_same_length(fields: dict[str, np.ndarray], metric: str | None) -> int:
    lengths = {name: len(arr) for name, arr in fields.items()}
    first_name, first_len = next(iter(lengths.items()))
    for name, length in lengths.items():
        if length != first_len:
            raise InputError(
                name, f"array of length {length}", f"the same length as {first_name} ({first_len})", metric=metric
            )
    return first_len


def require_whole(field: str, values: np.ndarray, labels: RowLabels) -> None:
    require(values != np.round(values), field, values, "a whole number", labels)


def require_sum_sq_consistent(
    sum_field: str, sum_sq_field: str, n: np.ndarray, total: np.ndarray, total_sq: np.ndarray, labels: RowLabels
) -> None:
    """sum_sq >= sum**2 / n (Cauchy-Schwarz): otherwise the variance would be negative."""
    floor = total * total / n
    bad = total_sq < floor - _SUM_SQ_RTOL * np.maximum(np.abs(floor), 1.0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise labels.fail(
            row, sum_sq_field, total_sq[row], f">= {sum_field}**2 / n = {floor[row]:.6g} (implied variance is negative)"
        )


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and value.is_integer():
            return int(value)
    return value
