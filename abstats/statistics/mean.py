"""Sufficient statistics of a per-unit mean metric: ``n``, ``sum``, ``sum_sq`` (and an optional ``shift``).

With a pre-period covariate x (CUPED, :mod:`abstats.statistics.cuped`) also ``pre_sum``,
``pre_sum_sq`` and ``pre_cross_sum``: sums of ``x - pre_shift``, its square and
``(x - pre_shift)(y - shift)``.

``sum`` and ``sum_sq`` are sums of ``x - shift`` and ``(x - shift)**2`` over units, with
``shift`` 0 for raw sums. A shift near the mean keeps the variance free of the
catastrophic cancellation of raw sums when the mean is large against the spread
(see :mod:`abstats.statistics.centring`); :func:`abstats.from_units` centres on each
group's mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from abstats.inference.welch import welch_df
from abstats.statistics.cuped import (
    Adjustment,
    ArmMoments,
    CovariateSums,
    adjust_pair,
    covariate_moments,
    covariate_sums,
)
from abstats.statistics.normality import normal_approximation_unsafe
from abstats.statistics.protocol import fill_shift, no_shift, take_rows, unpooled_null_variance, validate_direct
from abstats.statistics.validation import (
    RowLabels,
    as_float_array,
    centred_sum_sq,
    require,
    require_same_length,
    require_sum_sq_consistent,
    require_whole,
    warn_if_cancelled,
    with_empty_rows,
)
from abstats.vocabulary import MetricKind


@dataclass(frozen=True, eq=False)
class MeanStats:
    """Units, sum and sum of squares of a per-unit value (minus a shift), per row.

    Attributes
    ----------
    n
        Units per row.
    sum, sum_sq
        Sums of ``x - shift`` and ``(x - shift)**2`` over the row's units.
    nonzero
        Units with a non-zero value (of x itself), when known: the heavy-tail check.
    shift
        Value subtracted from every unit before summing, per row; zeros for raw sums
        (the default). The mean is ``shift + sum / n``; the variance does not depend
        on it, but its float64 accuracy does: centred sums keep every digit that raw
        sums of a large-mean metric cancel away.
    pre_sum, pre_sum_sq, pre_cross_sum
        The pre-period covariate x of CUPED (None: no covariate): sums over the row's units of
        ``x - pre_shift``, ``(x - pre_shift)**2`` and ``(x - pre_shift) * (y - shift)`` (y the
        metric's value). Comparisons of rows that carry them are regression-adjusted
        (:meth:`regression_adjusted`).
    pre_shift
        Value subtracted from every unit's covariate before summing (None: 0, raw sums).

    Examples
    --------
    >>> s = MeanStats.from_arrays(n=[3], sum=[6.0], sum_sq=[14.0])
    >>> s.estimate(), s.unit_variance()
    (array([2.]), array([1.]))

    The same units (1, 2, 3) shifted by 2, e.g. 1e12 + (1, 2, 3) shifted by 1e12 + 2:

    >>> MeanStats.from_arrays(n=[3], sum=[0.0], sum_sq=[2.0], shift=[2.0]).estimate()
    array([2.])

    With a pre-period covariate (x = 1, 1, 3 for the same units):

    >>> s = MeanStats.from_arrays(n=[3], sum=[6.0], sum_sq=[14.0], pre_sum=[5.0], pre_sum_sq=[11.0],
    ...                           pre_cross_sum=[12.0])
    >>> s.has_covariate
    True
    """

    n: np.ndarray
    sum: np.ndarray
    sum_sq: np.ndarray
    nonzero: np.ndarray | None = None  # units with a non-zero value, when known (heavy-tail check)
    shift: np.ndarray = field(default_factory=no_shift)  # raw sums unless given
    pre_sum: np.ndarray | None = None  # CUPED covariate sums: all three or none
    pre_sum_sq: np.ndarray | None = None
    pre_cross_sum: np.ndarray | None = None
    pre_shift: np.ndarray | None = None
    _validated: bool = field(default=False, repr=False, compare=False, kw_only=True)
    kind: ClassVar[MetricKind] = "mean"

    def __post_init__(self) -> None:
        object.__setattr__(self, "shift", fill_shift(self.shift, self.n))
        validate_direct(self, type(self).from_arrays)

    @classmethod
    def from_arrays(
        cls,
        n: Any,
        sum: Any,
        sum_sq: Any,
        *,
        nonzero: Any = None,
        shift: Any = None,
        pre_sum: Any = None,
        pre_sum_sq: Any = None,
        pre_cross_sum: Any = None,
        pre_shift: Any = None,
        metric: str | None = None,
        experiment: Any = None,
        variant: Any = None,
    ) -> MeanStats:
        """Validate and build; errors name the metric, experiment, variant, field and value.

        Parameters
        ----------
        n
            Units per row (whole numbers >= 2).
        sum, sum_sq
            Sums of ``x - shift`` and ``(x - shift)**2`` over the units (raw sums when
            ``shift`` is not given).
        nonzero
            Units with x != 0, optional.
        shift
            Per-row (or one scalar) value subtracted before summing; 0 if omitted.
        pre_sum, pre_sum_sq, pre_cross_sum
            CUPED's pre-period covariate x, optional (all three or none): sums of ``x - pre_shift``,
            ``(x - pre_shift)**2`` and ``(x - pre_shift) * (value - shift)`` over the units.
        pre_shift
            Per-row (or one scalar) value subtracted from x before summing; 0 if omitted.
        metric, experiment, variant
            Labels that error and warning messages use to point at a row.

        Warns
        -----
        PrecisionWarning
            Where ``sum_sq - sum**2 / n <= 1e-8 * sum_sq``: the variance is below the
            float resolution of the sums (raw sums of values with a large common
            offset); pass centred sums and ``shift`` instead.
        """
        labels = RowLabels(metric, experiment, variant)
        empty = with_empty_rows(
            cls.from_arrays, {"n": n, "sum": sum, "sum_sq": sum_sq},
            {"nonzero": nonzero, "shift": shift, "pre_sum": pre_sum, "pre_sum_sq": pre_sum_sq,
             "pre_cross_sum": pre_cross_sum, "pre_shift": pre_shift, "metric": metric, "experiment": experiment,
             "variant": variant},
            labels,
        )
        if empty is not None:
            return empty
        n_arr = as_float_array("n", n, labels)
        s_arr = as_float_array("sum", sum, labels)
        q_arr = as_float_array("sum_sq", sum_sq, labels)
        require_same_length({"n": n_arr, "sum": s_arr, "sum_sq": q_arr}, metric)
        require(n_arr < 2, "n", n_arr, "0 (no traffic) or a whole number >= 2 (a variance needs two units)", labels)
        require_whole("n", n_arr, labels)
        require(q_arr < 0, "sum_sq", q_arr, ">= 0", labels)
        require_sum_sq_consistent("sum", "sum_sq", n_arr, s_arr, q_arr, labels)
        shift_arr = None
        if shift is not None:
            shift_arr = as_float_array("shift", shift, labels)
            if len(shift_arr) == 1:
                shift_arr = np.full(len(n_arr), shift_arr[0])
            require_same_length({"n": n_arr, "shift": shift_arr}, metric)
        nz_arr = None
        if nonzero is not None:
            nz_arr = as_float_array("nonzero", nonzero, labels)
            require_same_length({"n": n_arr, "nonzero": nz_arr}, metric)
            require((nz_arr < 0) | (nz_arr > n_arr), "nonzero", nz_arr, "between 0 and n", labels)
            require_whole("nonzero", nz_arr, labels)
        warn_if_cancelled("sum", "sum_sq", n_arr, s_arr, q_arr, labels)
        cov = covariate_sums(n_arr, pre_sum, pre_sum_sq, pre_cross_sum, pre_shift, labels, metric)
        return cls(n_arr, s_arr, q_arr, nz_arr, fill_shift(shift_arr, n_arr), cov.pre_sum, cov.pre_sum_sq,
                   cov.pre_cross_sum, cov.pre_shift, _validated=True)

    def __len__(self) -> int:
        return len(self.n)

    def take(self, rows: np.ndarray) -> MeanStats:
        return take_rows(self, rows)

    def estimate(self) -> np.ndarray:
        """Mean = shift + sum / n."""
        return self.shift + self.sum / self.n

    def unit_variance(self) -> np.ndarray:
        """Sample variance (ddof = 1): (sum_sq - sum * (sum / n)) / (n - 1), floored at 0 against rounding.

        With centred sums (|sum| much smaller than sqrt(n sum_sq)) this is the corrected two-pass
        formula of Chan, Golub and LeVeque (1983), accurate to a few ulps; with raw sums of a
        large-mean metric it cancels, which :meth:`from_arrays` warns about.
        """
        return self._unit_variance

    @cached_property
    def _unit_variance(self) -> np.ndarray:
        # computed once: a comparison asks for it several times (estimate variance, null variance, Welch df)
        return np.maximum(centred_sum_sq(self.n, self.sum, self.sum_sq), 0.0) / (self.n - 1.0)

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

    @property
    def has_covariate(self) -> bool:
        """Whether the rows carry a CUPED pre-period covariate's sums."""
        return self.pre_sum is not None

    def _moments(self, flag: np.ndarray | None) -> ArmMoments:
        cov = CovariateSums(self.pre_sum, self.pre_sum_sq, self.pre_cross_sum, self.pre_shift)
        s_yy = centred_sum_sq(self.n, self.sum, self.sum_sq)
        return covariate_moments(self.n, self.estimate(), self.sum, s_yy, cov, self.variance_of_estimate, flag)

    def regression_adjusted(self, treatment: MeanStats, *, interaction: bool = False) -> Adjustment | None:
        """CUPED of row i of ``treatment`` against row i of this control (None without a covariate).

        theta pooled over both arms (or per arm with ``interaction``, Lin 2013); see
        :mod:`abstats.statistics.cuped` for the formulas.
        """
        if not (self.has_covariate and treatment.has_covariate):
            return None
        flag = self.approximation_flags(treatment).get("heavy_tail")
        return adjust_pair("mean", self._moments(flag), treatment._moments(flag), interaction=interaction)
