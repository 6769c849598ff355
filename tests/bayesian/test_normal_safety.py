"""The 'normal approximation unsafe' mask for mostly-zero, heavy-tailed revenue."""

import numpy as np
import pytest
from scipy import stats

from abstats.errors import InputError
from abstats.statistics.normality import normal_approximation_unsafe


def test_rule_by_hand():
    # share 0.03: s^2 = 0.94^2 / (0.03 * 0.97) = 30.36, so 355 s^2 = 10_779 units are needed.
    assert normal_approximation_unsafe([10_000], [300]).tolist() == [True]
    assert normal_approximation_unsafe([11_000], [330]).tolist() == [False]
    # Fewer than 30 non-zero units is unsafe whatever the rest; none at all too.
    assert normal_approximation_unsafe([1_000_000, 50], [29, 0]).tolist() == [True, True]
    # A measured skewness replaces the bound: 355 * 10^2 = 35_500.
    assert normal_approximation_unsafe([30_000, 40_000], [15_000, 20_000], skewness=10.0).tolist() == [True, False]


def test_indicator_skewness_bounds_zero_inflated_positive_metrics():
    # The documented bound: with few non-zero units, a non-negative metric is at least as skewed as its
    # zero/non-zero indicator (checked on log-normal and uniform non-zero values, 200_000 simulated units).
    rng = np.random.default_rng(7)
    for share in (0.01, 0.05, 0.2):
        nonzero = rng.uniform(size=200_000) < share
        indicator_skew = (1 - 2 * share) / np.sqrt(share * (1 - share))
        for values in (rng.lognormal(3.0, 1.0, 200_000), rng.uniform(1.0, 2.0, 200_000)):
            assert stats.skew(np.where(nonzero, values, 0.0)) >= 0.95 * indicator_skew


def test_bad_counts_raise():
    with pytest.raises(InputError):
        normal_approximation_unsafe([100], [101])
    with pytest.raises(InputError):
        normal_approximation_unsafe([0], [0])
