"""Sufficient statistics: one numpy element per experiment x variant row.

Every method scores these arrays; none of them sees raw per-unit data. Each
class exposes the arm's point ``estimate()`` and the ``variance_of_estimate()``
that the frequentist, Bayesian and sequential methods share.
"""

from abstats.statistics.binary import BinaryStats
from abstats.statistics.mean import MeanStats
from abstats.statistics.ratio import RatioStats

SufficientStats = BinaryStats | MeanStats | RatioStats

__all__ = ["BinaryStats", "MeanStats", "RatioStats", "SufficientStats"]
