"""The one adapter from backend moments (count, sums, centred second moments) to sufficient statistics.

Backends return, per experiment x variant row, the number of units, the per-unit sums and the
*centred* second moments (``var_samp`` / ``covar_samp``), because a raw ``sum(x * x)`` loses the
variance of a metric whose mean is large relative to its spread. Every data source that aggregates
where the data lives goes through :func:`stats_from_moments`, so switching the statistics classes to
a centred representation is a change in this one function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abstats.metrics import BinaryMetric, MeanMetric, Metric, RatioMetric
from abstats.statistics import BinaryStats, MeanStats, RatioStats


@dataclass(frozen=True, eq=False)
class Moments:
    """Per row of one metric: units, per-unit sums and centred second moments (sample, ddof = 1).

    ``value_*`` describe the per-unit value (the numerator of a ratio); ``den_*`` and ``cov`` the
    denominator of a ratio and its covariance with the numerator (``None`` for other kinds).
    ``nonzero`` counts units with a non-zero value (mean metrics: the heavy-tail check).
    """

    n: np.ndarray
    value_sum: np.ndarray
    value_var: np.ndarray | None = None
    den_sum: np.ndarray | None = None
    den_var: np.ndarray | None = None
    cov: np.ndarray | None = None
    nonzero: np.ndarray | None = None


def stats_from_moments(
    metric: Metric,
    moments: Moments,
    *,
    experiment: np.ndarray | None = None,
    variant: np.ndarray | None = None,
) -> BinaryStats | MeanStats | RatioStats:
    """Sufficient statistics of ``metric`` from backend moments, validated like any other input.

    Parameters
    ----------
    metric
        Which statistics class to build (binary: ``n`` and conversions; mean; ratio).
    moments
        Counts, sums and centred second moments per row.
    experiment, variant
        Row labels, for error messages that point at a bad row.

    Examples
    --------
    >>> import numpy as np
    >>> from abstats import MeanMetric
    >>> s = stats_from_moments(MeanMetric("revenue"), Moments(np.array([3.0]), np.array([6.0]), np.array([1.0])))
    >>> s.estimate(), s.unit_variance()
    (array([2.]), array([1.]))
    """
    n = moments.n
    name = metric.name
    if isinstance(metric, BinaryMetric):
        return BinaryStats.from_arrays(n, moments.value_sum, metric=name, experiment=experiment, variant=variant)

    # For now the centred moments are turned back into the raw sums of squares that
    # MeanStats/RatioStats.from_arrays take today: sum_sq = (n - 1) var + sum^2 / n. Once the statistics
    # classes have their centred constructor, this function passes n, mean and var straight through
    # and no precision is lost on metrics with a large mean.
    def raw_square(total: np.ndarray, var: np.ndarray | None) -> np.ndarray:
        return _zero_if_missing(var, n) * (n - 1.0) + total * total / n

    if isinstance(metric, MeanMetric):
        return MeanStats.from_arrays(
            n,
            moments.value_sum,
            raw_square(moments.value_sum, moments.value_var),
            nonzero=moments.nonzero,
            metric=name,
            experiment=experiment,
            variant=variant,
        )
    if isinstance(metric, RatioMetric):
        if moments.den_sum is None:
            raise TypeError("ratio moments need den_sum, den_var and cov")
        cross = _zero_if_missing(moments.cov, n) * (n - 1.0) + moments.value_sum * moments.den_sum / n
        return RatioStats.from_arrays(
            n,
            moments.value_sum,
            moments.den_sum,
            raw_square(moments.value_sum, moments.value_var),
            raw_square(moments.den_sum, moments.den_var),
            cross,
            metric=name,
            experiment=experiment,
            variant=variant,
        )
    raise TypeError(f"unknown metric kind: {type(metric).__name__}")


def _zero_if_missing(values: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    # var_samp of a single unit is NULL in SQL; the statistics classes then refuse n < 2 by name.
    if values is None:
        return np.zeros_like(like)
    return np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
