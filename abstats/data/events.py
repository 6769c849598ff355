"""Raw events -> sufficient statistics, aggregated by the engine that holds the events (Ibis).

Two levels, both in the backend, in one query per call:

1. events -> one row per experiment x unit x variant: each metric's per-unit value (count, sum,
   any, max of an event column or expression, optionally filtered), counting only events at or
   after the unit's first exposure;
2. units -> one row per experiment x [segment x] variant: the number of units, per-unit sums and
   centred second moments (``var_samp``/``covar_samp``) of every metric.

Only those few rows reach Python, where :func:`abstats.data.moments.stats_from_moments` turns them
into the :class:`~abstats.data.ExperimentData` every method consumes. The same call runs on DuckDB
(paths, pandas/polars/Arrow frames), Spark, or any Ibis SQL backend.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypeAlias, cast, get_args

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend
from ibis.common.deferred import Deferred

from abstats.data.backend_units import BackendUnits
from abstats.data.experiment import ExperimentData
from abstats.data.source import EventTable, event_table
from abstats.errors import AbstatsError, ConfigError, InputError, MultiVariantUnitsWarning
from abstats.metrics import Cap, Metric, RowWhere, check_metric
from abstats.progress import ProgressBar
from abstats.statistics import SufficientStats
from abstats.statistics.grouping import backend_lerp
from abstats.statistics.quantile import backend_type7_ranks

Reducer = Literal["count", "sum", "any", "max"]
# An event column by name, a deferred expression (ibis._.revenue * 1.2) or an Ibis value over the table.
Expr: TypeAlias = str | Deferred | ir.Value
MultiVariant = Literal["exclude", "keep"]
Grain = Literal["day", "hour", "week", "month"]
_GRAIN_UNITS: dict[str, str] = {"day": "D", "hour": "h", "week": "W", "month": "M"}
# Reducers whose per-period partials combine by addition (else by max) in cumulative looks.
_ADDITIVE: frozenset[str] = frozenset({"count", "sum"})

# Internal column names; prefixed so they never collide with the user's columns.
_EXP, _UNIT, _VAR, _SEG, _TS, _PERIOD, _NVAR = (
    "_ab_exp",
    "_ab_unit",
    "_ab_var",
    "_ab_seg",
    "_ab_ts",
    "_ab_period",
    "_ab_nvar",
)


@dataclass(frozen=True, eq=False)  # eq=False: Ibis expressions overload ==
class Aggregation:
    """How a unit's events reduce to one per-unit number.

    Parameters
    ----------
    how
        ``"count"`` (matching events), ``"sum"`` (of ``value``), ``"any"`` (1 if ``value`` is true
        for at least one event, else 0: "converted") or ``"max"`` (of ``value``; 0 without events).
    value
        Event column name or Ibis expression (``ibis._.price * ibis._.quantity``); not used by count.
    where
        Boolean column or expression: only matching events count (``ibis._.event == "purchase"``).

    Examples
    --------
    >>> from ibis import _
    >>> Aggregation("sum", "revenue", where=_.event == "purchase").how
    'sum'
    """

    how: Reducer
    value: Expr | None = None
    where: Expr | None = None

    def __post_init__(self) -> None:
        if self.how not in get_args(Reducer):
            raise ConfigError("how", self.how, "one of " + ", ".join(repr(r) for r in get_args(Reducer)))
        if self.how != "count" and self.value is None:
            raise ConfigError("value", None, f"a column or expression to {self.how} per unit")
        for name in ("value", "where"):
            item = getattr(self, name)
            if item is not None and not isinstance(item, (str, Deferred, ir.Value)):
                raise ConfigError(name, item, "an event column name or an Ibis expression (ibis._.column ...)")


def count(where: Expr | None = None) -> Aggregation:
    """Events per unit, e.g. ``count(where=_.event == "ad_impression")``."""
    return Aggregation("count", None, where)


def total(value: Expr, where: Expr | None = None) -> Aggregation:
    """Sum of ``value`` over a unit's events, e.g. ``total("revenue", where=_.event == "purchase")``."""
    return Aggregation("sum", value, where)


def converted(condition: Expr) -> Aggregation:
    """1 if at least one of the unit's events satisfies ``condition``, else 0 (a binary metric)."""
    return Aggregation("any", condition)


def maximum(value: Expr, where: Expr | None = None) -> Aggregation:
    """Largest ``value`` over a unit's events (0 for a unit without matching events)."""
    return Aggregation("max", value, where)


