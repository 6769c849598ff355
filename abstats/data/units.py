"""Build :class:`ExperimentData` by aggregating raw per-unit columns (numpy/pandas/polars)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from abstats.data.columns import get_column, label_column
from abstats.data.experiment import ExperimentData
from abstats.errors import InputError
from abstats.metrics import BinaryMetric, MeanMetric, Metric, RatioMetric
from abstats.statistics import BinaryStats, MeanStats, RatioStats
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
    variants = get_column(data, variant, metric=metric.name).astype(object)
    experiments = label_column(data, experiment, len(variants), default="experiment")
    keys = pd.MultiIndex.from_arrays([experiments, variants])
    group, uniques = pd.factorize(keys, sort=False)
    n_groups = len(uniques)
    exp_labels = np.array([k[0] for k in uniques], dtype=object)
    var_labels = np.array([k[1] for k in uniques], dtype=object)
    labels = RowLabels(metric.name, None, None)

    def values(name: str) -> np.ndarray:
        return as_float_array(name, get_column(data, name, metric=metric.name), labels)

    def total(x: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=x, minlength=n_groups)

    n = np.bincount(group, minlength=n_groups).astype(float)
    where = {"metric": metric.name, "experiment": exp_labels if experiment else None, "variant": var_labels}
    if isinstance(metric, BinaryMetric):
        x = values(metric.value_column)
        bad = (x != 0) & (x != 1)
        if bad.any():
            raise InputError(metric.value_column, x[np.flatnonzero(bad)[0]], "0 or 1 per unit", metric=metric.name)
        stats = BinaryStats.from_arrays(n, total(x), **where)
    elif isinstance(metric, MeanMetric):
        x = values(metric.value_column)
        stats = MeanStats.from_arrays(n, total(x), total(x * x), nonzero=total((x != 0).astype(float)), **where)
    elif isinstance(metric, RatioMetric):
        if metric.numerator is None or metric.denominator is None:
            raise InputError("RatioMetric", metric.name, "numerator= and denominator= column names for per-unit data")
        x, y = values(metric.numerator), values(metric.denominator)
        stats = RatioStats.from_arrays(n, total(x), total(y), total(x * x), total(y * y), total(x * y), **where)
    else:
        raise InputError("metric", metric, "a BinaryMetric, MeanMetric or RatioMetric")
    return ExperimentData(metric, exp_labels, var_labels, stats)
