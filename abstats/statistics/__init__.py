"""Sufficient statistics: one numpy element per experiment x variant row.

Every method scores these arrays; none of them sees raw per-unit data. Each class
follows :class:`~abstats.statistics.protocol.SufficientStats`: the arm's ``estimate()``,
``variance_of_estimate()``, the difference's null variance and reference distribution,
and row selection, which the frequentist, Bayesian and sequential methods share.
"""

from abstats.statistics.binary import BinaryStats
from abstats.statistics.mean import MeanStats
from abstats.statistics.protocol import SufficientStats, concat
from abstats.statistics.quantile import QuantileStats
from abstats.statistics.ratio import RatioStats

__all__ = ["BinaryStats", "MeanStats", "QuantileStats", "RatioStats", "SufficientStats", "concat"]
