"""Settings of a frequentist analysis, validated once and recorded in the Result."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from abstats.checks import check_bool, check_choice, check_open_unit, check_optional, check_positive
from abstats.column import Column
from abstats.errors import ConfigError
from abstats.inference.relative import RELATIVE_METHODS, RelativeMethod
from abstats.methods.base import MethodSettings
from abstats.metrics import Metric
from abstats.vocabulary import (
    ALTERNATIVES,
    CORRECTIONS,
    FAMILIES,
    FAMILYWISE_CORRECTIONS,
    HYPOTHESES,
    MARGIN_TYPES,
    Alternative,
    Correction,
    Family,
    Hypothesis,
    MarginType,
)

Distribution = Literal["auto", "normal", "welch"]
DISTRIBUTIONS: tuple[Distribution, ...] = ("auto", "normal", "welch")


@dataclass(frozen=True)
class FrequentistSettings(MethodSettings):
    """Every choice that changes a frequentist number.

    Parameters
    ----------
    alpha
        Significance level (two-sided unless ``alternative`` says otherwise).
    alternative
        About treatment - control: ``"two-sided"``, ``"greater"`` or ``"less"``.
        With a ``margin`` the test is one-sided in the metric's better direction.
    correction
        Multiple-testing correction over each family of comparisons (``"none"`` for none).
    family
        ``"experiment_metric"``: the treatments of one experiment on one metric;
        ``"experiment"``: every treatment x metric of one experiment.
    binary_test
        ``"z"`` (pooled-variance z-test) or ``"fisher"`` (exact, small counts).
    continuity_correction
        Yates' correction of the binary z-test.
    binary_interval
        ``"wald"`` (unpooled variance) or ``"newcombe"`` (hybrid Wilson score).
    relative_interval
        ``"log"`` (delta method on the log ratio), ``"fieller"``, or ``"delta"``: GrowthBook's
        convention, the delta-method se of the relative lift m_t / m_c - 1,
        se^2 = v_t / m_c^2 + m_t^2 v_c / m_c^4, a symmetric interval lift +- crit se and the
        row's p-value from the relative scale, lift / se (test ``"z_delta_relative"``, or
        ``"t_delta_relative"`` under a t reference). A zero control mean leaves the row
        undefined (NaN p-value, ``relative_undefined`` warning). Not combined with Fisher's
        test, Yates' correction or an absolute margin (a relative margin is tested as
        (lift - margin) / se).
    distribution
        Reference distribution of each comparison, shared by its p-value and both intervals:
        ``"auto"`` (Student's t with Welch's df for means, the normal otherwise), ``"normal"``
        (the large-sample convention for every kind) or ``"welch"`` (Student's t with the
        Welch-Satterthwaite df from each arm's variance of estimate for every kind, proportions
        included, as gbstats' ``TwoSidedTTest`` does).

        ``relative_interval="delta", distribution="welch"`` reproduces gbstats'
        ``TwoSidedTTest`` with ``difference_type="relative"`` (its ``expected``, ``ci`` and
        ``p_value``) for ``ProportionStatistic`` and ``SampleMeanStatistic`` arms; for means
        ``distribution="auto"`` gives the same df.
    hypothesis, margin, margin_type
        ``"superiority"`` (default) or ``"non_inferiority"``; ``margin`` > 0 in
        ``"absolute"`` units of the metric (default) or ``"relative"`` to the control.
    planned_n
        Planned units per arm (a number, or ``abstats.Column("name")`` for one value per experiment).
        Below it a fixed-horizon test gives ``continue``.

    Examples
    --------
    >>> FrequentistSettings(alpha=0.1, correction="none").alpha
    0.1
    """

    method: ClassVar[str] = "frequentist"

    alpha: float = 0.05
    alternative: Alternative = "two-sided"
    correction: Correction = "holm"
    family: Family = "experiment_metric"
    binary_test: Literal["z", "fisher"] = "z"
    continuity_correction: bool = False
    binary_interval: Literal["wald", "newcombe"] = "wald"
    relative_interval: RelativeMethod = "log"
    distribution: Distribution = "auto"
    hypothesis: Hypothesis = "superiority"
    margin: float | None = None
    margin_type: MarginType = "absolute"
    planned_n: float | Column | None = None

    def __post_init__(self) -> None:
        self._keep("alpha", check_open_unit("alpha", self.alpha))
        check_choice("alternative", self.alternative, ALTERNATIVES)
        check_choice("correction", self.correction, CORRECTIONS)
        check_choice("family", self.family, FAMILIES)
        check_choice("binary_test", self.binary_test, ("z", "fisher"))
        check_choice("binary_interval", self.binary_interval, ("wald", "newcombe"))
        check_choice("relative_interval", self.relative_interval, RELATIVE_METHODS)
        check_choice("distribution", self.distribution, DISTRIBUTIONS)
        check_choice("hypothesis", self.hypothesis, HYPOTHESES)
        check_choice("margin_type", self.margin_type, MARGIN_TYPES)
        self._keep("continuity_correction", check_bool("continuity_correction", self.continuity_correction))
        self._keep("margin", check_optional(check_positive, "margin", self.margin))
        if not isinstance(self.planned_n, Column):
            self._keep("planned_n", check_optional(check_positive, "planned_n", self.planned_n))
        if self.margin is not None:
            if self.margin_type == "relative" and self.margin >= 1 and self.hypothesis == "non_inferiority":
                raise ConfigError("margin", self.margin, "a relative non-inferiority margin below 1 (100%)")
            if self.binary_test == "fisher":
                raise ConfigError("binary_test", "fisher", "'z' when a margin is set (Fisher tests no difference only)")
            if self.alternative != "two-sided":
                raise ConfigError(
                    "alternative", self.alternative,
                    "'two-sided' (the default) with a margin: the test is one-sided in the metric's better direction",
                )
        elif self.hypothesis == "non_inferiority":
            raise ConfigError("margin", None, "a margin > 0 for a non-inferiority test")
        if self.relative_interval == "delta":
            # the row's p-value is the relative-scale one: no second test may claim it
            if self.binary_test == "fisher":
                raise ConfigError("binary_test", "fisher", "'z' with relative_interval='delta' (its p-value is "
                                  "the relative-scale z)")
            if self.continuity_correction:
                raise ConfigError("continuity_correction", True, "False with relative_interval='delta'")
            if self.margin is not None and self.margin_type == "absolute":
                raise ConfigError("margin_type", "absolute", "'relative' with relative_interval='delta' "
                                  "(the test is on the relative scale)")

    @property
    def has_margin(self) -> bool:
        return self.margin is not None

    def for_metric(self, metric: Metric) -> FrequentistSettings:
        """These settings, or for a guardrail its non-inferiority test against the metric's own margin."""
        if metric.role != "guardrail":
            return self
        return replace(self, hypothesis="non_inferiority", margin=metric.margin, margin_type=metric.margin_type,
                       alternative="two-sided", binary_test="z")

    @property
    def variance(self) -> dict[str, str]:
        """Which variance each part of the analysis uses, as recorded in the Result."""
        binary_test = "pooled under H0" if not self.has_margin else "unpooled (H0 is not p_t = p_c)"
        return {
            "binary_test": binary_test if self.binary_test == "z" else "exact (Fisher)",
            "binary_interval": "unpooled" if self.binary_interval == "wald" else "Wilson score per arm (Newcombe)",
            "mean": "unequal variances (Welch), sample variance ddof=1",
            "ratio": "delta method over randomisation units (Deng et al. 2018)",
            "relative": {
                "log": "delta method on log(treatment / control)",
                "fieller": "Fieller's theorem",
                "delta": "delta method on treatment / control - 1 (GrowthBook); the p-value is the relative one",
            }[self.relative_interval],
        }

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if isinstance(self.planned_n, Column):
            out["planned_n"] = str(self.planned_n)
        out["variance"] = self.variance
        out["ci_adjusted"] = self.correction in FAMILYWISE_CORRECTIONS
        return out
