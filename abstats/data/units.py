"""Build :class:`ExperimentData` by aggregating raw per-unit columns (numpy/pandas/polars)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from abstats.data.columns import check_labels, get_column, label_column
from abstats.data.experiment import ExperimentData
from abstats.errors import InputError
from abstats.metrics import Metric, RowWhere, check_metric
from abstats.statistics.grouping import UnitGroups
from abstats.statistics.validation import RowLabels, as_float_array


@overload
def from_units(data: Any, metric: Metric, *, variant: str = ..., experiment: str | None = ...) -> ExperimentData: ...


@overload
def from_units(
    data: Any, metric: Sequence[Metric], *, variant: str = ..., experiment: str | None = ...
) -> list[ExperimentData]: ...


def from_units(
    data: Any,
    metric: Metric | Sequence[Metric],
    *,
    variant: str = "variant",
    experiment: str | None = None,
) -> ExperimentData | list[ExperimentData]:
    """Aggregate one row per randomisation unit into sufficient statistics.

    Given a list of metrics, returns one :class:`ExperimentData` per metric, in order: the list
    ``analyze`` takes (``analyze(from_units(df, [conversion, revenue]), control="A")``).

    The per-unit value column is ``metric.column`` (default: the metric's name);
    for a :class:`RatioMetric` the ``numerator`` and ``denominator`` columns.

    Sums are centred (two-pass, vectorised over groups with ``np.bincount``): each
    experiment x variant group's mean is computed first and becomes the statistics'
    ``shift``; ``sum`` and ``sum_sq`` are then sums of deviations from it (for ratio
    metrics the numerator, the denominator and their cross-product alike). Raw sums
    of a metric whose mean is large against its spread (1e12 + N(0, 1)) cancel in
    float64 and give a variance of rounding noise; centred sums keep it to a few
    ulps (Chan, Golub and LeVeque 1983).

    Parameters
    ----------
    data
        pandas or polars DataFrame, or a mapping of column name -> array, one row per unit.
    metric
        The metric, or a list of metrics; value column(s) are read from ``data``.
    variant, experiment
        Label columns. Without ``experiment`` all rows form one experiment.

    Examples
    --------
    >>> from abstats import MeanMetric
    >>> d = from_units({"variant": ["A", "A", "B", "B"], "revenue": [0.0, 2.0, 1.0, 5.0]}, MeanMetric("revenue"))
    >>> d.stats.shift, d.stats.sum, d.stats.sum_sq
    (array([1., 3.]), array([0., 0.]), array([2., 8.]))
    >>> d.stats.estimate()
    array([1., 3.])
    """
    if isinstance(metric, Sequence) and not isinstance(metric, str):
        if not metric:
            raise InputError("metric", [], "a metric or a non-empty list of metrics")
        return [_from_units(data, m, variant, experiment) for m in metric]  # per metric, not per experiment
    return _from_units(data, metric, variant, experiment)


def _from_units(data: Any, metric: Metric, variant: str, experiment: str | None) -> ExperimentData:
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

    # sums per group, centred values, and the groups themselves for order statistics and pooled caps
    total = UnitGroups(group, n_groups, experiments if experiment else None)
    n = total.counts()
    where = RowWhere(metric.name, exp_labels if experiment else None, var_labels)
    stats = metric.stats_from_units(values, total, n, where)
    return ExperimentData(metric, exp_labels, var_labels, stats)