@dataclass(frozen=True, eq=False)
class UnitMetric:
    """A metric (name, kind, direction) and how each unit's events reduce to its value.

    ``denominator`` is required for a :class:`~abstats.RatioMetric` (``value`` is then the
    numerator) and refused otherwise. A bare column or expression as ``value`` means its per-unit
    sum (``any`` for a binary metric).
    """

    metric: Metric
    value: Aggregation | Expr
    denominator: Aggregation | Expr | None = None

    def __post_init__(self) -> None:
        metric = check_metric(self.metric)
        object.__setattr__(self, "value", _as_aggregation(self.value, metric))
        if len(metric.unit_parts) == 2:
            if self.denominator is None:
                raise ConfigError(
                    f"metric {metric.name!r} denominator", None, "a per-unit aggregation (count(...), total(...))"
                )
            object.__setattr__(self, "denominator", _as_aggregation(self.denominator, metric))
        elif self.denominator is not None:
            raise ConfigError(f"metric {metric.name!r} denominator", "given", f"none for a {metric.kind} metric")


def _as_aggregation(value: Aggregation | Expr, metric: Metric) -> Aggregation:
    if isinstance(value, Aggregation):
        return value
    if isinstance(value, (str, Deferred, ir.Value)):
        return Aggregation(cast(Reducer, metric.default_reduction), value)
    raise ConfigError(f"metric {metric.name!r}", value, "an Aggregation (count, total, converted, maximum) or a column")


MetricSpec: TypeAlias = Mapping[Metric, Any] | Sequence[UnitMetric] | UnitMetric


@dataclass(frozen=True, eq=False)
class Look:
    """Cumulative statistics at one look: everything up to the end of ``period``.

    Attributes
    ----------
    look
        1 for the first period with data, 2 for the next...
    period
        Start of the time bucket (a day with ``grain="day"``) this look includes.
    data
        One :class:`~abstats.data.ExperimentData` per metric, ready for ``abstats.analyze``.
    """

    look: int
    period: pd.Timestamp
    data: tuple[ExperimentData, ...]


def from_events(
    events: Any,
    metrics: MetricSpec,
    *,
    unit: str,
    variant: str = "variant",
    experiment: str | None = None,
    segment: str | None = None,
    timestamp: str | None = None,
    exposure: Expr | None = None,
    multi_variant: MultiVariant = "exclude",
    connection: BaseBackend | None = None,
    progress: bool | None = None,
) -> list[ExperimentData]:
    """Sufficient statistics of every metric from raw events, aggregated where the events live.

    Parameters
    ----------
    events
        Parquet/CSV path, directory or glob, pandas/polars/Arrow table (all run on an embedded
        DuckDB), an Ibis table on any backend (Spark, Postgres, BigQuery, Snowflake, ClickHouse...)
        or a Spark DataFrame.
    metrics
        ``{metric: aggregation}``: each :class:`~abstats.BinaryMetric`, :class:`~abstats.MeanMetric`
        or :class:`~abstats.RatioMetric` with its per-unit :class:`Aggregation` (a ``(numerator,
        denominator)`` pair for a ratio); or a list of :class:`UnitMetric`.
    unit
        Randomisation-unit id column (user, device, session).
    variant, experiment
        Variant label column; optional experiment id column (many experiments in one table).
    segment
        Optional column whose values split each experiment: rows are labelled
        ``"<experiment> | <segment>=<value>"`` (``"<segment>=<value>"`` without an experiment
        column), so ``abstats.analyze`` scores every segment as its own experiment. A unit's
        segment is its value at the unit's first event (first exposure), taken before treatment.
    timestamp
        Event time column (timestamp or date). With ``exposure`` only events at or after the
        unit's first exposure count.
    exposure
        Boolean expression marking exposure events (``ibis._.event == "exposure"``): units without
        one are left out, and their earlier events are ignored. Default: a unit's first event is its
        exposure, so every event counts.
    multi_variant
        Units seen in more than one variant are counted and reported with a
        :class:`~abstats.errors.MultiVariantUnitsWarning`. ``"exclude"`` (default) drops them;
        ``"keep"`` counts such a unit in each variant it was seen in, with the events it had there.
    connection
        Ibis connection that reads paths and frames (default: a new in-memory DuckDB).
    progress
        A spinner with the elapsed time on stderr while the backend aggregates: True, False, or None
        (default) to show it only in a terminal or Jupyter (:func:`abstats.progress.show_progress`).

    Returns
    -------
    list of ExperimentData
        One per metric, in the order given; pass it to :func:`abstats.analyze`.

    Examples
    --------
    >>> import pandas as pd
    >>> from ibis import _
    >>> from abstats import BinaryMetric, MeanMetric
    >>> events = pd.DataFrame({"user_id": [1, 1, 2, 3, 4, 4], "variant": ["A", "A", "A", "B", "B", "B"],
    ...                        "event": ["view", "buy", "view", "view", "buy", "buy"],
    ...                        "revenue": [0.0, 10.0, 0.0, 0.0, 5.0, 7.0]})
    >>> data = from_events(events, {BinaryMetric("conversion"): converted(_.event == "buy"),
    ...                             MeanMetric("revenue"): total("revenue")}, unit="user_id")
    >>> data[0].stats.conversions, data[1].stats.estimate()   # revenue per user, per variant
    (array([1., 1.]), array([5., 6.]))
    """
    with _quiet_backend():
        spec = _Spec.build(
            events, metrics, unit, variant, experiment, segment, timestamp, exposure, multi_variant, connection
        )
        with ProgressBar("aggregating raw events", progress=progress):
            frame = spec.run(spec.moments(spec.unit_values(), by=[]))
    datasets = spec.datasets(frame)
    spec.warn_multi_variant(frame)
    return datasets


