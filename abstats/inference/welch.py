"""Welch's unequal-variance t-test from sufficient statistics (Welch 1947)."""

from __future__ import annotations

import numpy as np


def welch_df(v_c: np.ndarray, n_c: np.ndarray, v_t: np.ndarray, n_t: np.ndarray) -> np.ndarray:
    """Welch-Satterthwaite degrees of freedom; ``v`` are the variances of each arm's mean.

    With zero variance in both arms the formula is 0/0; n_c + n_t - 2 (the
    pooled test's df) is used so the result stays defined.
    """
    num = (v_c + v_t) ** 2
    den = v_c**2 / (n_c - 1.0) + v_t**2 / (n_t - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = num / den
    return np.where(den > 0, df, n_c + n_t - 2.0)
