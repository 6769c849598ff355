"""abstats: an A/B-testing statistics engine.

data -> sufficient statistics -> method -> estimate -> decision -> Result

>>> import abstats
>>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
...                     metric=abstats.BinaryMetric("conversion"), control="A")
>>> r.decision.tolist()
['stop_winner']

The public names are imported on first use (PEP 562), so ``import abstats`` (and the ``abstats --help``
of the console script) does not pay for numpy, scipy, pandas or pydantic until they are needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from abstats.errors import AbstatsError, ConfigError, InputError

if TYPE_CHECKING:
    from abstats.analysis import analyze, compare
    from abstats.column import Column
    from abstats.data import ExperimentData, from_aggregates, from_units
    from abstats.metrics import BinaryMetric, MeanMetric, RatioMetric
    from abstats.result import Result
    from abstats.spec import ExperimentSpec

__version__ = "0.1.0"

# public name -> module it lives in
_LAZY = {
    "analyze": "abstats.analysis",
    "compare": "abstats.analysis",
    "Column": "abstats.column",
    "ExperimentData": "abstats.data",
    "from_aggregates": "abstats.data",
    "from_units": "abstats.data",
    "BinaryMetric": "abstats.metrics",
    "MeanMetric": "abstats.metrics",
    "RatioMetric": "abstats.metrics",
    "Result": "abstats.result",
    "ExperimentSpec": "abstats.spec",
}

__all__ = [
    "AbstatsError",
    "BinaryMetric",
    "Column",
    "ConfigError",
    "ExperimentData",
    "ExperimentSpec",
    "InputError",
    "MeanMetric",
    "RatioMetric",
    "Result",
    "__version__",
    "analyze",
    "compare",
    "from_aggregates",
    "from_units",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if not name.startswith("_"):
        # subpackages read as attributes (abstats.statistics, abstats.methods...) as they did when eager
        try:
            return importlib.import_module(f"abstats.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"abstats.{name}":
                raise
    raise AttributeError(f"module 'abstats' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
