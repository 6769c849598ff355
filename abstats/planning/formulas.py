"""Closed-form power and sample-size formulas for a difference of two arms, on arrays.

Notation (every argument broadcasts): ``n`` is the control arm's size, the treatment
arm has ``r * n`` units (``r`` the allocation ratio), ``eff`` > 0 the shift to detect
on the test's scale, ``s0`` / ``s1`` the per-unit standard deviations of the estimated
shift under the null and the alternative (Var = s**2 / n), ``z_a`` the one-sided
critical value of the test and ``z_b = Phi^-1(power)``.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from abstats.planning.bisection import bisect_increasing, expand_upper


def binary_sds(p_c: np.ndarray, p_t: np.ndarray, r: np.ndarray, *, pooled: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit sds of p_t_hat - p_c_hat: pooled rate under H0 (Fleiss 1981) or unpooled, unpooled under H1."""
    s1 = np.sqrt(p_c * (1 - p_c) + p_t * (1 - p_t) / r)
    if not pooled:
        return s1, s1
    p_bar = (p_c + r * p_t) / (1 + r)
    return np.sqrt(p_bar * (1 - p_bar) * (1 + 1 / r)), s1


def arcsine_effect(p_c: np.ndarray, p_t: np.ndarray) -> np.ndarray:
    """Cohen's h = |2 asin sqrt(p_t) - 2 asin sqrt(p_c)| (Cohen 1988, ch. 6); its per-unit sd is sqrt(1 + 1/r)."""
    return np.abs(2 * np.arcsin(np.sqrt(p_t)) - 2 * np.arcsin(np.sqrt(p_c)))


def normal_n(eff: np.ndarray, s0: np.ndarray, s1: np.ndarray, z_a: np.ndarray, z_b: np.ndarray) -> np.ndarray:
    """n = ((z_a s0 + z_b s1) / eff)^2, the R ``power.prop.test`` / Fleiss form (far rejection tail ignored)."""
    return ((z_a * s0 + z_b * s1) / eff) ** 2


def normal_power(
    n: np.ndarray, eff: np.ndarray, s0: np.ndarray, s1: np.ndarray, z_a: np.ndarray, *, two_sided: bool
) -> np.ndarray:
    """Phi((eff sqrt(n) - z_a s0) / s1), plus the opposite rejection tail for a two-sided test."""
    root_n = np.sqrt(n)
    power = special.ndtr((eff * root_n - z_a * s0) / s1)
    if two_sided:
        power = power + special.ndtr((-eff * root_n - z_a * s0) / s1)
    return power


def t_power(
    n: np.ndarray, eff: np.ndarray, s: np.ndarray, r: np.ndarray, alpha_side: np.ndarray, *, two_sided: bool
) -> np.ndarray:
    """Noncentral-t power, df = n (1 + r) - 2, noncentrality eff sqrt(n) / s (statsmodels ``TTestIndPower``)."""
    df = n * (1 + r) - 2
    crit = stats.t.isf(alpha_side, df)
    nc = eff * np.sqrt(n) / s
    power = stats.nct.sf(crit, df, nc)
    if two_sided:
        # P(T < -crit | nc) = P(T > crit | -nc): scipy's nct.cdf returns NaN deep in that tail.
        power = power + stats.nct.sf(crit, df, -nc)
    return power


def t_n(
    eff: np.ndarray,
    s: np.ndarray,
    r: np.ndarray,
    alpha_side: np.ndarray,
    power: np.ndarray,
    n_normal: np.ndarray,
    *,
    two_sided: bool,
) -> np.ndarray:
    """Control-arm n at which the noncentral-t power reaches ``power`` (vectorised bisection on n)."""

    def gap(n: np.ndarray) -> np.ndarray:
        return t_power(n, eff, s, r, alpha_side, two_sided=two_sided) - power

    # Two units in total leave no degree of freedom, so the bracket starts just above that.
    shape = np.broadcast(eff, s, r, alpha_side, power, n_normal).shape
    lo = np.broadcast_to(np.maximum(0.5 * n_normal, 2.0 / (1 + r) + 1e-6), shape)
    hi = expand_upper(gap, lo, lo + n_normal + 10.0)
    return bisect_increasing(gap, lo, hi)


def t_noncentrality(
    n: np.ndarray, r: np.ndarray, alpha_side: np.ndarray, power: np.ndarray, *, two_sided: bool
) -> np.ndarray:
    """Noncentrality at which the noncentral-t power at ``n`` reaches ``power`` (vectorised bisection)."""

    def gap(nc: np.ndarray) -> np.ndarray:
        # t_power with eff = nc, s = sqrt(n) makes the noncentrality equal nc.
        return t_power(n, nc, np.sqrt(n), r, alpha_side, two_sided=two_sided) - power

    lo = np.zeros(np.broadcast(n, r, alpha_side, power).shape)
    hi = expand_upper(gap, lo, lo + 10.0)
    return bisect_increasing(gap, lo, hi)
