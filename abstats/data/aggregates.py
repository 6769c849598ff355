"""Build :class:`ExperimentData` from a table of aggregates (one row per experiment x variant)."""

from __future__ import annotations

from typing import Any

from abstats.data.columns import check_labels, column_names, get_column, label_column
from abstats.data.experiment import ExperimentData
from abstats.errors import InputError
from abstats.metrics import Metric, RowWhere, check_metric


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
    metric = check_metric(metric)
    variants = check_labels(variant, get_column(data, variant, metric=metric.name), metric=metric.name).astype(object)
    experiments = label_column(data, experiment, len(variants), default="experiment")

    def col(field: str) -> Any:
        values = get_column(data, field, metric=metric.name)
        if len(values) != len(variants):
            raise InputError(
                field, f"{len(values)} values", f"{len(variants)} (one per variant row)", metric=metric.name
            )
        return values

    names = set(column_names(data))
    where = RowWhere(metric.name, experiments if experiment else None, variants)
    stats = metric.stats_from_aggregates(col, names.__contains__, where)
    return ExperimentData(metric, experiments, variants, stats)
