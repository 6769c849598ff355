"""Two-proportion tests and intervals on arrays of counts.

* z-test with the *pooled* variance p(1-p)(1/n_c + 1/n_t) under H0: p_t = p_c,
  optional Yates continuity correction (its square is Pearson's chi-square with
  Yates' correction on the 2x2 table);
* Wald interval with the *unpooled* variance p_c(1-p_c)/n_c + p_t(1-p_t)/n_t;
* Newcombe's hybrid-score interval from Wilson intervals of each arm
  (Newcombe 1998, method 10), better coverage for small counts;
* Fisher's exact test for small counts.
"""

from __future__ import annotations

import numpy as np

from abstats.inference.critical import normal_critical, standardise
from abstats.vocabulary import Alternative


def pooled_z(
    x_c: np.ndarray,
    n_c: np.ndarray,
    x_t: np.ndarray,
    n_t: np.ndarray,
    *,
    continuity: bool = False,
    diff: np.ndarray | None = None,
) -> np.ndarray:
    """z = (p_t - p_c) / sqrt(p(1-p)(1/n_c + 1/n_t)), p = pooled rate; Yates shrinks |p_t - p_c| by (1/n_c + 1/n_t)/2.

    ``diff`` (p_t - p_c), when the caller has it, saves recomputing the rates.
    """
    p = (x_c + x_t) / (n_c + n_t)
    inv_n = 1.0 / n_c + 1.0 / n_t
    se = np.sqrt(p * (1.0 - p) * inv_n)
    if diff is None:
        diff = x_t / n_t - x_c / n_c
    if continuity:
        diff = np.sign(diff) * np.maximum(np.abs(diff) - 0.5 * inv_n, 0.0)
    return standardise(diff, se)


def newcombe_interval(
    x_c: np.ndarray, n_c: np.ndarray, x_t: np.ndarray, n_t: np.ndarray, alpha: np.ndarray, alternative: Alternative
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe hybrid-score interval for p_t - p_c built from statsmodels' Wilson intervals."""
    # A one-sided (1 - alpha) bound is one side of the two-sided (1 - 2 alpha) interval.
    level_alpha = alpha if alternative == "two-sided" else 2.0 * np.asarray(alpha)
    # Wilson intervals accept array alpha through the critical value; statsmodels takes a scalar,
    # so pass the z-based form directly when alpha varies by row.
    lo_c, hi_c = _wilson(x_c, n_c, level_alpha)
    lo_t, hi_t = _wilson(x_t, n_t, level_alpha)
    p_c, p_t = x_c / n_c, x_t / n_t
    d = p_t - p_c
    low = d - np.sqrt((p_t - lo_t) ** 2 + (hi_c - p_c) ** 2)
    high = d + np.sqrt((hi_t - p_t) ** 2 + (p_c - lo_c) ** 2)
    if alternative == "greater":
        high = np.full_like(high, np.inf)
    elif alternative == "less":
        low = np.full_like(low, -np.inf)
    return low, high


def _wilson(x: np.ndarray, n: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alpha = np.asarray(alpha, dtype=float)
    if alpha.ndim == 0 or np.all(alpha == alpha.flat[0]):
        from statsmodels.stats.proportion import proportion_confint  # only Newcombe intervals need it

        return proportion_confint(x, n, alpha=float(alpha.flat[0]), method="wilson")
    # Row-varying alpha (Bonferroni-adjusted intervals): Wilson's closed form, vectorised.
    z = normal_critical(alpha, "two-sided")
    p = x / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


def fisher_p_value(
    x_c: np.ndarray, n_c: np.ndarray, x_t: np.ndarray, n_t: np.ndarray, alternative: Alternative
) -> np.ndarray:
    """Fisher's exact test of the 2x2 table (scipy), one table at a time.

    Not vectorised: scipy has no batched Fisher test and it is meant for the
    small-count experiments where the normal approximation fails, not for the hot path.
    """
    from scipy import stats  # scipy.stats costs a second of import time: only Fisher's test needs it

    # scipy's table is [[x_t, n_t - x_t], [x_c, n_c - x_c]]: "greater" means a larger odds ratio for treatment.
    out = np.empty(len(x_c))
    for i in range(len(x_c)):
        table = [[x_t[i], n_t[i] - x_t[i]], [x_c[i], n_c[i] - x_c[i]]]
        out[i] = stats.fisher_exact(np.asarray(table, dtype=np.int64), alternative=alternative).pvalue
    return out
