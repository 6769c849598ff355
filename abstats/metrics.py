"""Metric definitions: what is measured, which way is better, which columns hold it.

A metric says *what* to compute and is the home of its kind: it knows its
sufficient-statistics class (:mod:`abstats.statistics`) and how aggregates or per-unit
values reduce to it. The same metric object is analysed (``abstats.analyze``) and
planned (``abstats.planning.plan_sample_size``).

Examples
--------
>>> conversion = BinaryMetric("conversion")
>>> bounce = BinaryMetric("bounce", higher_is_better=False)
>>> rpv = MeanMetric("revenue_per_visitor", column="revenue")
>>> ctr = RatioMetric("ctr", numerator="clicks", denominator="impressions")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from abstats.errors import ConfigError, InputError
from abstats.statistics import BinaryStats, MeanStats, RatioStats
from abstats.vocabulary import MetricKind

# How a data source hands columns to a metric: by name, as a 1-D array (raises if missing).
ColumnReader = Callable[[str], np.ndarray]
# Sum of per-unit values within each experiment x variant group.
GroupTotal = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class RowWhere:
    """Labels of each row, for error messages that point at a bad row."""

    metric: str
    experiment: Any
    variant: Any


def _check_fields(metric: Any) -> None:
    """Every field of a metric: ``higher_is_better`` a bool, every other a non-empty str (or None if optional)."""
    for f in fields(metric):
        value = getattr(metric, f.name)
        if f.name == "higher_is_better":
            if not isinstance(value, (bool, np.bool_)):
                raise ConfigError("higher_is_better", value, "True or False (a bool, not a string)")
            object.__setattr__(metric, f.name, bool(value))
        elif value is None and f.default is None:
            continue
        elif not isinstance(value, str) or not value:
            raise ConfigError(f.name, value, "a non-empty string (a column or metric name)")


@dataclass(frozen=True)
class BinaryMetric:
    """A 0/1 outcome per unit (conversion, bounce, clicked at least once).

    Parameters
    ----------
    name
        Name shown in results.
    higher_is_better
        False for metrics such as bounce rate, where a decrease is the win.
    column
        Per-unit 0/1 column for :func:`abstats.data.from_units`; defaults to ``name``.
    conversions_field, n_field
        Aggregate column names for :func:`abstats.data.from_aggregates`.
    """

    name: str
    higher_is_better: bool = True
    column: str | None = None
    conversions_field: str = "conversions"
    n_field: str = "n"
    kind: ClassVar[MetricKind] = "binary"

    def __post_init__(self) -> None:
        _check_fields(self)

    @property
    def value_column(self) -> str:
        return self.column or self.name

    def stats_from_aggregates(self, column: ColumnReader, optional: Callable[[str], bool], where: RowWhere) -> BinaryStats:
        """``n`` and ``conversions`` per row."""
        return BinaryStats.from_arrays(
            column(self.n_field), column(self.conversions_field),
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    def stats_from_units(self, values: ColumnReader, total: GroupTotal, n: np.ndarray, where: RowWhere) -> BinaryStats:
        """Units and the sum of a 0/1 value per group."""
        x = values(self.value_column)
        bad = (x != 0) & (x != 1)
        if bad.any():
            raise InputError(self.value_column, x[np.flatnonzero(bad)[0]], "0 or 1 per unit", metric=self.name)
        return BinaryStats.from_arrays(n, total(x), metric=where.metric, experiment=where.experiment, variant=where.variant)


@dataclass(frozen=True)
class MeanMetric:
    """A numeric outcome per unit averaged over units (revenue per visitor, time on page).

    Aggregates: ``n``, ``sum``, ``sum_sq`` (sum of squared per-unit values) and, optionally,
    ``nonzero`` (units with a non-zero value), which enables the heavy-tail warning.
    """

    name: str
    higher_is_better: bool = True
    column: str | None = None
    sum_field: str = "sum"
    sum_sq_field: str = "sum_sq"
    n_field: str = "n"
    nonzero_field: str = "nonzero"
    kind: ClassVar[MetricKind] = "mean"

    def __post_init__(self) -> None:
        _check_fields(self)

    @property
    def value_column(self) -> str:
        return self.column or self.name

    def stats_from_aggregates(self, column: ColumnReader, optional: Callable[[str], bool], where: RowWhere) -> MeanStats:
        """``n``, ``sum``, ``sum_sq`` and, when the table has them, ``nonzero`` and ``<sum_field>_shift`` per row.

        With a ``<sum_field>_shift`` column (``sum_shift`` by default) ``sum`` and ``sum_sq`` are
        read as sums of ``value - shift`` and ``(value - shift)**2``: centred sums, which keep a
        large-mean metric's variance exact where raw sums cancel (abstats warns,
        :class:`~abstats.errors.PrecisionWarning`, when raw sums have lost it).
        """
        from abstats.statistics.centring import shift_column

        nonzero = column(self.nonzero_field) if optional(self.nonzero_field) else None
        shift_field = shift_column(self.sum_field)
        shift = column(shift_field) if optional(shift_field) else None
        return MeanStats.from_arrays(
            column(self.n_field), column(self.sum_field), column(self.sum_sq_field), nonzero=nonzero, shift=shift,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    def stats_from_units(self, values: ColumnReader, total: GroupTotal, n: np.ndarray, where: RowWhere) -> MeanStats:
        """Sums of deviations from each group's mean (two-pass), the mean carried as the shift."""
        from abstats.statistics.centring import centre_by_group

        x = values(self.value_column)
        shift, d = centre_by_group(total, x)
        return MeanStats.from_arrays(
            n, total(d), total(d * d), nonzero=total((x != 0).astype(float)), shift=shift,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )


