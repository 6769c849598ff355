"""Sample-ratio mismatch: chi-square goodness of fit of unit counts to the planned split."""

from __future__ import annotations

import numpy as np
from scipy import special


def srm_test(n: np.ndarray, experiment_code: np.ndarray, expected_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson chi-square per experiment over all its variants.

    Parameters
    ----------
    n
        Units per experiment x variant row.
    experiment_code
        Index of each row's experiment (0..E-1).
    expected_share
        Planned share of each row within its experiment (normalised per experiment here).

    Returns
    -------
    chi2, p_value
        Per experiment (length E); df = variants - 1. Vectorised with bincount
        because scipy.stats.chisquare needs equal-length groups.
    """
    totals = np.bincount(experiment_code, weights=n)
    share_totals = np.bincount(experiment_code, weights=expected_share)
    expected = totals[experiment_code] * expected_share / share_totals[experiment_code]
    chi2 = np.bincount(experiment_code, weights=(n - expected) ** 2 / expected)
    df = np.bincount(experiment_code) - 1
    return chi2, chi2_sf(chi2, df)


def chi2_sf(chi2: np.ndarray, df: np.ndarray | int) -> np.ndarray:
    """Chi-square survival function; 1 df (every two-arm experiment) as erfc(sqrt(c / 2)).

    scipy's chdtrc costs about 0.5 us per value, erfc 0.01 us: the 1-df shortcut keeps SRM checks of
    100,000 two-arm experiments from dominating an analysis.
    """
    df = np.broadcast_to(df, np.shape(chi2))
    p = special.erfc(np.sqrt(0.5 * chi2))
    more = df != 1
    if more.any():
        p[more] = special.chdtrc(df[more], chi2[more])
    return p


def srm_two_arm(n_c: np.ndarray, n_t: np.ndarray, treatment_share: float) -> tuple[np.ndarray, np.ndarray]:
    """The same chi-square test for paired two-arm rows, without grouping (the batch path).

    With two arms chi2 = z^2, z = (n_t - N s) / sqrt(N s (1 - s)), so p = erfc(|z| / sqrt 2).
    """
    total = n_c + n_t
    z = (n_t - total * treatment_share) / np.sqrt(total * (treatment_share * (1.0 - treatment_share)))
    return z * z, special.erfc(np.abs(z) * np.sqrt(0.5))
