"""Power mid-experiment: how likely the running test is to detect an effect, and how many more units it needs.

The question GrowthBook answers with its mid-experiment power: with the variance observed so far
(not the one assumed when planning) and the traffic split observed so far, what is the power of
the final test for a minimum detectable effect, and how many more units per arm would bring it to
the target power? Normal approximation, unpooled variances (Chow, Shao & Wang 2008, ch. 3-4):

    s^2 = v_c + v_t / r,  r = n_t / n_c,   v = per-unit variance of each arm
    power(n_c) = Phi(|x| sqrt(n_c) / s - z_a)  (+ the far tail when two-sided)
    n_c needed = ((z_a + z_b) s / |x|)^2

for an absolute effect x (``mde_type="relative"`` multiplies by the control's estimate). Every
metric kind works through its statistics' per-unit variance; rows are experiments, vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from abstats.checks import check_choice, check_open_unit
from abstats.errors import ConfigError, InputError
from abstats.planning import formulas
from abstats.statistics.protocol import SufficientStats
from abstats.vocabulary import ALTERNATIVES, MDE_TYPES, Alternative, MdeType


@dataclass(frozen=True)
class MidExperimentPower:
    """Power now and the units still needed, one element per experiment row.

    Attributes
    ----------
    power
        Power of the test at the units observed so far, for the effect ``mde_absolute``.
    n_per_arm_needed, n_treatment_needed
        Control and treatment units at which the test reaches the target power (same split as observed).
    additional_control, additional_treatment
        Units still to collect per arm (0 where the target is already reached), rounded up.
    mde_absolute
        The effect on the metric's scale, treatment - control.
    """

    power: np.ndarray
    n_per_arm_needed: np.ndarray
    n_treatment_needed: np.ndarray
    additional_control: np.ndarray
    additional_treatment: np.ndarray
    mde_absolute: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name).tolist() for name in self.__dataclass_fields__}


def mid_experiment_power(
    control: SufficientStats,
    treatment: SufficientStats,
    *,
    mde: ArrayLike,
    mde_type: MdeType = "relative",
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative = "two-sided",
) -> MidExperimentPower:
    """Power of the running test for ``mde`` and the units per arm still needed to reach ``power``.

    Parameters
    ----------
    control, treatment
        The experiment's sufficient statistics so far (rows are experiments), as given to :func:`abstats.compare`.
    mde
        The minimum effect worth detecting: relative to the control's estimate (``mde_type="relative"``,
        0.05 = +5 %) or absolute.
    alpha, power, alternative
        Level, target power and sidedness of the final test (one-sided tests look in ``mde``'s direction).

    Examples
    --------
    >>> from abstats.statistics import BinaryStats
    >>> c, t = BinaryStats.from_arrays([4000], [200]), BinaryStats.from_arrays([4000], [212])
    >>> mid = mid_experiment_power(c, t, mde=0.10)
    >>> round(float(mid.power[0]), 3), int(mid.additional_control[0])
    (0.173, 26671)
    """
    if type(control) is not type(treatment) or len(control) != len(treatment):
        raise InputError("treatment", type(treatment).__name__, "statistics of the same kind and length as control")
    alpha = check_open_unit("alpha", alpha)
    target = check_open_unit("power", power)
    check_choice("mde_type", mde_type, MDE_TYPES)
    check_choice("alternative", alternative, ALTERNATIVES)
    if target <= alpha:
        raise ConfigError("power", power, f"greater than alpha ({alpha:g})")
    if isinstance(mde, (str, bool)):
        raise ConfigError("mde", mde, "a number or an array of numbers")
    mde_arr = np.asarray(mde, dtype=float)
    if not np.isfinite(mde_arr).all() or (mde_arr == 0).any():
        raise ConfigError("mde", mde, "a finite, non-zero effect")
    x = mde_arr * control.estimate() if mde_type == "relative" else np.broadcast_to(mde_arr, (len(control),))
    if (x == 0).any():
        raise InputError("mde", mde, "a relative effect of a non-zero control estimate")
    r = treatment.n / control.n
    s = np.sqrt(control.unit_variance() + treatment.unit_variance() / r)
    if (s == 0).any():
        raise InputError("variance", 0.0, "some variation in the data (no power can be computed without it)")
    two_sided = alternative == "two-sided"
    side_alpha = alpha / 2 if two_sided else alpha
    z_a = -special.ndtri(side_alpha)
    eff = np.abs(x)  # a one-sided test looks in the effect's direction
    now = formulas.normal_power(control.n, eff, s, s, z_a, two_sided=two_sided)
    needed = formulas.normal_n(eff, s, s, z_a, special.ndtri(target))
    return MidExperimentPower(
        power=np.minimum(now, 1.0),
        n_per_arm_needed=needed,
        n_treatment_needed=needed * r,
        additional_control=np.ceil(np.maximum(needed - control.n, 0.0)),
        additional_treatment=np.ceil(np.maximum(needed * r - treatment.n, 0.0)),
        mde_absolute=x,
    )
