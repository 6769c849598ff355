"""Data sources: turn aggregates or raw per-unit rows into sufficient statistics.

``from_aggregates`` takes one row per experiment x variant that already holds
the sums; ``from_units`` aggregates raw per-unit columns in numpy; ``from_events``
and ``cumulative_from_events`` aggregate raw events where they live (DuckDB over
parquet/CSV/frames, Spark, any Ibis SQL backend). Each returns the same
:class:`ExperimentData`.
"""

from typing import TYPE_CHECKING, Any

from abstats.data.aggregates import from_aggregates
from abstats.data.experiment import ExperimentData
from abstats.data.moments import Moments, stats_from_moments
from abstats.data.units import from_units

if TYPE_CHECKING:
    from abstats.data.events import (
        Aggregation,
        Look,
        UnitMetric,
        converted,
        count,
        cumulative_from_events,
        from_events,
        maximum,
        total,
    )

# The event sources import Ibis (about a second): loaded on first use, so `import abstats` stays fast.
_EVENT_NAMES = frozenset(
    {"Aggregation", "Look", "UnitMetric", "converted", "count", "cumulative_from_events", "from_events"}
    | {"maximum", "total"}
)


def __getattr__(name: str) -> Any:
    if name in _EVENT_NAMES:
        from abstats.data import events

        return getattr(events, name)
    raise AttributeError(f"module 'abstats.data' has no attribute {name!r}")


__all__ = [
    "Aggregation",
    "ExperimentData",
    "Look",
    "Moments",
    "UnitMetric",
    "converted",
    "count",
    "cumulative_from_events",
    "from_aggregates",
    "from_events",
    "from_units",
    "maximum",
    "stats_from_moments",
    "total",
]
