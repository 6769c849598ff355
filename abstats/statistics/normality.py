"""When the normal approximation of a mean is unsafe: mostly-zero, heavy-tailed data.

Rule (per arm): the normal approximation of a sample mean is trusted when
n > 355 * s^2, s the skewness of the per-unit values (Kohavi, Deng, Longbotham
and Xu 2014, "Seven rules of thumb for web site experimenters", rule 7), and
at least ``min_nonzero`` units are non-zero. Without a measured skewness, s is
taken as the skewness of the zero / non-zero indicator,
(1 - 2 pi) / sqrt(pi (1 - pi)) with pi the non-zero share: for a non-negative
metric that is mostly zeros this is what its skewness tends to with few
non-zero units (heavy tails only add to it), so for small pi the rule asks for
roughly 355 non-zero units per arm.
"""

from __future__ import annotations

import numpy as np

from abstats.errors import InputError

SKEWNESS_FACTOR = 355.0
MIN_NONZERO = 30


def normal_approximation_unsafe(
    n: np.ndarray,
    nonzero: np.ndarray,
    *,
    skewness: np.ndarray | None = None,
    min_nonzero: int = MIN_NONZERO,
) -> np.ndarray:
    """Boolean mask, True where a normal posterior for the arm's mean should carry a warning.

    Parameters
    ----------
    n
        Units in the arm.
    nonzero
        Units with a non-zero value.
    skewness
        Sample skewness of the per-unit values, if known; replaces the
        zero-inflation lower bound.
    min_nonzero
        Fewest non-zero units accepted whatever the skewness.

    Examples
    --------
    >>> normal_approximation_unsafe([10_000, 10_000, 10_000], [20, 300, 5_000]).tolist()
    [True, True, False]
    """
    n, nonzero = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float)) for v in (n, nonzero)))
    bad = ~np.isfinite(n) | (n <= 0) | ~np.isfinite(nonzero) | (nonzero < 0) | (nonzero > n)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("nonzero", nonzero[i], f"between 0 and n ({n[i]:g})", experiment=i)
    if skewness is None:
        share = nonzero / n
        with np.errstate(divide="ignore", invalid="ignore"):
            skew_sq = np.where((share > 0) & (share < 0.5), (1.0 - 2.0 * share) ** 2 / (share * (1.0 - share)), 0.0)
    else:
        skew_sq = np.broadcast_to(np.asarray(skewness, dtype=float), n.shape) ** 2
    return (nonzero < min_nonzero) | (n <= SKEWNESS_FACTOR * skew_sq)
