"""Sufficient statistics of a ratio-of-sums metric (CTR per impression, AOV).

Per row: ``n`` randomisation units and the sums ``num_sum``, ``den_sum``,
``num_sum_sq``, ``den_sum_sq``, ``num_den_sum`` over units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from abstats.statistics.protocol import normal_df, take_rows, unpooled_null_variance
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
class RatioStats:
    """Sums of a numerator and a denominator over randomisation units.

    Examples
    --------
    >>> s = RatioStats.from_arrays(n=[2], num_sum=[3.0], den_sum=[10.0],
    ...                            num_sum_sq=[5.0], den_sum_sq=[52.0], num_den_sum=[16.0])
    >>> s.estimate()
    array([0.3])
    """

    n: np.ndarray
    num_sum: np.ndarray
    den_sum: np.ndarray
    num_sum_sq: np.ndarray
    den_sum_sq: np.ndarray
    num_den_sum: np.ndarray
    kind: ClassVar[MetricKind] = "ratio"

    @classmethod
    def from_arrays(
        cls,
        n: Any,
        num_sum: Any,
        den_sum: Any,
        num_sum_sq: Any,
        den_sum_sq: Any,
        num_den_sum: Any,
        *,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> RatioStats:
        labels = RowLabels(metric, experiment, variant)
        fields = {
            "n": n,
            "num_sum": num_sum,
            "den_sum": den_sum,
            "num_sum_sq": num_sum_sq,
            "den_sum_sq": den_sum_sq,
            "num_den_sum": num_den_sum,
        }
        arrs = {name: as_float_array(name, value, labels) for name, value in fields.items()}
        require_same_length(arrs, metric)
        n_arr = arrs["n"]
        require(n_arr < 2, "n", n_arr, "a whole number >= 2 (a variance needs two units)", labels)
        require_whole("n", n_arr, labels)
        require(arrs["den_sum"] <= 0, "den_sum", arrs["den_sum"], "> 0 (the ratio's denominator)", labels)
        require_sum_sq_consistent("num_sum", "num_sum_sq", n_arr, arrs["num_sum"], arrs["num_sum_sq"], labels)
        require_sum_sq_consistent("den_sum", "den_sum_sq", n_arr, arrs["den_sum"], arrs["den_sum_sq"], labels)
        stats = cls(**arrs)
        sxx, syy, sxy = stats._centred_sums()
        # Cauchy-Schwarz: the implied covariance cannot exceed the product of the standard deviations.
        bad = sxy * sxy > sxx * syy * (1 + 1e-9) + 1e-12
        require(bad, "num_den_sum", arrs["num_den_sum"], "a cross-product consistent with the sums of squares", labels)
        return stats

    def __len__(self) -> int:
        return len(self.n)

    def take(self, rows: np.ndarray) -> RatioStats:
        return take_rows(self, rows)

    def _centred_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = self.n
        sxx = np.maximum(self.num_sum_sq - self.num_sum * self.num_sum / n, 0.0)
        syy = np.maximum(self.den_sum_sq - self.den_sum * self.den_sum / n, 0.0)
        sxy = self.num_den_sum - self.num_sum * self.den_sum / n
        return sxx, syy, sxy

    def estimate(self) -> np.ndarray:
        """R = num_sum / den_sum."""
        return self.num_sum / self.den_sum

    def variance_of_estimate(self) -> np.ndarray:
        """Delta method: Var(R) = (Vx/my^2 - 2 mx Cxy/my^3 + mx^2 Vy/my^4) / n (Deng et al. 2018), ddof = 1."""
        n = self.n
        sxx, syy, sxy = self._centred_sums()
        vx, vy, cxy = sxx / (n - 1), syy / (n - 1), sxy / (n - 1)
        mx, my = self.num_sum / n, self.den_sum / n
        var = (vx / my**2 - 2 * mx * cxy / my**3 + mx**2 * vy / my**4) / n
        return np.maximum(var, 0.0)

    def unit_variance(self) -> np.ndarray:
        """Per-unit variance of the linearised ratio, Var(R) * n."""
        return self.variance_of_estimate() * self.n

    def null_variance(self, treatment: RatioStats) -> np.ndarray:
        return unpooled_null_variance(self, treatment)

    def difference_df(self, treatment: RatioStats) -> np.ndarray:
        return normal_df(len(self))

    def counts(self) -> None:
        return None

    def approximation_flags(self, treatment: RatioStats) -> dict[str, np.ndarray]:
        return {}
