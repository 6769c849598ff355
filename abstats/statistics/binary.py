"""Sufficient statistics of a binary (0/1 per unit) metric: ``n`` and ``conversions``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from abstats.statistics.validation import RowLabels, as_float_array, require, require_same_length, require_whole


@dataclass(frozen=True, eq=False)
class BinaryStats:
    """Units and conversions per row.

    Examples
    --------
    >>> s = BinaryStats.from_arrays(n=[1000, 1000], conversions=[100, 130])
    >>> s.estimate()
    array([0.1 , 0.13])
    """

    n: np.ndarray
    conversions: np.ndarray

    @classmethod
    def from_arrays(
        cls,
        n: Any,
        conversions: Any,
        *,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> BinaryStats:
        """Validate and build; errors name the metric, experiment, variant, field and value."""
        labels = RowLabels(metric, experiment, variant)
        n_arr = as_float_array("n", n, labels)
        x_arr = as_float_array("conversions", conversions, labels)
        require_same_length({"n": n_arr, "conversions": x_arr}, metric)
        require(n_arr <= 0, "n", n_arr, "a whole number >= 1", labels)
        require_whole("n", n_arr, labels)
        require(x_arr < 0, "conversions", x_arr, ">= 0", labels)
        require_whole("conversions", x_arr, labels)
        over = x_arr > n_arr
        if over.any():
            row = int(np.flatnonzero(over)[0])
            raise labels.fail(row, "conversions", x_arr[row], f"<= n ({n_arr[row]:.0f})")
        return cls(n_arr, x_arr)

    def __len__(self) -> int:
        return len(self.n)

    def take(self, rows: np.ndarray) -> BinaryStats:
        return BinaryStats(self.n[rows], self.conversions[rows])

    def estimate(self) -> np.ndarray:
        """Conversion rate p = conversions / n."""
        return self._rate

    @cached_property
    def _rate(self) -> np.ndarray:
        # computed once: every method asks for it several times on arrays of up to 1e5+ rows
        return self.conversions / self.n

    def unit_variance(self) -> np.ndarray:
        """Per-unit Bernoulli variance p(1 - p) (maximum-likelihood, as the z-test uses)."""
        p = self._rate
        return p * (1.0 - p)

    def variance_of_estimate(self) -> np.ndarray:
        """Var(p_hat) = p(1 - p) / n."""
        return self.unit_variance() / self.n
