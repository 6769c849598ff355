"""Settings of a Bayesian analysis, validated once and recorded in the Result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from abstats.bayesian.beta_binomial import check_beta_prior
from abstats.bayesian.normal import check_normal_prior
from abstats.checks import check_choice, check_finite, check_open_unit, check_optional, check_positive
from abstats.errors import ConfigError
from abstats.methods.base import MethodSettings


@dataclass(frozen=True)
class BayesianSettings(MethodSettings):
    """Every choice that changes a Bayesian number.

    Parameters
    ----------
    prior_alpha, prior_beta
        Beta prior of every binary arm (default Beta(1, 1), uniform); for an informative
        prior from history use :meth:`abstats.bayesian.BetaPrior.from_history`.
    prior_rel_effect_sd, prior_rel_effect_mean
        Mean and ratio metrics: optional normal prior on the relative effect (as GrowthBook);
        ``None`` is the flat prior.
    ci_level
        Credible level of every interval.
    interval
        ``"equal_tailed"`` (exact quantiles / root-found CDFs) or ``"hdi"`` (arviz, on seeded draws).
    threshold, threshold_type
        The "threshold of caring" of the expected-loss rule: stop with the arm whose expected
        loss is below it; ``"relative"`` multiplies by the control's rate / mean.
    prob_threshold
        Optional: also require P(beats) (or P(loses)) at least this large to stop.
    seed
        Seed of the posterior draws behind HDI intervals.
    """

    method: ClassVar[str] = "bayesian"

    prior_alpha: float = 1.0
    prior_beta: float = 1.0
    prior_rel_effect_sd: float | None = None
    prior_rel_effect_mean: float = 0.0
    ci_level: float = 0.95
    interval: Literal["equal_tailed", "hdi"] = "equal_tailed"
    threshold: float = 0.0025
    threshold_type: Literal["absolute", "relative"] = "relative"
    prob_threshold: float | None = None
    seed: int | None = 0

    def __post_init__(self) -> None:
        self._keep("prior_alpha", check_positive("prior_alpha", self.prior_alpha))
        self._keep("prior_beta", check_positive("prior_beta", self.prior_beta))
        self._keep(
            "prior_rel_effect_sd", check_optional(check_positive, "prior_rel_effect_sd", self.prior_rel_effect_sd)
        )
        self._keep("prior_rel_effect_mean", check_finite("prior_rel_effect_mean", self.prior_rel_effect_mean))
        # the ranges within which the numerical methods are verified: named errors now, not at scoring time
        alpha, beta = check_beta_prior(self.prior_alpha, self.prior_beta)
        self._keep("prior_alpha", alpha)
        self._keep("prior_beta", beta)
        check_normal_prior(self.prior_rel_effect_sd, self.prior_rel_effect_mean)
        self._keep("ci_level", check_open_unit("ci_level", self.ci_level))
        check_choice("interval", self.interval, ("equal_tailed", "hdi"))
        self._keep("threshold", check_positive("threshold", self.threshold))
        check_choice("threshold_type", self.threshold_type, ("absolute", "relative"))
        self._keep("prob_threshold", check_optional(check_open_unit, "prob_threshold", self.prob_threshold))
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ConfigError("seed", self.seed, "an integer or None")

    def cutoff(self, control_estimate: Any) -> Any:
        """The threshold of caring of each row: absolute, or ``threshold`` x |control value|."""
        if self.threshold_type == "relative":
            return self.threshold * abs(control_estimate)
        return self.threshold

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["prior"] = {
            "binary": f"Beta({self.prior_alpha:g}, {self.prior_beta:g}) on each arm's rate",
            "mean_and_ratio": "flat on the effect"
            if self.prior_rel_effect_sd is None
            else f"Normal({self.prior_rel_effect_mean:g}, {self.prior_rel_effect_sd:g}^2) on the relative effect",
        }
        out["posterior"] = {
            "binary": "exact Beta posteriors; P(beats), expected loss and P(best) by 1-D quadrature",
            "mean_and_ratio": "normal posterior from the sufficient statistics (delta method for ratios)",
        }
        return out
