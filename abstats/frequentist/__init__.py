"""Frequentist fixed-horizon scoring: z / Welch t / delta-method tests, intervals, corrections.

>>> from abstats.frequentist import FrequentistSettings
>>> FrequentistSettings(alpha=0.01).correction
'holm'
"""

from abstats.frequentist.method import FREQUENTIST
from abstats.frequentist.settings import FrequentistSettings

__all__ = ["FREQUENTIST", "FrequentistSettings"]
