"""Critical values, p-values and interval bounds in the normal or Student's t reference distribution."""

from __future__ import annotations

import numpy as np
from scipy import special

from abstats.inference.buffers import reusable
from abstats.vocabulary import Alternative


def normal_critical(alpha: np.ndarray | float, alternative: Alternative) -> np.ndarray:
    """z quantile for a (1 - alpha) interval: z_{1-alpha/2} two-sided, z_{1-alpha} one-sided."""
    alpha = np.asarray(alpha, dtype=float)
    sides = 2.0 if alternative == "two-sided" else 1.0
    if alpha.ndim and alpha.size and (alpha.strides == (0,) or (alpha == alpha.flat[0]).all()):
        # one alpha for every row (no family-wise adjustment; a broadcast level needs no check): one quantile
        return np.broadcast_to(-special.ndtri(alpha.flat[0] / sides), alpha.shape)
    return -special.ndtri(alpha / sides)


def t_critical(alpha: np.ndarray | float, df: np.ndarray, alternative: Alternative) -> np.ndarray:
    tail = np.asarray(alpha, dtype=float) / (2.0 if alternative == "two-sided" else 1.0)
    # scipy.stats.t.isf is -stdtrit(df, q): the special function alone skips the distribution object
    return -special.stdtrit(df, tail)


def bounds(
    estimate: np.ndarray, half_width: np.ndarray, alternative: Alternative
) -> tuple[np.ndarray, np.ndarray]:
    """Interval from a half width; one-sided alternatives give one infinite side (as scipy does).

    A fresh ``half_width`` array (the caller's ``crit * se``) is handed over: the upper bound is written
    into it.
    """
    low = estimate - half_width
    high = np.add(estimate, half_width, out=half_width if reusable(half_width, low.shape) else None)
    if alternative == "greater":
        high = np.full_like(high, np.inf)
    elif alternative == "less":
        low = np.full_like(low, -np.inf)
    return low, high


def normal_p_value(z: np.ndarray, alternative: Alternative) -> np.ndarray:
    # scipy.special.ndtr is scipy.stats.norm.cdf without the distribution-object overhead (hot path).
    if alternative == "two-sided":
        # 2 ndtr(-|z|): -|z| in one pass (copysign), each later step in its buffer (a fresh 1e5-row
        # temporary per step costs more than the arithmetic)
        p = np.copysign(z, -1.0)
        if not isinstance(p, np.ndarray):
            return 2.0 * special.ndtr(p)
        special.ndtr(p, out=p)
        p *= 2.0
        return p
    if alternative == "greater":
        return special.ndtr(-z)
    return special.ndtr(z)


def t_p_value(t: np.ndarray, df: np.ndarray, alternative: Alternative) -> np.ndarray:
    if alternative == "two-sided":
        return 2.0 * special.stdtr(df, -np.abs(t))
    if alternative == "greater":
        return special.stdtr(df, -t)
    return special.stdtr(df, t)


def p_value(statistic: np.ndarray, df: np.ndarray | None, alternative: Alternative) -> np.ndarray:
    """p-value of a z (``df`` None) or t statistic."""
    if df is None:
        return normal_p_value(statistic, alternative)
    return t_p_value(statistic, df, alternative)


def standardise(delta: np.ndarray, se: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """delta / se, defined when se = 0: 0 for no difference, +-inf otherwise (``out``: where to write the
    quotient, e.g. a fresh ``se`` the caller no longer needs)."""
    # the smallest se first (fmin skips NaN; a minimum is cheaper than a mask): the mask only if some se is 0
    zero = None if np.size(se) and np.fmin.reduce(se, axis=None) > 0 else se == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.divide(delta, se, out=out)
    if zero is None or not zero.any():
        return z
    return np.where(zero, np.where(delta == 0, 0.0, np.copysign(np.inf, delta)), z)
