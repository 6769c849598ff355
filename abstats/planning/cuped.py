"""CUPED in planning: the variance reduction a pre-period covariate is expected to bring, from pre-period data."""

from __future__ import annotations

import numpy as np

from abstats.errors import InputError
from abstats.statistics import SufficientStats


def expected_variance_reduction(pre_period: SufficientStats) -> np.ndarray:
    """rho^2 of each row's metric and covariate, from sufficient statistics that carry a covariate.

    Give statistics of a period before the experiment (or an earlier experiment) with the covariate
    the analysis will use, e.g. ``MeanStats.from_arrays(..., pre_sum=..., pre_sum_sq=...,
    pre_cross_sum=...)``; a ratio metric's covariate is its linearised pre-period ratio. The
    result is the ``variance_reduction=`` of :func:`abstats.planning.plan_sample_size`:
    ``1 - Var(y - theta x) / Var(y) = rho^2`` (Deng et al. 2013).

    Parameters
    ----------
    pre_period
        Statistics of one metric kind with a pre-period covariate, one or more rows.

    Returns
    -------
    numpy.ndarray
        The share of per-unit variance the covariate removes, per row.

    Examples
    --------
    >>> from abstats.statistics import MeanStats
    >>> s = MeanStats.from_arrays([4], [0.0], [4.0], pre_sum=[0.0], pre_sum_sq=[4.0], pre_cross_sum=[2.0])
    >>> expected_variance_reduction(s)  # rho = 2 / sqrt(4 * 4) = 0.5
    array([0.25])
    """
    # the pair of a row with itself: theta pooled over two identical arms is the row's own slope and
    # 1 - adjusted / unadjusted variance is exactly its rho^2
    adjusted = pre_period.regression_adjusted(pre_period)
    if adjusted is None:
        raise InputError("pre_period", type(pre_period).__name__,
                         "statistics with a pre-period covariate (pre_sum, pre_sum_sq, pre_cross_sum)")
    return np.where(adjusted.applied, adjusted.variance_reduction, 0.0)
