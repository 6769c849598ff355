"""Settings of a sequential analysis (group-sequential or always-valid), validated once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from abstats.checks import check_choice, check_open_unit, check_positive
from abstats.errors import ConfigError
from abstats.frequentist.multiple_testing import CORRECTIONS
from abstats.sequential.design import GroupSequentialDesign
from abstats.sequential.msprt import DEFAULT_TUNING_N

SEQUENTIAL_METHODS = ("group_sequential", "msprt", "confidence_sequence")


@dataclass(frozen=True)
class SequentialSettings:
    """Every choice that changes a sequential number.

    Attributes
    ----------
    method
        ``"group_sequential"`` (planned looks, boundaries), ``"msprt"`` (always-valid
        p-value, Johari et al.) or ``"confidence_sequence"`` (Howard et al. 2021).
    design, look, information_fraction
        Group-sequential only: the planned design, this look (1-based) and optionally the
        observed information fraction(s) (spending is recomputed from them).
    alpha
        Always-valid methods only (a group-sequential design carries its own alpha).
    tuning_n
        Always-valid methods: total units at which the mixture is tuned to be tightest
        (set it to the planned sample size; default 5000, GrowthBook's default).
    correction, family
        Multiple treatments / metrics. Group-sequential: ``"bonferroni"`` or ``"holm"`` give each
        comparison a design at alpha / m (Holm's step-down is not recycled across looks);
        always-valid: any correction applies to the always-valid p-values as to fixed-horizon ones.
    """

    method: str
    design: GroupSequentialDesign | None = None
    look: int | None = None
    information_fraction: Any = None
    alpha: float = 0.05
    tuning_n: float = DEFAULT_TUNING_N
    correction: str = "holm"
    family: str = "experiment_metric"

    def __post_init__(self) -> None:
        check_choice("method", self.method, SEQUENTIAL_METHODS)
        check_choice("correction", self.correction, CORRECTIONS)
        check_choice("family", self.family, ("experiment_metric", "experiment"))
        check_open_unit("alpha", self.alpha)
        check_positive("tuning_n", self.tuning_n)
        if self.method == "group_sequential":
            if not isinstance(self.design, GroupSequentialDesign):
                raise ConfigError("design", self.design, "a GroupSequentialDesign for method='group_sequential'")
            if self.look is None:
                raise ConfigError("look", None, f"the look number (1..{self.design.looks})")
            if self.correction not in ("none", "bonferroni", "holm"):
                raise ConfigError(
                    "correction", self.correction, "'bonferroni', 'holm' or 'none' with a group-sequential design"
                )
        elif self.design is not None or self.look is not None:
            raise ConfigError("design", self.design, f"no design or look for method={self.method!r}")

    @property
    def alternative(self) -> str:
        return self.design.alternative if self.design is not None else "two-sided"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "correction": self.correction,
            "family": self.family,
            "alternative": self.alternative,
        }
        if self.design is not None:
            d = self.design
            out.update(
                alpha=d.alpha,
                design=d.label,
                looks=d.looks,
                information_fractions=list(d.information_fractions),
                futility=d.beta_spending,
                binding=d.binding,
                look=self.look,
                observed_information_fraction=_plain_fraction(self.information_fraction),
                intervals="repeated confidence intervals at this look's efficacy boundary (Jennison & Turnbull)",
                p_value="not reported: a fixed-horizon p-value is not valid at an interim look",
            )
        else:
            out.update(alpha=self.alpha, tuning_n=self.tuning_n)
            out["intervals"] = (
                "always-valid mSPRT interval (normal mixture, tau2 = rho^2 n Var)"
                if self.method == "msprt"
                else "asymptotic confidence sequence (Howard et al. 2021)"
            )
            out["p_value"] = "always-valid at this look; the running minimum over your looks is also valid"
        return out


def _plain_fraction(value: Any) -> Any:
    if value is None:
        return None
    try:
        return [float(v) for v in value]
    except TypeError:
        return float(value)
