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

    # Centred statistics straight from the backend's moments: the mean is the shift, the sums of
    # deviations are 0 and the sums of squared deviations (n - 1) var, so a metric whose mean is large
    # against its spread keeps its variance (raw sum_sq = (n - 1) var + sum^2 / n would cancel).
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, moments.value_sum / np.where(n > 0, n, 1.0), 0.0)
    zeros = np.zeros_like(n)
    if isinstance(metric, MeanMetric):
        return MeanStats.from_arrays(
            n,
            zeros,
            _zero_if_missing(moments.value_var, n) * (n - 1.0),
            nonzero=moments.nonzero,
            shift=mean,
            metric=name,
            experiment=experiment,
            variant=variant,
        )
    if isinstance(metric, RatioMetric):
        if moments.den_sum is None:
            raise TypeError("ratio moments need den_sum, den_var and cov")
        den_mean = np.where(n > 0, moments.den_sum / np.where(n > 0, n, 1.0), 0.0)
        return RatioStats.from_arrays(
            n,
            zeros,
            zeros,
            _zero_if_missing(moments.value_var, n) * (n - 1.0),
            _zero_if_missing(moments.den_var, n) * (n - 1.0),
            _zero_if_missing(moments.cov, n) * (n - 1.0),
            num_shift=mean,
            den_shift=den_mean,
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
