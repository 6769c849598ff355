"""Solve for the sample size per arm, given the effect and the power."""

from __future__ import annotations

from typing import Any

from scipy import special

from abstats.checks import require_cells
from abstats.planning import formulas
from abstats.planning.design import build_design
from abstats.planning.inputs import effect_and_direction, power_array
from abstats.planning.plan import SampleSizePlan, make_plan


def plan_sample_size(
    metric: str = "binary",
    *,
    mde: Any,
    baseline: Any = None,
    mde_type: str = "relative",
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
    """Units per arm needed to detect ``mde`` with probability ``power`` at level ``alpha``.

    Every numeric argument broadcasts (pass ``baseline[:, None]`` and ``mde[None, :]``
    for a grid); one vectorised evaluation covers all cells.

    Formula: n_c = ((z_a s0 + z_b s1) / eff)^2 with n_t = allocation * n_c, where
    s0 / s1 are the per-unit sds of the difference under H0 / H1 (``variance``):

    - binary ``"pooled_null"`` (default): pooled rate under H0, unpooled under H1,
      as R ``power.prop.test`` (Fleiss 1981); ``"unpooled"``: unpooled under both;
      ``"arcsine"``: eff = Cohen's h, s0 = s1 = sqrt(1 + 1/allocation)
      (statsmodels ``NormalIndPower`` with ``proportion_effectsize``);
    - mean ``"normal"`` (default): s^2 = sd^2 + sd_treatment^2 / allocation;
      ``"t"``: noncentral t, df = n_c + n_t - 2, solved by vectorised bisection
      (statsmodels ``TTestIndPower`` semantics; exact to float64 resolution);
    - ratio: the per-unit delta-method variance of num_sum / den_sum from the
      pre-period sums ``pre_period`` (``RatioStats`` or a mapping of ``n``,
      ``num_sum``, ``den_sum``, ``num_sum_sq``, ``den_sum_sq``, ``num_den_sum``),
      then the mean formula (Deng et al. 2018).

    The far rejection tail of a two-sided test is ignored when solving for n
    (R's default ``strict = FALSE``), so :func:`plan_power` at the planned n,
    which counts both tails, is at most ~1e-6 above ``power``.

    Parameters
    ----------
    metric
        ``"binary"``, ``"mean"`` or ``"ratio"``.
    mde
        Effect to detect, treatment minus control; relative to ``baseline``
        (``mde_type="relative"``, 0.1 = +10 %) or absolute. A one-sided test
        looks in the direction of its sign.
    baseline
        Control conversion rate (binary) or mean (mean; needed for a relative mde).
    sd, sd_treatment
        Per-unit standard deviations of a mean metric (``sd_treatment`` defaults to ``sd``).
    alpha, power
        Level of the whole test (before the correction) and target power.
    alternative
        ``"two-sided"`` (default) or ``"one-sided"`` (default with a margin).
    allocation
        n_treatment / n_control for each treatment arm.
    treatments, correction
        k treatment arms each compared with the control; ``"bonferroni"`` and
        ``"holm"`` both plan every comparison at alpha / k. For Holm this is the
        conservative choice: its first (strictest) step uses alpha / k, so a
        plan at alpha / k has at least the stated power for every comparison.
    margin
        Non-inferiority margin (> 0, in ``mde_type`` units): H0 is
        effect <= -margin, one-sided, ``mde`` is the assumed true effect
        (often 0); binary uses the unpooled variance (Chow, Shao & Wang 2008).
    variance
        Formula name, see above; ``None`` picks the default for the metric.

    Returns
    -------
    SampleSizePlan
        ``n_per_arm`` (unrounded), ``n_per_arm_ceil``, ``n_total`` and the inputs, per cell.

    Examples
    --------
    >>> plan = plan_sample_size("binary", baseline=0.05, mde=0.1, power=0.8)
    >>> round(float(plan.n_per_arm), 1)
    31233.4
    >>> int(plan_sample_size("mean", sd=50.0, mde=20.0, mde_type="absolute", variance="t").n_per_arm_ceil)
    100
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
    power_arr = power_array(power, design)
    mde_arr, x, direction = effect_and_direction(mde, design)
    eff, s0, s1 = design.scale(x, direction)
    expected = "a non-zero effect" if design.margin is None else "an effect with mde + margin > 0"
    require_cells(eff <= 0, "mde", mde_arr, expected)
    n = formulas.normal_n(eff, s0, s1, design.z_alpha(), special.ndtri(power_arr))
    if design.variance == "t":
        n = formulas.t_n(eff, s1, design.allocation, design.alpha_side, power_arr, n, two_sided=design.two_sided)
    return make_plan(design, "n_per_arm", x, power_arr, n, mde_arr)
