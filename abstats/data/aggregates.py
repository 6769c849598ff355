"""Build :class:`ExperimentData` from a table of aggregates (one row per experiment x variant)."""

from __future__ import annotations

from typing import Any

from abstats.data.columns import column_names, get_column, label_column, read_labels
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

    Notes
    -----
    Sums of raw values and raw squares lose the variance to float64 cancellation when a
    metric's mean is large against its spread (1e12 + N(0, 1): ``sum_sq - sum**2 / n``
    keeps none of its digits). abstats then warns with
    :class:`~abstats.errors.PrecisionWarning` (naming the metric and row) rather than
    answer with a confident wrong variance. To avoid it, aggregate centred sums: pick a
    shift near each row's mean (the control mean, yesterday's mean, any round number
    close to it), sum ``value - shift`` and ``(value - shift)**2`` (and for ratios the
    product of the shifted numerator and denominator), and add the shift as a column
    named after the sum column with ``_shift`` appended: ``sum_shift`` for a
    :class:`~abstats.MeanMetric` (``<sum_field>_shift``), ``num_sum_shift`` and
    ``den_sum_shift`` for a :class:`~abstats.RatioMetric`. A missing shift column
    means 0 (raw sums). :func:`abstats.from_units` centres raw rows itself.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> d = from_aggregates({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
    ...                     BinaryMetric("conversion"))
    >>> d.stats.estimate()
    array([0.1 , 0.13])

    Centred sums of 1e12 + (-1, 0, 1) and 1e12 + (0, 1, 2), shifted by 1e12:

    >>> from abstats import MeanMetric
    >>> d = from_aggregates({"variant": ["A", "B"], "n": [3, 3], "sum_shift": [1e12, 1e12],
    ...                      "sum": [0.0, 3.0], "sum_sq": [2.0, 5.0]}, MeanMetric("latency"))
    >>> d.stats.estimate() - 1e12, d.stats.unit_variance()
    (array([0., 1.]), array([1., 1.]))
    """
    metric = check_metric(metric)
    variant_labels = read_labels(data, variant, metric=metric.name, as_object=True)
    variants = variant_labels.values
    experiment_labels = None if experiment is None else read_labels(data, experiment)
    experiments = (label_column(data, experiment, len(variants), default="experiment") if experiment_labels is None
                   else experiment_labels.values)

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
    factorised = (variant_labels,) if experiment_labels is None else (variant_labels, experiment_labels)
    return ExperimentData(metric, experiments, variants, stats, factorised=factorised)
