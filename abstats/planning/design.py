"""What the planner is asked about, resolved cell by cell: arms, variance, test level and effect scale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from abstats.checks import check_choice, check_finite_array, check_open_unit_array, check_positive_array, require_cells
from abstats.errors import ConfigError
from abstats.planning import formulas
from abstats.statistics.ratio import RatioStats

METRICS = ("binary", "mean", "ratio")
VARIANCES = {
    "binary": ("pooled_null", "unpooled", "arcsine"),
    "mean": ("normal", "t"),
    "ratio": ("normal",),
}
METHODS = {
    "pooled_null": (
        "normal approximation, pooled variance under H0 and unpooled under H1 (Fleiss 1981; R power.prop.test)"
    ),
    "unpooled": "normal approximation, unpooled variance under H0 and H1 (Chow, Shao & Wang 2008, ch. 4)",
    "arcsine": "arcsine effect size h = 2asin(sqrt(p_t)) - 2asin(sqrt(p_c)) (Cohen 1988; statsmodels NormalIndPower)",
    "normal": "normal approximation, Var = sd_c^2/n_c + sd_t^2/n_t (z-test of the difference)",
    "t": "noncentral t with df = n_c + n_t - 2 (statsmodels TTestIndPower)",
}
RATIO_METHOD = (
    "delta-method per-unit variance of the ratio from pre-period sums (Deng et al. 2018), normal approximation"
)
ALTERNATIVES = ("two-sided", "one-sided")
CORRECTIONS = ("bonferroni", "holm", None)
MDE_TYPES = ("relative", "absolute")


@dataclass(frozen=True)
class Design:
    """Validated, broadcastable planning inputs. ``x`` below is the absolute effect p_t - p_c (or mu_t - mu_c)."""

    metric: str
    variance: str
    alternative: str
    mde_type: str
    correction: str | None
    baseline: np.ndarray | None
    sd: np.ndarray | None
    sd_treatment: np.ndarray | None
    alpha: np.ndarray
    alpha_test: np.ndarray
    allocation: np.ndarray
    treatments: np.ndarray
    margin: np.ndarray | None
    margin_abs: np.ndarray

    @property
    def two_sided(self) -> bool:
        return self.alternative == "two-sided"

    @property
    def method(self) -> str:
        return RATIO_METHOD if self.metric == "ratio" else METHODS[self.variance]

    @property
    def alpha_side(self) -> np.ndarray:
        """Rejection probability per tail: alpha_test / 2 for a two-sided test."""
        return self.alpha_test / 2 if self.two_sided else self.alpha_test

    def z_alpha(self) -> np.ndarray:
        return -special.ndtri(self.alpha_side)

    def to_absolute(self, mde: np.ndarray) -> np.ndarray:
        return mde * self.baseline if self.mde_type == "relative" else mde

    def from_absolute(self, x: np.ndarray) -> np.ndarray:
        return x / self.baseline if self.mde_type == "relative" else x

    def treatment_value(self, x: np.ndarray) -> np.ndarray | None:
        return None if self.baseline is None else self.baseline + x

    def scale(self, x: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(eff, s0, s1): the shift on the test's scale and its per-unit sds under H0 and H1.

        ``direction`` (+1 / -1) is the side the test looks at; the margin of a
        non-inferiority test adds to the shift (H0: effect <= -margin).
        """
        r = self.allocation
        if self.metric == "binary":
            assert self.baseline is not None  # set for binary designs (build_design)
            p_t = self.baseline + x
            if self.variance == "arcsine":
                s = np.sqrt(1 + 1 / r)
                return formulas.arcsine_effect(self.baseline, p_t), s, s
            s0, s1 = formulas.binary_sds(self.baseline, p_t, r, pooled=self.variance == "pooled_null")
            return direction * x + self.margin_abs, s0, s1
        assert self.sd is not None and self.sd_treatment is not None  # set for mean and ratio designs
        s = np.sqrt(self.sd**2 + self.sd_treatment**2 / r)
        return direction * x + self.margin_abs, s, s

    def check_treatment_rate(self, x: np.ndarray, field: str, values: np.ndarray) -> None:
        """A binary effect must keep the treatment rate inside [0, 1]."""
        if self.metric != "binary":
            return
        p_t = self.baseline + x
        require_cells(
            (p_t < 0) | (p_t > 1),
            field,
            values,
            "an effect that keeps the treatment rate baseline + effect inside [0, 1]",
        )


