"""Highest-density intervals from posterior draws, via arviz (imported only when called).

No closed form exists for the HDI of a difference or ratio of two Betas, so the
option draws from the exact posteriors and uses ``arviz.hdi``; its Monte Carlo
error on each bound is of order sd / sqrt(draws).
"""

from __future__ import annotations

import numpy as np


def hdi_from_draws(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """HDI of each row of ``draws`` (m, S): lower and upper bounds, each of length m."""
    import arviz as az

    # arviz reads an array as (chain, draw, *shape): one chain, S draws, m quantities.
    bounds = np.asarray(az.hdi(np.asarray(draws, dtype=float).T[None, :, :], hdi_prob=level))
    return bounds[:, 0], bounds[:, 1]


def beta_hdi_intervals(
    a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray, level: float, *, draws: int, seed: int | None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """HDIs of each arm's rate, of T - C and of T / C - 1 from ``draws`` posterior draws per row."""
    rng = np.random.default_rng(seed)
    names = ("control", "treatment", "effect", "rel")
    bounds = {name: (np.empty(a_t.size), np.empty(a_t.size)) for name in names}
    # Chunks of rows bound the (rows x draws) arrays; the loop is over chunks, not experiments.
    chunk = max(1, _CHUNK_VALUES // draws)
    for start in range(0, a_t.size, chunk):
        rows = slice(start, start + chunk)
        t = rng.beta(a_t[rows, None], b_t[rows, None], size=(len(a_t[rows]), draws))
        c = rng.beta(a_c[rows, None], b_c[rows, None], size=(len(a_c[rows]), draws))
        with np.errstate(divide="ignore", invalid="ignore"):  # a draw of exactly 0 gives an infinite ratio
            samples = {"control": c, "treatment": t, "effect": t - c, "rel": t / c - 1.0}
        for name in names:
            low, high = hdi_from_draws(samples[name], level)
            bounds[name][0][rows], bounds[name][1][rows] = low, high
    return bounds


_CHUNK_VALUES = 5_000_000
