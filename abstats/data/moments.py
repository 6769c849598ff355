"""The one adapter from backend moments (count, sums, centred second moments) to sufficient statistics.

Backends return, per experiment x variant row, the number of units, the per-unit sums and the
*centred* second moments (``var_samp`` / ``covar_samp``), because a raw ``sum(x * x)`` loses the
variance of a metric whose mean is large relative to its spread. Every data source that aggregates
where the data lives hands them to the metric's own ``stats_from_backend`` (the metric kind's home
knows its statistics class), which :func:`stats_from_moments` calls for a filled-in :class:`Moments`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abstats.metrics import Metric, RowWhere
from abstats.statistics import SufficientStats


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
) -> SufficientStats:
    """Sufficient statistics of ``metric`` from backend moments, validated like any other input.

    Parameters
    ----------
    metric
        Whose ``stats_from_backend`` builds the statistics (binary: ``n`` and conversions; mean; ratio).
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
    where = RowWhere(metric.name, experiment, variant)
    # The statistics classes are frozen dataclasses, read-only where the protocol declares attributes.
    return metric.stats_from_backend(lambda name: getattr(moments, name, None), moments.n, where)
