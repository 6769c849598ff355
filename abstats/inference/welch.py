"""Welch's unequal-variance t-test from sufficient statistics (Welch 1947)."""

from __future__ import annotations

import numpy as np


def welch_df(v_c: np.ndarray, n_c: np.ndarray, v_t: np.ndarray, n_t: np.ndarray) -> np.ndarray:
    """Welch-Satterthwaite degrees of freedom; ``v`` are the variances of each arm's mean.

    df = (v_c + v_t)^2 / (v_c^2 / (n_c - 1) + v_t^2 / (n_t - 1)) (Welch 1947,
    Satterthwaite 1946). The formula is homogeneous of degree 0 in the variances, so
    both are divided by the larger before squaring: squaring variances of 1e155 and
    more (means near 1e150) overflows to inf / inf = NaN, and squaring variances below
    1e-162 underflows to 0 / 0; the scaled ratios lie in [0, 1] and do neither.

    With zero variance in both arms the formula is 0/0; n_c + n_t - 2 (the pooled
    test's df) is used so the result stays defined.

    Parameters
    ----------
    v_c, v_t
        Variance of the control and treatment mean (s^2 / n) per row.
    n_c, n_t
        Units per arm.

    Examples
    --------
    >>> welch_df(np.array([1e300, 0.0]), np.array([10.0, 10.0]), np.array([1e300, 0.0]), np.array([10.0, 10.0]))
    array([18., 18.])
    """
    scale = np.maximum(v_c, v_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = v_c / scale  # in [0, 1]; NaN where both variances are 0, replaced below
        b = v_t / scale
        total = a + b
        df = total * total / (a * a / (n_c - 1.0) + b * b / (n_t - 1.0))
    return np.where(scale > 0, df, n_c + n_t - 2.0)
