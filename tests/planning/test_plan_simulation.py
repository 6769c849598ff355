"""At the planned n, simulated experiments reject as often as the plan says."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from abstats.metrics import BinaryMetric, MeanMetric
from abstats.planning import plan_power, plan_sample_size

SIGNUP = BinaryMetric("signup")
REVENUE = MeanMetric("revenue")

N_SIM = 20_000


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


@pytest.mark.simulation
def test_one_sided_mean_normal_plan_with_unequal_allocation() -> None:
    sd, delta, r = 2.0, 0.25, 2.0
    plan = plan_sample_size(
        REVENUE, sd=sd, mde=delta, mde_type="absolute", allocation=r, alternative="greater", power=0.9
    )
    n_c, n_t = int(plan.n_per_arm_ceil), int(plan.n_treatment_ceil)
    rng = np.random.default_rng(11)
    # Arm means are exactly normal, so simulating them stands in for n_c / n_t raw draws.
    mean_c = rng.normal(0.0, sd / np.sqrt(n_c), N_SIM)
    mean_t = rng.normal(delta, sd / np.sqrt(n_t), N_SIM)
    z = (mean_t - mean_c) / (sd * np.sqrt(1 / n_c + 1 / n_t))
    rejected = np.mean(z > -special.ndtri(0.05))
    se = np.sqrt(0.9 * 0.1 / N_SIM)
    # 4 binomial standard errors (~0.0085); rounding n up adds at most ~0.0005 power.
    assert abs(rejected - 0.9) < 4 * se + 5e-4, rejected
