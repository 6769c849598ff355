"""Cases beyond the shared file, with references computed here by statsmodels and scipy (not abstats)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from abstats.metrics import BinaryMetric, MeanMetric
from abstats.planning import plan_mde, plan_power, plan_sample_size

SIGNUP = BinaryMetric("signup")
REVENUE = MeanMetric("revenue")


@pytest.mark.parametrize("allocation", [0.5, 1.0, 2.0, 3.0])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_arcsine_matches_normal_ind_power(allocation: float, alternative: str) -> None:
    p_c, p_t = 0.08, 0.09
    h = proportion_effectsize(p_t, p_c)
    sm_alt = "two-sided" if alternative == "two-sided" else "larger"
    expected = NormalIndPower().solve_power(h, alpha=0.05, power=0.8, ratio=allocation, alternative=sm_alt)
    plan = plan_sample_size(
        SIGNUP,
        baseline=p_c,
        mde=p_t - p_c,
        mde_type="absolute",
        variance="arcsine",
        allocation=allocation,
        alternative=alternative,
    )
    assert float(plan.n_per_arm) == pytest.approx(expected, rel=1e-4)
    assert float(plan.n_treatment) == pytest.approx(allocation * expected, rel=1e-4)


@pytest.mark.parametrize("allocation", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_t_version_matches_ttest_ind_power(allocation: float, alternative: str) -> None:
    sd, delta = 4.0, 1.5
    sm_alt = "two-sided" if alternative == "two-sided" else "larger"
    expected = TTestIndPower().solve_power(delta / sd, alpha=0.05, power=0.9, ratio=allocation, alternative=sm_alt)
    plan = plan_sample_size(
        REVENUE,
        sd=sd,
        mde=delta,
        mde_type="absolute",
        power=0.9,
        variance="t",
        allocation=allocation,
        alternative=alternative,
    )
    assert float(plan.n_per_arm) == pytest.approx(expected, rel=1e-5)
    power = TTestIndPower().power(delta / sd, nobs1=40.0, alpha=0.05, ratio=allocation, alternative=sm_alt)
    got = plan_power(
        REVENUE,
        sd=sd,
        mde=delta,
        mde_type="absolute",
        n_per_arm=40.0,
        variance="t",
        allocation=allocation,
        alternative=alternative,
    )
    assert float(got.power) == pytest.approx(power, rel=1e-8)


def test_normal_mean_and_power_match_normal_ind_power() -> None:
    sd, delta, n = 10.0, 1.0, 900.0
    expected_n = NormalIndPower().solve_power(delta / sd, alpha=0.01, power=0.85, ratio=1.0)
    plan = plan_sample_size(REVENUE, sd=sd, mde=delta, mde_type="absolute", alpha=0.01, power=0.85)
    assert float(plan.n_per_arm) == pytest.approx(expected_n, rel=1e-4)
    # statsmodels' two-sided power counts both tails, as plan_power does.
    expected_power = NormalIndPower().power(delta / sd, nobs1=n, alpha=0.01, ratio=1.0)
    got = plan_power(REVENUE, sd=sd, mde=delta, mde_type="absolute", alpha=0.01, n_per_arm=n)
    assert float(got.power) == pytest.approx(expected_power, rel=1e-10)


def test_mde_matches_normal_ind_power() -> None:
    expected_d = NormalIndPower().solve_power(None, nobs1=500.0, alpha=0.05, power=0.8, ratio=1.0)
    got = plan_mde(REVENUE, sd=2.0, mde_type="absolute", n_per_arm=500.0)
    # statsmodels includes the far tail in its power; its effect is smaller by < 1e-6 relative here.
    assert float(got.mde) == pytest.approx(2.0 * expected_d, rel=1e-5)


def test_non_inferiority_matches_one_sided_normal_power() -> None:
    """Binary NI, unpooled variance (Chow, Shao & Wang 2008 4.2): a one-sided z-test of a shift mde + margin."""
    p, margin = 0.2, 0.02
    d = margin / np.sqrt(p * (1 - p))  # statsmodels' d: shift over the per-unit sd of one arm
    expected = NormalIndPower().solve_power(d, alpha=0.05, power=0.8, ratio=1.0, alternative="larger")
    plan = plan_sample_size(
        SIGNUP, baseline=p, mde=0.0, mde_type="absolute", margin=margin, hypothesis="non_inferiority"
    )
    assert plan.alternative == "greater" and plan.variance == "unpooled"
    assert float(plan.n_per_arm) == pytest.approx(expected, rel=1e-4)


def test_holm_and_bonferroni_plan_at_alpha_over_k() -> None:
    k = 4
    expected = stats.norm.isf(0.05 / k / 2)
    for correction in ("bonferroni", "holm"):
        plan = plan_sample_size(SIGNUP, baseline=0.1, mde=0.1, treatments=k, correction=correction)
        assert float(plan.alpha_per_comparison) == pytest.approx(0.05 / k)
        single = plan_sample_size(SIGNUP, baseline=0.1, mde=0.1, alpha=0.05 / k)
        assert float(plan.n_per_arm) == pytest.approx(float(single.n_per_arm), rel=1e-12)
        assert int(plan.n_total) == (k + 1) * int(single.n_per_arm_ceil)
    assert expected > stats.norm.isf(0.025)  # the corrected test is stricter


def test_unpooled_binary_matches_closed_form() -> None:
    """Unpooled normal approximation, written out with scipy here."""
    p_c, p_t, r = 0.1, 0.12, 2.0
    z = stats.norm.isf(0.025) + stats.norm.ppf(0.8)
    expected = z**2 * (p_c * (1 - p_c) + p_t * (1 - p_t) / r) / (p_t - p_c) ** 2
    plan = plan_sample_size(SIGNUP, baseline=p_c, mde=0.2, variance="unpooled", allocation=r)
    assert float(plan.n_per_arm) == pytest.approx(expected, rel=1e-12)


def test_non_inferiority_mde_round_trip_and_rate_floor() -> None:
    common = {"baseline": 0.2, "mde_type": "absolute", "margin": 0.02, "hypothesis": "non_inferiority"}
    plan = plan_sample_size(SIGNUP, mde=0.005, **common)
    back = plan_mde(SIGNUP, n_per_arm=plan.n_per_arm, **common)
    assert float(back.mde) == pytest.approx(0.005, rel=1e-9)
    # A huge n detects non-inferiority even for a true loss close to the margin.
    big = plan_mde(SIGNUP, n_per_arm=1e9, **common)
    assert -0.02 < float(big.mde) < -0.019
    # A margin wider than the baseline cannot push the bracket below a rate of 0.
    wide = plan_mde(
        SIGNUP, n_per_arm=1e6, baseline=0.01, mde_type="absolute", margin=0.05, hypothesis="non_inferiority"
    )
    assert -0.01 <= float(wide.mde) < 0
