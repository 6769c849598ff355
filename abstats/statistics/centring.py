"""Per-group totals and centred sums of raw per-unit rows, vectorised over groups.

Sums of raw values and raw squares cancel catastrophically when the mean is large
against the spread: for 1e12 + N(0, 1), ``sum_sq - sum**2 / n`` subtracts two numbers
of 1e24 n that agree in their first 24 digits, and float64 keeps 16. The variance is
then rounding noise. The two-pass algorithm avoids it: compute each group's mean
first, then sums of deviations from it (Chan, Golub and LeVeque 1983, "Algorithms
for computing the sample variance: analysis and recommendations", *The American
Statistician* 37(3); the "corrected two-pass algorithm" keeps the small residual
sum of deviations, which :meth:`MeanStats.unit_variance` subtracts). The mean is
carried as a ``shift`` with the statistics, and the estimate adds it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class GroupedRows:
    """Raw rows labelled by group (experiment x variant): totals and centred values per group.

    Calling it sums a per-row array within each group (``np.bincount`` with weights,
    one pass, no Python loop over groups), so it serves as the plain ``total``
    callable a metric's ``stats_from_units`` receives.

    Parameters
    ----------
    group
        Group index of each row, 0 .. ``n_groups - 1``.
    n_groups
        Number of groups.

    Examples
    --------
    >>> g = GroupedRows(np.array([0, 0, 1, 1]), 2)
    >>> g(np.array([1.0, 3.0, 10.0, 20.0]))
    array([ 4., 30.])
    >>> shift, dev = g.centred(np.array([1e12 + 1, 1e12 - 1, 5.0, 7.0]))
    >>> shift, dev
    (array([1.e+12, 6.e+00]), array([ 1., -1., -1.,  1.]))
    """

    group: np.ndarray
    n_groups: int

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Sum of ``x`` over the rows of each group."""
        return np.bincount(self.group, weights=x, minlength=self.n_groups)

    def counts(self) -> np.ndarray:
        """Rows per group, as floats."""
        return np.bincount(self.group, minlength=self.n_groups).astype(float)

    def centred(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each group's mean (the shift) and every row's deviation from its group's mean.

        Two passes over the rows: the float64 mean of each group, then the mean of the
        deviations from it added as a correction, so the shift is the mean to within an
        ulp or so. The deviations ``x - shift`` are exact wherever x is within a factor 2
        of the shift (Sterbenz's lemma), i.e. wherever cancellation could bite; the tiny
        residual mean of the deviations stays in their sum and the estimate adds it back.
        The correction pass also makes a constant group's deviations exactly 0 (its
        one-pass mean n v / n can miss v by an ulp, which would leave n identical
        deviations that look like a variance lost to cancellation). Groups with no rows
        get shift 0.

        Parameters
        ----------
        x
            Per-row values, one per element of ``group``.

        Returns
        -------
        shift, deviations
            Per-group means (length ``n_groups``) and per-row ``x - shift[group]``.
        """
        n = self.counts()
        has_rows = n > 0
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            shift = self(x) / n
            if not np.isfinite(shift[has_rows]).all():
                # the sum overflowed (values near 1e308): average x / n instead, which cannot
                shift = self(x / n[self.group])
            shift = np.where(has_rows, shift, 0.0)
            shift = shift + np.where(has_rows, self(x - shift[self.group]) / n, 0.0)
        return shift, x - shift[self.group]

def centre_by_group(total: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift and per-row deviations for a metric's ``stats_from_units``.

    ``total`` is the group-sum callable the data source passes; when it is a
    :class:`GroupedRows` (as :func:`abstats.from_units` gives) the rows are centred on
    their group's mean. Any other callable cannot map groups back to rows, so the raw
    values are summed with shift 0, as before (and a cancelled variance then warns).

    Parameters
    ----------
    total
        Group-sum callable of the data source.
    x
        Per-row values.

    Returns
    -------
    shift, deviations
        Per-group shift (length 1, zero, when ``total`` cannot centre) and ``x - shift`` per row.
    """
    if isinstance(total, GroupedRows):
        return total.centred(x)
    return np.zeros(1), x


def shift_column(sum_field: str) -> str:
    """Name of the optional aggregate column holding the shift of ``sum_field``'s sums: ``<sum_field>_shift``."""
    return f"{sum_field}_shift"
