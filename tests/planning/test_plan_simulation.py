"""At the planned n, simulated experiments scored by ``abstats.compare`` reject as often as the plan says.

Each test declares its metric once, plans with it, simulates many replicate
experiments at the planned n and scores them all in one ``compare`` call with the
same metric object and the same words (alternative, margin, hypothesis), so the
plan and the analysis are checked to describe one and the same test.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import abstats
from abstats.metrics import BinaryMetric, MeanMetric
from abstats.planning import plan_power, plan_sample_size
from abstats.statistics import BinaryStats, MeanStats

REPLICATES = 2_000
N_SIM = 20_000  # the independent checks below score with scipy / by hand
SIGNUP = BinaryMetric("signup")
REVENUE = MeanMetric("revenue")


@pytest.mark.simulation
def test_binary_plan_reaches_its_power() -> None:
    plan = plan_sample_size(SIGNUP, baseline=0.1, mde=0.2, power=0.8)
    n = int(plan.n_per_arm_ceil)
    rng = np.random.default_rng(20261123)
    x_c = rng.binomial(n, 0.1, N_SIM)
    x_t = rng.binomial(n, float(plan.treatment_value), N_SIM)
    # The two-sided pooled z-test whose power the pooled_null formula approximates.
    p_pool = (x_c + x_t) / (2 * n)
    z = (x_t - x_c) / n / np.sqrt(p_pool * (1 - p_pool) * 2 / n)
    rejected = np.mean(np.abs(z) > stats.norm.isf(0.025))
    planned = float(plan_power(SIGNUP, baseline=0.1, mde=0.2, n_per_arm=n).power)
    se = np.sqrt(planned * (1 - planned) / N_SIM)
    assert planned >= 0.8
    # 4 binomial standard errors of the simulated rejection rate (~0.011).
    assert abs(rejected - planned) < 4 * se, (rejected, planned)


@pytest.mark.simulation
def test_mean_t_plan_reaches_its_power() -> None:
    sd, delta = 50.0, 20.0
    plan = plan_sample_size(REVENUE, sd=sd, mde=delta, mde_type="absolute", variance="t")
    n = int(plan.n_per_arm_ceil)
    rng = np.random.default_rng(7)
    control = rng.normal(0.0, sd, (N_SIM, n))
    treatment = rng.normal(delta, sd, (N_SIM, n))
    result = stats.ttest_ind(treatment, control, axis=1)
    rejected = np.mean(result.pvalue < 0.05)
    planned = float(plan_power(REVENUE, sd=sd, mde=delta, mde_type="absolute", n_per_arm=n, variance="t").power)
    se = np.sqrt(planned * (1 - planned) / N_SIM)
    assert planned >= 0.8
    # 4 binomial standard errors of the simulated rejection rate (~0.011).
    assert abs(rejected - planned) < 4 * se, (rejected, planned)


def _mean_stats(rng: np.random.Generator, mean: float, sd: float, n: int) -> MeanStats:
    """Raw per-unit values of REPLICATES experiments reduced to their sufficient statistics."""
    values = rng.normal(mean, sd, (REPLICATES, n))
    return MeanStats.from_arrays(n=np.full(REPLICATES, n), sum=values.sum(axis=1), sum_sq=(values**2).sum(axis=1))


def _assert_rejection_rate(rejected: np.ndarray, planned: float) -> None:
    rate = float(np.mean(rejected))
    # The rejection count is Binomial(R, planned): SE = sqrt(planned (1 - planned) / R),
    # about 0.009 at 0.8 and R = 2,000; 4 SE leaves a false alarm of ~6e-5 per test.
    se = np.sqrt(planned * (1 - planned) / REPLICATES)
    assert abs(rate - planned) < 4 * se, (rate, planned, se)


@pytest.mark.simulation
def test_mean_plan_power_is_the_rejection_rate_of_compare() -> None:
    revenue = MeanMetric("revenue")
    settings = {"sd": 50.0, "mde_type": "absolute", "variance": "t"}
    plan = plan_sample_size(revenue, mde=5.0, power=0.8, **settings)
    n = int(plan.n_per_arm_ceil)
    planned = float(plan_power(revenue, mde=5.0, n_per_arm=n, **settings).power)
    assert 0.8 <= planned < 0.801  # rounding n up adds a little power, never removes it
    rng = np.random.default_rng(20261123)
    control, treatment = _mean_stats(rng, 30.0, 50.0, n), _mean_stats(rng, 35.0, 50.0, n)
    result = abstats.compare(control, treatment, metric=revenue)  # Welch t, two-sided 5 %
    _assert_rejection_rate(result["p_value"] < 0.05, planned)


@pytest.mark.simulation
def test_binary_plan_power_is_the_rejection_rate_of_compare() -> None:
    signup = BinaryMetric("signup")
    plan = plan_sample_size(signup, baseline=0.1, mde=0.2, power=0.8)
    n = int(plan.n_per_arm_ceil)
    planned = float(plan_power(signup, baseline=0.1, mde=0.2, n_per_arm=n).power)
    rng = np.random.default_rng(7)
    # A binomial count is the sum of n Bernoulli units: the sufficient statistic of the raw data.
    sizes = np.full(REPLICATES, n)
    control = BinaryStats.from_arrays(n=sizes, conversions=rng.binomial(n, 0.1, REPLICATES))
    treatment = BinaryStats.from_arrays(n=sizes, conversions=rng.binomial(n, 0.12, REPLICATES))
    result = abstats.compare(control, treatment, metric=signup)  # pooled z, two-sided 5 %
    _assert_rejection_rate(result["p_value"] < 0.05, planned)


@pytest.mark.simulation
def test_relative_non_inferiority_margin_of_a_lower_is_better_metric_matches_compare() -> None:
    """Load time (lower is better) must not get more than 5 % slower: analyze's log-ratio test, one-sided 'less'."""
    load_time = MeanMetric("load_time", higher_is_better=False)
    margin = {"margin": 0.05, "margin_type": "relative", "hypothesis": "non_inferiority"}
    settings = {"baseline": 200.0, "sd": 80.0, "mde_type": "relative", **margin}
    plan = plan_sample_size(load_time, mde=0.0, power=0.8, **settings)
    assert plan.alternative == "less" and plan.variance == "log_ratio"
    n = int(plan.n_per_arm_ceil)
    planned = float(plan_power(load_time, mde=0.0, n_per_arm=n, **settings).power)
    rng = np.random.default_rng(11)
    control, treatment = _mean_stats(rng, 200.0, 80.0, n), _mean_stats(rng, 200.0, 80.0, n)
    result = abstats.compare(control, treatment, metric=load_time, **margin)
    _assert_rejection_rate(result["p_value"] < 0.05, planned)


