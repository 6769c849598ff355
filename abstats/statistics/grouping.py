"""Per-unit rows grouped by experiment x variant: the sums every metric needs, and the groups themselves.

The sums of deviations from each group's mean (:meth:`UnitGroups.centred`) keep a large-mean
metric's variance exact (see :mod:`abstats.statistics.centring`).

:func:`abstats.data.from_units` hands a metric's ``stats_from_units`` a :class:`UnitGroups`:
calling it sums a per-unit array within each group (what mean, ratio and binary metrics
need); its ``codes`` and ``experiment_codes`` let order statistics (quantiles) and pooled
caps see which unit belongs where.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class UnitGroups:
    """Group of every unit and, for pooling across arms, its experiment.

    Attributes
    ----------
    codes
        Group index (0..n_groups-1) of every unit.
    n_groups
        Number of experiment x variant groups.
    experiments
        Experiment label of every unit (None: one experiment).
    """

    codes: np.ndarray
    n_groups: int
    experiments: Any = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Sum of ``x`` within each group."""
        return np.bincount(self.codes, weights=x, minlength=self.n_groups)

    def counts(self) -> np.ndarray:
        """Units per group, as floats."""
        return np.bincount(self.codes, minlength=self.n_groups).astype(float)

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
            Per-unit values, one per element of ``codes``.

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
                shift = self(x / n[self.codes])
            shift = np.where(has_rows, shift, 0.0)
            shift = shift + np.where(has_rows, self(x - shift[self.codes]) / n, 0.0)
        return shift, x - shift[self.codes]

    @cached_property
    def experiment_codes(self) -> np.ndarray:
        """Experiment index of every unit (all 0 with one experiment)."""
        if self.experiments is None:
            return np.zeros(len(self.codes), dtype=np.intp)
        return pd.factorize(self.experiments, sort=False)[0]


def numpy_lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """a + t (b - a) written as numpy's quantile writes it (exact at both ends), so results match np.quantile."""
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1.0 - t), a + diff * t)


def sorted_by_group(x: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values sorted within each group; the start offset and size of every group in that order."""
    # by value, then stably by group: two argsorts beat np.lexsort several-fold on millions of units
    by_value = np.argsort(x, kind="stable")
    order = by_value[np.argsort(codes[by_value], kind="stable")]
    sizes = np.bincount(codes, minlength=n_groups)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    return x[order], starts, sizes


def group_quantile(x: np.ndarray, codes: np.ndarray, n_groups: int, q: float) -> np.ndarray:
    """Sample quantile of each group, numpy's default (Hyndman & Fan 1996 type 7, linear), vectorised.

    h = (n - 1) q, value = x_(floor h) + (h - floor h)(x_(floor h + 1) - x_(floor h)), 0-based order
    statistics; equal to ``np.quantile(x[codes == g], q)`` for every group g.
    """
    s, starts, sizes = sorted_by_group(x, codes, n_groups)
    return quantile_of_sorted(s, starts, sizes, q)


def quantile_of_sorted(s: np.ndarray, starts: np.ndarray, sizes: np.ndarray, q: float) -> np.ndarray:
    """Type-7 quantile of every group of already sorted values (see :func:`group_quantile`)."""
    h = (sizes - 1.0) * q
    lo = np.floor(h)
    frac = h - lo
    lo_i = starts + lo.astype(np.intp)
    hi_i = starts + np.minimum(lo + 1.0, sizes - 1.0).astype(np.intp)
    return numpy_lerp(s[lo_i], s[hi_i], frac)


def backend_lerp(a: Any, b: Any, t: Any) -> Any:
    """:func:`numpy_lerp` as a backend (Ibis) expression, with the same float64 operations in the same
    order, so a quantile computed in the backend equals numpy's to the last bit."""
    diff = b - a
    return (t >= 0.5).ifelse(b - diff * (1.0 - t), a + diff * t)
