"""Settings of the sequential methods, one class per method, validated once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from abstats.checks import check_choice, check_open_unit, check_positive
from abstats.errors import ConfigError
from abstats.methods.base import MethodSettings
from abstats.sequential.confidence_sequences import confidence_sequence
from abstats.sequential.design import GroupSequentialDesign
from abstats.sequential.msprt import DEFAULT_TUNING_N, msprt_confidence_interval
from abstats.vocabulary import ALTERNATIVES, CORRECTIONS, FAMILIES, Alternative, Correction, Family

# Each comparison gets a design at alpha / m: Bonferroni-type corrections only.
GROUP_SEQUENTIAL_CORRECTIONS: tuple[Correction, ...] = ("bonferroni", "holm", "none")


@dataclass(frozen=True)
class GroupSequentialSettings(MethodSettings):
    """A look of a planned group-sequential design.

    Parameters
    ----------
    design
        The planned :class:`~abstats.sequential.GroupSequentialDesign`; it carries alpha and the alternative.
    look
        This look (1-based).
    information_fraction
        Observed information fraction(s), when looks did not arrive as planned (spending is recomputed).
    correction, family
        Multiple treatments / metrics: ``"bonferroni"`` or ``"holm"`` give each comparison a design at
        alpha / m (Holm's step-down is not recycled across looks); ``"none"`` uses the design as given.

    Examples
    --------
    >>> s = GroupSequentialSettings(GroupSequentialDesign("pocock", looks=3), look=1)
    >>> s.alternative
    'two-sided'
    """

    method: ClassVar[str] = "group_sequential"

    design: GroupSequentialDesign
    look: int
    information_fraction: Any = None
    correction: Correction = "holm"
    family: Family = "experiment_metric"

    def __post_init__(self) -> None:
        if not isinstance(self.design, GroupSequentialDesign):
            raise ConfigError("design", self.design, "a GroupSequentialDesign for method='group_sequential'")
        looks = self.design.looks
        if isinstance(self.look, bool) or not isinstance(self.look, int) or not 1 <= self.look <= (looks or 0):
            raise ConfigError("look", self.look, f"the look number, an integer from 1 to {looks}")
        check_choice("correction", self.correction, GROUP_SEQUENTIAL_CORRECTIONS)
        check_choice("family", self.family, FAMILIES)

    @property
    def alternative(self) -> str:
        return self.design.alternative

    def to_dict(self) -> dict[str, Any]:
        d = self.design
        return {
            "method": self.method,
            "correction": self.correction,
            "family": self.family,
            "alternative": d.alternative,
            "alpha": d.alpha,
            "design": d.label,
            "looks": d.looks,
            "information_fractions": list(d.information_fractions or ()),
            "futility": d.beta_spending,
            "binding": d.binding,
            "look": self.look,
            "observed_information_fraction": _plain_fraction(self.information_fraction),
            "intervals": "repeated confidence intervals at this look's efficacy boundary (Jennison & Turnbull)",
            "p_value": "not reported: a fixed-horizon p-value is not valid at an interim look",
        }


@dataclass(frozen=True)
class AlwaysValidSettings(MethodSettings):
    """Always-valid inference, valid at any look.

    Parameters
    ----------
    alpha
        Level of the always-valid test and interval.
    tuning_n
        Total units at which the mixture is tuned to be tightest (set it to the planned
        sample size; default 5000, GrowthBook's default).
    correction, family
        Any correction applies to always-valid p-values as to fixed-horizon ones.
    alternative
        About treatment - control: ``"two-sided"`` (normal mixture), or ``"greater"`` / ``"less"``:
        the one-sided (half-normal) mixture of Howard et al. (2021), whose p-value is
        valid for the composite null (theta <= 0 / theta >= 0) at any look and whose interval
        bounds one side only.
    """

    method: ClassVar[str]
    interval_text: ClassVar[str]

    alpha: float = 0.05
    tuning_n: float = DEFAULT_TUNING_N
    correction: Correction = "holm"
    family: Family = "experiment_metric"
    alternative: Alternative = "two-sided"

    def __post_init__(self) -> None:
        self._keep("alpha", check_open_unit("alpha", self.alpha))
        self._keep("tuning_n", check_positive("tuning_n", self.tuning_n))
        check_choice("correction", self.correction, CORRECTIONS)
        check_choice("family", self.family, FAMILIES)
        check_choice("alternative", self.alternative, ALTERNATIVES)

    def interval(
        self, effect: np.ndarray, variance: np.ndarray, n_total: np.ndarray, tau2: np.ndarray, alpha: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The always-valid interval of the absolute effect at level ``alpha``."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "alternative": self.alternative,
            "intervals": self.interval_text,
            "p_value": "always-valid at this look; the running minimum over your looks is also valid",
        }


@dataclass(frozen=True)
class MsprtSettings(AlwaysValidSettings):
    """mSPRT (Johari et al. 2022): always-valid p-value and its dual interval. Parameters as the base class."""

    method: ClassVar[str] = "msprt"
    interval_text: ClassVar[str] = "always-valid mSPRT interval (normal mixture, tau2 = rho^2 n Var)"

    def interval(
        self, effect: np.ndarray, variance: np.ndarray, n_total: np.ndarray, tau2: np.ndarray, alpha: float
    ) -> tuple[np.ndarray, np.ndarray]:
        return msprt_confidence_interval(effect, variance, tau2, alpha=alpha, alternative=self.alternative)


@dataclass(frozen=True)
class ConfidenceSequenceSettings(AlwaysValidSettings):
    """Asymptotic confidence sequence (Howard et al. 2021). Parameters as the base class."""

    method: ClassVar[str] = "confidence_sequence"
    interval_text: ClassVar[str] = "asymptotic confidence sequence (Howard et al. 2021)"

    def interval(
        self, effect: np.ndarray, variance: np.ndarray, n_total: np.ndarray, tau2: np.ndarray, alpha: float
    ) -> tuple[np.ndarray, np.ndarray]:
        return confidence_sequence(effect, variance, n_total, alpha=alpha, tuning_n=self.tuning_n,
                                   alternative=self.alternative)


def _plain_fraction(value: Any) -> Any:
    if value is None:
        return None
    try:
        return [float(v) for v in value]
    except TypeError:
        return float(value)
