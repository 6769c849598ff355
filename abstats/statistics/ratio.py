"""Sufficient statistics of a ratio-of-sums metric (CTR per impression, AOV).

Per row: ``n`` randomisation units and the sums ``num_sum``, ``den_sum``,
``num_sum_sq``, ``den_sum_sq``, ``num_den_sum`` over units of the numerator x and the
denominator y, each minus an optional shift (``num_shift``, ``den_shift``; 0 for raw
sums): sums of x - a, y - b, (x - a)^2, (y - b)^2 and (x - a)(y - b). Shifts near the
means keep variances and the covariance free of cancellation when a mean is large
against its spread (see :mod:`abstats.statistics.centring`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from abstats.statistics.protocol import (
    fill_shift,
    no_shift,
    normal_df,
    take_rows,
    unpooled_null_variance,
    validate_direct,
)
from abstats.statistics.validation import (
    RowLabels,
    as_float_array,
    centred_sum_sq,
    require,
    require_same_length,
    require_sum_sq_consistent,
    require_whole,
    rounding_tolerance,
    warn_if_cancelled,
    with_empty_rows,
)
from abstats.vocabulary import MetricKind


@dataclass(frozen=True, eq=False)
class RatioStats:
    """Sums of a numerator and a denominator (minus optional shifts) over randomisation units.

    Attributes
    ----------
    n
        Randomisation units per row.
    num_sum, den_sum, num_sum_sq, den_sum_sq, num_den_sum
        Sums of x - num_shift, y - den_shift, their squares and their product.
    num_shift, den_shift
        Values subtracted from every unit's numerator and denominator before summing;
        zeros for raw sums (the default). Means are ``shift + sum / n``.

    Examples
    --------
    >>> s = RatioStats.from_arrays(n=[2], num_sum=[3.0], den_sum=[10.0],
    ...                            num_sum_sq=[5.0], den_sum_sq=[52.0], num_den_sum=[16.0])
    >>> s.estimate()
    array([0.3])
    """

    n: np.ndarray
    num_sum: np.ndarray
    den_sum: np.ndarray
    num_sum_sq: np.ndarray
    den_sum_sq: np.ndarray
    num_den_sum: np.ndarray
    num_shift: np.ndarray = field(default_factory=no_shift)  # raw sums unless given
    den_shift: np.ndarray = field(default_factory=no_shift)
    _validated: bool = field(default=False, repr=False, compare=False, kw_only=True)
    kind: ClassVar[MetricKind] = "ratio"

    def __post_init__(self) -> None:
        object.__setattr__(self, "num_shift", fill_shift(self.num_shift, self.n))
        object.__setattr__(self, "den_shift", fill_shift(self.den_shift, self.n))
        validate_direct(self, type(self).from_arrays)

    @classmethod
    def from_arrays(
        cls,
        n: Any,
        num_sum: Any,
        den_sum: Any,
        num_sum_sq: Any,
        den_sum_sq: Any,
        num_den_sum: Any,
        *,
        num_shift: Any = None,
        den_shift: Any = None,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> RatioStats:
        """Validate and build; errors name the metric, experiment, variant, field and value.

        Parameters
        ----------
        n
            Randomisation units per row (whole numbers >= 2).
        num_sum, den_sum, num_sum_sq, den_sum_sq, num_den_sum
            Sums over units of x - num_shift, y - den_shift, their squares and their
            product (raw sums when no shifts are given).
        num_shift, den_shift
            Per-row (or one scalar) values subtracted before summing; 0 if omitted.
        metric, experiment, variant
            Labels that error and warning messages use to point at a row.

        Warns
        -----
        PrecisionWarning
            Where a variance is below the float resolution of its sums (see
            :func:`~abstats.statistics.validation.warn_if_cancelled`).
        """
        labels = RowLabels(metric, experiment, variant)
        empty = with_empty_rows(
            cls.from_arrays,
            {"n": n, "num_sum": num_sum, "den_sum": den_sum, "num_sum_sq": num_sum_sq, "den_sum_sq": den_sum_sq,
             "num_den_sum": num_den_sum},
            {"num_shift": num_shift, "den_shift": den_shift, "metric": metric, "experiment": experiment,
             "variant": variant},
            labels,
        )
        if empty is not None:
            return empty
        given = {
            "n": n,
            "num_sum": num_sum,
            "den_sum": den_sum,
            "num_sum_sq": num_sum_sq,
            "den_sum_sq": den_sum_sq,
            "num_den_sum": num_den_sum,
        }
        arrs = {name: as_float_array(name, value, labels) for name, value in given.items()}
        require_same_length(arrs, metric)
        n_arr = arrs["n"]
        require(n_arr < 2, "n", n_arr, "0 (no traffic) or a whole number >= 2 (a variance needs two units)", labels)
        require_whole("n", n_arr, labels)
        shifts = {}
        for name, value in (("num_shift", num_shift), ("den_shift", den_shift)):
            if value is not None:
                arr = as_float_array(name, value, labels)
                arr = np.full(len(n_arr), arr[0]) if len(arr) == 1 else arr
                require_same_length({"n": n_arr, name: arr}, metric)
                shifts[name] = arr
        den_mean = arrs["den_sum"] / n_arr + shifts.get("den_shift", 0.0)
        positive = "> 0 (the ratio's denominator)" if den_shift is None else "> -n * den_shift (a positive denominator)"
        require(den_mean <= 0, "den_sum", arrs["den_sum"], positive, labels)
        require_sum_sq_consistent("num_sum", "num_sum_sq", n_arr, arrs["num_sum"], arrs["num_sum_sq"], labels)
        require_sum_sq_consistent("den_sum", "den_sum_sq", n_arr, arrs["den_sum"], arrs["den_sum_sq"], labels)
        stats = cls(**arrs, **shifts, _validated=True)  # validated here, so __post_init__ does not again
        sxx, syy, sxy = stats._centred_sums()
        # Cauchy-Schwarz: |Sxy| <= sqrt(Sxx Syy). Each centred sum is a difference of sums the user
        # rounded, so it may be off by a few ulps of the terms it subtracts; only a breach beyond
        # that is an inconsistent cross-product (a fixed 1e-9 / 1e-12 rejected valid sums of
        # large-mean data and let tiny-scale inconsistencies through).
        tol_x = rounding_tolerance(n_arr, arrs["num_sum_sq"] + arrs["num_sum"] * (arrs["num_sum"] / n_arr))
        tol_y = rounding_tolerance(n_arr, arrs["den_sum_sq"] + arrs["den_sum"] * (arrs["den_sum"] / n_arr))
        cross_terms = np.abs(arrs["num_den_sum"]) + np.abs(arrs["num_sum"] * (arrs["den_sum"] / n_arr))
        tol_xy = rounding_tolerance(n_arr, cross_terms)
        bound = np.sqrt(np.maximum(sxx + tol_x, 0.0)) * np.sqrt(np.maximum(syy + tol_y, 0.0)) + tol_xy
        bad = np.abs(sxy) > bound
        require(bad, "num_den_sum", arrs["num_den_sum"], "a cross-product consistent with the sums of squares", labels)
        warn_if_cancelled("num_sum", "num_sum_sq", n_arr, arrs["num_sum"], arrs["num_sum_sq"], labels)
        warn_if_cancelled("den_sum", "den_sum_sq", n_arr, arrs["den_sum"], arrs["den_sum_sq"], labels)
        return stats

    def __len__(self) -> int:
        return len(self.n)

    def take(self, rows: np.ndarray) -> RatioStats:
        return take_rows(self, rows)

    def _centred_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sxx, Syy (not floored) and Sxy: sums of squared / crossed deviations from the means.

        Shift-invariant; accurate when the sums are centred, cancelling when raw sums of
        large-mean values are given (which :meth:`from_arrays` warns about).
        """
        n = self.n
        sxx = centred_sum_sq(n, self.num_sum, self.num_sum_sq)
        syy = centred_sum_sq(n, self.den_sum, self.den_sum_sq)
        sxy = self.num_den_sum - self.num_sum * (self.den_sum / n)
        return sxx, syy, sxy

    def _means(self) -> tuple[np.ndarray, np.ndarray]:
        return self.num_shift + self.num_sum / self.n, self.den_shift + self.den_sum / self.n

    def estimate(self) -> np.ndarray:
        """R = mean(x) / mean(y) = num_sum / den_sum for raw sums."""
        mx, my = self._means()
        return mx / my

    def variance_of_estimate(self) -> np.ndarray:
        """Delta method: Var(R) = (Vx - 2 R Cxy + R^2 Vy) / (my^2 n) (Deng et al. 2018), ddof = 1.

        The same as (Vx/my^2 - 2 mx Cxy/my^3 + mx^2 Vy/my^4) / n, written with R = mx / my so
        no power of my above the square is formed (my^4 overflows for means beyond 1e77).
        """
        n = self.n
        sxx, syy, sxy = self._centred_sums()
        vx, vy, cxy = np.maximum(sxx, 0.0) / (n - 1), np.maximum(syy, 0.0) / (n - 1), sxy / (n - 1)
        mx, my = self._means()
        r = mx / my
        var = (vx - 2 * r * cxy + r * r * vy) / my / my / n
        return np.maximum(var, 0.0)

    def unit_variance(self) -> np.ndarray:
        """Per-unit variance of the linearised ratio, Var(R) * n."""
        return self.variance_of_estimate() * self.n

    def null_variance(self, treatment: RatioStats) -> np.ndarray:
        return unpooled_null_variance(self, treatment)

    def difference_df(self, treatment: RatioStats) -> np.ndarray:
        return normal_df(len(self))

    def counts(self) -> None:
        return None

    def approximation_flags(self, treatment: RatioStats) -> dict[str, np.ndarray]:
        return {}
