"""abstats: an A/B-testing statistics engine.

data -> sufficient statistics -> method -> estimate -> decision -> Result

>>> import abstats
>>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
...                     metric=abstats.BinaryMetric("conversion"), control="A")
>>> r.decision.tolist()
['stop_winner']
"""

from typing import TYPE_CHECKING, Any

from abstats.analysis import analyze, compare
from abstats.data import ExperimentData, from_aggregates, from_units
from abstats.errors import AbstatsError, AbstatsWarning, ConfigError, InputError, MultiVariantUnitsWarning
from abstats.metrics import BinaryMetric, MeanMetric, RatioMetric
from abstats.result import Result

if TYPE_CHECKING:
    from abstats.data.events import cumulative_from_events, from_events

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Raw-event sources import Ibis: only when first used.
    if name in ("from_events", "cumulative_from_events"):
        from abstats.data import events

        return getattr(events, name)
    raise AttributeError(f"module 'abstats' has no attribute {name!r}")


__all__ = [
    "AbstatsError",
    "AbstatsWarning",
    "BinaryMetric",
    "ConfigError",
    "ExperimentData",
    "InputError",
    "MeanMetric",
    "MultiVariantUnitsWarning",
    "RatioMetric",
    "Result",
    "__version__",
    "analyze",
    "compare",
    "cumulative_from_events",
    "from_aggregates",
    "from_events",
    "from_units",
]