@pytest.mark.simulation
def test_absolute_superiority_margin_matches_compare() -> None:
    """H0: the gain is at most 2 (absolute); the true gain is 6."""
    revenue = MeanMetric("revenue")
    settings = {"sd": 40.0, "mde_type": "absolute", "margin": 2.0, "hypothesis": "superiority"}
    plan = plan_sample_size(revenue, mde=6.0, power=0.8, **settings)
    n = int(plan.n_per_arm_ceil)
    planned = float(plan_power(revenue, mde=6.0, n_per_arm=n, **settings).power)
    rng = np.random.default_rng(5)
    control, treatment = _mean_stats(rng, 50.0, 40.0, n), _mean_stats(rng, 56.0, 40.0, n)
    result = abstats.compare(control, treatment, metric=revenue, margin=2.0, hypothesis="superiority")
    _assert_rejection_rate(result["p_value"] < 0.05, planned)


@pytest.mark.simulation
def test_one_sided_mean_normal_plan_with_unequal_allocation() -> None:
    sd, delta, r = 2.0, 0.25, 2.0
    revenue = MeanMetric("revenue")
    plan = plan_sample_size(
        revenue, sd=sd, mde=delta, mde_type="absolute", allocation=r, alternative="greater", power=0.9
    )
    n_c, n_t = int(plan.n_per_arm_ceil), int(plan.n_treatment_ceil)
    rng = np.random.default_rng(11)
    # Arm means are exactly normal, so simulating them stands in for n_c / n_t raw draws.
    mean_c = rng.normal(0.0, sd / np.sqrt(n_c), N_SIM)
    mean_t = rng.normal(delta, sd / np.sqrt(n_t), N_SIM)
    z = (mean_t - mean_c) / (sd * np.sqrt(1 / n_c + 1 / n_t))
    rejected = np.mean(z > 1.6448536269514722)  # z_0.95
    se = np.sqrt(0.9 * 0.1 / N_SIM)
    # 4 binomial standard errors (~0.0085); rounding n up adds at most ~0.0005 power.
    assert abs(rejected - 0.9) < 4 * se + 5e-4, rejected
