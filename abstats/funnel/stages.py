"""A funnel's definition: ordered stages, each a condition on a unit's events, and how order counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, get_args

from abstats.errors import ConfigError, InputError
from abstats.funnel.counts import FunnelCounts, check_stage_names, counts_from_mapping

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

    from abstats.data.events import Expr, MetricSpec

StageOrder = Literal["strict", "reach"]


@dataclass(frozen=True, eq=False)  # eq=False: Ibis expressions overload ==
class Stage:
    """One funnel stage: its name and, for raw events, the condition an event meets to reach it.

    Parameters
    ----------
    name
        Stage name as reported (``"add_to_cart"``).
    condition
        Boolean event column or Ibis expression (``ibis._.event == "add_to_cart"``); None when the
        funnel is built from counts.
    """

    name: str
    condition: Expr | None = None


@dataclass(frozen=True, eq=False)
class Funnel:
    """An ordered list of stages, from the first (visit) to the last (purchase).

    Parameters
    ----------
    stages
        Stage names (for counts given per variant), a mapping name -> event condition, or
        :class:`Stage` objects, in funnel order; at least two.
    order
        For raw events. ``"strict"`` (default): a unit counts at stage k only if its first event of
        each earlier stage came at or before its first event of stage k (out-of-order events do not
        count). ``"reach"``: a unit counts at stage k if it reached stage k and every earlier stage,
        in any order. Either way only events at or after the unit's first exposure count.
    window
        Conversion window from each unit's first exposure (``timedelta(days=7)``, ``"7 days"``):
        a stage reached later does not count. None: no window.

    Examples
    --------
    >>> import abstats
    >>> funnel = abstats.Funnel(["visit", "add_to_cart", "purchase"])
    >>> counts = funnel.from_counts({"control": [5000, 900, 300], "treatment": [5000, 1010, 330]})
    >>> counts.stage_conversion().round(3).tolist()
    [[0.18, 0.333], [0.202, 0.327]]
    """

    stages: tuple[Stage, ...]
    order: StageOrder = "strict"
    window: timedelta | None = None

    def __init__(
        self,
        stages: Sequence[str | Stage] | Mapping[str, Expr],
        order: StageOrder = "strict",
        window: timedelta | str | None = None,
    ) -> None:
        if isinstance(stages, Mapping):
            items = [Stage(name, condition) for name, condition in stages.items()]
        elif isinstance(stages, Sequence) and not isinstance(stages, (str, bytes)):
            items = [s if isinstance(s, Stage) else Stage(s) for s in stages]
        else:
            raise ConfigError("stages", stages, "an ordered list of stage names, Stage objects or {name: condition}")
        check_stage_names([s.name for s in items])
        if order not in get_args(StageOrder):
            raise ConfigError("order", order, "'strict' (earlier stages first) or 'reach' (any order)")
        object.__setattr__(self, "stages", tuple(items))
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "window", _window(window))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def from_counts(self, counts: Any, *, variant: str = "variant") -> FunnelCounts:
        """The funnel from aggregates: ``{variant: [units reaching stage 1, stage 2, ...]}``, or a table
        (pandas/polars DataFrame, mapping of columns) with a ``variant`` column and one column per stage.

        Counts must not grow along the funnel (a unit at a stage reached every earlier one) and
        every variant needs units at the first stage; otherwise an :class:`~abstats.InputError`
        names the variant, the stage and the value. A stage without a column in the table is an
        :class:`~abstats.InputError` naming it and the table's columns.

        Examples
        --------
        >>> import pandas as pd
        >>> table = pd.DataFrame({"variant": ["A", "B"], "visit": [900, 910], "buy": [90, 99]})
        >>> Funnel(["visit", "buy"]).from_counts(table).overall().round(3).tolist()
        [0.1, 0.109]
        """
        if hasattr(counts, "columns") or (isinstance(counts, Mapping) and variant in counts):
            counts = _rows_of_table(counts, variant, self.names)
        return counts_from_mapping(self.names, counts)

    def from_events(
        self,
        events: Any,
        *,
        unit: str,
        timestamp: str | None = None,
        variant: str = "variant",
        exposure: Expr | None = None,
        metrics: MetricSpec | None = None,
        connection: BaseBackend | None = None,
    ) -> FunnelCounts:
        """Units reaching each stage per variant, computed where the events live (Ibis: DuckDB, Spark...).

        Per unit the backend takes its first exposure and its first time at each stage, then
        compares those times (strict order, window); only per-variant counts reach Python.

        Parameters
        ----------
        events
            As in :func:`abstats.from_events`: a parquet/CSV path, a pandas/polars/Arrow frame or an Ibis table.
        unit, variant, timestamp, exposure, connection
            As in :func:`abstats.from_events`. ``timestamp`` is required for ``order="strict"`` and a window.
        metrics
            Further metrics of the same units, e.g. revenue per visitor and average order value
            (``{MeanMetric("revenue_per_visitor"): total("revenue", where=...)}``), aggregated by
            :func:`abstats.from_events` with the same unit, exposure and multi-variant handling and
            analysed with the stages.
        """
        from abstats.funnel.events import funnel_counts_from_events

        return funnel_counts_from_events(self, events, unit=unit, timestamp=timestamp, variant=variant,
                                         exposure=exposure, metrics=metrics, connection=connection)


def _rows_of_table(table: Any, variant: str, stages: tuple[str, ...]) -> dict[Any, list[float]]:
    """``{variant: counts per stage}`` from a table with a variant column and one column per stage."""
    from abstats.data.columns import check_labels, column_names, get_column

    names = column_names(table)
    for name in (variant, *stages):
        if name not in names:
            field = "variant" if name == variant else "stage"
            raise InputError(field, name, f"a column of the counts table ({', '.join(names)})")
    labels = check_labels("variant", get_column(table, variant))
    columns = [get_column(table, stage) for stage in stages]
    if len(set(labels.tolist())) != len(labels):
        raise InputError("variant", labels.tolist(), "one row per variant in the counts table")
    return {label: [c[i] for c in columns] for i, label in enumerate(labels.tolist())}


def _window(window: timedelta | str | None) -> timedelta | None:
    if window is None:
        return None
    import pandas as pd

    expected = "a positive timedelta such as timedelta(days=7) or '7 days'"
    if isinstance(window, bool):
        raise ConfigError("window", window, expected)
    try:
        parsed = pd.Timedelta(window)
    except (TypeError, ValueError):
        raise ConfigError("window", window, expected) from None
    if pd.isna(parsed):
        raise ConfigError("window", window, expected)
    value = parsed.to_pytimedelta()
    if value <= timedelta(0):
        raise ConfigError("window", window, "a positive duration")
    return value
