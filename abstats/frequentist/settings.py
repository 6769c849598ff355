"""Settings of a frequentist analysis, validated once and recorded in the Result."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from abstats.checks import check_choice, check_open_unit, check_positive
from abstats.errors import ConfigError
from abstats.frequentist.intervals import Alternative
from abstats.frequentist.multiple_testing import CORRECTIONS, FAMILYWISE_INTERVALS

ALTERNATIVES = ("two-sided", "greater", "less")


@dataclass(frozen=True)
class FrequentistSettings:
    """Every choice that changes a frequentist number.

    Attributes
    ----------
    alpha
        Significance level (two-sided unless ``alternative`` says otherwise).
    alternative
        About treatment - control: ``"two-sided"``, ``"greater"`` or ``"less"``.
        With a ``margin`` the test is one-sided in the metric's better direction.
    correction
        Multiple-testing correction over each family of comparisons.
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
    hypothesis, margin, margin_type
        ``"superiority"`` (default) or ``"non_inferiority"``; ``margin`` > 0 in
        ``"absolute"`` units of the metric or ``"relative"`` to the control.
    planned_n
        Planned units per arm. Below it a fixed-horizon test gives ``continue``.
    """

    alpha: float = 0.05
    alternative: Alternative = "two-sided"
    correction: str = "holm"
    family: Literal["experiment_metric", "experiment"] = "experiment_metric"
    binary_test: Literal["z", "fisher"] = "z"
    continuity_correction: bool = False
    binary_interval: Literal["wald", "newcombe"] = "wald"
    relative_interval: Literal["log", "fieller"] = "log"
    hypothesis: Literal["superiority", "non_inferiority"] = "superiority"
    margin: float | None = None
    margin_type: Literal["absolute", "relative"] = "absolute"
    planned_n: float | None = None

    def __post_init__(self) -> None:
        check_open_unit("alpha", self.alpha)
        check_choice("alternative", self.alternative, ALTERNATIVES)
        check_choice("correction", self.correction, CORRECTIONS)
        check_choice("family", self.family, ("experiment_metric", "experiment"))
        check_choice("binary_test", self.binary_test, ("z", "fisher"))
        check_choice("binary_interval", self.binary_interval, ("wald", "newcombe"))
        check_choice("relative_interval", self.relative_interval, ("log", "fieller"))
        check_choice("hypothesis", self.hypothesis, ("superiority", "non_inferiority"))
        check_choice("margin_type", self.margin_type, ("absolute", "relative"))
        if not isinstance(self.continuity_correction, bool):
            raise ConfigError("continuity_correction", self.continuity_correction, "True or False")
        if self.margin is not None:
            check_positive("margin", self.margin)
            if self.margin_type == "relative" and self.margin >= 1 and self.hypothesis == "non_inferiority":
                raise ConfigError("margin", self.margin, "a relative non-inferiority margin below 1 (100%)")
            if self.binary_test == "fisher":
                raise ConfigError("binary_test", "fisher", "'z' when a margin is set (Fisher tests no difference only)")
        elif self.hypothesis == "non_inferiority":
            raise ConfigError("margin", None, "a margin > 0 for a non-inferiority test")
        if self.planned_n is not None:
            check_positive("planned_n", self.planned_n)

    @property
    def has_margin(self) -> bool:
        return self.margin is not None

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
        out = asdict(self)
        out["variance"] = self.variance
        out["ci_adjusted"] = self.correction in FAMILYWISE_INTERVALS
        return out
