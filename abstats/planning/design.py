"""What the planner is asked about, checked once: the metric, its arms, the test and the effect scale.

:func:`build_design` turns a metric object and the shared keywords
(:class:`~abstats.planning.inputs.PlanningSettings`) into one frozen
:class:`Design` of coerced, broadcastable arrays; every solver works on that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from abstats.checks import check_choice, require_cells
from abstats.errors import ConfigError
from abstats.metrics import Metric
from abstats.planning import formulas
from abstats.planning.inputs import (
    PlanningSettings,
    check_metric,
    check_setting_names,
    grid_shape,
    number_array,
    positive_array,
    unit_interval_array,
)
from abstats.statistics.ratio import RatioStats
from abstats.vocabulary import (
    ALTERNATIVES,
    CORRECTIONS,
    DEFAULT_ALTERNATIVE,
    DEFAULT_CORRECTION,
    DEFAULT_MARGIN_TYPE,
    FAMILYWISE_CORRECTIONS,
    HYPOTHESES,
    MARGIN_TYPES,
    MDE_TYPES,
    SIDAK_CORRECTIONS,
    Alternative,
    Correction,
    Hypothesis,
    MarginType,
    MdeType,
)

# Variance formulas per metric kind; the first is the default.
VARIANCES = {
    "binary": ("pooled_null", "unpooled", "arcsine"),
    "mean": ("normal", "t"),
    "ratio": ("normal",),
}
# An absolute margin moves the null away from "no difference": a pooled rate or
# Cohen's h would describe the wrong null, so binary plans use the unpooled variance.
MARGIN_VARIANCES = {"binary": ("unpooled",), "mean": ("normal", "t"), "ratio": ("normal",)}
# analyze tests a relative margin as log(treatment / control) against log(1 +- margin).
LOG_RATIO = "log_ratio"
METHODS = {
    "pooled_null": (
        "normal approximation, pooled variance under H0 and unpooled under H1 (Fleiss 1981; R power.prop.test)"
    ),
    "unpooled": "normal approximation, unpooled variance under H0 and H1 (Chow, Shao & Wang 2008, ch. 4)",
    "arcsine": "arcsine effect size h = 2asin(sqrt(p_t)) - 2asin(sqrt(p_c)) (Cohen 1988; statsmodels NormalIndPower)",
    "normal": "normal approximation, Var = sd_c^2/n_c + sd_t^2/n_t (z-test of the difference)",
    "t": "noncentral t with df = n_c + n_t - 2 (statsmodels TTestIndPower)",
    LOG_RATIO: (
        "normal approximation of log(treatment / control), delta-method variance, tested against"
        " log(1 +- margin) as abstats.analyze tests a relative margin"
    ),
}
RATIO_METHOD = (
    "delta-method per-unit variance of the ratio from pre-period sums (Deng et al. 2018), normal approximation"
)
FDR_REFUSAL = (
    "'none' or a family-wise correction ('bonferroni', 'holm', 'hochberg', 'sidak', 'holm_sidak'): an FDR"
    " correction's per-comparison level depends on how many"
    " p-values turn out small, so there is no fixed level to plan at"
)
RATIO_FIELDS = ("n", "num_sum", "den_sum", "num_sum_sq", "den_sum_sq", "num_den_sum")


@dataclass(frozen=True)
class Design:
    """Validated, broadcastable planning inputs. ``x`` below is the absolute effect treatment - control.

    ``alternative`` is the test's: with a margin it is the metric's better direction.
    ``margin_abs`` is the margin in the metric's units (0 without one).
    Which arm inputs are set depends on the metric kind (see :func:`_arms`): a binary
    metric has ``baseline`` and no sds; a ratio metric has all three; a mean metric has
    the sds and a ``baseline`` only when one was given (always with a relative mde or
    margin). :meth:`require_baseline` and :meth:`require_sds` read them where they are set.
    """

    metric: Metric
    variance: str
    alternative: Alternative
    hypothesis: Hypothesis
    mde_type: MdeType
    margin_type: MarginType
    correction: Correction
    baseline: np.ndarray | None
    sd: np.ndarray | None
    sd_treatment: np.ndarray | None
    alpha: np.ndarray
    alpha_test: np.ndarray
    allocation: np.ndarray
    treatments: np.ndarray
    margin: np.ndarray | None
    margin_abs: np.ndarray
    variance_factor: np.ndarray | None = None  # CUPED: 1 - variance_reduction (None: no covariate)

    @property
    def kind(self) -> str:
        return self.metric.kind

    @property
    def two_sided(self) -> bool:
        return self.alternative == "two-sided"

    @property
    def log_ratio(self) -> bool:
        return self.variance == LOG_RATIO

    @property
    def margin_sign(self) -> float:
        """+1: H0 is 'no better than the margin' (superiority); -1: 'worse by the margin' (non-inferiority)."""
        return 1.0 if self.hypothesis == "superiority" else -1.0

    @property
    def mde_side(self) -> float:
        """Direction plan_mde solves in: the alternative's, the increase for a two-sided test."""
        return -1.0 if self.alternative == "less" else 1.0

    @property
    def method(self) -> str:
        text = RATIO_METHOD if self.kind == "ratio" and not self.log_ratio else METHODS[self.variance]
        if self.variance_factor is not None:
            text += "; CUPED: per-unit variances x (1 - variance_reduction) (Deng et al. 2013)"
        return text

    @property
    def alpha_side(self) -> np.ndarray:
        """Rejection probability per tail: alpha_test / 2 for a two-sided test."""
        return self.alpha_test / 2 if self.two_sided else self.alpha_test

    def z_alpha(self) -> np.ndarray:
        return -special.ndtri(self.alpha_side)

    def require_baseline(self) -> np.ndarray:
        """``baseline`` where the caller's branch guarantees it is set.

        Call only for a binary or ratio metric, a relative mde or margin, or the log-ratio
        test (which needs a relative margin): :func:`_arms` refuses a missing baseline there.
        """
        assert self.baseline is not None, "baseline is set for binary, ratio and relative mde / margin designs"
        return self.baseline

    def require_sds(self) -> tuple[np.ndarray, np.ndarray]:
        """(sd, sd_treatment) of a mean or ratio metric: :func:`_arms` sets both for those kinds."""
        assert self.sd is not None and self.sd_treatment is not None, "sds are None only for a binary metric"
        return self.sd, self.sd_treatment

    def arrays(self) -> dict[str, np.ndarray]:
        """Every per-cell input, for the grid's shape."""
        named = {
            "baseline": self.baseline,
            "sd": self.sd,
            "sd_treatment": self.sd_treatment,
            "alpha": self.alpha,
            "allocation": self.allocation,
            "treatments": self.treatments,
            "margin": self.margin,
            "variance_reduction": self.variance_factor,
        }
        return {k: v for k, v in named.items() if v is not None}

    def to_absolute(self, mde: np.ndarray) -> np.ndarray:
        return mde * self.require_baseline() if self.mde_type == "relative" else mde

    def from_absolute(self, x: np.ndarray) -> np.ndarray:
        return x / self.require_baseline() if self.mde_type == "relative" else x

    def treatment_value(self, x: np.ndarray) -> np.ndarray | None:
        return None if self.baseline is None else self.baseline + x

    def side(self, x: np.ndarray) -> np.ndarray:
        """+1 / -1: the tail the test rejects in (a two-sided test's power is led by the effect's own side)."""
        if self.alternative == "greater":
            return np.ones(())
        if self.alternative == "less":
            return -np.ones(())
        return np.where(x < 0, -1.0, 1.0)

    def scale(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(eff, s0, s1): the shift on the test's scale in its rejection direction, per-unit sds under H0 / H1.

        With a margin the null sits at +-margin (absolute) or log(1 +- margin)
        (relative), on the side :func:`abstats.frequentist.engine.null_shift` puts it.
        With CUPED every per-unit sd is multiplied by sqrt(1 - variance_reduction).
        """
        eff, s0, s1 = self._scale(x)
        if self.variance_factor is None:
            return eff, s0, s1
        shrink = np.sqrt(self.variance_factor)
        return eff, s0 * shrink, s1 * shrink

    def _scale(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        side, r = self.side(x), self.allocation
        if self.log_ratio:
            # The log-ratio test comes only with a relative margin: baseline and margin are set.
            base = self.require_baseline()
            assert self.margin is not None, "the log-ratio variance is chosen only with a relative margin"
            var_c, var_t = self._unit_variances(x)
            m_t = base + x
            s = np.sqrt(var_c / base**2 + var_t / (r * m_t**2))
            null = np.log1p(side * self.margin_sign * self.margin)
            return side * (np.log1p(x / base) - null), s, s
        eff = side * x - self.margin_sign * self.margin_abs
        if self.kind == "binary":
            base = self.require_baseline()
            p_t = base + x
            if self.variance == "arcsine":
                s = np.sqrt(1 + 1 / r)
                return formulas.arcsine_effect(base, p_t), s, s
            s0, s1 = formulas.binary_sds(base, p_t, r, pooled=self.variance == "pooled_null")
            return eff, s0, s1
        sd, sd_t = self.require_sds()
        s = np.sqrt(sd**2 + sd_t**2 / r)
        return eff, s, s

    def _unit_variances(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.kind == "binary":
            base = self.require_baseline()
            p_t = base + x
            return base * (1 - base), p_t * (1 - p_t)
        sd, sd_t = self.require_sds()
        return sd**2, sd_t**2

    def check_effect(self, x: np.ndarray, field: str, values: np.ndarray) -> None:
        """A binary effect keeps the rate inside [0, 1]; a log-ratio test needs a positive treatment value."""
        if self.kind == "binary":
            p_t = self.require_baseline() + x
            expected = "an effect that keeps the treatment rate baseline + effect inside [0, 1]"
            require_cells((p_t < 0) | (p_t > 1), field, values, expected)
        if self.log_ratio:
            expected = "an effect that keeps the treatment value above 0 (a relative margin tests the log ratio)"
            require_cells(self.require_baseline() + x <= 0, field, values, expected)

    def given(
        self,
        *,
        mde: ArrayLike | None = None,
        power: ArrayLike | None = None,
        n_per_arm: ArrayLike | None = None,
        zero_effect: bool = True,
        required: tuple[str, ...] = (),
    ) -> Given:
        """Check the two quantities a solve starts from against the design (the third stays None).

        The solves pass exactly the two they need, so None among them is the user's None: refused by name.
        """
        for name, value in (("mde", mde), ("power", power), ("n_per_arm", n_per_arm)):
            if value is None and name in required:
                raise ConfigError(name, None, "a number or an array of numbers")
        checked: dict[str, np.ndarray] = {}
        if power is not None:
            checked["power"] = self._power_values(power)
        if n_per_arm is not None:
            checked["n_per_arm"] = self._n_values(n_per_arm)
        x = None
        if mde is not None:
            checked["mde"], x = self._effect_values(mde, zero_effect=zero_effect)
        self.check_grid(checked)
        return Given(power=checked.get("power"), n_per_arm=checked.get("n_per_arm"), mde=checked.get("mde"), x=x)

    def _power_values(self, power: ArrayLike) -> np.ndarray:
        """Target power in (0, 1) and above alpha (a test cannot be planned to reject less often than under H0)."""
        arr = unit_interval_array("power", power)
        self.check_grid({"power": arr})
        require_cells(arr <= self.alpha, "power", arr, "greater than alpha", setting=True)
        return arr

    def _n_values(self, n_per_arm: ArrayLike) -> np.ndarray:
        """Control-arm sizes > 0; the t version also needs a degree of freedom (n_c + n_t > 2)."""
        arr = positive_array("n_per_arm", n_per_arm, setting=False)
        self.check_grid({"n_per_arm": arr})
        if self.variance == "t":
            require_cells(arr * (1 + self.allocation) <= 2, "n_per_arm", arr, "n_c + n_t > 2 for the t version")
        return arr

    def _effect_values(self, mde: ArrayLike, *, zero_effect: bool) -> tuple[np.ndarray, np.ndarray]:
        """(mde as given, absolute effect x). A one-sided test without a margin looks only in its direction."""
        mde_arr = number_array("mde", mde, setting=False)
        self.check_grid({"mde": mde_arr})
        x = self.to_absolute(mde_arr)
        self.check_effect(x, "mde", mde_arr)
        if self.margin is None and not self.two_sided:
            wrong = x < 0 if self.alternative == "greater" else x > 0
            if not zero_effect:
                wrong = wrong | (x == 0)
            sign = ">" if self.alternative == "greater" else "<"
            bound = f"{sign}= 0" if zero_effect else f"{sign} 0"
            expected = f"an effect {bound} for alternative {self.alternative!r} (about treatment - control)"
            require_cells(wrong, "mde", mde_arr, expected)
        return mde_arr, x

    def check_grid(self, solve_inputs: Mapping[str, np.ndarray] | None = None) -> None:
        """The design's arrays and the solve's inputs broadcast to one grid of bounded size."""
        grid_shape(self.arrays() | dict(solve_inputs or {}))


@dataclass(frozen=True)
class Given:
    """The checked inputs of one solve: two of power, n_per_arm and mde (with its absolute effect ``x``)."""

    power: np.ndarray | None
    n_per_arm: np.ndarray | None
    mde: np.ndarray | None
    x: np.ndarray | None


def build_design(metric: Metric, settings: Mapping[str, Any]) -> Design:
    """Check the metric and every shared keyword once, resolve the defaults, return the coerced values.

    Parameters
    ----------
    metric
        A :class:`~abstats.metrics.BinaryMetric`, :class:`~abstats.metrics.MeanMetric` or
        :class:`~abstats.metrics.RatioMetric`; its ``higher_is_better`` sets a margin's direction.
    settings
        The keywords of :class:`~abstats.planning.inputs.PlanningSettings` given by the caller.
    """
    metric = check_metric(metric)
    check_setting_names(settings)
    given: PlanningSettings = settings  # type: ignore[assignment]  # names checked just above
    mde_type = check_choice("mde_type", given.get("mde_type", "relative"), MDE_TYPES)
    margin_type = check_choice("margin_type", given.get("margin_type", DEFAULT_MARGIN_TYPE), MARGIN_TYPES)
    hypothesis = check_choice("hypothesis", given.get("hypothesis", "superiority"), HYPOTHESES)
    correction = _correction(given.get("correction", DEFAULT_CORRECTION))
    alternative = check_choice("alternative", given.get("alternative", DEFAULT_ALTERNATIVE), ALTERNATIVES)
    margin = given.get("margin")
    if margin is None and hypothesis == "non_inferiority":
        raise ConfigError("margin", None, "a margin > 0 for a non-inferiority test")
    if margin is not None:
        alternative = _margin_alternative(metric, alternative)
    variance = _variance(metric.kind, given.get("variance"), margin, margin_type)

    alpha = unit_interval_array("alpha", given.get("alpha", 0.05))
    allocation = positive_array("allocation", given.get("allocation", 1.0))
    treatments = number_array("treatments", given.get("treatments", 1))
    bad = (treatments < 1) | (treatments != np.round(treatments))
    require_cells(bad, "treatments", treatments, "a whole number >= 1", setting=True)
    # The first (strictest) step of Holm and Hochberg tests at alpha / k (Sidak, Holm-Sidak:
    # 1 - (1 - alpha)^(1/k)), so planning every comparison there gives at least the stated power.
    if correction in SIDAK_CORRECTIONS:
        alpha_test = -np.expm1(np.log1p(-alpha) / treatments)
    elif correction in FAMILYWISE_CORRECTIONS:
        alpha_test = alpha / treatments
    else:
        alpha_test = alpha

    needs_baseline = mde_type == "relative" or (margin is not None and margin_type == "relative")
    baseline, sd, sd_t = _arms(metric.kind, given, needs_baseline)
    margin_arr, margin_abs = _margin(margin, margin_type, hypothesis, baseline)
    variance_factor = _cuped_factor(given.get("variance_reduction"), given.get("correlation"), variance)
    design = Design(
        metric=metric,
        variance=variance,
        alternative=alternative,
        hypothesis=hypothesis,
        mde_type=mde_type,
        margin_type=margin_type,
        correction=correction,
        baseline=baseline,
        sd=sd,
        sd_treatment=sd_t,
        alpha=alpha,
        alpha_test=alpha_test,
        allocation=allocation,
        treatments=treatments,
        margin=margin_arr,
        margin_abs=margin_abs,
        variance_factor=variance_factor,
    )
    design.check_grid()
    return design


def _cuped_factor(variance_reduction: Any, correlation: Any, variance: str) -> np.ndarray | None:
    """1 - variance_reduction (or 1 - correlation^2), checked; None when neither is given."""
    if variance_reduction is None and correlation is None:
        return None
    if variance_reduction is not None and correlation is not None:
        raise ConfigError("correlation", correlation, "None when variance_reduction is given (one or the other)")
    if variance == "arcsine":
        raise ConfigError("variance", variance, "'pooled_null' or 'unpooled' with CUPED (the arcsine effect size "
                          "has no per-unit variance to reduce)")
    if correlation is not None:
        rho = number_array("correlation", correlation)
        require_cells((rho <= -1) | (rho >= 1), "correlation", rho, "a correlation strictly between -1 and 1",
                      setting=True)
        return 1.0 - rho * rho
    reduction = number_array("variance_reduction", variance_reduction)
    require_cells((reduction < 0) | (reduction >= 1), "variance_reduction", reduction, "a share in [0, 1)",
                  setting=True)
    return 1.0 - reduction


def _correction(value: Any) -> Correction:
    if value in ("benjamini_hochberg", "benjamini_yekutieli"):
        raise ConfigError("correction", value, FDR_REFUSAL)
    if value is None:
        raise ConfigError("correction", None, "the string 'none' for no correction (or a family-wise one)")
    return check_choice("correction", value, [c for c in CORRECTIONS if c == "none" or c in FAMILYWISE_CORRECTIONS])


def _margin_alternative(metric: Metric, alternative: Alternative) -> Alternative:
    """As in analyze, a margin makes the test one-sided in the metric's better direction."""
    better: Alternative = "greater" if metric.higher_is_better else "less"
    if alternative not in ("two-sided", better):
        expected = (
            f"{better!r} (or the default 'two-sided'): with a margin the test is one-sided in the"
            f" metric's better direction (higher_is_better={metric.higher_is_better})"
        )
        raise ConfigError("alternative", alternative, expected)
    return better


def _variance(kind: str, variance: Any, margin: Any, margin_type: MarginType) -> str:
    if margin is None:
        choices, why = VARIANCES[kind], ""
    elif margin_type == "relative":
        choices, why = (LOG_RATIO,), " with a relative margin (analyze tests the log ratio)"
    else:
        choices, why = MARGIN_VARIANCES[kind], " with a margin (the null difference is not 0)"
    if variance is None:
        return choices[0]
    if variance not in choices:
        raise ConfigError("variance", variance, "one of " + ", ".join(repr(c) for c in choices) + why)
    return variance


def _margin(
    margin: Any, margin_type: MarginType, hypothesis: Hypothesis, baseline: np.ndarray | None
) -> tuple[np.ndarray | None, np.ndarray]:
    if margin is None:
        return None, np.zeros(())
    arr = positive_array("margin", margin)
    if margin_type == "absolute":
        return arr, arr
    assert baseline is not None  # _arms requires it for a relative margin
    require_cells(baseline <= 0, "baseline", baseline, "> 0 with a relative margin (the log ratio needs it)")
    if hypothesis == "non_inferiority":
        require_cells(arr >= 1, "margin", arr, "a relative non-inferiority margin below 1 (100%)", setting=True)
    return arr, arr * baseline


def _arms(
    kind: str, given: PlanningSettings, needs_baseline: bool
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    baseline, sd, sd_treatment, pre_period = (given.get(k) for k in ("baseline", "sd", "sd_treatment", "pre_period"))
    if kind == "binary":
        if baseline is None:
            raise ConfigError("baseline", None, "the control conversion rate for a binary metric")
        for field, value in (("sd", sd), ("sd_treatment", sd_treatment), ("pre_period", pre_period)):
            if value is not None:
                raise ConfigError(field, value, "None for a binary metric (its variance follows from the rate)")
        return unit_interval_array("baseline", baseline, setting=False), None, None
    if kind == "ratio":
        return _ratio_arms(baseline, sd, sd_treatment, pre_period)
    if pre_period is not None:
        raise ConfigError("pre_period", pre_period, "None for a mean metric (give sd)")
    if sd is None:
        raise ConfigError("sd", None, "the per-unit standard deviation of a mean metric")
    sd_arr = positive_array("sd", sd, setting=False)
    sd_t_arr = sd_arr if sd_treatment is None else positive_array("sd_treatment", sd_treatment, setting=False)
    if baseline is None:
        if needs_baseline:
            raise ConfigError("baseline", None, "the control mean for a relative mde or margin")
        return None, sd_arr, sd_t_arr
    base = number_array("baseline", baseline, setting=False)
    if needs_baseline:
        require_cells(base == 0, "baseline", base, "a non-zero control mean for a relative mde")
    return base, sd_arr, sd_t_arr


def _ratio_arms(
    baseline: Any, sd: Any, sd_treatment: Any, pre_period: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if pre_period is None:
        raise ConfigError("pre_period", None, "pre-period sums (RatioStats or a mapping of n, num_sum, ...)")
    for field, value in (("baseline", baseline), ("sd", sd), ("sd_treatment", sd_treatment)):
        if value is not None:
            raise ConfigError(field, value, "None for a ratio metric (they come from pre_period)")
    if isinstance(pre_period, RatioStats):
        stats, shape = pre_period, (len(pre_period),)
    else:
        if not isinstance(pre_period, Mapping):
            raise ConfigError("pre_period", pre_period, "RatioStats or a mapping of n, num_sum, den_sum, ...")
        missing = [f for f in RATIO_FIELDS if f not in pre_period]
        if missing:
            raise ConfigError("pre_period", sorted(pre_period), "the keys " + ", ".join(RATIO_FIELDS))
        sums = [np.atleast_1d(number_array(f, pre_period[f], setting=False)) for f in RATIO_FIELDS]
        stats, shape = RatioStats.from_arrays(*sums, metric="pre_period"), np.shape(pre_period["n"])
    base = stats.estimate().reshape(shape)
    require_cells(base == 0, "pre_period", base, "a non-zero pre-period ratio")
    unit_sd = np.sqrt(stats.unit_variance()).reshape(shape)
    require_cells(unit_sd == 0, "pre_period", unit_sd, "a ratio with non-zero variance across units")
    return base, unit_sd, unit_sd
