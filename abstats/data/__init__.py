"""Data sources: turn aggregates or raw per-unit rows into sufficient statistics.

``from_aggregates`` takes one row per experiment x variant that already holds
the sums; ``from_units`` aggregates raw per-unit columns in numpy. SQL / Spark
sources (aggregated where the data lives) plug in here as further constructors
that return the same :class:`ExperimentData`.
"""

from abstats.data.aggregates import from_aggregates
from abstats.data.experiment import ExperimentData
from abstats.data.units import from_units

__all__ = ["ExperimentData", "from_aggregates", "from_units"]
