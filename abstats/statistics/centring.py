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

import numpy as np

from abstats.statistics.grouping import UnitGroups


def centre_by_group(total: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift and per-row deviations for a metric's ``stats_from_units``.

    ``total`` is the group-sum callable the data source passes; when it is a
    :class:`~abstats.statistics.grouping.UnitGroups` (as :func:`abstats.from_units` gives) the rows are centred on
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
    if isinstance(total, UnitGroups):
        return total.centred(x)
    return np.zeros(1), x


def shift_column(sum_field: str) -> str:
    """Name of the optional aggregate column holding the shift of ``sum_field``'s sums: ``<sum_field>_shift``."""
    return f"{sum_field}_shift"


def centred_from_moments(
    n: np.ndarray, total: np.ndarray, var: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Shift and centred sum of squares of groups a backend aggregated: ``(sum / n, (n - 1) var)``.

    Backends return each group's sum and sample variance (``var_samp``, computed stably); the mean
    as the shift and the sums of deviations from it (0, and ``(n - 1) var`` for the squares) keep a
    large-mean metric's variance, where a raw ``sum(x * x)`` would cancel. A missing variance (SQL's
    ``var_samp`` of one unit is NULL) counts as 0: the statistics classes then refuse n < 2 by name.

    Examples
    --------
    >>> centred_from_moments(np.array([3.0]), np.array([6.0]), np.array([1.0]))
    (array([2.]), array([2.]))
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.where(n > 0, n, 1.0), 0.0)
    filled = np.zeros_like(n) if var is None else np.nan_to_num(np.asarray(var, dtype=float), nan=0.0)
    return mean, filled * (n - 1.0)
