"""Sufficient statistics of a per-unit mean metric: ``n``, ``sum``, ``sum_sq``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from abstats.inference.welch import welch_df
from abstats.statistics.normality import normal_approximation_unsafe
from abstats.statistics.protocol import take_rows, unpooled_null_variance
from abstats.statistics.validation import (
    RowLabels,
    as_float_array,
    require,
    require_same_length,
    require_sum_sq_consistent,
    require_whole,
)
from abstats.vocabulary import MetricKind


@dataclass(frozen=True, eq=False)
class MeanStats:
    """Units, sum and sum of squares of a per-unit value, per row.

    Examples
    --------
    >>> s = MeanStats.from_arrays(n=[3], sum=[6.0], sum_sq=[14.0])
    >>> s.estimate(), s.unit_variance()
    (array([2.]), array([1.]))
    """

    n: np.ndarray
    sum: np.ndarray
    sum_sq: np.ndarray
    nonzero: np.ndarray | None = None  # units with a non-zero value, when known (heavy-tail check)
    kind: ClassVar[MetricKind] = "mean"

    @classmethod
    def from_arrays(
        cls,
        n: Any,
        sum: Any,
        sum_sq: Any,
        *,
        nonzero: Any = None,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> MeanStats:
        labels = RowLabels(metric, experiment, variant)
        n_arr = as_float_array("n", n, labels)
        s_arr = as_float_array("sum", sum, labels)
        q_arr = as_float_array("sum_sq", sum_sq, labels)
        require_same_length({"n": n_arr, "sum": s_arr, "sum_sq": q_arr}, metric)
        require(n_arr < 2, "n", n_arr, "a whole number >= 2 (a variance needs two units)", labels)
        require_whole("n", n_arr, labels)
        require(q_arr < 0, "sum_sq", q_arr, ">= 0", labels)
        require_sum_sq_consistent("sum", "sum_sq", n_arr, s_arr, q_arr, labels)
        nz_arr = None
        if nonzero is not None:
            nz_arr = as_float_array("nonzero", nonzero, labels)
            require_same_length({"n": n_arr, "nonzero": nz_arr}, metric)
            require((nz_arr < 0) | (nz_arr > n_arr), "nonzero", nz_arr, "between 0 and n", labels)
            require_whole("nonzero", nz_arr, labels)
        return cls(n_arr, s_arr, q_arr, nz_arr)

    def __len__(self) -> int:
        return len(self.n)

    def take(self, rows: np.ndarray) -> MeanStats:
        return take_rows(self, rows)

    def estimate(self) -> np.ndarray:
        return self.sum / self.n

    def unit_variance(self) -> np.ndarray:
        """Sample variance (ddof = 1): (sum_sq - sum^2 / n) / (n - 1), floored at 0 against rounding."""
        return np.maximum(self.sum_sq - self.sum * self.sum / self.n, 0.0) / (self.n - 1.0)

    def variance_of_estimate(self) -> np.ndarray:
        return self.unit_variance() / self.n

    def null_variance(self, treatment: MeanStats) -> np.ndarray:
        return unpooled_null_variance(self, treatment)

    def difference_df(self, treatment: MeanStats) -> np.ndarray:
        """Welch-Satterthwaite degrees of freedom of the difference of means (Welch 1947)."""
        return welch_df(self.variance_of_estimate(), self.n, treatment.variance_of_estimate(), treatment.n)

    def counts(self) -> None:
        return None

    def approximation_flags(self, treatment: MeanStats) -> dict[str, np.ndarray]:
        """``heavy_tail``: too few non-zero units for a normal mean (needs the ``nonzero`` aggregate)."""
        if self.nonzero is None or treatment.nonzero is None:
            return {}
        unsafe = normal_approximation_unsafe(self.n, self.nonzero) | normal_approximation_unsafe(
            treatment.n, treatment.nonzero
        )
        return {"heavy_tail": unsafe}