def cumulative_from_events(
    events: Any,
    metrics: MetricSpec,
    *,
    unit: str,
    timestamp: str,
    variant: str = "variant",
    experiment: str | None = None,
    segment: str | None = None,
    exposure: Expr | None = None,
    grain: Grain = "day",
    multi_variant: MultiVariant = "exclude",
    connection: BaseBackend | None = None,
    progress: bool | None = None,
) -> list[Look]:
    """Cumulative statistics at every look (day, hour, week...) from raw events, in one query.

    Look *k* holds every unit exposed by the end of period *k* with all its events up to then, so a
    sequential method (``method="group_sequential"``, ``"msprt"``...) sees each look as it was. The
    last look equals :func:`from_events` over the whole table. Looks start at the first period at which
    every arm of every metric has valid statistics (two units; a positive ratio denominator).
    Arguments as in :func:`from_events`; ``grain`` is the period length (``"day"``, ``"hour"``,
    ``"week"``, ``"month"``), truncated in the backend's session time zone. ``progress`` shows a
    spinner while the backend aggregates, then a bar over the looks (as in :func:`from_events`).

    Examples
    --------
    >>> import pandas as pd
    >>> from ibis import _
    >>> from abstats import BinaryMetric
    >>> events = pd.DataFrame({"user_id": [1, 2, 3, 4, 1], "variant": ["A", "B", "A", "B", "A"],
    ...                        "ts": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-01", "2026-01-02",
    ...                                              "2026-01-02"]), "event": ["view", "buy", "view", "buy", "buy"]})
    >>> looks = cumulative_from_events(events, {BinaryMetric("cr"): converted(_.event == "buy")},
    ...                                unit="user_id", timestamp="ts")
    >>> [(k.look, k.data[0].stats.n.tolist(), k.data[0].stats.conversions.tolist()) for k in looks]
    [(1, [2.0, 1.0], [0.0, 1.0]), (2, [2.0, 2.0], [1.0, 2.0])]
    """
    if grain not in _GRAIN_UNITS:
        raise ConfigError("grain", grain, "one of " + ", ".join(repr(g) for g in _GRAIN_UNITS))
    with _quiet_backend():
        spec = _Spec.build(
            events, metrics, unit, variant, experiment, segment, timestamp, exposure, multi_variant, connection
        )
        with ProgressBar(f"aggregating raw events by {grain}", progress=progress):
            frame = spec.run(spec.moments(spec.cumulative_unit_values(_GRAIN_UNITS[grain]), by=[_PERIOD]))
    periods = pd.Index(frame[_PERIOD]).unique().sort_values()
    built: list[tuple[pd.Timestamp, tuple[ExperimentData, ...]]] = []
    with ProgressBar("building looks", total=len(periods), progress=progress) as bar:
        for i, period in enumerate(periods):
            rows = frame[frame[_PERIOD] == period].reset_index(drop=True)
            try:
                built.append((pd.Timestamp(period), tuple(spec.datasets(rows))))
            except InputError:
                # Early periods may not define every statistic yet (one unit in an arm, no order for an
                # AOV denominator); statistics only grow, so looks start at the first period that does.
                # The last period is the whole table: its error is the user's to see.
                if i == len(periods) - 1:
                    raise
            bar.advance()
    looks = [Look(k, period, data) for k, (period, data) in enumerate(built, start=1)]
    spec.warn_multi_variant(frame[frame[_PERIOD] == periods[-1]])
    return looks


@dataclass(frozen=True, eq=False)
class _Part:
    """One per-unit number a metric needs (a ratio needs two), as an event-level contribution."""

    column: str
    how: Reducer


