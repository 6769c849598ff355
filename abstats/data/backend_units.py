"""Per-unit values on the backend, as a metric kind's aggregation sees them.

The data layer reduces events to one row per unit in the backend (Ibis); each metric kind then
says, through its ``backend_aggregates`` method, which per-group aggregates it needs from those
rows (sums, centred second moments, order statistics) and, through ``stats_from_backend``, how
they become its sufficient statistics. This module is the small vocabulary between the two: a new
metric kind needs no edit in :mod:`abstats.data`.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir


@dataclass(frozen=True, eq=False)  # eq=False: Ibis expressions overload ==
class BackendUnits:
    """One metric's per-unit values in the backend, one row per unit (and variant).

    Attributes
    ----------
    values
        The metric's per-unit values as float64, one per part the metric declares in
        ``unit_parts`` (value; or numerator and denominator), capped when the metric caps them.
    unit
        The unit id column (count it for units).
    keep
        Units that enter the statistics (None: every row); a metric's aggregates filter on it.
    ranks
        For metrics with ``order_statistics = True``: each value's 1-based rank among the kept
        units of its group (experiment x [segment x] variant), per part; else empty.
    group_size
        For those metrics: the number of kept units in the row's group (as float64); else None.
    covariates
        With a CUPED covariate (``metric.covariate``): each unit's pre-period value(s) as float64, one
        per part (a ratio's pre-period numerator and denominator); else empty.
    """

    values: tuple[ir.NumericValue, ...]
    unit: ir.Value
    keep: ir.BooleanValue | None
    ranks: tuple[ir.IntegerValue, ...] = ()
    group_size: ir.NumericValue | None = None
    covariates: tuple[ir.NumericValue, ...] = ()

    def where(self, condition: ir.BooleanValue | None = None) -> ir.BooleanValue | None:
        """``condition`` among the kept units (the filter an aggregate takes as ``where=``)."""
        if condition is None:
            return self.keep
        return condition if self.keep is None else condition & self.keep

    def order_statistic(self, part: int, rank: ir.NumericValue) -> ir.NumericValue:
        """The ``rank``-th smallest (1-based) kept value of ``part`` in each group.

        ``rank`` is a row-level expression of :attr:`group_size` (the same in every row of a group).
        """
        if not self.ranks:
            raise TypeError("order statistics need a metric with order_statistics = True")
        return self.values[part].max(where=self.where(self.ranks[part] == rank.cast("int64")))
