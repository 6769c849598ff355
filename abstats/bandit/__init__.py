"""Adaptive allocation (multi-armed bandits): traffic weights from exact posteriors, and reading the data after.

* :func:`allocate`: recommended weights per arm for one or many experiments (Thompson or
  top-two Thompson sampling in expectation, floors, a held control share);
"""

from abstats.bandit.allocation import Allocation, allocate

__all__ = ["Allocation", "allocate"]
