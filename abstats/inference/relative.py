"""Intervals for the relative uplift treatment / control - 1.

Never the absolute interval divided by the control mean (that ignores the
control's own uncertainty). Three methods:

* ``"log"`` (default): delta method on log(m_t / m_c),
  se^2 = v_t / m_t^2 + v_c / m_c^2, interval exp(log ratio +- z se) - 1;
* ``"fieller"``: Fieller's theorem for a ratio of independent normal means
  (Fieller 1954), exact for normal estimates and unbounded when the control
  mean is not significantly different from zero;
* ``"delta"``: GrowthBook's convention (gbstats ``frequentist_variance`` with
  ``relative=True``): the delta method on the ratio itself,
  se^2 = v_t / m_c^2 + m_t^2 v_c / m_c^4, and the symmetric interval
  m_t / m_c - 1 +- z se; its p-value comes from z = (m_t / m_c - 1) / se.

``v`` is the variance of each arm's estimate. Rows where the interval is not
defined (a non-positive mean for ``log``; an unbounded Fieller set) return
NaN and the caller attaches a ``relative_undefined`` warning.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from abstats.inference.critical import bounds
from abstats.vocabulary import Alternative

RelativeMethod = Literal["log", "fieller", "delta"]
RELATIVE_METHODS: tuple[RelativeMethod, ...] = ("log", "fieller", "delta")


def relative_effect(m_c: np.ndarray, m_t: np.ndarray, ratio: np.ndarray | None = None) -> np.ndarray:
    """m_t / m_c - 1, NaN where the control is 0 (``ratio``: m_t / m_c when the caller has it)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if ratio is None:
            rel = m_t / m_c
            rel -= 1.0
        else:
            rel = ratio - 1.0
    zero = m_c == 0
    if zero.any():
        rel[zero] = np.nan
    return rel


def log_ratio_se(m_c: np.ndarray, v_c: np.ndarray, m_t: np.ndarray, v_t: np.ndarray) -> np.ndarray:
    """se of log(m_t / m_c) by the delta method; NaN where either mean is not positive."""
    # extreme scales overflow to an infinite se: an unbounded interval, which is the honest answer
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        # in place, in the order of sqrt(v_t / (m_t m_t) + v_c / (m_c m_c)): no fresh temporary per step
        se = np.multiply(m_t, m_t)
        np.divide(v_t, se, out=se)
        of_control = np.multiply(m_c, m_c)
        np.divide(v_c, of_control, out=of_control)
        se += of_control
        np.sqrt(se, out=se)
    # the smallest means first (fmin skips NaN): the mask only where some mean is not positive
    if se.size and (np.fmin.reduce(m_c, axis=None) <= 0 or np.fmin.reduce(m_t, axis=None) <= 0):
        se[(m_c <= 0) | (m_t <= 0)] = np.nan
    return se


def log_ratio_interval(
    m_c: np.ndarray,
    v_c: np.ndarray,
    m_t: np.ndarray,
    v_t: np.ndarray,
    crit: np.ndarray,
    alternative: Alternative,
    ratio: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """exp(log(m_t / m_c) +- crit se) - 1 (``ratio``: m_t / m_c when the caller has it)."""
    se = log_ratio_se(m_c, v_c, m_t, v_t)
    # rows with a non-positive mean have se = NaN, which carries through to NaN bounds
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if ratio is None:
            log_ratio = np.divide(m_t, m_c)
            np.log(log_ratio, out=log_ratio)
        else:
            log_ratio = np.log(ratio)
        se *= crit  # the half width, in se's own buffer
        low, high = bounds(log_ratio, se, alternative)
        # A huge log-ratio bound overflows to +inf, which is the honest (unbounded) answer.
        return np.expm1(low, out=low), np.expm1(high, out=high)


def fieller_interval(
    m_c: np.ndarray, v_c: np.ndarray, m_t: np.ndarray, v_t: np.ndarray, crit: np.ndarray, alternative: Alternative
) -> tuple[np.ndarray, np.ndarray]:
    """Roots in rho of (m_t - rho m_c)^2 = crit^2 (v_t + rho^2 v_c), minus 1; NaN when unbounded."""
    a = m_c**2 - crit**2 * v_c
    b = -2.0 * m_t * m_c
    c = m_t**2 - crit**2 * v_t
    disc = b * b - 4 * a * c
    ok = (a > 0) & (disc >= 0)
    safe_a = np.where(ok, a, 1.0)
    root = np.sqrt(np.where(ok, disc, 0.0))
    low = (-b - root) / (2 * safe_a) - 1.0
    high = (-b + root) / (2 * safe_a) - 1.0
    if alternative == "greater":
        high = np.full_like(high, np.inf)
    elif alternative == "less":
        low = np.full_like(low, -np.inf)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def delta_relative_se(m_c: np.ndarray, v_c: np.ndarray, m_t: np.ndarray, v_t: np.ndarray) -> np.ndarray:
    """se of m_t / m_c - 1 by the delta method on the ratio (GrowthBook's relative variance); NaN where m_c = 0.

    Var(m_t / m_c) ~ v_t / m_c^2 + m_t^2 v_c / m_c^4 for independent arms (gbstats
    ``frequentist_variance(..., relative=True)``).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        se = np.sqrt(v_t / (m_c * m_c) + (m_t * m_t) * v_c / (m_c * m_c) ** 2)
    zero = m_c == 0
    if zero.any():
        se = np.where(zero, np.nan, se)
    return se


def delta_interval(
    m_c: np.ndarray, v_c: np.ndarray, m_t: np.ndarray, v_t: np.ndarray, crit: np.ndarray, alternative: Alternative
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric interval m_t / m_c - 1 +- crit * se (GrowthBook); NaN bounds where the control is 0."""
    se = delta_relative_se(m_c, v_c, m_t, v_t)
    with np.errstate(invalid="ignore", over="ignore"):
        return bounds(relative_effect(m_c, m_t), crit * se, alternative)
