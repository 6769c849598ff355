"""abstats: an A/B-testing statistics engine.

data -> sufficient statistics -> method -> estimate -> decision -> Result

>>> import abstats
>>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
...                     metric=abstats.BinaryMetric("conversion"), control="A")
>>> r.decision.tolist()
['stop_winner']
"""

from abstats.analysis import analyze, compare
from abstats.data import ExperimentData, from_aggregates, from_units
from abstats.errors import AbstatsError, ConfigError, InputError
from abstats.metrics import BinaryMetric, Cap, MeanMetric, QuantileMetric, RatioMetric
from abstats.result import Result

__version__ = "0.1.0"

__all__ = [
    "AbstatsError",
    "BinaryMetric",
    "Cap",
    "ConfigError",
    "ExperimentData",
    "InputError",
    "MeanMetric",
    "QuantileMetric",
    "RatioMetric",
    "Result",
    "__version__",
    "analyze",
    "compare",
    "from_aggregates",
    "from_units",
]
