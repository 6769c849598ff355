"""Planning with CUPED: the per-unit variance shrinks by 1 - rho^2, so does the planned sample (closed form)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import abstats
from abstats.planning import expected_variance_reduction, plan_mde, plan_power, plan_sample_size
from abstats.statistics import MeanStats


def test_mean_plan_matches_the_closed_form_with_correlation():
    """n = (z_{1 - alpha/2} + z_power)^2 2 sd^2 (1 - rho^2) / delta^2, scipy's normal quantiles."""
    sd, delta, rho = 5.0, 1.0, np.array([0.0, 0.3, 0.6, 0.9])
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    expected = z**2 * 2 * sd**2 * (1 - rho**2) / delta**2
    plan = plan_sample_size(abstats.MeanMetric("m"), sd=sd, mde=delta, mde_type="absolute", correlation=rho)
    assert np.asarray(plan.n_per_arm) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("metric", [abstats.MeanMetric("m"), abstats.BinaryMetric("b")])
def test_cuped_plan_is_the_plan_times_one_minus_rho_squared(metric):
    settings = {"baseline": 0.1, "mde": 0.1} if metric.kind == "binary" else {"sd": 3.0, "mde": 0.5,
                                                                              "mde_type": "absolute"}
    plain = plan_sample_size(metric, **settings)
    for vr in (0.2, 0.5):
        cuped = plan_sample_size(metric, **settings, variance_reduction=vr)
        assert float(cuped.n_per_arm) == pytest.approx(float(plain.n_per_arm) * (1 - vr), rel=1e-9)
        assert float(plan_sample_size(metric, **settings, correlation=np.sqrt(vr)).n_per_arm) == pytest.approx(
            float(cuped.n_per_arm), rel=1e-12)
    # power at the reduced n with CUPED equals the power at the full n without it
    cuped_n = float(plan_sample_size(metric, **settings, variance_reduction=0.5).n_per_arm)
    power = plan_power(metric, n_per_arm=cuped_n, variance_reduction=0.5, **settings)
    assert float(power.power) == pytest.approx(0.8, abs=1e-6)


def test_mde_shrinks_by_sqrt_one_minus_rho_squared():
    metric = abstats.MeanMetric("m")
    plain = plan_mde(metric, sd=3.0, n_per_arm=1000, mde_type="absolute")
    cuped = plan_mde(metric, sd=3.0, n_per_arm=1000, mde_type="absolute", correlation=0.8)
    assert float(cuped.mde) == pytest.approx(float(plain.mde) * np.sqrt(1 - 0.64), rel=1e-9)


def test_variance_reduction_from_pre_period_data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=5000)
    y = 0.7 * x + rng.normal(size=5000)
    s = MeanStats.from_arrays([5000], [y.sum()], [y @ y], pre_sum=[x.sum()], pre_sum_sq=[x @ x],
                              pre_cross_sum=[x @ y])
    assert expected_variance_reduction(s)[0] == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, rel=1e-9)


def test_bad_cuped_planning_inputs_are_refused():
    metric = abstats.MeanMetric("m")
    with pytest.raises(abstats.ConfigError, match="correlation"):
        plan_sample_size(metric, sd=1.0, mde=0.1, mde_type="absolute", correlation=1.0)
    with pytest.raises(abstats.ConfigError, match="variance_reduction"):
        plan_sample_size(metric, sd=1.0, mde=0.1, mde_type="absolute", variance_reduction=-0.1)
    with pytest.raises(abstats.ConfigError, match="correlation"):
        plan_sample_size(metric, sd=1.0, mde=0.1, mde_type="absolute", variance_reduction=0.1, correlation=0.3)
    with pytest.raises(abstats.InputError, match="pre_period"):
        expected_variance_reduction(MeanStats.from_arrays([10], [1.0], [5.0]))
