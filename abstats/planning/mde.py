"""Solve for the minimum detectable effect, given the sample size and the power."""

from __future__ import annotations

from collections.abc import Callable
from typing import Unpack

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from abstats.checks import require_cells
from abstats.metrics import Metric
from abstats.planning import formulas
from abstats.planning.bisection import bisect_increasing, expand_upper
from abstats.planning.design import Design, build_design
from abstats.planning.inputs import PlanningSettings
from abstats.planning.plan import SampleSizePlan, make_plan

# A log-ratio test loses power again as the treatment value nears 0 (its variance
# grows like 1 / value), so there the first crossing is found on this many points
# approaching 0 geometrically (the last within 2**-40 of it) before the bisection.
_SCAN_POINTS = 320
_SCAN_STEPS_PER_HALVING = 8


def plan_mde(
    metric: Metric, *, n_per_arm: ArrayLike, power: ArrayLike = 0.8, **settings: Unpack[PlanningSettings]
) -> SampleSizePlan:
    """Smallest effect that ``n_per_arm`` control units detect with probability ``power``.

    The effect is sought in the test's direction: an increase for ``alternative="greater"``,
    a decrease (a negative mde) for ``"less"``, the metric's better direction with a
    margin, and **the increase for a two-sided test** (pass ``alternative="less"`` at
    half the alpha for the decrease: a two-sided test at alpha rejects a decrease at alpha / 2).

    Inverts the equation :func:`plan_sample_size` solves, so the two round-trip.
    Closed forms for the mean/ratio normal version (eff = (z_a + z_b) s / sqrt(n))
    and the arcsine version (p_t = sin^2(asin sqrt(p_c) +- h / 2)); the binary
    pooled/unpooled versions and the log-ratio test of a relative margin, whose
    variance depends on the effect, and the noncentral-t version are solved by 64
    vectorised bisection steps, which leave an error below float64 resolution.
    With a non-inferiority margin the result is the true effect (possibly a loss)
    still shown non-inferior.

    Parameters
    ----------
    metric
        The metric object given to :func:`abstats.analyze` (see :func:`plan_sample_size`).
    n_per_arm
        Control-arm size (each treatment arm has ``allocation * n_per_arm``).
    power
        Probability of rejecting H0 at the effect returned.
    **settings
        The shared planning keywords of :class:`~abstats.planning.PlanningSettings`,
        as in :func:`plan_sample_size`.

    Returns
    -------
    SampleSizePlan
        ``mde`` (in ``mde_type`` units) and ``mde_absolute`` per cell, with the inputs.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> round(float(plan_mde(BinaryMetric("signup"), baseline=0.05, n_per_arm=31233.437940129967).mde), 6)
    0.1
    >>> round(float(plan_mde(BinaryMetric("bounce"), baseline=0.4, n_per_arm=5000, alternative="less").mde), 4)
    -0.0606
    """
    design = build_design(metric, settings)
    return solve_mde(design, n_per_arm, power)


def solve_mde(design: Design, n_per_arm: ArrayLike, power: ArrayLike) -> SampleSizePlan:
    """:func:`plan_mde` on checked settings (``n_per_arm`` and ``power`` are checked here)."""
    given = design.given(n_per_arm=n_per_arm, power=power, required=("n_per_arm", "power"))
    n, power_arr = given.n_per_arm, given.power
    assert n is not None and power_arr is not None  # both were given
    side = design.mde_side
    if design.kind == "binary" and design.variance == "arcsine":
        x = _arcsine_effect(design, n, power_arr, side)
    elif design.kind == "binary" or design.log_ratio:
        x = side * _bisect_effect(design, n, power_arr, side)
    else:
        _, s, _ = design.scale(np.zeros(()))
        if design.variance == "t":
            nc = formulas.t_noncentrality(
                n, design.allocation, design.alpha_side, power_arr, two_sided=design.two_sided
            )
        else:
            nc = design.z_alpha() + special.ndtri(power_arr)
        x = side * (nc * s / np.sqrt(n) + design.margin_sign * design.margin_abs)
    return make_plan(design, "mde", x, power_arr, n)


def _arcsine_effect(design: Design, n: np.ndarray, power: np.ndarray, side: float) -> np.ndarray:
    base = design.require_baseline()  # the arcsine variance is a binary metric's: its rate is set
    h = (design.z_alpha() + special.ndtri(power)) * np.sqrt((1 + 1 / design.allocation) / n)
    angle = np.arcsin(np.sqrt(base)) + side * h / 2
    require_cells(
        (angle < 0) | (angle > np.pi / 2), "n_per_arm", n, "large enough for the effect to stay inside [0, 1]"
    )
    return np.sin(angle) ** 2 - base


def _bisect_effect(design: Design, n: np.ndarray, power: np.ndarray, side: float) -> np.ndarray:
    """u = side * effect at which eff sqrt(n) - z_a s0 - z_b s1 reaches 0 (it is < 0 at the lower end)."""
    z_a, z_b, root_n = design.z_alpha(), special.ndtri(power), np.sqrt(n)

    def gap(u: np.ndarray) -> np.ndarray:
        eff, s0, s1 = design.scale(side * u)
        return eff * root_n - z_a * s0 - z_b * s1

    base = design.require_baseline()  # only binary and log-ratio designs bisect: both have a baseline
    shape = np.broadcast(base, n, power, design.alpha_test, design.allocation, design.margin_abs).shape
    # The null value of the effect: 0, or +-margin (where eff = 0).
    lo = design.margin_sign * design.margin_abs
    if design.kind == "binary":
        # Never below a rate of 0 (or above 1) on the other side, however wide the margin.
        lo = np.maximum(lo, -(base if side > 0 else 1 - base))
        room = 1 - base if side > 0 else base
    else:
        room = base
    lo = np.broadcast_to(lo, shape)
    if design.log_ratio and side < 0:
        lo, hi = _first_crossing(gap, lo, np.broadcast_to(room, shape))
    elif design.kind == "binary":
        hi = np.broadcast_to(room, shape)
    else:
        hi = expand_upper(gap, lo, lo + np.abs(room))
    require_cells(gap(hi) < 0, "n_per_arm", n, "large enough to detect an effect the metric can take")
    return bisect_increasing(gap, lo, hi)


def _first_crossing(
    gap: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, room: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A bracket [last point below 0, first point >= 0] of ``gap`` on points from ``lo`` towards ``room``."""
    below, above = lo.copy(), np.broadcast_to(room, lo.shape).copy()
    found = np.zeros(lo.shape, dtype=bool)
    for k in range(1, _SCAN_POINTS + 1):
        u = lo + (room - lo) * (1 - 2.0 ** (-k / _SCAN_STEPS_PER_HALVING))
        g = gap(u)
        newly = (g >= 0) & ~found
        above = np.where(newly, u, above)
        below = np.where(~found & ~newly, u, below)
        found |= newly
        if found.all():
            break
    # Cells never crossing keep their last point below 0 as the upper end, so the caller's check names them.
    return np.where(found, below, lo), np.where(found, above, below)
