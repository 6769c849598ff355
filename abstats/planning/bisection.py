"""Vectorised bracketing root finder shared by the planner's solves."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# 64 halvings shrink any bracket below float64 resolution of its end points
# (2**-64 < machine epsilon), so the root is exact to the last few ulps.
BISECTION_STEPS = 64


def bisect_increasing(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Root of an increasing ``f`` in each cell, with ``f(lo) <= 0 <= f(hi)``.

    scipy's ``brentq`` solves one scalar equation per call; planning grids
    need one root per cell, so this runs a fixed number of bisection steps on
    whole arrays instead (one ``f`` call per step for all cells).
    """
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    lo, hi = lo.copy(), hi.copy()
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        below = f(mid) < 0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def expand_upper(
    f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, *, max_doublings: int = 60
) -> np.ndarray:
    """Move ``hi`` away from ``lo`` (doubling the gap) until ``f(hi) >= 0`` in every cell it can."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    hi = hi.copy()
    for _ in range(max_doublings):
        short = f(hi) < 0
        if not short.any():
            break
        hi = np.where(short, lo + 2.0 * (hi - lo), hi)
    return hi
