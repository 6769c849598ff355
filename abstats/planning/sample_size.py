"""Solve for the sample size per arm, given the effect and the power."""

from __future__ import annotations

from typing import Unpack

from numpy.typing import ArrayLike
from scipy import special

from abstats.checks import require_cells
from abstats.metrics import Metric
from abstats.planning import formulas
from abstats.planning.design import Design, build_design
from abstats.planning.inputs import PlanningSettings
from abstats.planning.plan import SampleSizePlan, make_plan


def plan_sample_size(
    metric: Metric, *, mde: ArrayLike, power: ArrayLike = 0.8, **settings: Unpack[PlanningSettings]
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
      pre-period sums ``pre_period``, then the mean formula (Deng et al. 2018);
    - with a margin: eff = (effect in the better direction) -+ margin, binary
      ``"unpooled"`` (Chow, Shao & Wang 2008); a ``"relative"`` margin plans the
      test :func:`abstats.analyze` runs, log(treatment / control) against
      log(1 +- margin), variance ``"log_ratio"`` (delta method).

    The far rejection tail of a two-sided test is ignored when solving for n
    (R's default ``strict = FALSE``), so :func:`plan_power` at the planned n,
    which counts both tails, is at most ~1e-6 above ``power``.

    Parameters
    ----------
    metric
        The metric object given to :func:`abstats.analyze`: :class:`~abstats.BinaryMetric`,
        :class:`~abstats.MeanMetric` or :class:`~abstats.RatioMetric`. Its
        ``higher_is_better`` is the direction of a margin test.
    mde
        Effect to detect, treatment minus control; relative to ``baseline``
        (``mde_type="relative"``, 0.1 = +10 %) or absolute. A two-sided test looks
        in the direction of its sign; a one-sided one needs the alternative's sign.
        With a margin, the true effect assumed (often 0 for non-inferiority).
    power
        Target probability of rejecting H0 when the effect is ``mde``.
    **settings
        The shared planning keywords of :class:`~abstats.planning.PlanningSettings`:
        ``baseline``, ``sd``, ``sd_treatment``, ``pre_period``, ``mde_type``, ``alpha``,
        ``alternative``, ``hypothesis``, ``margin``, ``margin_type``, ``allocation``,
        ``treatments``, ``correction``, ``variance``. ``"bonferroni"`` and ``"holm"``
        (the default) both plan every comparison at alpha / k, Holm's first and
        strictest step, so a plan at alpha / k has at least the stated power under Holm.

    Returns
    -------
    SampleSizePlan
        ``n_per_arm`` (unrounded), ``n_per_arm_ceil``, ``n_total`` and the inputs, per cell.

    Raises
    ------
    ConfigError
        A metric kind name instead of a metric object, an unknown keyword, a setting
        of the wrong type or out of range (``alpha="0.05"``, ``correction=None``...).
    InputError
        An effect that cannot be planned (zero, the wrong sign for a one-sided test,
        a rate outside [0, 1]) or a plan needing more than 2**53 units.

    Examples
    --------
    >>> from abstats import BinaryMetric, MeanMetric
    >>> plan = plan_sample_size(BinaryMetric("signup"), baseline=0.05, mde=0.1, power=0.8)
    >>> round(float(plan.n_per_arm), 1)
    31233.4
    >>> revenue = MeanMetric("revenue")
    >>> int(plan_sample_size(revenue, sd=50.0, mde=20.0, mde_type="absolute", variance="t").n_per_arm_ceil)
    100
    """
    design = build_design(metric, settings)
    return solve_sample_size(design, mde, power)


def solve_sample_size(design: Design, mde: ArrayLike, power: ArrayLike) -> SampleSizePlan:
    """:func:`plan_sample_size` on checked settings (``mde`` and ``power`` are checked here)."""
    given = design.given(mde=mde, power=power, zero_effect=False, required=("mde", "power"))
    power_arr, mde_arr, x = given.power, given.mde, given.x
    assert power_arr is not None and mde_arr is not None and x is not None  # both were given
    eff, s0, s1 = design.scale(x)
    expected = (
        "a non-zero effect"
        if design.margin is None
        else f"an effect the {design.hypothesis} test can detect: beyond the null value set by the margin"
    )
    require_cells(eff <= 0, "mde", mde_arr, expected)
    n = formulas.normal_n(eff, s0, s1, design.z_alpha(), special.ndtri(power_arr))
    if design.variance == "t":
        n = formulas.t_n(eff, s1, design.allocation, design.alpha_side, power_arr, n, two_sided=design.two_sided)
    return make_plan(design, "n_per_arm", x, power_arr, n, mde_arr)
