"""Sufficient statistics of a binary (0/1 per unit) metric: ``n`` and ``conversions``.

With a pre-period covariate x (CUPED, :mod:`abstats.statistics.cuped`) also ``pre_sum``,
``pre_sum_sq`` and ``pre_cross_sum``: sums of ``x - pre_shift``, its square and
``(x - pre_shift) * y`` (y the unit's 0/1 value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from abstats.statistics import cuped
from abstats.statistics.protocol import normal_df, take_rows, validate_direct
from abstats.statistics.validation import (
    RowLabels,
    as_float_array,
    centred_sum_sq,
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

    Attributes
    ----------
    n, conversions
        Units and units with the event, per row.
    pre_sum, pre_sum_sq, pre_cross_sum
        The pre-period covariate x of CUPED (None: no covariate): sums over the row's units of
        ``x - pre_shift``, ``(x - pre_shift)**2`` and ``(x - pre_shift) * y``. Comparisons of rows
        that carry them are regression-adjusted (:meth:`regression_adjusted`).
    pre_shift
        Value subtracted from every unit's covariate before summing (None: 0, raw sums).

    Examples
    --------
    >>> s = BinaryStats.from_arrays(n=[1000, 1000], conversions=[100, 130])
    >>> s.estimate()
    array([0.1 , 0.13])
    """

    n: np.ndarray
    conversions: np.ndarray
    pre_sum: np.ndarray | None = None  # CUPED covariate sums: all three or none
    pre_sum_sq: np.ndarray | None = None
    pre_cross_sum: np.ndarray | None = None
    pre_shift: np.ndarray | None = None
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
        pre_sum: Any = None,
        pre_sum_sq: Any = None,
        pre_cross_sum: Any = None,
        pre_shift: Any = None,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> BinaryStats:
        """Validate and build; errors name the metric, experiment, variant, field and value.

        Parameters
        ----------
        n, conversions
            Units and conversions per row.
        pre_sum, pre_sum_sq, pre_cross_sum
            CUPED's pre-period covariate x, optional (all three or none): sums of ``x - pre_shift``,
            ``(x - pre_shift)**2`` and ``(x - pre_shift) * y`` over the units.
        pre_shift
            Per-row (or one scalar) value subtracted from x before summing; 0 if omitted.
        metric, experiment, variant
            Labels that error and warning messages use to point at a row.
        """
        labels = RowLabels(metric, experiment, variant)
        n_arr = as_float_array("n", n, labels)  # converted once, here, for the empty-row check too
        empty = with_empty_rows(cls.from_arrays, {"n": n_arr, "conversions": conversions},
                                {"pre_sum": pre_sum, "pre_sum_sq": pre_sum_sq, "pre_cross_sum": pre_cross_sum,
                                 "pre_shift": pre_shift, "metric": metric, "experiment": experiment,
                                 "variant": variant}, labels)
        if empty is not None:
            return empty
        x_arr = as_float_array("conversions", conversions, labels)
        require_same_length({"n": n_arr, "conversions": x_arr}, metric)
        require(n_arr < 0, "n", n_arr, "a whole number >= 0", labels)
        require_whole("n", n_arr, labels, given=n)
        require(x_arr < 0, "conversions", x_arr, ">= 0", labels)
        require_whole("conversions", x_arr, labels, given=conversions)
        over = x_arr > n_arr
        if over.any():
            row = int(np.flatnonzero(over)[0])
            raise labels.fail(row, "conversions", x_arr[row], f"<= n ({n_arr[row]:.0f})")
        cov = cuped.covariate_sums(n_arr, pre_sum, pre_sum_sq, pre_cross_sum, pre_shift, labels, metric)
        return cls(n_arr, x_arr, cov.pre_sum, cov.pre_sum_sq, cov.pre_cross_sum, cov.pre_shift, _validated=True)

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
        # p(1 - p) / n in one buffer: a fresh 1e5-row temporary per step costs more than the arithmetic
        v = 1.0 - self._rate
        v *= self._rate
        v /= self.n
        return v

    def null_variance(self, treatment: BinaryStats) -> np.ndarray:
        """Var(p_t - p_c) under H0 p_t = p_c: pooled p(1 - p)(1/n_c + 1/n_t), as the classical z-test uses."""
        # the products in place, in the same order as pooled * (1 - pooled) * (1 / n_c + 1 / n_t)
        pooled = self.conversions + treatment.conversions
        scratch = self.n + treatment.n
        pooled /= scratch
        pooled *= np.subtract(1.0, pooled, out=scratch)
        inverse_n = np.divide(1.0, self.n)
        inverse_n += np.divide(1.0, treatment.n, out=scratch)
        pooled *= inverse_n
        return pooled

    def difference_df(self, treatment: BinaryStats) -> np.ndarray:
        return normal_df(len(self))

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        return self.conversions, self.n

    def approximation_flags(self, treatment: BinaryStats) -> dict[str, np.ndarray]:
        """``few_conversions``: an arm with fewer than 10 conversions or non-conversions (the n p >= 10 rule)."""
        # min(x, n - x) < 10 in either arm, as four comparisons (booleans are an eighth of the memory of
        # the float minima); counts are whole numbers, so n - x is exact
        few = self.conversions < MIN_CONVERSIONS_FOR_NORMAL
        few |= treatment.conversions < MIN_CONVERSIONS_FOR_NORMAL
        non_conversions = self.n - self.conversions
        few |= non_conversions < MIN_CONVERSIONS_FOR_NORMAL
        few |= np.subtract(treatment.n, treatment.conversions, out=non_conversions) < MIN_CONVERSIONS_FOR_NORMAL
        return {"few_conversions": few}

    @property
    def has_covariate(self) -> bool:
        """Whether the rows carry a CUPED pre-period covariate's sums."""
        return self.pre_sum is not None

    def _moments(self, flag: np.ndarray) -> cuped.ArmMoments:
        cov = cuped.CovariateSums(self.pre_sum, self.pre_sum_sq, self.pre_cross_sum, self.pre_shift)
        # y is 0/1, so its sum of squares is the conversions: S_yy = x - x^2 / n, ddof = 1 once divided by n - 1
        s_yy = centred_sum_sq(self.n, self.conversions, self.conversions)
        return cuped.covariate_moments(
            self.n, self.estimate(), self.conversions, s_yy, cov, self.variance_of_estimate, flag
        )

    def regression_adjusted(self, treatment: BinaryStats, *, interaction: bool = False) -> cuped.Adjustment | None:
        """CUPED of row i of ``treatment`` against row i of this control (None without a covariate).

        The adjusted values y - theta x are not 0/1, so each arm's variance is their ddof = 1 variance
        (not p(1 - p)) and the effect is read by a normal approximation (warning code
        ``cuped_binary_normal``); see :mod:`abstats.statistics.cuped`.
        """
        if not (self.has_covariate and treatment.has_covariate):
            return None
        flag = self.approximation_flags(treatment)["few_conversions"]
        return cuped.adjust_pair("binary", self._moments(flag), treatment._moments(flag), interaction=interaction)
