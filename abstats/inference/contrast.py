"""Treatment - control contrasts of any metric kind: estimates, variances, reference distribution.

A :class:`Contrast` holds what every method needs of a comparison row, computed once from
the :class:`~abstats.statistics.protocol.SufficientStats` protocol, and the intervals that
follow from it at a given critical value. One reference distribution per row (the normal,
or Student's t with Welch's df for means) serves the p-value and both intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from abstats.inference.critical import bounds, normal_critical, p_value, standardise, t_critical
from abstats.inference.relative import (
    RelativeMethod,
    delta_interval,
    fieller_interval,
    log_ratio_interval,
    relative_effect,
)
from abstats.inference.welch import welch_df
from abstats.statistics.protocol import SufficientStats
from abstats.vocabulary import Alternative


@dataclass(frozen=True, eq=False)
class Contrast:
    """Per-row estimates and variances of treatment - control.

    Attributes
    ----------
    m_c, m_t, v_c, v_t
        Each arm's estimate and the variance of that estimate.
    null_variance
        Variance of the difference under H0 of no difference (pooled for proportions).
    df
        Degrees of freedom of the reference distribution (``inf``: the normal).
    """

    m_c: np.ndarray
    m_t: np.ndarray
    v_c: np.ndarray
    v_t: np.ndarray
    null_variance: np.ndarray
    df: np.ndarray

    def __len__(self) -> int:
        return len(self.m_c)

    @cached_property
    def effect(self) -> np.ndarray:
        return self.m_t - self.m_c

    @cached_property
    def variance(self) -> np.ndarray:
        """Var(treatment - control) = v_c + v_t (arms independent)."""
        return self.v_c + self.v_t

    @cached_property
    def se(self) -> np.ndarray:
        # the root taken in the sum's own buffer (not via ``variance``, which would keep a second array)
        se = self.v_c + self.v_t
        return np.sqrt(se, out=se)

    @cached_property
    def uses_t(self) -> bool:
        df = self.df
        if df.ndim == 1 and df.strides == (0,):  # one df broadcast over the rows (the normal's inf)
            return bool(np.isfinite(df[:1]).any())
        return bool(np.isfinite(df).any())

    @cached_property
    def ratio(self) -> np.ndarray:
        """m_t / m_c, once for the relative effect and the log-ratio interval (inf or NaN where m_c = 0)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self.m_t / self.m_c

    @cached_property
    def rel_effect(self) -> np.ndarray:
        return relative_effect(self.m_c, self.m_t, self.ratio)

    def with_normal_reference(self) -> Contrast:
        """The same contrast read against the standard normal (df = inf), e.g. a large-sample convention."""
        df = np.broadcast_to(np.inf, self.df.shape)
        return Contrast(self.m_c, self.m_t, self.v_c, self.v_t, self.null_variance, df)

    def with_welch_reference(self, n_c: np.ndarray, n_t: np.ndarray) -> Contrast:
        """The same contrast read against Student's t with Welch-Satterthwaite df from each arm's
        variance of estimate and units, for every kind (GrowthBook's convention, proportions included)."""
        df = welch_df(self.v_c, n_c, self.v_t, n_t)
        return Contrast(self.m_c, self.m_t, self.v_c, self.v_t, self.null_variance, df)

    def critical(self, alpha: np.ndarray | float, alternative: Alternative) -> np.ndarray:
        """Critical value of a (1 - alpha) interval in this contrast's reference distribution."""
        if not self.uses_t:
            return normal_critical(alpha, alternative)
        return t_critical(alpha, self.df, alternative)

    def p_value(self, statistic: np.ndarray, alternative: Alternative) -> np.ndarray:
        return p_value(statistic, self.df if self.uses_t else None, alternative)

    def statistic(self, shift: float = 0.0, *, pooled: bool = False) -> np.ndarray:
        """(effect - shift) / se; ``pooled`` divides by the null standard error instead (H0: no difference)."""
        delta = self.effect if shift == 0 else self.effect - shift
        if not pooled:
            return standardise(delta, self.se)
        null_se = np.sqrt(self.null_variance)
        return standardise(delta, null_se, out=null_se)

    def interval(self, crit: np.ndarray, alternative: Alternative) -> tuple[np.ndarray, np.ndarray]:
        """Interval of the absolute effect: effect +- crit * se (one side open for one-sided alternatives)."""
        return bounds(self.effect, crit * self.se, alternative)

    def relative_interval(
        self, crit: np.ndarray, alternative: Alternative, method: RelativeMethod = "log"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Interval of treatment / control - 1 at the same critical value (delta method on the log, Fieller,
        or GrowthBook's symmetric delta-method interval)."""
        interval = {"fieller": fieller_interval, "delta": delta_interval}.get(method)
        if interval is None:
            return log_ratio_interval(self.m_c, self.v_c, self.m_t, self.v_t, crit, alternative, self.ratio)
        return interval(self.m_c, self.v_c, self.m_t, self.v_t, crit, alternative)


def contrast(control: SufficientStats, treatment: SufficientStats) -> Contrast:
    """The contrast of row i of ``treatment`` against row i of ``control`` (same kind and length).

    Examples
    --------
    >>> from abstats.statistics import BinaryStats
    >>> c = contrast(BinaryStats.from_arrays([1000], [100]), BinaryStats.from_arrays([1000], [130]))
    >>> c.effect.round(3), c.df
    (array([0.03]), array([inf]))
    """
    return Contrast(
        m_c=control.estimate(),
        m_t=treatment.estimate(),
        v_c=control.variance_of_estimate(),
        v_t=treatment.variance_of_estimate(),
        null_variance=control.null_variance(treatment),
        df=np.asarray(control.difference_df(treatment), dtype=float),
    )
