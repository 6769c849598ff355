"""Sufficient statistics of a quantile metric (median or 90th percentile of time on page, page load time).

A quantile is not a sum, so it cannot be aggregated from sums: each arm's statistics are its
sample quantile and the standard error of that quantile, computed once from the raw per-unit
values (:meth:`QuantileStats.from_units`), or read from a table that already holds both.

Estimate: the sample quantile, numpy's default definition (Hyndman & Fan 1996, type 7).

Standard error: the asymptotic variance of a sample quantile is q (1 - q) / (n f(x_q)^2)
(e.g. Serfling 1980, sec. 2.3.3), f the density at the quantile. The density is estimated from
the spacing of two order statistics around it, the distribution-free interval of Price & Bonett
(2001) for the median, generalised to q:

* ranks l = round((n + 1) q - z sqrt(n q (1 - q))), u = round((n + 1) q + z sqrt(n q (1 - q))),
  clipped to [1, n], with z = 1.959964 (a 95 % order-statistic interval);
* se = (x_(u) - x_(l)) sqrt(n q (1 - q)) / (u - l), i.e. Price & Bonett's
  (x_(u) - x_(l)) / (2 z), with z corrected for the rounding of the ranks. It is the
  Siddiqui (1960) / Bloch & Gastwirth (1968) difference-quotient density estimate
  1 / f = n (x_(u) - x_(l)) / (u - l) plugged into the asymptotic variance.

The difference of two arms' quantiles is then read against the normal (independent arms), and
every method scores it through the :class:`~abstats.statistics.protocol.SufficientStats`
protocol like any other kind. Discrete values with many ties can give a zero spacing, hence a
zero standard error (the ``zero_variance`` warning).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import special

from abstats.statistics.grouping import numpy_lerp, quantile_of_sorted, sorted_by_group
from abstats.statistics.protocol import normal_df, take_rows, unpooled_null_variance
from abstats.statistics.validation import RowLabels, as_float_array, require, require_same_length, require_whole
from abstats.vocabulary import MetricKind

#: z of the 95 % order-statistic interval whose spacing estimates the density (Price & Bonett 2001).
SPACING_Z = float(-special.ndtri(0.025))


@dataclass(frozen=True, eq=False)
class QuantileStats:
    """Units, sample quantile and its standard error per row.

    Examples
    --------
    >>> s = QuantileStats.from_arrays(n=[400], value=[12.5], se=[0.5], quantile=0.5)
    >>> s.estimate(), s.variance_of_estimate()
    (array([12.5]), array([0.25]))
    """

    n: np.ndarray
    value: np.ndarray
    se: np.ndarray
    quantile: np.ndarray  # the quantile level q of every row
    kind: ClassVar[MetricKind] = "quantile"

    @classmethod
    def from_arrays(
        cls,
        n: Any,
        value: Any,
        se: Any,
        *,
        quantile: float,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> QuantileStats:
        """Validate precomputed quantiles and their standard errors; errors name the row."""
        labels = RowLabels(metric, experiment, variant)
        n_arr = as_float_array("n", n, labels)
        v_arr = as_float_array("value", value, labels)
        se_arr = as_float_array("se", se, labels)
        require_same_length({"n": n_arr, "value": v_arr, "se": se_arr}, metric)
        require(n_arr < 2, "n", n_arr, "a whole number >= 2 (a quantile's se needs two units)", labels)
        require_whole("n", n_arr, labels)
        require(se_arr < 0, "se", se_arr, ">= 0", labels)
        return cls(n_arr, v_arr, se_arr, np.full(len(n_arr), float(quantile)))

    @classmethod
    def from_units(
        cls,
        x: np.ndarray,
        codes: np.ndarray,
        n_groups: int,
        *,
        quantile: float,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> QuantileStats:
        """Sample quantile and its order-statistic standard error of every group of per-unit values.

        Parameters
        ----------
        x
            Per-unit values (finite).
        codes
            Group (experiment x variant row) of every unit, 0..n_groups-1.
        quantile
            The level q in (0, 1).
        """
        s, starts, sizes = sorted_by_group(np.asarray(x, dtype=float), np.asarray(codes), n_groups)
        labels = RowLabels(metric, experiment, variant)
        n = sizes.astype(float)
        require(n < 2, "n", n, "at least 2 units per variant for a quantile's standard error", labels)
        value = quantile_of_sorted(s, starts, sizes, quantile)
        return cls(n, value, order_statistic_se(s, starts, sizes, quantile), np.full(n_groups, float(quantile)))

    @classmethod
    def from_order_statistics(
        cls,
        n: np.ndarray,
        type7: tuple[np.ndarray, np.ndarray],
        spacing: tuple[np.ndarray, np.ndarray],
        *,
        quantile: float,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> QuantileStats:
        """The statistics :meth:`from_units` computes, from the order statistics a backend picked.

        Parameters
        ----------
        n
            Units per group.
        type7
            The order statistics at :func:`backend_type7_ranks` (the two the quantile interpolates).
        spacing
            The order statistics at :func:`backend_spacing_ranks` (the standard error's spacing).
        quantile
            The level q in (0, 1).
        """
        labels = RowLabels(metric, experiment, variant)
        n = as_float_array("n", n, labels)
        require(n < 2, "n", n, "at least 2 units per variant for a quantile's standard error", labels)
        h = (n - 1.0) * quantile
        value = numpy_lerp(type7[0], type7[1], h - np.floor(h))
        se = spacing_se(spacing[0], spacing[1], n, quantile)
        return cls(n, value, se, np.full(len(n), float(quantile)))

    def __len__(self) -> int:
        return len(self.n)

    def take(self, rows: np.ndarray) -> QuantileStats:
        return take_rows(self, rows)

    def estimate(self) -> np.ndarray:
        """The sample quantile of each row."""
        return self.value

    def variance_of_estimate(self) -> np.ndarray:
        """se^2 of the sample quantile (order-statistic spacing, see the module)."""
        return self.se * self.se

    def unit_variance(self) -> np.ndarray:
        """n se^2: the per-unit variance a mean with the same precision would have (q (1 - q) / f^2)."""
        return self.variance_of_estimate() * self.n

    def null_variance(self, treatment: QuantileStats) -> np.ndarray:
        return unpooled_null_variance(self, treatment)

    def difference_df(self, treatment: QuantileStats) -> np.ndarray:
        """The normal: sample quantiles are asymptotically normal (no t correction applies)."""
        return normal_df(len(self))

    def counts(self) -> None:
        return None

    def approximation_flags(self, treatment: QuantileStats) -> dict[str, np.ndarray]:
        return {}

    def regression_adjusted(self, treatment: QuantileStats, *, interaction: bool = False) -> None:
        """None: no CUPED for quantiles (a quantile is not a mean of per-unit values to regress)."""
        return None


def order_statistic_ranks(n: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """1-based ranks (l, u) of the order statistics bracketing the q quantile (see the module)."""
    centre = (n + 1.0) * q
    half = SPACING_Z * np.sqrt(n * q * (1.0 - q))
    low = np.clip(np.round(centre - half), 1.0, n)
    high = np.clip(np.round(centre + half), 1.0, n)
    return low, high


def order_statistic_se(s: np.ndarray, starts: np.ndarray, sizes: np.ndarray, q: float) -> np.ndarray:
    """se = (x_(u) - x_(l)) sqrt(n q (1 - q)) / (u - l) of each group of sorted values."""
    n = sizes.astype(float)
    low, high = order_statistic_ranks(n, q)
    return spacing_se(s[starts + low.astype(np.intp) - 1], s[starts + high.astype(np.intp) - 1], n, q)


def spacing_se(x_low: np.ndarray, x_high: np.ndarray, n: np.ndarray, q: float) -> np.ndarray:
    """se = (x_(u) - x_(l)) sqrt(n q (1 - q)) / (u - l) from the order statistics at the ranks of
    :func:`order_statistic_ranks` (0 where the ranks coincide)."""
    low, high = order_statistic_ranks(n, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = (x_high - x_low) * np.sqrt(n * q * (1.0 - q)) / (high - low)
    return np.where(high > low, se, 0.0)


# -- the same ranks as backend (Ibis) expressions --------------------------------------------------
# A backend picks the order statistics by rank; the ranks are written with the very float64
# operations of the numpy functions above (same order, numpy's round-half-to-even), so the backend
# picks the same order statistics as from_units and the quantile agrees exactly, not approximately.
# The expressions only call methods of the Ibis value they are given: no Ibis import here.


def backend_type7_ranks(n: Any, q: float) -> tuple[Any, Any]:
    """1-based ranks of the two order statistics the type-7 quantile interpolates (see
    :func:`~abstats.statistics.grouping.quantile_of_sorted`), from a float64 group-size expression."""
    lo = ((n - 1.0) * q).floor()
    hi = (lo + 1.0 < n - 1.0).ifelse(lo + 1.0, n - 1.0)
    return lo + 1.0, hi + 1.0


def backend_spacing_ranks(n: Any, q: float) -> tuple[Any, Any]:
    """:func:`order_statistic_ranks` as backend expressions of a float64 group-size expression."""
    centre = (n + 1.0) * q
    half = (n * q * (1.0 - q)).sqrt() * SPACING_Z
    return _clip_rank(_round_half_even(centre - half), n), _clip_rank(_round_half_even(centre + half), n)


def _round_half_even(v: Any) -> Any:
    floor = v.floor()
    rest = v - floor
    up = (rest > 0.5) | ((rest == 0.5) & (floor % 2.0 != 0.0))
    return floor + up.ifelse(1.0, 0.0)


def _clip_rank(rank: Any, n: Any) -> Any:
    low_clipped = (rank < 1.0).ifelse(1.0, rank)
    return (low_clipped > n).ifelse(n, low_clipped)
