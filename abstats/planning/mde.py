"""Solve for the minimum detectable effect, given the sample size and the power."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from abstats.checks import check_choice, require_cells
from abstats.errors import ConfigError
from abstats.planning import formulas
from abstats.planning.bisection import bisect_increasing
from abstats.planning.design import Design, build_design
from abstats.planning.inputs import n_array, power_array
from abstats.planning.plan import SampleSizePlan, make_plan

DIRECTIONS = {"increase": 1.0, "decrease": -1.0}


def plan_mde(
    metric: str = "binary",
    *,
    n_per_arm: Any,
    baseline: Any = None,
    mde_type: str = "relative",
    direction: str = "increase",
    sd: Any = None,
    sd_treatment: Any = None,
    pre_period: Any = None,
    alpha: Any = 0.05,
    power: Any = 0.8,
    alternative: str | None = None,
    allocation: Any = 1.0,
    treatments: Any = 1,
    correction: str | None = None,
    margin: Any = None,
    variance: str | None = None,
) -> SampleSizePlan:
    """Smallest effect (in ``direction``) that ``n_per_arm`` control units detect with probability ``power``.

    Inverts the equation :func:`plan_sample_size` solves, so the two round-trip.
    Closed forms for the mean/ratio normal version (eff = (z_a + z_b) s / sqrt(n))
    and the arcsine version (p_t = sin^2(asin sqrt(p_c) +- h / 2)); the binary
    pooled/unpooled versions, whose variance depends on the effect, and the
    noncentral-t version are solved by 64 vectorised bisection steps, which
    leave an error below float64 resolution (2**-64 of the bracket). With a
    margin, the result is the true effect (possibly negative) still detected
    as non-inferior. Other arguments as in :func:`plan_sample_size`.

    Examples
    --------
    >>> round(float(plan_mde("binary", baseline=0.05, n_per_arm=31233.437940129967).mde), 6)
    0.1
    """
    check_choice("direction", direction, tuple(DIRECTIONS))
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
    if design.margin is not None and direction != "increase":
        raise ConfigError("direction", direction, "'increase' with a non-inferiority margin (H1: higher is better)")
    power_arr = power_array(power, design)
    n = n_array(n_per_arm, design)
    sign = DIRECTIONS[direction]
    if design.metric == "binary" and design.variance == "arcsine":
        x = _arcsine_effect(design, n, power_arr, sign)
    elif design.metric == "binary":
        x = _binary_effect(design, n, power_arr, sign)
    else:
        _, s, _ = design.scale(np.zeros(()), np.ones(()))
        if design.variance == "t":
            nc = formulas.t_noncentrality(
                n, design.allocation, design.alpha_side, power_arr, two_sided=design.two_sided
            )
        else:
            nc = design.z_alpha() + special.ndtri(power_arr)
        x = sign * (nc * s / np.sqrt(n) - design.margin_abs)
    return make_plan(design, "mde", x, power_arr, n)


def _arcsine_effect(design: Design, n: np.ndarray, power: np.ndarray, sign: float) -> np.ndarray:
    assert design.baseline is not None  # binary designs have a baseline (build_design)
    h = (design.z_alpha() + special.ndtri(power)) * np.sqrt((1 + 1 / design.allocation) / n)
    angle = np.arcsin(np.sqrt(design.baseline)) + sign * h / 2
    require_cells(
        (angle < 0) | (angle > np.pi / 2), "n_per_arm", n, "large enough for the effect to stay inside [0, 1]"
    )
    return np.sin(angle) ** 2 - design.baseline


def _binary_effect(design: Design, n: np.ndarray, power: np.ndarray, sign: float) -> np.ndarray:
    assert design.baseline is not None  # binary designs have a baseline (build_design)
    z_a, z_b, root_n = design.z_alpha(), special.ndtri(power), np.sqrt(n)

    def gap(u: np.ndarray) -> np.ndarray:
        # u = sign * effect; eff sqrt(n) - z_a s0 - z_b s1 is < 0 at the lower end, >= 0 at the MDE.
        eff, s0, s1 = design.scale(sign * u, np.asarray(sign))
        return eff * root_n - z_a * s0 - z_b * s1

    room = 1 - design.baseline if sign > 0 else design.baseline
    shape = np.broadcast(room, n, power, design.alpha_test, design.allocation, design.margin_abs).shape
    # With a margin the MDE may be a loss down to -margin, but never below a rate of 0.
    lo = np.broadcast_to(-np.minimum(design.margin_abs, design.baseline), shape)
    hi = np.broadcast_to(room, lo.shape)
    require_cells(gap(hi) < 0, "n_per_arm", n, "large enough to detect an effect that keeps the rate inside [0, 1]")
    return sign * bisect_increasing(gap, lo, hi)
