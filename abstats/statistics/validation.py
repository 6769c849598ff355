"""Row-level checks of sufficient statistics that name the offending row."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any, TypeVar

import numpy as np

from abstats.errors import InputError, PrecisionWarning

_S = TypeVar("_S")

EPS = float(np.finfo(float).eps)
# Ulps of slack on top of the sqrt(n) growth of a sum's rounding error: the subtraction
# sum_sq - sum**2 / n and the square and division inside it each round once more.
_ROUNDING_ULPS = 4.0
# A centred sum of squares below this share of the raw sum of squares has lost more than
# half of float64's 16 digits to cancellation: its leading digits are rounding noise of
# the sums the user computed, so variances and p-values built on it are not reliable.
PRECISION_RTOL = 1e-8


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

    def where(self, row: int) -> str:
        """``metric 'm', experiment 'e', variant 'B'`` (the parts that are known), as errors print them."""
        parts = [] if self.metric is None else [f"metric {self.metric!r}"]
        if self.experiment is not None:
            parts.append(f"experiment {_plain(self.experiment[row])!r}")
        if self.variant is not None:
            parts.append(f"variant {_plain(self.variant[row])!r}")
        parts.append(f"row {row}")
        return ", ".join(parts)


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


def require_whole(field: str, values: np.ndarray, labels: RowLabels, given: Any = None) -> None:
    """Every value a whole number (``given``: the values as the caller passed them; an integer array is
    whole already and costs no pass over the rows)."""
    if getattr(given, "dtype", None) is not None and given.dtype.kind in "iu":
        return
    require(values != np.round(values), field, values, "a whole number", labels)


def rounding_tolerance(n: np.ndarray, magnitude: np.ndarray) -> np.ndarray:
    """Rounding error to allow in a quantity computed from float64 sums over ``n`` units.

    ``eps * (4 + sqrt(n)) * magnitude``: the sum of n rounded terms carries about
    sqrt(n) ulps of its magnitude for randomly signed rounding errors (Higham 2002,
    *Accuracy and Stability of Numerical Algorithms*, sec. 4.2), and the subtraction
    and products that form a centred sum round a few more times. ``magnitude`` is the
    size of the largest terms involved (e.g. ``sum_sq + sum**2 / n``), so the tolerance
    scales with the data: 1e-12 of a variance of 1e-10 and of 1e20 alike.

    Parameters
    ----------
    n
        Units summed per row.
    magnitude
        Absolute size of the terms whose difference is checked, per row.
    """
    return EPS * (_ROUNDING_ULPS + np.sqrt(n)) * np.abs(magnitude)


def centred_sum_sq(n: np.ndarray, total: np.ndarray, total_sq: np.ndarray) -> np.ndarray:
    """sum_sq - sum**2 / n, the sum of squared deviations from the mean (not floored).

    Written ``sum * (sum / n)`` so the intermediate product cannot overflow where
    ``sum_sq`` itself is finite (sum**2 / n <= sum_sq by Cauchy-Schwarz).

    Parameters
    ----------
    n
        Units per row.
    total, total_sq
        Sum and sum of squares of the (possibly shifted) values per row.
    """
    return total_sq - total * (total / n)


def require_sum_sq_consistent(
    sum_field: str, sum_sq_field: str, n: np.ndarray, total: np.ndarray, total_sq: np.ndarray, labels: RowLabels
) -> None:
    """sum_sq >= sum**2 / n (Cauchy-Schwarz) up to float rounding: otherwise the variance would be negative.

    The slack is :func:`rounding_tolerance` of the magnitudes involved, a few ulps of
    ``sum_sq + sum**2 / n`` (not a fixed relative 1e-9, which let a clearly negative
    variance of small values through and rejected none of the cancellation garbage of
    large ones). A shortfall within the slack is rounding: the variance is floored at 0
    and :func:`warn_if_cancelled` reports that it is unresolved.

    Parameters
    ----------
    sum_field, sum_sq_field
        Names of the two inputs, for the error message.
    n, total, total_sq
        Units, sum and sum of squares per row.
    labels
        Metric, experiment and variant labels that point at the bad row.

    Raises
    ------
    InputError
        Naming ``sum_sq_field`` and the first row whose implied variance is negative.
    """
    floor = total * (total / n)
    bad = total_sq - floor < -rounding_tolerance(n, total_sq + floor)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise labels.fail(
            row,
            sum_sq_field,
            total_sq[row],
            f">= {sum_field}**2 / n = {floor[row]:.6g} (implied variance is negative beyond float rounding)",
        )


def warn_if_cancelled(
    sum_field: str, sum_sq_field: str, n: np.ndarray, total: np.ndarray, total_sq: np.ndarray, labels: RowLabels
) -> None:
    """Warn (:class:`~abstats.errors.PrecisionWarning`) where the variance is below the sums' float resolution.

    A row is flagged when ``sum_sq - sum**2 / n <= 1e-8 * sum_sq`` with ``sum_sq > 0``:
    more than half of float64's digits cancelled, so the variance is rounding noise of
    the inputs (1e12 + N(0, 1) has a relative spread of 1e-24, far below the 2.2e-16
    resolution of raw sums). Exactly constant values look the same and are flagged
    too: the sums cannot tell them apart. Rows whose ``sum_sq`` is 0 (every value equal
    to the shift) are exact and not flagged. One warning per call names the first row
    and the number of rows.

    Parameters
    ----------
    sum_field, sum_sq_field
        Names of the two inputs, for the message.
    n, total, total_sq
        Units, sum and sum of squares per row.
    labels
        Metric, experiment and variant labels that point at the first flagged row.
    """
    spread = centred_sum_sq(n, total, total_sq)
    flagged = (total_sq > 0) & (spread <= PRECISION_RTOL * total_sq)
    if not flagged.any():
        return
    rows = np.flatnonzero(flagged)
    row = int(rows[0])
    more = f" (and {len(rows) - 1} more rows)" if len(rows) > 1 else ""
    warnings.warn(
        f"{labels.where(row)}{more}: {sum_sq_field} - {sum_field}**2 / n = {spread[row]:.3g} is below the float "
        f"resolution of {sum_sq_field} = {total_sq[row]:.6g} (relative {max(spread[row], 0.0) / total_sq[row]:.1e} "
        f"<= {PRECISION_RTOL:g}): the variance is lost to cancellation (or the values are constant). Give sums of "
        "value - shift with a shift near the mean ('<sum field>_shift' column), or the raw rows to from_units.",
        PrecisionWarning,
        stacklevel=3,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and value.is_integer():
            return int(value)
    return value


def with_empty_rows(
    build: Callable[..., _S],
    given: dict[str, Any],
    options: dict[str, Any],
    labels: RowLabels,
) -> _S | None:
    """Statistics with rows of variants that received no traffic (n = 0), or None when there are none.

    A variant with no units is valid input: the SRM check flags its experiment and the analysis
    reports its comparisons as undefined. Its other aggregates must be 0 too. The other rows are
    validated by ``build`` (the class's ``from_arrays``) as usual; the empty rows hold zeros.

    Parameters
    ----------
    build
        The statistics class's ``from_arrays``.
    given
        The aggregate arrays as the user gave them, ``n`` first.
    options
        Other keyword arguments of ``build`` (labels, optional arrays such as ``nonzero``).
    labels
        Row labels for error messages.
    """
    n = as_float_array("n", given["n"], labels)
    empty = n == 0
    if not empty.any():
        return None
    arrays = {name: as_float_array(name, value, labels) for name, value in given.items()}
    for name, arr in arrays.items():
        if len(arr) == len(n):
            require(empty & (arr != 0), name, arr, "0 where n = 0 (a variant that received no traffic)", labels)
    keep = ~empty

    def rows(value: Any) -> Any:
        arr = np.asarray(value) if value is not None and not isinstance(value, str) else value
        return arr[keep] if isinstance(arr, np.ndarray) and arr.ndim == 1 and len(arr) == len(n) else value

    part = build(**{k: v[keep] for k, v in arrays.items()}, **{k: rows(v) for k, v in options.items()})
    full: dict[str, Any] = {}
    for f in fields(part):  # type: ignore[arg-type]
        value = getattr(part, f.name)
        if isinstance(value, np.ndarray) and value.shape == (int(keep.sum()),):
            out = np.zeros(len(n))
            out[keep] = value
            full[f.name] = out
        else:
            full[f.name] = value
    return type(part)(**full)
