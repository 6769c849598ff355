"""Exit probabilities of a group-sequential test by Armitage-McPherson-Rowe recursive integration.

The standardised statistic at look k is ``Z_k = S_k / sqrt(t_k)`` with the score ``S`` a Brownian
motion with drift ``theta`` on the information-fraction scale, so ``Z_k ~ N(theta sqrt(t_k), 1)``.
The sub-density of ``Z_k`` on the continuation region is propagated look to look on the
Jennison & Turnbull (2000, ch. 19) grid with Simpson weights, as gsDesign and rpact do.
Written by hand because neither scipy nor statsmodels integrate a truncated Gaussian process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abstats.inference import normal as norm

#: Grid-size parameter r of Jennison & Turnbull (6r - 1 base points); r = 32 gives ~1e-7 accuracy.
GRID_R = 32


@dataclass(frozen=True)
class LookDensity:
    """Sub-density of ``Z_k`` on the continuation region of look k (weights included)."""

    z: np.ndarray
    h: np.ndarray
    t: float


def grid(mean: float, lower: float, upper: float, r: int = GRID_R) -> tuple[np.ndarray, np.ndarray]:
    """Integration points and Simpson weights on ``(lower, upper)`` (Jennison & Turnbull 19.2.1)."""
    i = np.arange(1, 6 * r, dtype=float)
    base = np.where(
        i < r,
        -3.0 - 4.0 * np.log(r / i),
        np.where(i <= 5 * r, -3.0 + 3.0 * (i - r) / (2.0 * r), 3.0 + 4.0 * np.log(r / (6.0 * r - i))),
    )
    x = mean + base
    inside = x[(x > lower) & (x < upper)]
    lo = lower if lower >= x[0] else inside[0] if inside.size else x[0]
    hi = upper if upper <= x[-1] else inside[-1] if inside.size else x[-1]
    x = np.unique(np.concatenate(([lo], inside, [hi])))
    if x.size < 2 or lo >= hi:
        return np.empty(0), np.empty(0)
    d = np.diff(x)
    z = np.empty(2 * x.size - 1)
    z[0::2] = x
    z[1::2] = x[:-1] + d / 2.0
    w = np.zeros_like(z)
    w[1::2] = 4.0 * d / 6.0
    w[0:-1:2] += d / 6.0
    w[2::2] += d / 6.0
    return z, w


def first_look(t: float, drift: float, lower: float, upper: float) -> LookDensity:
    """Density of ``Z_1`` restricted to the continuation region ``(lower, upper)``."""
    mean = drift * np.sqrt(t)
    z, w = grid(mean, lower, upper)
    return LookDensity(z, w * norm.pdf(z - mean), t)


def exit_above(prev: LookDensity | None, t: float, drift: float, bound: float | np.ndarray) -> np.ndarray:
    """P(continue up to the previous look and ``Z_k >= bound``), vectorised over ``bound``."""
    bound = np.asarray(bound, dtype=float)
    if prev is None:
        return norm.sf(bound - drift * np.sqrt(t))
    dt = t - prev.t
    arg = (bound[..., None] * np.sqrt(t) - prev.z * np.sqrt(prev.t) - drift * dt) / np.sqrt(dt)
    return norm.sf(arg) @ prev.h


def exit_below(prev: LookDensity | None, t: float, drift: float, bound: float | np.ndarray) -> np.ndarray:
    """P(continue up to the previous look and ``Z_k <= bound``), vectorised over ``bound``."""
    bound = np.asarray(bound, dtype=float)
    if prev is None:
        return norm.cdf(bound - drift * np.sqrt(t))
    dt = t - prev.t
    arg = (bound[..., None] * np.sqrt(t) - prev.z * np.sqrt(prev.t) - drift * dt) / np.sqrt(dt)
    return norm.cdf(arg) @ prev.h


def next_look(prev: LookDensity | None, t: float, drift: float, lower: float, upper: float) -> LookDensity:
    """Propagate the sub-density to look k and restrict it to ``(lower, upper)``."""
    if prev is None:
        return first_look(t, drift, lower, upper)
    dt = t - prev.t
    z, w = grid(drift * np.sqrt(t), lower, upper)
    # The transition kernel is a (~400 x ~400) matrix built once per look: computed in place in one buffer,
    # the same operations in the same order as norm.pdf((z sqrt(t) - z' sqrt(t') - drift dt) / sqrt(dt)),
    # so the same bits, without five temporaries of that size (most of a K = 10 design's time).
    kernel = z[:, None] * np.sqrt(t) - prev.z * np.sqrt(prev.t)
    kernel -= drift * dt
    kernel /= np.sqrt(dt)
    np.square(kernel, out=kernel)
    np.negative(kernel, out=kernel)
    kernel /= 2.0
    np.exp(kernel, out=kernel)
    kernel /= norm.SQRT_2PI
    return LookDensity(z, w * np.sqrt(t / dt) * (kernel @ prev.h), t)


def exit_probabilities(
    fractions: np.ndarray, lower: np.ndarray, upper: np.ndarray, drift: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-look probabilities of first exiting above ``upper`` and below ``lower``.

    Parameters
    ----------
    fractions
        Increasing information fractions ``t_1 < ... < t_K`` (only their ratios matter).
    lower, upper
        Z-scale boundaries per look; use ``-inf`` / ``inf`` for a missing side.
    drift
        ``E[Z_K] = drift`` at ``t = 1`` (``E[Z_k] = drift sqrt(t_k)``).

    Examples
    --------
    >>> up, lo = exit_probabilities(np.array([1.0]), np.array([-np.inf]), np.array([1.96]), 0.0)
    >>> round(float(up[0]), 4)
    0.025
    """
    up = np.zeros(len(fractions))
    down = np.zeros(len(fractions))
    prev = None
    for k, t in enumerate(fractions):
        up[k] = exit_above(prev, t, drift, upper[k])
        down[k] = exit_below(prev, t, drift, lower[k]) if np.isfinite(lower[k]) else 0.0
        if k < len(fractions) - 1:  # the density after the last look is never read
            prev = next_look(prev, t, drift, lower[k], upper[k])
    return up, down