@dataclass(frozen=True, eq=False)
class _Spec:
    """A validated description of the experiment over one event table, and its queries."""

    source: EventTable
    events: ir.Table  # projected: internal key columns and one contribution column per part
    metrics: tuple[UnitMetric, ...]
    parts: tuple[tuple[_Part, _Part | None], ...]
    # CUPED: each metric's per-unit covariate parts (empty without a covariate), and the per-unit
    # pre-window values of metrics whose covariate is the metric itself over a pre-exposure window
    covariates: tuple[tuple[_Part, ...], ...]
    pre_window: ir.Table | None
    variant: str
    experiment: str | None
    segment: str | None
    timestamp: str | None
    multi_variant: MultiVariant

    @classmethod
    def build(
        cls,
        events: Any,
        metrics: MetricSpec,
        unit: str,
        variant: str,
        experiment: str | None,
        segment: str | None,
        timestamp: str | None,
        exposure: Expr | None,
        multi_variant: MultiVariant,
        connection: BaseBackend | None,
    ) -> _Spec:
        unit_metrics = _unit_metrics(metrics)
        if multi_variant not in get_args(MultiVariant):
            raise ConfigError("multi_variant", multi_variant, "'exclude' or 'keep'")
        if exposure is not None and timestamp is None:
            raise ConfigError(
                "exposure", "given without timestamp=", "a timestamp column to find each unit's first exposure"
            )
        for name, value in (("unit", unit), ("variant", variant)):
            if not isinstance(value, str) or not value:
                raise ConfigError(name, value, "a column name")
        source = event_table(events, connection)
        table = source.table
        columns = {
            _UNIT: _column(table, "unit", unit),
            _VAR: _column(table, "variant", variant),
        }
        if experiment is not None:
            columns[_EXP] = _column(table, "experiment", experiment)
        if segment is not None:
            columns[_SEG] = _column(table, "segment", segment)
        if timestamp is not None:
            ts = _column(table, "timestamp", timestamp)
            if not (ts.type().is_timestamp() or ts.type().is_date()):
                raise InputError(
                    "timestamp",
                    f"column {timestamp!r} of type {ts.type()}",
                    "a timestamp or date column (cast text first, e.g. ibis._.ts.cast('timestamp'))",
                )
            columns[_TS] = ts
        exposed = None if exposure is None else _boolean(table, exposure, "exposure", None)
        parts: list[tuple[_Part, _Part | None]] = []
        for i, um in enumerate(unit_metrics):
            assert isinstance(um.value, Aggregation)
            num = _Part(f"_ab_m{i}_x", um.value.how)
            columns[num.column] = _contribution(table, um.value, um.metric)
            den = None
            if isinstance(um.denominator, Aggregation):
                den = _Part(f"_ab_m{i}_y", um.denominator.how)
                columns[den.column] = _contribution(table, um.denominator, um.metric)
            parts.append((num, den))
        covariates, windowed = _covariate_parts(table, unit_metrics, timestamp, columns)
        projected = table.select(**columns)
        # Rows without a unit or variant cannot be assigned to an arm.
        projected = projected.filter(projected[_UNIT].notnull() & projected[_VAR].notnull())
        if exposed is not None:
            marked_columns = {_UNIT: table[unit], _TS: table[timestamp], "_ab_exposed": exposed}
            if experiment is not None:
                marked_columns[_EXP] = table[experiment]
            marked = table.select(**marked_columns)
            # Per unit, not per unit x variant: events a unit has in another variant after its first
            # exposure are kept, so it is detected as a multi-variant unit.
            keys = [k for k in (_EXP, _UNIT) if k in projected.columns]
            first = marked.filter(marked["_ab_exposed"]).group_by(keys).aggregate(_ab_first=marked[_TS].min())
            joined = projected.join(first, keys)
            projected = joined.filter(joined[_TS] >= joined["_ab_first"]).drop("_ab_first")
        pre_window = None
        if windowed:
            # every event of the unit in the window, exposed or not and whatever its variant (a pre-period
            # is before assignment): per experiment x unit
            unit_keys = {_UNIT: table[unit], **({_EXP: table[experiment]} if experiment is not None else {})}
            pre = table.select(**unit_keys, **windowed)
            pre = pre.filter(pre[_UNIT].notnull())
            pre_window = pre.group_by(list(unit_keys)).aggregate(
                **{p.column: _reduce(pre[p.column], p.how) for ps in covariates for p in ps if p.column in windowed}
            )
        return cls(
            source, projected, tuple(unit_metrics), tuple(parts), covariates, pre_window, variant, experiment,
            segment, timestamp, multi_variant,
        )

    # -- level 1: one row per experiment x unit x variant -------------------------------------------------

    def _unit_keys(self) -> list[str]:
        return [k for k in (_EXP, _UNIT, _VAR) if k in self.events.columns]

    def _segment_of_unit(self, t: ir.Table) -> dict[str, ir.Value]:
        if self.segment is None:
            return {}
        # The segment at the unit's first event: fixed before treatment could change it.
        if self.timestamp is not None:
            return {_SEG: t[_SEG].argmin(t[_TS])}
        return {_SEG: t[_SEG].min()}

    def unit_values(self) -> ir.Table:
        t = self.events
        values: dict[str, ir.Value] = dict(self._segment_of_unit(t))
        for part in self._all_parts():
            values[part.column] = _reduce(t[part.column], part.how)
        units = self._with_pre_window(t.group_by(self._unit_keys()).aggregate(**values))
        return units.mutate(**{_NVAR: units[_UNIT].count().over(group_by=self._same_unit(units))})

    def cumulative_unit_values(self, unit: str) -> ir.Table:
        t = self.events.mutate(**{_PERIOD: self.events[_TS].truncate(unit)})
        keys = self._unit_keys()
        # Per unit and period: partial values, and the segment at the period's first event.
        partial_aggs: dict[str, ir.Value] = {
            part.column: _reduce(t[part.column], part.how) for part in self._all_parts()
        }
        if self.segment is not None:
            partial_aggs[_SEG] = t[_SEG].argmin(t[_TS])
            partial_aggs["_ab_first_ts"] = t[_TS].min()
        partial = t.group_by([*keys, _PERIOD]).aggregate(**partial_aggs)
        unit_aggs: dict[str, ir.Value] = {"_ab_first_period": partial[_PERIOD].min()}
        if self.segment is not None:
            unit_aggs[_SEG] = partial[_SEG].argmin(partial["_ab_first_ts"])
        first = partial.group_by(keys).aggregate(**unit_aggs)
        calendar = partial.select(_PERIOD).distinct()
        # Every unit has a row at every look from its first period on, with or without events then.
        grid = first.join(calendar, first["_ab_first_period"] <= calendar[_PERIOD])
        grid = grid.select(*keys, _PERIOD, *([_SEG] if self.segment is not None else []))
        values = partial.select(*keys, _PERIOD, *(p.column for p in self._all_parts()))
        filled = grid.left_join(values, [*keys, _PERIOD]).select(
            *[grid[c] for c in grid.columns], *[values[p.column] for p in self._all_parts()]
        )
        window = ibis.cumulative_window(group_by=[filled[k] for k in keys], order_by=filled[_PERIOD])
        running: dict[str, ir.Value] = {}
        for part in self._all_parts():
            col = filled[part.column].fill_null(0)
            running[part.column] = (col.sum() if part.how in _ADDITIVE else col.max()).over(window)
        cumulative = self._with_pre_window(filled.mutate(**running))
        same = [*self._same_unit(cumulative), _PERIOD]
        return cumulative.mutate(**{_NVAR: cumulative[_UNIT].count().over(group_by=same)})

    def _same_unit(self, t: ir.Table) -> list[str]:
        return [k for k in (_EXP, _UNIT) if k in t.columns]

    def _all_parts(self) -> list[_Part]:
        """Every per-unit part reduced from the (exposed) events: metric values and column covariates."""
        windowed = set() if self.pre_window is None else set(self.pre_window.columns)
        covariates = [p for parts in self.covariates for p in parts if p.column not in windowed]
        return [p for pair in self.parts for p in pair if p is not None] + covariates

    def _with_pre_window(self, units: ir.Table) -> ir.Table:
        """Units with their pre-window covariate values (0 for a unit without events in the window)."""
        if self.pre_window is None:
            return units
        pre = self.pre_window
        keys = self._same_unit(units)
        values = [c for c in pre.columns if c not in keys]
        joined = units.left_join(pre, keys)
        return joined.select(*[joined[c] for c in units.columns], **{c: joined[c].fill_null(0) for c in values})

    # -- level 2: one row per experiment x [segment x] variant [x period] ------------------------------------

    def moments(self, units: ir.Table, by: list[str]) -> ir.Table:
        """Level 2: per group, the unit count and every metric's own aggregates (its ``backend_aggregates``)."""
        pool = [*by, *(k for k in (_EXP, _SEG) if k in units.columns)]
        keys = [*pool, _VAR]
        units = units.mutate(_ab_keep=ibis.literal(True) if self.multi_variant == "keep" else units[_NVAR] == 1)
        units = self._capped(units, pool)
        units = self._ranked(units, keys)
        keep = None if self.multi_variant == "keep" else units["_ab_keep"]
        aggs: dict[str, ir.Value] = {
            "_ab_n": units[_UNIT].count(where=keep),
            # Each multi-variant unit has one row per variant it was seen in: weights 1/k count it once.
            "_ab_multi": (1.0 / units[_NVAR]).sum(where=units[_NVAR] > 1),
        }
        for i, (parts, um) in enumerate(zip(self.parts, self.metrics, strict=True)):
            present = [p for p in parts if p is not None]
            ranked = um.metric.order_statistics
            backend_units = BackendUnits(
                values=tuple(units[p.column].cast("float64") for p in present),
                unit=units[_UNIT],
                keep=keep,
                ranks=tuple(units[f"{p.column}_rank"] for p in present) if ranked else (),
                group_size=units[f"{present[0].column}_size"].cast("float64") if ranked else None,
                covariates=tuple(units[p.column].cast("float64") for p in self.covariates[i]),
            )
            for name, value in um.metric.backend_aggregates(backend_units).items():
                aggs[f"_ab_m{i}_{name}"] = value
        return units.group_by(keys).aggregate(**aggs)

    def _capped(self, units: ir.Table, pool: list[str]) -> ir.Table:
        """Per-unit values winsorized by each metric's caps: a fixed ``upper``, or the ``percentile`` of the
        kept units of all arms pooled within each analysed experiment (and segment, and look), the
        type-7 quantile picked by exact rank and interpolated as numpy does (``Cap.thresholds``)."""
        caps: dict[str, Cap] = {}
        for parts, um in zip(self.parts, self.metrics, strict=True):
            for part, cap in zip([p for p in parts if p is not None], um.metric.caps(), strict=True):
                if cap is not None:
                    caps[part.column] = cap
        if not caps:
            return units
        # Three steps, because SQL cannot nest window functions: rank within the pool, broadcast the two
        # order statistics to the pool's rows, then cap.
        group = [*pool, "_ab_keep"]
        ranked = {}
        for column, cap in caps.items():
            if cap.percentile is not None:
                x = units[column].cast("float64")
                ranked[f"{column}_cap_rank"] = ibis.row_number().over(group_by=group, order_by=x) + 1
                ranked[f"{column}_cap_size"] = x.count().over(group_by=group).cast("float64")
        units = units.mutate(**ranked) if ranked else units
        picked = {}
        for column, cap in caps.items():
            if cap.percentile is not None:
                x = units[column].cast("float64")
                rank = units[f"{column}_cap_rank"].cast("float64")
                lo, hi = backend_type7_ranks(units[f"{column}_cap_size"], cap.percentile)
                picked[f"{column}_cap_low"] = (rank == lo).ifelse(x, ibis.null("float64")).max().over(group_by=group)
                picked[f"{column}_cap_high"] = (rank == hi).ifelse(x, ibis.null("float64")).max().over(group_by=group)
        units = units.mutate(**picked) if picked else units
        capped = {}
        for column, cap in caps.items():
            x = units[column].cast("float64")
            if cap.upper is not None:
                threshold: ir.Value = ibis.literal(cap.upper, "float64")
            else:
                assert cap.percentile is not None
                h = (units[f"{column}_cap_size"] - 1.0) * cap.percentile
                threshold = backend_lerp(units[f"{column}_cap_low"], units[f"{column}_cap_high"], h - h.floor())
            capped[column] = (x > threshold).ifelse(threshold, x)
        return units.mutate(**capped)

    def _ranked(self, units: ir.Table, keys: list[str]) -> ir.Table:
        """Rank and group size of the per-unit values of metrics that pick order statistics."""
        ranks: dict[str, ir.Value] = {}
        group = [*keys, "_ab_keep"]
        for parts, um in zip(self.parts, self.metrics, strict=True):
            if not um.metric.order_statistics:
                continue
            for part in (p for p in parts if p is not None):
                x = units[part.column].cast("float64")
                ranks[f"{part.column}_rank"] = ibis.row_number().over(group_by=group, order_by=x) + 1
                ranks[f"{part.column}_size"] = x.count().over(group_by=group)
        return units.mutate(**ranks) if ranks else units

    def run(self, query: ir.Table) -> pd.DataFrame:
        try:
            with _quiet_backend():
                frame = self.source.execute(query)
        except AbstatsError:
            raise
        except Exception as exc:  # each backend raises its own error types; the user sees one
            raise InputError(
                "events", _first_line(exc), "a table the backend can aggregate with these metrics"
            ) from None
        frame = pd.DataFrame(frame)
        if len(frame) == 0 or float(frame["_ab_n"].astype("float64").sum()) == 0:
            raise InputError(
                "events",
                "no units" + (" left after exposure filtering" if _TS in self.events.columns else ""),
                "at least one unit with events"
                + (" at or after its first exposure" if _TS in self.events.columns else ""),
            )
        frame = frame[frame["_ab_n"].astype("float64") > 0]
        order = sorted(
            range(len(frame)), key=lambda i: tuple(str(frame[c].iloc[i]) for c in self._label_columns(frame))
        )
        return frame.iloc[order].reset_index(drop=True)

    def _label_columns(self, frame: pd.DataFrame) -> list[str]:
        return [c for c in (_PERIOD, _EXP, _SEG, _VAR) if c in frame.columns]

    def datasets(self, frame: pd.DataFrame) -> list[ExperimentData]:
        variants = frame[_VAR].to_numpy(dtype=object)
        experiments = self._experiment_labels(frame)
        for label in pd.unique(frame[_EXP]) if _EXP in frame.columns else ["experiment"]:
            rows = frame[frame[_EXP] == label] if _EXP in frame.columns else frame
            seen = pd.unique(rows[_VAR])
            if len(seen) < 2:
                where = f" in experiment {label!r}" if _EXP in frame.columns else ""
                raise InputError(
                    "variant",
                    f"column {self.variant!r} has only {list(seen)!r}{where}",
                    "at least two variants (a control and a treatment)",
                )
        n = _floats(frame, "_ab_n")
        out = []
        for i, um in enumerate(self.metrics):
            rows = RowWhere(um.metric.name, experiments, variants)
            stats = um.metric.stats_from_backend(partial(_aggregate, frame, f"_ab_m{i}_"), n, rows)
            # The statistics classes are frozen dataclasses, read-only where the protocol declares attributes.
            out.append(ExperimentData(um.metric, experiments, variants, cast(SufficientStats, stats)))
        return out

    def _experiment_labels(self, frame: pd.DataFrame) -> np.ndarray:
        base = (
            frame[_EXP].to_numpy(dtype=object) if _EXP in frame.columns else np.full(len(frame), "experiment", object)
        )
        if self.segment is None:
            return base
        segments = frame[_SEG].to_numpy(dtype=object)
        if self.experiment is None:
            return np.array([f"{self.segment}={s}" for s in segments], dtype=object)
        return np.array([f"{e} | {self.segment}={s}" for e, s in zip(base, segments, strict=True)], dtype=object)

    def warn_multi_variant(self, frame: pd.DataFrame) -> None:
        multi = int(round(float(frame["_ab_multi"].astype("float64").fillna(0.0).sum())))
        if multi:
            action = "excluded" if self.multi_variant == "exclude" else "kept in every variant they were seen in"
            warnings.warn(
                MultiVariantUnitsWarning(
                    f"{multi} unit(s) seen in more than one variant: {action} "
                    "(from_events(..., multi_variant='keep') keeps them)"
                ),
                stacklevel=3,
            )


