"""Sufficient statistics of a ratio-of-sums metric (CTR per impression, AOV).

Per row: ``n`` randomisation units and the sums ``num_sum``, ``den_sum``,
``num_sum_sq``, ``den_sum_sq``, ``num_den_sum`` over units of the numerator x and the
denominator y, each minus an optional shift (``num_shift``, ``den_shift``; 0 for raw
sums): sums of x - a, y - b, (x - a)^2, (y - b)^2 and (x - a)(y - b). Shifts near the
means keep variances and the covariance free of cancellation when a mean is large
against its spread (see :mod:`abstats.statistics.centring`).

CUPED (:mod:`abstats.statistics.cuped`) adds the pre-period numerator u and denominator v
per unit (:data:`PRE_RATIO_FIELDS`): their sums, squares and cross-product
(``pre_num_sum``, ``pre_den_sum``, ``pre_num_sum_sq``, ``pre_den_sum_sq``,
``pre_num_den_sum``) and the cross-products of post and pre values (``num_pre_num_sum``
= sum of x u, ``num_pre_den_sum`` = x v, ``den_pre_num_sum`` = y u, ``den_pre_den_sum``
= y v), each of values minus their shift (``pre_num_shift``, ``pre_den_shift``). The
multivariate delta method over the four means (x, y, u, v) linearises the post ratio
R = x/y and the pre ratio R0 = u/v per unit, ``(x - R y) / y_bar`` and
``(u - R0 v) / v_bar``, and CUPED adjusts the first by the second (the regression-adjusted
ratio of GrowthBook, with theta pooled over both arms' units).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from abstats.statistics.cuped import Adjustment, ArmMoments, adjust_pair
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
    pre_num_sum, pre_den_sum, pre_num_sum_sq, pre_den_sum_sq, pre_num_den_sum
        CUPED's pre-period numerator u and denominator v (None: no covariate): sums of
        ``u - pre_num_shift``, ``v - pre_den_shift``, their squares and their product.
    num_pre_num_sum, num_pre_den_sum, den_pre_num_sum, den_pre_den_sum
        Sums of the post x pre products: (x - num_shift)(u - pre_num_shift),
        (x - num_shift)(v - pre_den_shift), (y - den_shift)(u - pre_num_shift),
        (y - den_shift)(v - pre_den_shift).
    pre_num_shift, pre_den_shift
        Values subtracted from u and v before summing (None: 0, raw sums).

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
    pre_num_sum: np.ndarray | None = None  # CUPED covariate sums: all nine or none
    pre_den_sum: np.ndarray | None = None
    pre_num_sum_sq: np.ndarray | None = None
    pre_den_sum_sq: np.ndarray | None = None
    pre_num_den_sum: np.ndarray | None = None
    num_pre_num_sum: np.ndarray | None = None
    num_pre_den_sum: np.ndarray | None = None
    den_pre_num_sum: np.ndarray | None = None
    den_pre_den_sum: np.ndarray | None = None
    pre_num_shift: np.ndarray | None = None
    pre_den_shift: np.ndarray | None = None
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
        pre_num_sum: Any = None,
        pre_den_sum: Any = None,
        pre_num_sum_sq: Any = None,
        pre_den_sum_sq: Any = None,
        pre_num_den_sum: Any = None,
        num_pre_num_sum: Any = None,
        num_pre_den_sum: Any = None,
        den_pre_num_sum: Any = None,
        den_pre_den_sum: Any = None,
        pre_num_shift: Any = None,
        pre_den_shift: Any = None,
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
        pre_num_sum, pre_den_sum, pre_num_sum_sq, pre_den_sum_sq, pre_num_den_sum, num_pre_num_sum, \
num_pre_den_sum, den_pre_num_sum, den_pre_den_sum
            CUPED's pre-period numerator and denominator, optional (all nine or none; see the class).
        pre_num_shift, pre_den_shift
            Per-row (or one scalar) values subtracted from the pre-period values; 0 if omitted.
        metric, experiment, variant
            Labels that error and warning messages use to point at a row.

        Warns
        -----
        PrecisionWarning
            Where a variance is below the float resolution of its sums (see
            :func:`~abstats.statistics.validation.warn_if_cancelled`).
        """
        labels = RowLabels(metric, experiment, variant)
        pre = {
            "pre_num_sum": pre_num_sum, "pre_den_sum": pre_den_sum, "pre_num_sum_sq": pre_num_sum_sq,
            "pre_den_sum_sq": pre_den_sum_sq, "pre_num_den_sum": pre_num_den_sum, "num_pre_num_sum": num_pre_num_sum,
            "num_pre_den_sum": num_pre_den_sum, "den_pre_num_sum": den_pre_num_sum, "den_pre_den_sum": den_pre_den_sum,
            "pre_num_shift": pre_num_shift, "pre_den_shift": pre_den_shift,
        }
        empty = with_empty_rows(
            cls.from_arrays,
            {"n": n, "num_sum": num_sum, "den_sum": den_sum, "num_sum_sq": num_sum_sq, "den_sum_sq": den_sum_sq,
             "num_den_sum": num_den_sum},
            {"num_shift": num_shift, "den_shift": den_shift, **pre, "metric": metric, "experiment": experiment,
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
        stats = cls(**arrs, **shifts, **_pre_ratio_arrays(n_arr, pre, labels, metric), _validated=True)
        # validated here, so __post_init__ does not again
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

    @property
    def has_covariate(self) -> bool:
        """Whether the rows carry CUPED's pre-period numerator and denominator sums."""
        return self.pre_num_sum is not None

    def _moments(self) -> ArmMoments:
        """Moments of the delta-method linearised post and pre ratios per unit (see the module docstring).

        With L = (x - R y) / y_bar and L0 = (u - R0 v) / v_bar:
        S_LL = (Sxx - 2 R Sxy + R^2 Syy) / y_bar^2, S_L0L0 = (Suu - 2 R0 Suv + R0^2 Svv) / v_bar^2,
        S_LL0 = (Sxu - R0 Sxv - R Syu + R R0 Syv) / (y_bar v_bar): the delta method over the four means.
        """
        assert self.pre_num_sum is not None and self.pre_den_sum is not None
        assert self.pre_num_sum_sq is not None and self.pre_den_sum_sq is not None
        assert self.pre_num_den_sum is not None and self.num_pre_num_sum is not None
        assert self.num_pre_den_sum is not None and self.den_pre_num_sum is not None
        assert self.den_pre_den_sum is not None
        n = self.n
        # means of the shifted values, each formed once: this runs on 1e5+ rows per call
        ax, ay = self.num_sum / n, self.den_sum / n
        au, av = self.pre_num_sum / n, self.pre_den_sum / n
        sxx = self.num_sum_sq - self.num_sum * ax
        syy = self.den_sum_sq - self.den_sum * ay
        sxy = self.num_den_sum - self.num_sum * ay
        suu = self.pre_num_sum_sq - self.pre_num_sum * au
        svv = self.pre_den_sum_sq - self.pre_den_sum * av
        suv = self.pre_num_den_sum - self.pre_num_sum * av
        sxu = self.num_pre_num_sum - self.num_sum * au
        sxv = self.num_pre_den_sum - self.num_sum * av
        syu = self.den_pre_num_sum - self.den_sum * au
        syv = self.den_pre_den_sum - self.den_sum * av
        mx, my = self.num_shift + ax, self.den_shift + ay
        mu = au if self.pre_num_shift is None else self.pre_num_shift + au
        mv = av if self.pre_den_shift is None else self.pre_den_shift + av
        r, r0 = mx / my, mu / mv
        s_ll = (sxx - 2.0 * r * sxy + r * r * syy) / (my * my)
        s_l0 = (suu - 2.0 * r0 * suv + r0 * r0 * svv) / (mv * mv)
        s_cross = (sxu - r0 * sxv - r * (syu - r0 * syv)) / (my * mv)
        return ArmMoments(
            n=n, mean=r, pre_mean=r0, s_yy=s_ll, s_xx=s_l0, s_xy=s_cross,
            # the size of the terms S_L0L0 is formed from, within a factor 2 (sum**2 / n <= sum_sq)
            xx_scale=(self.pre_num_sum_sq + r0 * r0 * self.pre_den_sum_sq) / (mv * mv),
            unadjusted_variance=self.variance_of_estimate, flag=None,
        )

    def regression_adjusted(self, treatment: RatioStats, *, interaction: bool = False) -> Adjustment | None:
        """CUPED of row i of ``treatment`` against row i of this control (None without a covariate).

        The post ratio is adjusted by the pre-period ratio through their delta-method linearisations
        (see :meth:`_moments` and :mod:`abstats.statistics.cuped`).
        """
        if not (self.has_covariate and treatment.has_covariate):
            return None
        return adjust_pair("ratio", self._moments(), treatment._moments(), interaction=interaction)


# the CUPED sums of a ratio metric, in the order of RatioStats' fields (shifts apart)
PRE_RATIO_FIELDS: tuple[str, ...] = (
    "pre_num_sum", "pre_den_sum", "pre_num_sum_sq", "pre_den_sum_sq", "pre_num_den_sum",
    "num_pre_num_sum", "num_pre_den_sum", "den_pre_num_sum", "den_pre_den_sum",
)


def _pre_ratio_arrays(n: np.ndarray, given: dict[str, Any], labels: RowLabels, metric: str | None) -> dict[str, Any]:
    """The nine pre-period sums and two shifts validated: all or none, finite, one per row, a positive
    pre-period denominator and non-negative variances."""
    sums = {k: given[k] for k in PRE_RATIO_FIELDS}
    missing = [k for k, v in sums.items() if v is None]
    if len(missing) == len(PRE_RATIO_FIELDS):
        for name in ("pre_num_shift", "pre_den_shift"):
            if given[name] is not None:
                raise labels.fail(0, name, given[name], "no pre-period shift without the pre-period sums")
        return {}
    if missing:
        raise labels.fail(0, missing[0], None, "all nine pre-period sums of a ratio metric "
                          f"({', '.join(PRE_RATIO_FIELDS)}), or none of them")
    arr: dict[str, np.ndarray] = {k: as_float_array(k, v, labels) for k, v in sums.items()}
    for name in ("pre_num_shift", "pre_den_shift"):
        if given[name] is not None:
            shift = as_float_array(name, given[name], labels)
            arr[name] = np.full(len(n), shift[0]) if len(shift) == 1 else shift
    require_same_length({"n": n, **arr}, metric)
    require_sum_sq_consistent("pre_num_sum", "pre_num_sum_sq", n, arr["pre_num_sum"], arr["pre_num_sum_sq"], labels)
    require_sum_sq_consistent("pre_den_sum", "pre_den_sum_sq", n, arr["pre_den_sum"], arr["pre_den_sum_sq"], labels)
    pre_den_mean = arr["pre_den_sum"] / n + arr.get("pre_den_shift", 0.0)
    require(pre_den_mean <= 0, "pre_den_sum", arr["pre_den_sum"], "> 0 (the pre-period ratio's denominator)", labels)
    return arr