def build_design(
    metric: str,
    *,
    baseline: Any,
    sd: Any,
    sd_treatment: Any,
    pre_period: Any,
    mde_type: str,
    alpha: Any,
    alternative: str | None,
    allocation: Any,
    treatments: Any,
    correction: str | None,
    margin: Any,
    variance: str | None,
) -> Design:
    """Check every planning input and resolve defaults (variance, sidedness, corrected alpha)."""
    check_choice("metric", metric, METRICS)
    check_choice("mde_type", mde_type, MDE_TYPES)
    check_choice("correction", correction, CORRECTIONS)
    if alternative is None:
        alternative = "two-sided" if margin is None else "one-sided"
    check_choice("alternative", alternative, ALTERNATIVES)
    if margin is not None and alternative != "one-sided":
        raise ConfigError("alternative", alternative, "'one-sided' for a non-inferiority margin")
    if variance is None:
        variance = VARIANCES[metric][0] if metric != "binary" or margin is None else "unpooled"
    check_choice("variance", variance, VARIANCES[metric])
    if margin is not None and variance in ("pooled_null", "arcsine"):
        raise ConfigError(
            "variance", variance, "'unpooled' with a non-inferiority margin (the null difference is not 0)"
        )

    alpha_arr = check_open_unit_array("alpha", alpha)
    allocation_arr = check_positive_array("allocation", allocation, setting=True)
    treatments_arr = check_finite_array("treatments", treatments, setting=True)
    require_cells(
        (treatments_arr < 1) | (treatments_arr != np.round(treatments_arr)),
        "treatments",
        treatments_arr,
        "a whole number >= 1",
        setting=True,
    )
    alpha_test = alpha_arr / treatments_arr if correction is not None else alpha_arr

    baseline_arr, sd_arr, sd_t_arr = _arms(metric, baseline, sd, sd_treatment, pre_period, mde_type)
    margin_arr = None
    margin_abs: np.ndarray = np.zeros(())
    if margin is not None:
        margin_arr = check_positive_array("margin", margin)
        margin_abs = margin_arr * baseline_arr if mde_type == "relative" else margin_arr
    return Design(
        metric=metric,
        variance=variance,
        alternative=alternative,
        mde_type=mde_type,
        correction=correction,
        baseline=baseline_arr,
        sd=sd_arr,
        sd_treatment=sd_t_arr,
        alpha=alpha_arr,
        alpha_test=alpha_test,
        allocation=allocation_arr,
        treatments=treatments_arr,
        margin=margin_arr,
        margin_abs=margin_abs,
    )


def _arms(
    metric: str, baseline: Any, sd: Any, sd_treatment: Any, pre_period: Any, mde_type: str
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    if metric == "binary":
        if baseline is None:
            raise ConfigError("baseline", None, "the control conversion rate for a binary metric")
        for field, value in (("sd", sd), ("sd_treatment", sd_treatment), ("pre_period", pre_period)):
            if value is not None:
                raise ConfigError(field, value, "None for a binary metric (its variance follows from the rate)")
        return check_open_unit_array("baseline", baseline, setting=False), None, None
    if metric == "ratio":
        if pre_period is None:
            raise ConfigError("pre_period", None, "pre-period sums (RatioStats or a mapping of n, num_sum, ...)")
        for field, value in (("baseline", baseline), ("sd", sd), ("sd_treatment", sd_treatment)):
            if value is not None:
                raise ConfigError(field, value, "None for a ratio metric (they come from pre_period)")
        if isinstance(pre_period, RatioStats):
            stats, shape = pre_period, (len(pre_period),)
        else:
            stats, shape = _ratio_stats(pre_period), np.shape(pre_period.get("n"))
        base = stats.estimate().reshape(shape)
        require_cells(base == 0, "pre_period", base, "a non-zero pre-period ratio")
        unit_sd = np.sqrt(stats.unit_variance()).reshape(shape)
        require_cells(unit_sd == 0, "pre_period", unit_sd, "a ratio with non-zero variance across units")
        return base, unit_sd, unit_sd
    if sd is None:
        raise ConfigError("sd", None, "the per-unit standard deviation of a mean metric")
    sd_arr = check_positive_array("sd", sd)
    sd_t_arr = sd_arr if sd_treatment is None else check_positive_array("sd_treatment", sd_treatment)
    if baseline is None:
        if mde_type == "relative":
            raise ConfigError("baseline", None, "the control mean when mde_type is 'relative'")
        return None, sd_arr, sd_t_arr
    base = check_finite_array("baseline", baseline)
    if mde_type == "relative":
        require_cells(base == 0, "baseline", base, "a non-zero control mean for a relative mde")
    return base, sd_arr, sd_t_arr


def _ratio_stats(pre_period: Any) -> RatioStats:
    if not isinstance(pre_period, Mapping):
        raise ConfigError("pre_period", pre_period, "RatioStats or a mapping of n, num_sum, den_sum, ...")
    fields = ("n", "num_sum", "den_sum", "num_sum_sq", "den_sum_sq", "num_den_sum")
    missing = [f for f in fields if f not in pre_period]
    if missing:
        raise ConfigError("pre_period", sorted(pre_period), "the keys " + ", ".join(fields))
    return RatioStats.from_arrays(*(np.atleast_1d(pre_period[f]) for f in fields), metric="pre_period")
