"""CUPED / regression adjustment of paired arms from sums (Deng, Xu, Kohavi & Walker 2013; Lin 2013).

Every metric kind that carries a pre-period covariate reduces each arm to the same
per-row moments (:class:`ArmMoments`): units ``n``, the metric's mean ``y_bar`` and
the covariate's mean ``x_bar``, and the centred sums ``S_yy``, ``S_xx``, ``S_xy`` of
deviations from the arm's means. Mean and binary metrics read them off their sums;
a ratio metric first linearises numerator and denominator by the delta method
(:mod:`abstats.statistics.ratio`). :func:`adjust_pair` then does the rest, once, for
every kind:

* ``theta`` pooled over both arms (the default; Deng et al. 2013, GrowthBook):
  ``theta = S_xy / S_xx`` of the two arms' units together, i.e. within-arm sums plus
  the between-arm terms ``n_c n_t / N (x_t - x_c)(y_t - y_c)`` (and ``(x_t - x_c)^2``);
* the adjusted difference ``(y_t - y_c) - theta (x_t - x_c)`` (the centre of the
  adjustment cancels in the difference);
* per arm the variance of the adjusted mean, the ddof = 1 variance of the adjusted
  values ``y - theta x`` over ``n``:
  ``(S_yy - 2 theta S_xy + theta^2 S_xx) / (n - 1) / n``.

With ``interaction=True`` each arm has its own slope ``theta_a = S_xy,a / S_xx,a`` and
its adjusted mean is taken at the pooled covariate mean ``x_bar``:
``y_a - theta_a (x_a - x_bar)`` (Lin 2013, the regression of y on the arm, the centred
covariate and their interaction). Its variance per arm is the ddof = 1 variance of
that arm's residuals over ``n``, and the treatment arm also carries
``(theta_t - theta_c)^2 S_xx,pooled / (N - 1) / N``, the variance the covariate mean
itself adds when the slopes differ (Negi & Wooldridge 2021, super-population). With
equal slopes it is the pooled estimator.

The adjusted arms are :class:`AdjustedStats` that follow the
:class:`~abstats.statistics.protocol.SufficientStats` protocol, so every method scores
them as it scores any kind: the control's estimate is its **unadjusted** mean and the
treatment's is the control's mean plus the adjusted difference, so ``effect`` is the
adjusted difference and ``rel_effect`` divides it by the unadjusted control mean (as
GrowthBook's ``frequentist_diff`` does); each arm's variance of estimate is its
adjusted variance, which the relative intervals' delta method then includes. The
reference distribution is the normal (theta is estimated; the estimator is
asymptotically normal).

A row whose pooled covariate has no variance (``S_xx`` at rounding level: a constant
covariate) cannot be adjusted: it keeps its unadjusted estimate and variance, is
reported ``cuped = False`` with the warning code ``cuped_fallback``, and a
:class:`~abstats.errors.CupedWarning` says so. Nothing is divided by zero.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from abstats.errors import CupedWarning
from abstats.statistics.protocol import normal_df, take_rows, unpooled_null_variance
from abstats.statistics.validation import (
    RowLabels,
    as_float_array,
    require_same_length,
    require_sum_sq_consistent,
    rounding_tolerance,
)
from abstats.vocabulary import MetricKind


@dataclass(frozen=True, eq=False)
class ArmMoments:
    """Per-row moments of one arm that regression adjustment needs.

    Attributes
    ----------
    n
        Units per row.
    mean, pre_mean
        Mean of the metric (its per-unit value, or the ratio for a ratio metric) and of the covariate.
    s_yy, s_xx, s_xy
        Sums of squared and crossed deviations from the arm's means: the ddof = 1 variances and
        covariance times ``n - 1``.
    xx_scale
        Size of the terms ``s_xx`` was computed from (e.g. ``pre_sum_sq + pre_sum**2 / n``): the
        rounding level below which the covariate counts as constant.
    unadjusted_variance
        The kind's own variance of the unadjusted estimate (what an unadjusted analysis uses), called
        only when some row cannot be adjusted and falls back to it.
    flag
        The kind's own approximation warning per row (``heavy_tail``, ``few_conversions``), kept for
        the adjusted arms; None where the kind has none.
    """

    n: np.ndarray
    mean: np.ndarray
    pre_mean: np.ndarray
    s_yy: np.ndarray
    s_xx: np.ndarray
    s_xy: np.ndarray
    xx_scale: np.ndarray
    unadjusted_variance: Callable[[], np.ndarray]
    flag: np.ndarray | None


@dataclass(frozen=True, eq=False)
class AdjustedStats:
    """One arm after regression adjustment: what methods score, per comparison row.

    Follows :class:`~abstats.statistics.protocol.SufficientStats`; built by :func:`adjust_pair`
    (through each kind's ``regression_adjusted``), never from user input.

    Attributes
    ----------
    n
        Units per row.
    mean
        The estimate: the control's unadjusted mean, or for the treatment the control's mean plus
        the adjusted difference.
    variance
        Variance of that estimate after adjustment (of the unadjusted mean where ``applied`` is False).
    unadjusted_variance
        ddof = 1 variance of the unadjusted mean (the denominator of the variance reduction).
    theta
        The slope used (NaN where ``applied`` is False).
    applied
        Whether the row was adjusted (False: the covariate had no variance).
    flag
        The kind's own approximation warning of the pair (see :class:`ArmMoments`).
    """

    n: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    unadjusted_variance: np.ndarray
    theta: np.ndarray
    applied: np.ndarray
    flag: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    kind: ClassVar[MetricKind]
    flag_code: ClassVar[str | None] = None

    def __len__(self) -> int:
        return len(self.n)

    def take(self, rows: np.ndarray) -> AdjustedStats:
        return take_rows(self, rows)

    def estimate(self) -> np.ndarray:
        return self.mean

    def variance_of_estimate(self) -> np.ndarray:
        return self.variance

    def unit_variance(self) -> np.ndarray:
        """Per-unit variance of the adjusted values, ``variance * n``."""
        return self.variance * self.n

    def null_variance(self, treatment: AdjustedStats) -> np.ndarray:
        return unpooled_null_variance(self, treatment)

    def difference_df(self, treatment: AdjustedStats) -> np.ndarray:
        """The normal: theta is estimated from the data and the adjusted difference is asymptotically normal."""
        return normal_df(len(self))

    def counts(self) -> None:
        """None: adjusted means are not counts, so exact count methods do not apply (a normal approximation)."""
        return None

    def approximation_flags(self, treatment: AdjustedStats) -> dict[str, np.ndarray]:
        """``cuped_fallback`` (covariate without variance), and the kind's own flag of the pair."""
        out = {"cuped_fallback": ~self.applied}
        if self.flag_code is not None:
            out[self.flag_code] = self.flag
        return out

    def regression_adjusted(self, treatment: AdjustedStats, *, interaction: bool = False) -> None:
        """None: already adjusted."""
        return None


class AdjustedMeanStats(AdjustedStats):
    """A regression-adjusted mean metric arm."""

    kind: ClassVar[MetricKind] = "mean"
    flag_code: ClassVar[str | None] = "heavy_tail"


class AdjustedBinaryStats(AdjustedStats):
    """A regression-adjusted binary metric arm: the adjusted rate difference is read by a normal approximation."""

    kind: ClassVar[MetricKind] = "binary"
    flag_code: ClassVar[str | None] = "few_conversions"

    def approximation_flags(self, treatment: AdjustedStats) -> dict[str, np.ndarray]:
        """Adds ``cuped_binary_normal`` on adjusted rows: no exact Beta-Binomial / Fisher / pooled z for them."""
        return {**super().approximation_flags(treatment), "cuped_binary_normal": self.applied.copy()}


class AdjustedRatioStats(AdjustedStats):
    """A regression-adjusted ratio metric arm (delta-method linearisation, then CUPED)."""

    kind: ClassVar[MetricKind] = "ratio"


ADJUSTED: dict[MetricKind, type[AdjustedStats]] = {
    "mean": AdjustedMeanStats,
    "binary": AdjustedBinaryStats,
    "ratio": AdjustedRatioStats,
}


@dataclass(frozen=True, eq=False)
class Adjustment:
    """Both arms after adjustment and the per-row facts the Result reports.

    Attributes
    ----------
    control, treatment
        The adjusted arms.
    theta
        Pooled slope per row (NaN where not applied); with ``interaction`` the arms' own slopes
        were used and this is their pooled counterpart.
    applied
        Whether each row was adjusted.
    variance_reduction
        ``1 - Var(adjusted difference) / Var(unadjusted difference)`` with ddof = 1 variances
        (NaN where not applied, or where the unadjusted variance is 0).
    """

    control: AdjustedStats
    treatment: AdjustedStats
    theta: np.ndarray
    applied: np.ndarray
    variance_reduction: np.ndarray

    def columns(self) -> dict[str, np.ndarray]:
        """The Result columns ``cuped``, ``cuped_theta`` and ``variance_reduction``."""
        return {"cuped": self.applied, "cuped_theta": self.theta, "variance_reduction": self.variance_reduction}


def pooled_theta(c: ArmMoments, t: ArmMoments) -> tuple[np.ndarray, np.ndarray]:
    """theta = S_xy / S_xx of both arms' units pooled, and that pooled S_xx (NaN / inf where S_xx = 0).

    The pooled sums are within-arm sums plus the between-arm terms, never raw sums: no
    cancellation however large the means (the same centred design as every kind's sums).
    """
    total = c.n + t.n
    w = c.n * (t.n / total)
    dx = t.pre_mean - c.pre_mean
    s_xx = c.s_xx + t.s_xx + w * dx * dx
    s_xy = c.s_xy + t.s_xy + w * dx * (t.mean - c.mean)
    return s_xy / s_xx, s_xx


def _adjusted_variance(a: ArmMoments, theta: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """ddof = 1 variance of y - theta x over n: (S_yy - 2 theta S_xy + theta^2 S_xx) / ((n - 1) n), floored at 0.

    ``scale`` is (n - 1) n. In place where it can be: this runs on 1e5+ rows per call.
    """
    s = theta * a.s_xx
    s -= 2.0 * a.s_xy
    s *= theta
    s += a.s_yy
    np.maximum(s, 0.0, out=s)
    s /= scale
    return s


def adjust_pair(kind: MetricKind, c: ArmMoments, t: ArmMoments, *, interaction: bool = False) -> Adjustment:
    """Regression-adjusted control and treatment arms of every row (see the module docstring).

    Parameters
    ----------
    kind
        The metric kind, which decides the class of the adjusted arms.
    c, t
        Moments of the control and the treatment arm, row-aligned.
    interaction
        False (default): one theta pooled over both arms (CUPED). True: one slope per arm with the
        arm-by-covariate interaction (Lin 2013).

    Returns
    -------
    Adjustment

    Warns
    -----
    CupedWarning
        Where the pooled covariate has no variance: those rows fall back to the unadjusted analysis.

    Examples
    --------
    >>> one = np.ones(1)
    >>> c = ArmMoments(one * 100, one * 1.0, one * 2.0, one * 99, one * 99, one * 49.5, one * 500, lambda: one, None)
    >>> t = ArmMoments(one * 100, one * 1.2, one * 2.1, one * 99, one * 99, one * 49.5, one * 500, lambda: one, None)
    >>> a = adjust_pair("mean", c, t)
    >>> round(float(a.treatment.mean[0] - a.control.mean[0]), 4), round(float(a.variance_reduction[0]), 3)
    (0.1496, 0.25)
    """
    # rows of an arm without units (reported by the analysis as no_traffic) give 0 / 0 here: not adjusted, silently
    with np.errstate(divide="ignore", invalid="ignore"):
        return _adjust(kind, c, t, interaction)


def _adjust(kind: MetricKind, c: ArmMoments, t: ArmMoments, interaction: bool) -> Adjustment:
    theta, s_xx = pooled_theta(c, t)
    total = c.n + t.n
    applied = s_xx > rounding_tolerance(total, c.xx_scale + t.xx_scale)
    if interaction:
        theta_c, theta_t = c.s_xy / c.s_xx, t.s_xy / t.s_xx
        applied &= (c.s_xx > rounding_tolerance(c.n, c.xx_scale)) & (t.s_xx > rounding_tolerance(t.n, t.xx_scale))
    else:
        theta_c = theta_t = theta
    every = bool(applied.all())
    if not every:  # rows that cannot be adjusted get slope 0: their unadjusted means, no division by zero
        theta_c, theta_t = np.where(applied, theta_c, 0.0), np.where(applied, theta_t, 0.0)
    scale_c, scale_t = (c.n - 1.0) * c.n, (t.n - 1.0) * t.n
    v_c = _adjusted_variance(c, theta_c, scale_c)
    v_t = _adjusted_variance(t, theta_t, scale_t)
    if interaction:
        x_bar = (c.n * c.pre_mean + t.n * t.pre_mean) / total
        diff = (t.mean - theta_t * (t.pre_mean - x_bar)) - (c.mean - theta_c * (c.pre_mean - x_bar))
        slope_gap = theta_t - theta_c
        v_t += slope_gap * slope_gap * np.maximum(s_xx, 0.0) / ((total - 1.0) * total)
    else:
        diff = (t.mean - c.mean) - theta_c * (t.pre_mean - c.pre_mean)
    u_c = np.maximum(c.s_yy, 0.0) / scale_c
    u_t = np.maximum(t.s_yy, 0.0) / scale_t
    reduction = 1.0 - (v_c + v_t) / (u_c + u_t)
    if every:
        shown_theta = theta  # the pooled slope, also under interaction
    else:
        v_c = np.where(applied, v_c, c.unadjusted_variance())
        v_t = np.where(applied, v_t, t.unadjusted_variance())
        reduction = np.where(applied, reduction, np.nan)
        shown_theta = np.where(applied, theta, np.nan)
        rows = np.flatnonzero(~applied & (c.n > 0) & (t.n > 0))
        if len(rows):
            warnings.warn(
                f"CUPED: the pre-period covariate has no variance in {len(rows)} comparison row(s) (first: row "
                f"{int(rows[0])}); those rows are analysed without adjustment (warning code cuped_fallback)",
                CupedWarning,
                stacklevel=5,
            )
    flag = c.flag if c.flag is not None else np.zeros(len(c.n), dtype=bool)
    cls = ADJUSTED[kind]
    control = cls(c.n, c.mean, v_c, u_c, shown_theta, applied, flag)
    treatment = cls(t.n, c.mean + diff, v_t, u_t, shown_theta, applied, flag)
    return Adjustment(control, treatment, shown_theta, applied, reduction)

PRE_FIELDS = ("pre_sum", "pre_sum_sq", "pre_cross_sum")


@dataclass(frozen=True, eq=False)
class CovariateSums:
    """Validated pre-period sums of a mean or binary metric's covariate x (all None: no covariate)."""

    pre_sum: np.ndarray | None = None
    pre_sum_sq: np.ndarray | None = None
    pre_cross_sum: np.ndarray | None = None
    pre_shift: np.ndarray | None = None


def covariate_sums(
    n: np.ndarray,
    pre_sum: object,
    pre_sum_sq: object,
    pre_cross_sum: object,
    pre_shift: object,
    labels: RowLabels,
    metric: str | None,
) -> CovariateSums:
    """Check the covariate's sums of a mean or binary metric: all three or none, finite, one per row.

    ``pre_sum_sq`` must be consistent with ``pre_sum`` (a non-negative variance, up to rounding).
    """
    given = {"pre_sum": pre_sum, "pre_sum_sq": pre_sum_sq, "pre_cross_sum": pre_cross_sum}
    missing = [k for k, v in given.items() if v is None]
    if len(missing) == 3:
        if pre_shift is not None:
            raise labels.fail(0, "pre_shift", pre_shift, "no pre_shift without the covariate's sums (pre_sum, ...)")
        return CovariateSums()
    if missing:
        raise labels.fail(0, missing[0], None, "all of pre_sum, pre_sum_sq and pre_cross_sum (the covariate's sums), "
                          "or none of them")
    arrs = {k: as_float_array(k, v, labels) for k, v in given.items()}
    require_same_length({"n": n, **arrs}, metric)
    require_sum_sq_consistent("pre_sum", "pre_sum_sq", n, arrs["pre_sum"], arrs["pre_sum_sq"], labels)
    shift = None
    if pre_shift is not None:
        shift = as_float_array("pre_shift", pre_shift, labels)
        shift = np.full(len(n), shift[0]) if len(shift) == 1 else shift
        require_same_length({"n": n, "pre_shift": shift}, metric)
    return CovariateSums(arrs["pre_sum"], arrs["pre_sum_sq"], arrs["pre_cross_sum"], shift)


def covariate_moments(
    n: np.ndarray,
    mean: np.ndarray,
    y_sum: np.ndarray,
    s_yy: np.ndarray,
    cov: CovariateSums,
    unadjusted_variance: Callable[[], np.ndarray],
    flag: np.ndarray | None,
) -> ArmMoments:
    """:class:`ArmMoments` of a mean or binary arm from its sums and its covariate's (centred or raw) sums.

    ``y_sum`` is the sum of the metric's values minus their shift (the same values ``pre_cross_sum``
    multiplies), ``s_yy`` their centred sum of squares.
    """
    assert cov.pre_sum is not None and cov.pre_sum_sq is not None and cov.pre_cross_sum is not None
    x_mean = cov.pre_sum / n  # of x - shift
    square = cov.pre_sum * x_mean  # sum**2 / n, shared by S_xx and its rounding scale
    return ArmMoments(
        n=n,
        mean=mean,
        pre_mean=x_mean if cov.pre_shift is None else cov.pre_shift + x_mean,
        s_yy=s_yy,
        s_xx=cov.pre_sum_sq - square,
        s_xy=cov.pre_cross_sum - x_mean * y_sum,
        xx_scale=cov.pre_sum_sq + square,
        unadjusted_variance=unadjusted_variance,
        flag=flag,
    )