@dataclass(frozen=True)
class RatioMetric:
    """A ratio of two per-unit sums (CTR = clicks / impressions, AOV = revenue / orders).

    The unit of randomisation (user) differs from the unit of the metric
    (impression, order), so the variance comes from the delta method over units
    (Deng, Knoblich & Lu 2018), never from treating impressions as independent.

    Aggregates per variant: ``n`` (units), ``num_sum``, ``den_sum``, ``num_sum_sq``,
    ``den_sum_sq``, ``num_den_sum``.
    """

    name: str
    numerator: str | None = None
    denominator: str | None = None
    higher_is_better: bool = True
    num_sum_field: str = "num_sum"
    den_sum_field: str = "den_sum"
    num_sum_sq_field: str = "num_sum_sq"
    den_sum_sq_field: str = "den_sum_sq"
    num_den_sum_field: str = "num_den_sum"
    n_field: str = "n"
    kind: ClassVar[MetricKind] = "ratio"

    def __post_init__(self) -> None:
        _check_fields(self)

    def stats_from_aggregates(self, column: ColumnReader, optional: Callable[[str], bool], where: RowWhere) -> RatioStats:
        """The five sums per row; with ``<num_sum_field>_shift`` / ``<den_sum_field>_shift`` columns, centred sums.

        A shift column (``num_sum_shift``, ``den_sum_shift`` by default) says the sums are of
        ``x - shift`` (numerator) or ``y - shift`` (denominator), squares and cross-product
        included; a missing one means 0 (raw sums).
        """
        from abstats.statistics.centring import shift_column

        num_shift_field, den_shift_field = shift_column(self.num_sum_field), shift_column(self.den_sum_field)
        return RatioStats.from_arrays(
            column(self.n_field),
            column(self.num_sum_field),
            column(self.den_sum_field),
            column(self.num_sum_sq_field),
            column(self.den_sum_sq_field),
            column(self.num_den_sum_field),
            num_shift=column(num_shift_field) if optional(num_shift_field) else None,
            den_shift=column(den_shift_field) if optional(den_shift_field) else None,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    def stats_from_units(self, values: ColumnReader, total: GroupTotal, n: np.ndarray, where: RowWhere) -> RatioStats:
        """Sums of the numerator's and denominator's deviations from their group means (two-pass)."""
        from abstats.statistics.centring import centre_by_group

        if self.numerator is None or self.denominator is None:
            raise InputError("RatioMetric", self.name, "numerator= and denominator= column names for per-unit data")
        x, y = values(self.numerator), values(self.denominator)
        x_shift, dx = centre_by_group(total, x)
        y_shift, dy = centre_by_group(total, y)
        return RatioStats.from_arrays(
            n, total(dx), total(dy), total(dx * dx), total(dy * dy), total(dx * dy),
            num_shift=x_shift, den_shift=y_shift,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )


Metric = BinaryMetric | MeanMetric | RatioMetric
METRIC_TYPES: tuple[type, ...] = (BinaryMetric, MeanMetric, RatioMetric)


def check_metric(value: Any, field: str = "metric") -> Metric:
    """``value`` if it is a metric object, else a ConfigError saying what to pass."""
    if isinstance(value, METRIC_TYPES):
        return value  # type: ignore[return-value]
    raise ConfigError(
        field, value, "a metric object such as abstats.BinaryMetric('conversion'), MeanMetric(...) or RatioMetric(...)"
    )