@contextmanager
def _quiet_backend() -> Iterator[None]:
    """Hide deprecation notices that Ibis's own calls into pandas 3 and DuckDB raise: not the user's concern."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*future.infer_string.*")
        warnings.filterwarnings("ignore", message=".*fetch_arrow_table.*", category=DeprecationWarning)
        yield


def _unit_metrics(metrics: MetricSpec) -> list[UnitMetric]:
    if isinstance(metrics, UnitMetric):
        items = [metrics]
    elif isinstance(metrics, Mapping):
        items = []
        for metric, how in metrics.items():
            if len(getattr(metric, "unit_parts", ())) == 2 and isinstance(how, tuple) and len(how) == 2:
                items.append(UnitMetric(metric, how[0], how[1]))
            else:
                items.append(UnitMetric(metric, how))
    elif (
        isinstance(metrics, Sequence)
        and not isinstance(metrics, str)
        and all(isinstance(m, UnitMetric) for m in metrics)
    ):
        items = list(metrics)
    else:
        items = []
    if not items:
        raise ConfigError(
            "metrics", metrics, "a non-empty {metric: aggregation} mapping, e.g. {BinaryMetric('cr'): converted(...)}"
        )
    names = [um.metric.name for um in items]
    dup = next((name for name in names if names.count(name) > 1), None)
    if dup is not None:
        raise ConfigError("metrics", dup, "each metric name once")
    return items


def _column(table: ir.Table, role: str, name: Any) -> ir.Value:
    if not isinstance(name, str) or name not in table.columns:
        cols = ", ".join(table.columns)
        raise InputError(role, name, f"a column of the event table ({cols})")
    return table[name]


def _resolve(table: ir.Table, expr: Expr, field: str, metric: str | None) -> ir.Value:
    """A column name or expression as an Ibis value over ``table``; a named error otherwise."""
    if isinstance(expr, str):
        if expr not in table.columns:
            cols = ", ".join(table.columns)
            raise InputError(field, expr, f"a column of the event table ({cols})", metric=metric)
        return table[expr]
    try:
        value = table.bind(expr)[0] if isinstance(expr, Deferred) else expr
        table.select(_ab_check=value)  # raises if the expression belongs to another table
    except Exception as exc:  # Ibis raises AttributeError, IbisTypeError or IntegrityError here
        raise InputError(
            field, repr(expr)[:200], f"an expression over the event table's columns ({_first_line(exc)})", metric=metric
        ) from None
    if not isinstance(value, ir.Value):
        raise InputError(field, repr(expr)[:200], "a column expression", metric=metric)
    return value


def _boolean(table: ir.Table, expr: Expr, field: str, metric: str | None) -> ir.Value:
    value = _resolve(table, expr, field, metric)
    if not value.type().is_boolean():
        raise InputError(
            field, f"{_describe(expr)} of type {value.type()}", "a boolean column or condition", metric=metric
        )
    return value


def _covariate_parts(
    table: ir.Table, unit_metrics: list[UnitMetric], timestamp: str | None, columns: dict[str, ir.Value]
) -> tuple[tuple[tuple[_Part, ...], ...], dict[str, ir.Value]]:
    """Each metric's CUPED covariate parts; event-level columns of column covariates go into ``columns``.

    A ``Covariate(column=...)`` is a per-unit pre-period value carried on the unit's events (joined from a
    pre-period table): the unit's largest value. A ``Covariate(start=..., end=...)`` is the metric itself
    over the pre-exposure window ``[start, end)``: its event-level contributions (0 outside the window)
    are returned, to be reduced per unit over every event of the table, exposed or not.
    """
    out: list[tuple[_Part, ...]] = []
    windowed: dict[str, ir.Value] = {}
    for i, um in enumerate(unit_metrics):
        covariate = getattr(um.metric, "covariate", None)
        if covariate is None:
            out.append(())
            continue
        names = [f"_ab_m{i}_u", f"_ab_m{i}_v"][: len(um.metric.unit_parts)]
        if covariate.start is not None:
            if timestamp is None:
                raise ConfigError("covariate", covariate.describe(), "a timestamp= column to find the pre-exposure "
                                  "window's events", metric=um.metric.name)
            ts = table[timestamp]
            day = ts if ts.type().is_date() else ts.date()
            inside = (day >= ibis.date(covariate.start)) & (day < ibis.date(covariate.end))
            aggregations = [a for a in (um.value, um.denominator) if isinstance(a, Aggregation)]
            parts = []
            for name, agg in zip(names, aggregations, strict=True):
                contribution = _contribution(table, agg, um.metric)
                neutral = ibis.null(contribution.type()) if agg.how == "max" else ibis.literal(0, contribution.type())
                windowed[name] = inside.ifelse(contribution, neutral)
                parts.append(_Part(name, agg.how))
            out.append(tuple(parts))
            continue
        sources = [covariate.column, covariate.denominator][: len(names)]
        parts = []
        for name, source, role in zip(names, sources, ("column", "denominator")[: len(names)], strict=True):
            if source is None:
                raise ConfigError(f"covariate.{role}", None, "an event column holding each unit's pre-period value "
                                  "(or start= and end= of a pre-exposure window)", metric=um.metric.name)
            value = _resolve(table, source, f"covariate.{role}", um.metric.name)
            if not value.type().is_numeric():
                raise InputError(f"covariate.{role}", f"column {source!r} of type {value.type()}",
                                 "a numeric per-unit pre-period value", metric=um.metric.name)
            columns[name] = value
            parts.append(_Part(name, "max"))
        out.append(tuple(parts))
    return tuple(out), windowed


def _contribution(table: ir.Table, agg: Aggregation, metric: Metric) -> ir.Value:
    """The event-level number whose per-unit reduction is the metric's value."""
    where = None if agg.where is None else _boolean(table, agg.where, "where", metric.name)
    if agg.how == "count":
        return ibis.literal(1, "int64") if where is None else ibis.ifelse(where, 1, 0)
    if agg.how == "any":
        condition = _boolean(table, agg.value, "value", metric.name)
        condition = condition if where is None else condition & where
        return ibis.ifelse(condition, 1, 0)
    value = _resolve(table, agg.value, "value", metric.name)
    if value.type().is_boolean():
        value = value.cast("int64")
    if not value.type().is_numeric():
        raise InputError(
            "value",
            f"{_describe(agg.value)} of type {value.type()}",
            f"a numeric column or expression to {agg.how}",
            metric=metric.name,
        )
    if agg.how == "sum":
        value = value.fill_null(0)
        return value if where is None else ibis.ifelse(where, value, 0)
    return value if where is None else ibis.ifelse(where, value, ibis.null(value.type()))


def _reduce(column: ir.Value, how: Reducer) -> ir.Value:
    # Units without a matching event get 0, never NULL (max over no rows is NULL in SQL).
    return (column.sum() if how in _ADDITIVE else column.max()).fill_null(0)


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].astype("float64").to_numpy()


def _aggregate(frame: pd.DataFrame, prefix: str, name: str) -> np.ndarray | None:
    """A metric's aggregate by the name its ``backend_aggregates`` gave it (None if it has none)."""
    column = prefix + name
    return _floats(frame, column) if column in frame.columns else None


def _describe(expr: Any) -> str:
    return f"column {expr!r}" if isinstance(expr, str) else f"expression {str(expr)[:120]!r}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
