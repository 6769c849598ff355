"""Settings of a frequentist analysis, validated once and recorded in the Result."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from abstats.checks import check_bool, check_choice, check_open_unit, check_optional, check_positive
from abstats.column import Column
from abstats.errors import ConfigError
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

Distribution = Literal["auto", "normal"]


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
        ``"log"`` (delta method on the log ratio) or ``"fieller"``.
    distribution
        Reference distribution of each comparison, shared by its p-value and both intervals:
        ``"auto"`` (Student's t with Welch's df for means, the normal otherwise) or ``"normal"``
        (the large-sample convention for every kind).
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
    relative_interval: Literal["log", "fieller"] = "log"
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
        check_choice("relative_interval", self.relative_interval, ("log", "fieller"))
        check_choice("distribution", self.distribution, ("auto", "normal"))
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
        }

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if isinstance(self.planned_n, Column):
            out["planned_n"] = str(self.planned_n)
        out["variance"] = self.variance
        out["ci_adjusted"] = self.correction in FAMILYWISE_CORRECTIONS
        return out
