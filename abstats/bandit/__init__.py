"""Adaptive allocation (multi-armed bandits): traffic weights from exact posteriors, and reading the data after.

* :func:`allocate`: recommended weights per arm for one or many experiments (Thompson or
  top-two Thompson sampling in expectation, floors, a held control share);
* :class:`AllocationHistory`: the weights and traffic of each period, for the SRM check of
  ``abstats.analyze(..., allocation=history)`` (which also flags the Result and reads the posterior);
* :func:`stratify_by_period`: arm estimates weighted over allocation periods, against the
  Simpson's paradox of time-varying conversion under changing weights.
"""

from abstats.bandit.allocation import Allocation, allocate
from abstats.bandit.history import AllocationHistory
from abstats.bandit.stratify import stratify_by_period

__all__ = ["Allocation", "AllocationHistory", "allocate", "stratify_by_period"]
