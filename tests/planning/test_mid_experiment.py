"""Mid-experiment power (GrowthBook's question): power now and the units still needed, checked against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.power import NormalIndPower

import abstats
from abstats.planning import mid_experiment_power
from abstats.statistics import BinaryStats, MeanStats


def _mean_stats(n: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> MeanStats:
    total = n * mean
    return MeanStats.from_arrays(n=n, sum=total, sum_sq=(n - 1) * sd**2 + total**2 / n)


def test_mean_metric_matches_statsmodels_normal_power_with_the_observed_variance():
    # equal observed sds: statsmodels' effect size d = x / sd with ratio r is the same normal approximation
    n_c, n_t = np.array([2_000.0, 500.0, 10_000.0]), np.array([2_000.0, 1_000.0, 10_000.0])
    sd = np.array([12.0, 3.0, 40.0])
    c, t = _mean_stats(n_c, np.array([50.0, 10.0, 100.0]), sd), _mean_stats(n_t, np.array([51.0, 10.2, 99.0]), sd)
    mid = mid_experiment_power(c, t, mde=np.array([1.0, 0.3, 2.0]), mde_type="absolute", alpha=0.05, power=0.8)
    model = NormalIndPower()
    for i in range(3):
        d, ratio = [1.0, 0.3, 2.0][i] / sd[i], n_t[i] / n_c[i]
        expected_power = model.power(effect_size=d, nobs1=n_c[i], alpha=0.05, ratio=ratio)
        assert mid.power[i] == pytest.approx(expected_power, rel=1e-9)
        expected_n = model.solve_power(effect_size=d, nobs1=None, alpha=0.05, power=0.8, ratio=ratio)
        # statsmodels' root-finder counts the far tail too (~1e-6 of power): n agrees to ~1e-5
        assert mid.n_per_arm_needed[i] == pytest.approx(expected_n, rel=1e-4)
        assert mid.additional_control[i] == max(np.ceil(mid.n_per_arm_needed[i] - n_c[i]), 0)


def test_binary_relative_mde_and_a_test_that_is_already_powered():
    c = BinaryStats.from_arrays([4_000, 200_000], [200, 10_000])
    t = BinaryStats.from_arrays([4_000, 200_000], [212, 10_900])
    mid = mid_experiment_power(c, t, mde=0.10)  # +10 % of the observed control rate
    np.testing.assert_allclose(mid.mde_absolute, [0.005, 0.005])
    p_c, p_t = c.estimate(), t.estimate()
    s = np.sqrt(p_c * (1 - p_c) + p_t * (1 - p_t))
    np.testing.assert_allclose(mid.n_per_arm_needed, ((1.959963984540054 + 0.8416212335729143) * s / 0.005) ** 2)
    assert mid.additional_control[1] == 0 and mid.power[1] > 0.99
    assert mid.additional_control[0] > 0 and mid.power[0] < 0.3


@pytest.mark.parametrize(
    ("options", "named"),
    [({"mde": 0}, "mde"), ({"mde": "0.1"}, "mde"), ({"mde": 0.1, "power": 0.01}, "power"),
     ({"mde": 0.1, "alternative": "one-sided"}, "alternative"), ({"mde": 0.1, "alpha": "0.05"}, "alpha")],
)
def test_bad_input_is_named(options, named):
    c = BinaryStats.from_arrays([1000], [50])
    with pytest.raises(abstats.AbstatsError, match=named):
        mid_experiment_power(c, c, **options)
