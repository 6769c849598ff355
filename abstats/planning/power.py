"""Solve for the power, given the sample size and the effect."""

from __future__ import annotations

from typing import Unpack

import numpy as np
from numpy.typing import ArrayLike

from abstats.metrics import Metric
from abstats.planning import formulas
from abstats.planning.design import Design, build_design
from abstats.planning.inputs import PlanningSettings
from abstats.planning.plan import SampleSizePlan, make_plan


def plan_power(
    metric: Metric, *, n_per_arm: ArrayLike, mde: ArrayLike, **settings: Unpack[PlanningSettings]
) -> SampleSizePlan:
    """Probability that the test rejects H0 when the true effect is ``mde``, with ``n_per_arm`` control units.

    Normal versions: Phi((eff sqrt(n) - z_a s0) / s1), plus the opposite tail
    Phi((-eff sqrt(n) - z_a s0) / s1) when two-sided (R ``power.prop.test(strict=TRUE)``,
    statsmodels ``NormalIndPower``); ``variance="t"``: noncentral t, both tails
    (statsmodels ``TTestIndPower``). An effect of 0 gives power = alpha. With k
    treatments the power is per comparison.

    Parameters
    ----------
    metric, **settings
        As in :func:`plan_sample_size`: the metric object given to :func:`abstats.analyze`
        and the shared keywords of :class:`~abstats.planning.PlanningSettings`.
    n_per_arm, mde
        Control-arm size (each treatment arm has ``allocation * n_per_arm``) and the true
        effect, treatment minus control, in ``mde_type`` units; a one-sided test without a
        margin takes 0 or an effect of the alternative's sign.

    Returns
    -------
    SampleSizePlan
        ``power`` per cell, with the inputs.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> plan = plan_power(BinaryMetric("signup"), baseline=0.5, mde=0.25, mde_type="absolute",
    ...                   n_per_arm=76.70692845177742)
    >>> round(float(plan.power), 4)
    0.9
    """
    design = build_design(metric, settings)
    return solve_power(design, n_per_arm, mde)


def solve_power(design: Design, n_per_arm: ArrayLike, mde: ArrayLike) -> SampleSizePlan:
    """:func:`plan_power` on checked settings (``n_per_arm`` and ``mde`` are checked here)."""
    given = design.given(n_per_arm=n_per_arm, mde=mde, required=("n_per_arm", "mde"))
    n, mde_arr, x = given.n_per_arm, given.mde, given.x
    assert n is not None and mde_arr is not None and x is not None  # both were given
    eff, s0, s1 = design.scale(x)
    if design.variance == "t":
        power = formulas.t_power(n, eff, s1, design.allocation, design.alpha_side, two_sided=design.two_sided)
    else:
        power = formulas.normal_power(n, eff, s0, s1, design.z_alpha(), two_sided=design.two_sided)
    # Rounding can put the sum of the two tails a few ulps above 1.
    return make_plan(design, "power", x, np.minimum(power, 1.0), n, mde_arr)
