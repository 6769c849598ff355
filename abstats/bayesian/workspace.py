"""Scratch arrays that one worker reuses from chunk to chunk of the polynomial Beta engine.

The engine (:mod:`abstats.bayesian.beta_cdf_poly`, :mod:`abstats.bayesian.regular_pair`) works on
chunks of ~1,000 rows whose largest temporaries are 0.5-2 MB arrays. Allocated afresh, glibc hands
arrays that size back to the kernel when they are freed, and every page faults in again on the next
chunk: measured at ~2.4 page faults a row, 15-20 % of the CPU time in the kernel. A worker that owns
a :class:`Workspace` writes those temporaries into the same memory for all its chunks instead.

One workspace per worker thread (:func:`abstats.bayesian.regular_pair.map_chunks` creates them), never
shared: thread-safe by construction, and no state outlives the call.
"""

from __future__ import annotations

import math

import numpy as np


class Workspace:
    """Named scratch buffers, each grown to the largest size asked of it and reused after that.

    ``array(name, shape)`` returns a C-contiguous view of the first prod(shape) elements of the
    buffer ``name`` (a shorter last chunk gets a smaller view of the same memory). Contiguous views
    keep numpy on the same (SIMD) loops as a freshly allocated array, so the numbers are the same
    bits either way. The contents are left over from the previous use: write before reading.
    An array obtained under a name is valid until the next request of that name.

    Examples
    --------
    >>> work = Workspace()
    >>> y = work.array("y", (2, 3))
    >>> y.shape, work.array("y", (1, 2)).base is y.base
    ((2, 3), True)
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: type = float) -> np.ndarray:
        """A contiguous (uninitialised) array of ``shape`` in the buffer ``name``."""
        size = math.prod(shape)
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < size or buffer.dtype != dtype:
            buffer = self._buffers[name] = np.empty(size, dtype=dtype)
        return buffer[:size].reshape(shape)
