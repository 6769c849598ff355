"""Metric definitions: what is measured, which way is better, which columns hold it.

A metric says *what* to compute; :mod:`abstats.statistics` holds the sufficient
statistics it reduces to, and the methods score those statistics.

Examples
--------
>>> conversion = BinaryMetric("conversion")
>>> bounce = BinaryMetric("bounce", higher_is_better=False)
>>> rpv = MeanMetric("revenue_per_visitor", column="revenue")
>>> ctr = RatioMetric("ctr", numerator="clicks", denominator="impressions")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

MetricKind = Literal["binary", "mean", "ratio"]


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

    @property
    def value_column(self) -> str:
        return self.column or self.name


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

    @property
    def value_column(self) -> str:
        return self.column or self.name


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


Metric = BinaryMetric | MeanMetric | RatioMetric
