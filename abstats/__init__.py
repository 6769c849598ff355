"""abstats: an A/B-testing statistics engine.

data -> sufficient statistics -> method -> estimate -> decision -> Result

>>> import abstats
>>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
...                     metric=abstats.BinaryMetric("conversion"), control="A")
>>> r.decision.tolist()
['stop_winner']

The public names load on first use (PEP 562), so ``import abstats`` (and the console script's
``abstats --help``) does not pay for numpy, scipy, pandas or pydantic until they are needed.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from abstats.data.events import cumulative_from_events, from_events

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "AbstatsError": "abstats.errors",
    "ConfigError": "abstats.errors",
    "InputError": "abstats.errors",
    "OutputError": "abstats.errors",
    "AbstatsWarning": "abstats.errors",
    "AdaptiveAllocationWarning": "abstats.errors",
    "MultiVariantUnitsWarning": "abstats.errors",
    "PrecisionWarning": "abstats.errors",
    "CupedWarning": "abstats.errors",
    "from_events": "abstats.data.events",
    "cumulative_from_events": "abstats.data.events",
    "effect_path": "abstats.result.path",
    "BinaryMetric": "abstats.metrics",
    "MeanMetric": "abstats.metrics",
    "RatioMetric": "abstats.metrics",
    "QuantileMetric": "abstats.metrics",
    "Cap": "abstats.metrics",
    "Covariate": "abstats.metrics",
    "Column": "abstats.column",
    "ExperimentData": "abstats.data",
    "from_aggregates": "abstats.data",
    "from_units": "abstats.data",
    "Result": "abstats.result",
    "ExperimentSpec": "abstats.spec",
    "analyze": "abstats.analysis",
    "Funnel": "abstats.funnel.stages",
    "FunnelCounts": "abstats.funnel.counts",
    "Stage": "abstats.funnel.stages",
    "compare": "abstats.analysis",
}

if TYPE_CHECKING:
    from abstats.analysis import analyze, compare
    from abstats.column import Column
    from abstats.data import ExperimentData, from_aggregates, from_units
    from abstats.data.events import cumulative_from_events, from_events
    from abstats.errors import (
        AbstatsError,
        AbstatsWarning,
        AdaptiveAllocationWarning,
        ConfigError,
        CupedWarning,
        InputError,
        MultiVariantUnitsWarning,
        OutputError,
        PrecisionWarning,
    )
    from abstats.funnel.counts import FunnelCounts
    from abstats.funnel.stages import Funnel, Stage
    from abstats.metrics import BinaryMetric, Cap, Covariate, MeanMetric, QuantileMetric, RatioMetric
    from abstats.result import Result
    from abstats.result.path import effect_path
    from abstats.spec import ExperimentSpec


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        # subpackages (abstats.methods, abstats.planning, ...) load on attribute access too
        try:
            return import_module(f"abstats.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"abstats.{name}":  # a missing dependency inside the subpackage: say so
                raise
            raise AttributeError(f"module 'abstats' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*_EXPORTS, "__version__"])


__all__ = [
    "AbstatsError",
    "AbstatsWarning",
    "AdaptiveAllocationWarning",
    "BinaryMetric",
    "Cap",
    "Column",
    "ConfigError",
    "Covariate",
    "CupedWarning",
    "ExperimentData",
    "ExperimentSpec",
    "Funnel",
    "FunnelCounts",
    "InputError",
    "MeanMetric",
    "MultiVariantUnitsWarning",
    "OutputError",
    "PrecisionWarning",
    "QuantileMetric",
    "RatioMetric",
    "Result",
    "Stage",
    "__version__",
    "analyze",
    "compare",
    "cumulative_from_events",
    "effect_path",
    "from_aggregates",
    "from_events",
    "from_units",
]
