"""Raw events -> units reaching each funnel stage per variant, computed in the backend (Ibis).

One query. Per unit (and variant): its first exposure, and its first event at or after it of every
stage (a timestamp each: ``min(ts) FILTER (WHERE condition)``); then the comparisons ``t_1 <= t_2 <=
...`` (strict order) and ``t_k <= exposure + window`` on those few columns per unit; then one sum per
stage and variant. Only (variants x stages) numbers reach Python, so the same call runs on DuckDB,
Spark or any Ibis SQL backend.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from abstats.data.events import _boolean, _column, _quiet_backend, from_events
from abstats.data.source import event_table
from abstats.errors import AbstatsError, ConfigError, InputError, MultiVariantUnitsWarning
from abstats.funnel.counts import FunnelCounts

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

    from abstats.data.events import Expr, MetricSpec
    from abstats.funnel.stages import Funnel

# Internal column names, prefixed so they never collide with the user's columns.
_UNIT, _VAR, _TS, _FIRST, _NVAR = "_ab_unit", "_ab_var", "_ab_ts", "_ab_first", "_ab_nvar"


def funnel_counts_from_events(
    funnel: Funnel,
    events: Any,
    *,
    unit: str,
    timestamp: str | None,
    variant: str,
    exposure: Expr | None,
    metrics: MetricSpec | None,
    connection: BaseBackend | None,
) -> FunnelCounts:
    """See :meth:`abstats.funnel.Funnel.from_events`."""
    timed = funnel.order == "strict" or funnel.window is not None or exposure is not None
    if timed and timestamp is None:
        needs = "order='strict'" if funnel.order == "strict" else "a window" if funnel.window else "exposure="
        raise ConfigError("timestamp", None, f"an event time column: {needs} compares when events happened "
                          "(or use Funnel(..., order='reach') without a window)")
    for name, value in (("unit", unit), ("variant", variant)):
        if not isinstance(value, str) or not value:
            raise ConfigError(name, value, "a column name")
    with _quiet_backend():
        source = event_table(events, connection)
        query = _count_query(funnel, source.table, unit, variant, timestamp, exposure)
        try:
            frame = pd.DataFrame(source.execute(query))
        except AbstatsError:
            raise
        except Exception as exc:  # each backend raises its own error types; the user sees one
            raise InputError("events", str(exc).strip().splitlines()[0][:300] if str(exc).strip() else
                             type(exc).__name__, "a table the backend can evaluate the stage conditions on") from None
    frame = frame[frame["_ab_n"].astype("float64") > 0]
    if len(frame) < 2:
        raise InputError("variant", f"column {variant!r} has {frame[_VAR].tolist()!r} among exposed units",
                         "at least two variants (a control and a treatment)")
    frame = frame.iloc[np.argsort(frame[_VAR].astype(str).to_numpy(), kind="stable")]
    counts = frame[[f"_ab_s{k}" for k in range(len(funnel.stages))]].to_numpy(dtype=float)
    multi = int(round(float(frame["_ab_multi"].astype("float64").fillna(0.0).sum())))
    if multi:
        warnings.warn(MultiVariantUnitsWarning(f"{multi} unit(s) seen in more than one variant: excluded from the "
                                               "funnel counts"), stacklevel=3)
    extra: tuple[Any, ...] = ()
    if metrics is not None:
        with warnings.catch_warnings():  # the same multi-variant units were reported just above
            warnings.simplefilter("ignore", MultiVariantUnitsWarning)
            extra = tuple(from_events(events, metrics, unit=unit, variant=variant, timestamp=timestamp,
                                      exposure=exposure, connection=connection))
    window = None if funnel.window is None else funnel.window.total_seconds()
    variants = tuple(v.item() if isinstance(v, np.generic) else v for v in frame[_VAR].tolist())
    for i, v in enumerate(variants):
        if counts[i, 0] == 0:
            raise InputError(f"units at stage {funnel.names[0]!r}", 0, "at least one unit at the first stage",
                             variant=v)
    return FunnelCounts(funnel.names, variants, counts, funnel.order, window, extra, multi)


def _count_query(
    funnel: Funnel, table: ir.Table, unit: str, variant: str, timestamp: str | None, exposure: Expr | None
) -> ir.Table:
    columns: dict[str, ir.Value] = {_UNIT: _column(table, "unit", unit), _VAR: _column(table, "variant", variant)}
    if timestamp is not None:
        ts = _column(table, "timestamp", timestamp)
        if not (ts.type().is_timestamp() or ts.type().is_date()):
            raise InputError("timestamp", f"column {timestamp!r} of type {ts.type()}", "a timestamp or date column")
        columns[_TS] = ts.cast("timestamp")
    for k, stage in enumerate(funnel.stages):
        if stage.condition is None:
            raise ConfigError(f"stage {stage.name!r}", None, "a condition on events (Funnel({name: condition}))")
        columns[f"_ab_c{k}"] = _boolean(table, stage.condition, f"stage {stage.name!r} condition", None)
    if exposure is not None:
        columns["_ab_exposed"] = _boolean(table, exposure, "exposure", None)
    t = table.select(**columns)
    t = t.filter(t[_UNIT].notnull() & t[_VAR].notnull())
    if timestamp is not None:
        # Each unit's first exposure (its first event by default), per unit rather than per unit x
        # variant so that a unit's events in another variant still reveal it as a multi-variant unit.
        exposed = t.filter(t["_ab_exposed"]) if exposure is not None else t
        first = exposed.group_by(_UNIT).aggregate(**{_FIRST: exposed[_TS].min()})
        t = t.join(first, _UNIT)
        t = t.filter(t[_TS] >= t[_FIRST])
    n_stages = len(funnel.stages)
    if timestamp is not None:
        per_unit = {f"_ab_t{k}": t[_TS].min(where=t[f"_ab_c{k}"]) for k in range(n_stages)}
        per_unit[_FIRST] = t[_FIRST].min()
    else:
        per_unit = {f"_ab_t{k}": t[f"_ab_c{k}"].any() for k in range(n_stages)}
    units = t.group_by([_UNIT, _VAR]).aggregate(**per_unit)
    units = units.mutate(**{_NVAR: units[_UNIT].count().over(group_by=units[_UNIT])})
    reached = _reached(funnel, units, timed=timestamp is not None)
    single = units[_NVAR] == 1
    aggs: dict[str, ir.Value] = {
        "_ab_n": units[_UNIT].count(where=single),
        "_ab_multi": (1.0 / units[_NVAR]).sum(where=units[_NVAR] > 1),
    }
    for k, flag in enumerate(reached):
        aggs[f"_ab_s{k}"] = units[_UNIT].count(where=single & flag)
    return units.group_by(_VAR).aggregate(**aggs)


def _reached(funnel: Funnel, units: ir.Table, *, timed: bool) -> list[ir.BooleanValue]:
    """Per stage, whether the unit counts there: it reached the stage and every earlier one (in order
    for ``"strict"``), each within the window from its first exposure."""
    flags: list[ir.BooleanValue] = []
    deadline = None
    if funnel.window is not None:
        deadline = units[_FIRST] + ibis.interval(seconds=int(round(funnel.window.total_seconds())))
    for k in range(len(funnel.stages)):
        time_k = units[f"_ab_t{k}"]
        here = time_k.notnull() if timed else time_k.fill_null(False)
        if deadline is not None:
            here = here & (time_k <= deadline)
        if k and funnel.order == "strict":
            # first times, compared: a stage first reached before the previous one does not count
            here = here & (time_k >= units[f"_ab_t{k - 1}"])
        flags.append(here if not flags else flags[-1] & here)
    return flags
