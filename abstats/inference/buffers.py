"""Which arrays a numeric step may overwrite.

At 1e5 rows a fresh temporary array can cost as much as the arithmetic that fills it: the allocator may
hand the pages of a freed 800 kB array back to the system and the next one faults them in again (in a
fresh process a chain of six operations ran four times faster in place). The hot paths therefore write
intermediate results into arrays they have just made; this module says when an array handed over may be
reused.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def reusable(values: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``values`` is a float64 array of ``shape`` owning writable data: one the caller has just
    made and handed over (e.g. ``crit * se``), not a view of someone's column or a broadcast constant."""
    return (
        isinstance(values, np.ndarray)
        and values.dtype == np.float64
        and values.shape == shape
        and values.flags.owndata
        and values.flags.writeable
    )
