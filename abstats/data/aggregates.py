"""Build :class:`ExperimentData` from a table of aggregates (one row per experiment x variant)."""

from __future__ import annotations

from typing import Any

from abstats.data.columns import column_names, get_column, label_column
from abstats.data.experiment import ExperimentData
from abstats.errors import InputError
from abstats.metrics import BinaryMetric, MeanMetric, Metric, RatioMetric
from abstats.statistics import BinaryStats, MeanStats, RatioStats


def from_aggregates(
    data: Any,
    metric: Metric,
    *,
    variant: str = "variant",
    experiment: str | None = None,
) -> ExperimentData:
    """Sufficient statistics from aggregate columns.

    Parameters
    ----------
    data
        pandas or polars DataFrame, or a mapping of column name -> list/array.
    metric
        Which aggregate columns to read is set on the metric (``n_field``,
        ``conversions_field``, ``sum_field``...).
    variant, experiment
        Label columns. Without ``experiment`` all rows form one experiment.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> d = from_aggregates({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
    ...                     BinaryMetric("conversion"))
    >>> d.stats.estimate()
    array([0.1 , 0.13])
    """
    variants = get_column(data, variant, metric=metric.name).astype(object)
    experiments = label_column(data, experiment, len(variants), default="experiment")

    def col(field: str) -> Any:
        values = get_column(data, field, metric=metric.name)
        if len(values) != len(variants):
            raise InputError(field, f"{len(values)} values", f"{len(variants)} (one per variant row)", metric=metric.name)
        return values

    where = {"metric": metric.name, "experiment": experiments if experiment else None, "variant": variants}
    if isinstance(metric, BinaryMetric):
        stats = BinaryStats.from_arrays(col(metric.n_field), col(metric.conversions_field), **where)
    elif isinstance(metric, MeanMetric):
        nonzero = col(metric.nonzero_field) if metric.nonzero_field in column_names(data) else None
        stats = MeanStats.from_arrays(
            col(metric.n_field), col(metric.sum_field), col(metric.sum_sq_field), nonzero=nonzero, **where
        )
    elif isinstance(metric, RatioMetric):
        stats = RatioStats.from_arrays(
            col(metric.n_field),
            col(metric.num_sum_field),
            col(metric.den_sum_field),
            col(metric.num_sum_sq_field),
            col(metric.den_sum_sq_field),
            col(metric.num_den_sum_field),
            **where,
        )
    else:
        raise InputError("metric", metric, "a BinaryMetric, MeanMetric or RatioMetric")
    return ExperimentData(metric, experiments, variants, stats)
