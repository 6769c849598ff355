"""Sufficient statistics of a binary (0/1 per unit) metric: ``n`` and ``conversions``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from abstats.statistics.protocol import normal_df, take_rows, validate_direct
from abstats.statistics.validation import (
    RowLabels,
    as_float_array,
    require,
    require_same_length,
    require_whole,
    with_empty_rows,
)
from abstats.vocabulary import MetricKind

# Below this many conversions or non-conversions in an arm the normal approximation
# of a proportion is unreliable (the usual n p >= 10 rule).
MIN_CONVERSIONS_FOR_NORMAL = 10


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
    _validated: bool = field(default=False, repr=False, compare=False, kw_only=True)
    kind: ClassVar[MetricKind] = "binary"

    def __post_init__(self) -> None:
        validate_direct(self, type(self).from_arrays)

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
        empty = with_empty_rows(cls.from_arrays, {"n": n, "conversions": conversions},
                                {"metric": metric, "experiment": experiment, "variant": variant}, labels)
        if empty is not None:
            return empty
        n_arr = as_float_array("n", n, labels)
        x_arr = as_float_array("conversions", conversions, labels)
        require_same_length({"n": n_arr, "conversions": x_arr}, metric)
        require(n_arr < 0, "n", n_arr, "a whole number >= 0", labels)
        require_whole("n", n_arr, labels)
        require(x_arr < 0, "conversions", x_arr, ">= 0", labels)
        require_whole("conversions", x_arr, labels)
        over = x_arr > n_arr
        if over.any():
            row = int(np.flatnonzero(over)[0])
            raise labels.fail(row, "conversions", x_arr[row], f"<= n ({n_arr[row]:.0f})")
        return cls(n_arr, x_arr, _validated=True)

    def __len__(self) -> int:
        return len(self.n)

    def take(self, rows: np.ndarray) -> BinaryStats:
        return take_rows(self, rows)

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

    def null_variance(self, treatment: BinaryStats) -> np.ndarray:
        """Var(p_t - p_c) under H0 p_t = p_c: pooled p(1 - p)(1/n_c + 1/n_t), as the classical z-test uses."""
        pooled = (self.conversions + treatment.conversions) / (self.n + treatment.n)
        return pooled * (1.0 - pooled) * (1.0 / self.n + 1.0 / treatment.n)

    def difference_df(self, treatment: BinaryStats) -> np.ndarray:
        return normal_df(len(self))

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        return self.conversions, self.n

    def approximation_flags(self, treatment: BinaryStats) -> dict[str, np.ndarray]:
        """``few_conversions``: an arm with fewer than 10 conversions or non-conversions (the n p >= 10 rule)."""
        few_c = np.minimum(self.conversions, self.n - self.conversions)
        few_t = np.minimum(treatment.conversions, treatment.n - treatment.conversions)
        return {"few_conversions": np.minimum(few_c, few_t) < MIN_CONVERSIONS_FOR_NORMAL}
