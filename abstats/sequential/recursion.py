"""Exit probabilities of a group-sequential test by Armitage-McPherson-Rowe recursive integration.

The standardised statistic at look k is ``Z_k = S_k / sqrt(t_k)`` with the score ``S`` a Brownian
motion with drift ``theta`` on the information-fraction scale, so ``Z_k ~ N(theta sqrt(t_k), 1)``.
The sub-density of ``Z_k`` on the continuation region is propagated look to look on the
Jennison & Turnbull (2000, ch. 19) grid with Simpson weights, as gsDesign and rpact do.
Written by hand because neither scipy nor statsmodels integrate a truncated Gaussian process.

Given the sub-density at look k - 1 on nodes ``z'_j`` (weights included, ``h_j``), ``Z_k`` on the paths
still running is the Gaussian mixture ``sum_j h_j N(c_j, s^2)`` with ``c_j = (z'_j sqrt(t') + theta dt) / sqrt(t)``
and ``s = sqrt(dt / t)``: :class:`Transition` holds that mixture once per look, so a boundary solver
evaluates crossing probabilities and their derivative (the mixture density) at O(nodes) per trial bound.
Moving to the next look costs one (nodes x nodes) Gaussian kernel, most of a recursion's time; the
two-sided null recursion is even about 0 on a symmetric grid and computes half of it, and a grid much wider
than the kernel (a region open on one side) only the terms within ``KERNEL_CUT`` scales.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import special

from abstats.inference import normal as norm

#: Kernel terms ``exp(-d^2 / 2)`` with ``|d| > KERNEL_CUT`` (in units of the transition's scale s) are dropped:
#: below 2.6e-18, so with weights summing to at most 1 a density moves by less than 2.6e-18 / (s sqrt(2 pi)),
#: 1e-17 at s = 0.1.
KERNEL_CUT = 9.0
#: Grid-size parameter r of Jennison & Turnbull (6r - 1 base points); r = 32 gives ~1e-7 accuracy.
GRID_R = 32


@dataclass(frozen=True)
class LookDensity:
    """Sub-density of ``Z_k`` on the continuation region of look k (weights included).

    ``symmetric``: the grid and the density are even about 0 (no drift, every region so far ``(-b, b)``).
    """

    z: np.ndarray
    h: np.ndarray
    t: float
    symmetric: bool = False


@dataclass(frozen=True)
class Transition:
    """Law of ``Z_k`` on the paths still running after look k - 1: ``sum_j weight_j N(centre_j, scale^2)``.

    Held as what every evaluation needs: the centres in units of the scale, ``scaled = centre / scale``,
    and the density weights ``density_weight = weight / (scale sqrt(2 pi))``, each built once per look
    (:func:`transition`) so that a trial bound costs no more array passes than it must.
    ``symmetric``: the law is even about 0.
    """

    scaled: np.ndarray
    scale: float
    weight: np.ndarray
    density_weight: np.ndarray
    symmetric: bool = False

    def above(self, bound: float | np.ndarray) -> np.ndarray:
        """P(continue up to the previous look and ``Z_k >= bound``), vectorised over ``bound``."""
        return special.ndtr(self.scaled - np.asarray(bound, dtype=float)[..., None] / self.scale) @ self.weight

    def below(self, bound: float | np.ndarray) -> np.ndarray:
        """P(continue up to the previous look and ``Z_k <= bound``), vectorised over ``bound``."""
        return special.ndtr(np.asarray(bound, dtype=float)[..., None] / self.scale - self.scaled) @ self.weight

    def tail_and_density(self, bound: float, *, upper: bool) -> tuple[float, float, float]:
        """:meth:`above` (``upper``) or :meth:`below` at one bound, :meth:`density` there and its derivative.

        The three share the terms ``a_j = +-(c_j - bound) / s`` (sign: the tail's); the density is
        ``sum_j w_j phi(a_j) / s`` and its derivative ``+-sum_j w_j phi(a_j) a_j / s^2``.
        """
        arg = self.scaled - bound / self.scale if upper else bound / self.scale - self.scaled
        tail = special.ndtr(arg) @ self.weight
        kernel = arg * arg
        kernel *= -0.5
        np.exp(kernel, out=kernel)
        kernel *= self.density_weight
        slope = float(kernel @ arg) / self.scale
        return float(tail), float(kernel.sum()), slope if upper else -slope

    def density(self, z: float | np.ndarray) -> np.ndarray:
        """Sub-density of ``Z_k`` at ``z`` (the derivative of :meth:`below`), vectorised over ``z``."""
        z = np.asarray(z, dtype=float)
        # Centred on the mixture's middle so that the rank-3 product below loses little to cancellation.
        middle = 0.5 * (float(self.scaled[0]) + float(self.scaled[-1])) if self.scaled.size else 0.0
        u = z / self.scale
        u -= middle
        v = self.scaled - middle
        if z.ndim == 0:
            return np.exp(-0.5 * np.square(u - v)) @ self.density_weight
        # The (len(z) x nodes) kernel is most of a design's time. Its exponent -(u - v)^2 / 2 is the rank-3 product
        # [u, -u^2/2, 1] . [v, 1, -v^2/2], one BLAS call instead of three broadcast passes (numpy's broadcasting is
        # ~4x slower per element than a contiguous pass); cancellation costs ~1e-16 max(u^2, v^2) relative.
        left = np.empty((u.size, 3))
        left[:, 0] = u
        np.multiply(u, u, out=left[:, 1])
        left[:, 1] *= -0.5
        left[:, 2] = 1.0
        right = np.empty((3, v.size))
        right[0] = v
        right[1] = 1.0
        np.multiply(v, v, out=right[2])
        right[2] *= -0.5
        blocks = min(int((u[-1] - u[0]) / KERNEL_CUT), 8) if u.size > 1 else 1
        if blocks <= 1:
            exponent = left @ right
            np.exp(exponent, out=exponent)
            return exponent @ self.density_weight
        # A grid much wider than the kernel (a region open on one side): each block of rows (z and the centres are
        # increasing) only meets the centres within KERNEL_CUT of it.
        out = np.empty(u.size)
        edges = [u.size * i // blocks for i in range(blocks + 1)]
        reach = np.empty(2 * blocks)
        reach[0::2] = u[edges[:-1]] - KERNEL_CUT
        reach[1::2] = u[[edge - 1 for edge in edges[1:]]] + KERNEL_CUT
        columns = v.searchsorted(reach).tolist()
        for i in range(blocks):
            rows, first, last = slice(edges[i], edges[i + 1]), columns[2 * i], columns[2 * i + 1]
            exponent = left[rows] @ right[:, first:last]
            np.exp(exponent, out=exponent)
            np.matmul(exponent, self.density_weight[first:last], out=out[rows])
        return out


@cache
def _base_points(r: int) -> np.ndarray:
    """Grid offsets from the mean (Jennison & Turnbull 19.2.1): fine within 3 sd, log-spaced out to ~3 + 4 log r."""
    i = np.arange(1, 6 * r, dtype=float)
    base = np.where(
        i < r,
        -3.0 - 4.0 * np.log(r / i),
        np.where(i <= 5 * r, -3.0 + 3.0 * (i - r) / (2.0 * r), 3.0 + 4.0 * np.log(r / (6.0 * r - i))),
    )
    base.flags.writeable = False
    return base


@cache
def _simpson_pieces(r: int) -> tuple[tuple[float, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every node a grid can hold between its edges (base points and midpoints), with the Simpson weight each
    gets from the interval on its left and on its right when the whole base grid is used, and their sum; first
    the base points as Python floats (searched with :func:`bisect.bisect_right`, cheaper than a numpy call)."""
    base = _base_points(r)
    gaps = np.diff(base)
    nodes = np.empty(2 * base.size - 1)
    nodes[0::2] = base
    nodes[1::2] = base[:-1] + gaps / 2.0
    left = np.zeros_like(nodes)
    right = np.zeros_like(nodes)
    left[2::2] = gaps / 6.0
    right[0:-1:2] = gaps / 6.0
    right[1::2] = gaps * (4.0 / 6.0)
    both = left + right
    for array in (nodes, left, right, both):
        array.flags.writeable = False
    return tuple(base.tolist()), nodes, left, right, both


def grid(mean: float, lower: float, upper: float, r: int = GRID_R) -> tuple[np.ndarray, np.ndarray]:
    """Integration points and Simpson weights on ``(lower, upper)`` (Jennison & Turnbull 19.2.1).

    The base points strictly inside the region, their midpoints and their weights are slices of
    :func:`_simpson_pieces`; only the two intervals next to the edges are built here.
    """
    base, nodes, left, right, both = _simpson_pieces(r)
    lo = max(lower, mean + base[0])
    hi = min(upper, mean + base[-1])
    if not lo < hi:
        return np.empty(0), np.empty(0)
    first, last = bisect_right(base, lo - mean), bisect_right(base, hi - mean)
    if last > 0 and mean + base[last - 1] >= hi:
        last -= 1
    if last == first:  # no base point inside: one Simpson interval
        gap = hi - lo
        return np.array([lo, lo + gap / 2.0, hi]), np.array([gap / 6.0, gap * (4.0 / 6.0), gap / 6.0])
    i0, i1 = 2 * first, 2 * last - 1
    z = np.empty(i1 - i0 + 4)
    np.add(nodes[i0:i1], mean, out=z[2:-2])
    inner_lo, inner_hi = mean + base[first], mean + base[last - 1]  # z[2], z[-3]
    gap_lo, gap_hi = inner_lo - lo, hi - inner_hi
    z[0], z[1], z[-2], z[-1] = lo, lo + gap_lo / 2.0, inner_hi + gap_hi / 2.0, hi
    w = np.empty_like(z)
    w[2:-2] = both[i0:i1]
    w[0], w[1], w[-2], w[-1] = gap_lo / 6.0, gap_lo * (4.0 / 6.0), gap_hi * (4.0 / 6.0), gap_hi / 6.0
    w[2] += gap_lo / 6.0 - left[i0]
    w[-3] += gap_hi / 6.0 - right[i1 - 1]
    return z, w


def transition(prev: LookDensity | None, t: float, drift: float, *, prev_drift: float | None = None) -> Transition:
    """The law of ``Z_k`` (at information ``t``) on the paths that continued past ``prev``.

    ``prev_drift``: ``prev`` was computed under this other drift (on the same continuation regions). Its
    weights are then tilted by the likelihood ratio of the two drifts, which depends on the path only
    through ``S' = z sqrt(t')``: ``exp((drift - prev_drift) S' - (drift^2 - prev_drift^2) t' / 2)``, so one
    recursion gives both laws.
    """
    if prev is None:
        return Transition(np.array([drift * math.sqrt(t)]), 1.0, np.ones(1), np.full(1, 1.0 / norm.SQRT_2PI),
                          drift == 0.0)
    dt = t - prev.t
    weight, tilted = prev.h, False
    if prev_drift is not None and prev_drift != drift:
        score = prev.z * math.sqrt(prev.t)
        weight = weight * np.exp((drift - prev_drift) * score - 0.5 * (drift**2 - prev_drift**2) * prev.t)
        tilted = True
    # centre_j / scale = (z'_j sqrt(t') + drift dt) / sqrt(t) / sqrt(dt / t) = (z'_j sqrt(t') + drift dt) / sqrt(dt).
    scale = math.sqrt(dt / t)
    scaled = prev.z * math.sqrt(prev.t / dt)
    scaled += drift * math.sqrt(dt)
    density_weight = weight * (1.0 / (scale * norm.SQRT_2PI))
    return Transition(scaled, scale, weight, density_weight, prev.symmetric and drift == 0.0 and not tilted)


def restrict(law: Transition, t: float, drift: float, lower: float, upper: float, r: int = GRID_R) -> LookDensity:
    """The sub-density ``law`` on the grid of the continuation region ``(lower, upper)`` (centred on E[Z_k])."""
    z, w = grid(drift * math.sqrt(t), lower, upper, r)
    if law.symmetric and drift == 0.0 and lower == -upper:
        # An even law on a grid symmetric about 0 (it is, bit for bit): half the kernel rows, mirrored.
        half = law.density(z[: z.size // 2 + 1])
        return LookDensity(z, w * np.concatenate((half, half[-2::-1])), t, True)
    return LookDensity(z, w * law.density(z), t)


def exit_probabilities(
    fractions: np.ndarray, lower: np.ndarray, upper: np.ndarray, drift: float, r: int = GRID_R
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
    r
        Grid-size parameter (Jennison & Turnbull's r).

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
        law = transition(prev, float(t), drift)
        up[k] = law.above(upper[k])
        if law.symmetric and lower[k] == -upper[k]:  # an even law: P(Z_k <= -b) = P(Z_k >= b)
            down[k] = up[k]
        else:
            down[k] = law.below(lower[k]) if np.isfinite(lower[k]) else 0.0
        if k < len(fractions) - 1:  # the density after the last look is never read
            prev = restrict(law, float(t), drift, lower[k], upper[k], r)
    return up, down
