"""Solve for the power, given the sample size and the effect."""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.planning import formulas
from abstats.planning.design import build_design
from abstats.planning.inputs import effect_and_direction, n_array
from abstats.planning.plan import SampleSizePlan, make_plan


def plan_power(
    metric: str = "binary",
    *,
    n_per_arm: Any,
    mde: Any,
    baseline: Any = None,
    mde_type: str = "relative",
    sd: Any = None,
    sd_treatment: Any = None,
    pre_period: Any = None,
    alpha: Any = 0.05,
    alternative: str | None = None,
    allocation: Any = 1.0,
    treatments: Any = 1,
    correction: str | None = None,
    margin: Any = None,
    variance: str | None = None,
) -> SampleSizePlan:
    """Probability that the test rejects H0 when the true effect is ``mde``, with ``n_per_arm`` control units.

    Normal versions: Phi((eff sqrt(n) - z_a s0) / s1), plus the opposite tail
    Phi((-eff sqrt(n) - z_a s0) / s1) when two-sided (R ``power.prop.test(strict=TRUE)``,
    statsmodels ``NormalIndPower``); ``variance="t"``: noncentral t, both tails
    (statsmodels ``TTestIndPower``). An effect of 0 gives power = alpha. Arguments
    as in :func:`plan_sample_size`; with k treatments the power is per comparison.

    Examples
    --------
    >>> round(float(plan_power("binary", baseline=0.5, mde=0.25, mde_type="absolute",
    ...                        n_per_arm=76.70692845177742).power), 4)
    0.9
    """
    design = build_design(
        metric,
        baseline=baseline,
        sd=sd,
        sd_treatment=sd_treatment,
        pre_period=pre_period,
        mde_type=mde_type,
        alpha=alpha,
        alternative=alternative,
        allocation=allocation,
        treatments=treatments,
        correction=correction,
        margin=margin,
        variance=variance,
    )
    n = n_array(n_per_arm, design)
    mde_arr, x, direction = effect_and_direction(mde, design)
    eff, s0, s1 = design.scale(x, direction)
    if design.variance == "t":
        power = formulas.t_power(n, eff, s1, design.allocation, design.alpha_side, two_sided=design.two_sided)
    else:
        power = formulas.normal_power(n, eff, s0, s1, design.z_alpha(), two_sided=design.two_sided)
    # Rounding can put the sum of the two tails a few ulps above 1.
    return make_plan(design, "power", x, np.minimum(power, 1.0), n, mde_arr)
