"""Build :class:`ExperimentData` by aggregating raw per-unit columns (numpy/pandas/polars)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from abstats.data.columns import check_labels, get_column, label_column
from abstats.data.experiment import ExperimentData
from abstats.metrics import Metric, RowWhere, check_metric
from abstats.statistics.grouping import UnitGroups
from abstats.statistics.validation import RowLabels, as_float_array


def from_units(
    data: Any,
    metric: Metric,
    *,
    variant: str = "variant",
    experiment: str | None = None,
) -> ExperimentData:
    """Aggregate one row per randomisation unit into sufficient statistics.

    The per-unit value column is ``metric.column`` (default: the metric's name);
    for a :class:`RatioMetric` the ``numerator`` and ``denominator`` columns.

    Examples
    --------
    >>> from abstats import MeanMetric
    >>> d = from_units({"variant": ["A", "A", "B", "B"], "revenue": [0.0, 2.0, 1.0, 5.0]}, MeanMetric("revenue"))
    >>> d.stats.sum
    array([2., 6.])
    """
    metric = check_metric(metric)
    variants = check_labels(variant, get_column(data, variant, metric=metric.name), metric=metric.name).astype(object)
    experiments = label_column(data, experiment, len(variants), default="experiment")
    keys = pd.MultiIndex.from_arrays([experiments, variants])
    group, uniques = pd.factorize(keys, sort=False)
    n_groups = len(uniques)
    exp_labels = np.array([k[0] for k in uniques], dtype=object)
    var_labels = np.array([k[1] for k in uniques], dtype=object)
    labels = RowLabels(metric.name, None, None)

    def values(name: str) -> np.ndarray:
        return as_float_array(name, get_column(data, name, metric=metric.name), labels)

    # sums per group, and the groups themselves for order statistics and pooled caps
    total = UnitGroups(group, n_groups, experiments if experiment else None)
    n = np.bincount(group, minlength=n_groups).astype(float)
    where = RowWhere(metric.name, exp_labels if experiment else None, var_labels)
    stats = metric.stats_from_units(values, total, n, where)
    return ExperimentData(metric, exp_labels, var_labels, stats)
