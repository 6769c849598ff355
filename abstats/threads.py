"""How many threads abstats' chunked loops run on.

Two at most: the loops that use them (the Bayesian credible intervals, putting a large ``to_json``
together) split work between numpy, scipy.special or Arrow, which release the GIL, and Python code,
which does not; a third thread found no idle core on the 2-core machines these are sized for.
"""

from __future__ import annotations

import os

THREADS = min(2, os.cpu_count() or 1)

__all__ = ["THREADS"]
