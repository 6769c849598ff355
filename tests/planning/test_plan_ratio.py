"""Ratio metrics: delta-method variance from pre-period sums, checked against the shared ratio cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from abstats.metrics import RatioMetric
from abstats.planning import plan_sample_size
from abstats.planning.design import build_design
from abstats.statistics.ratio import RatioStats

CTR = RatioMetric("ctr")


def test_ratio_plan_uses_reference_delta_method_variance(ratio_cases: list[dict], within) -> None:
    assert ratio_cases
    for case in ratio_cases:
        arm = case["inputs"]["control"]
        expected_ratio = case["expected"]["ratio_control"]
        expected_unit_sd = case["expected"]["se_ratio_control"] * np.sqrt(arm["n"])
        # n for a +5 % relative change, 2-sided 5 %, 80 %: written out from the reference sd with scipy.
        delta = 0.05 * expected_ratio
        z = stats.norm.isf(0.025) + stats.norm.ppf(0.8)
        expected_n = 2 * z**2 * expected_unit_sd**2 / delta**2
        plan = plan_sample_size(CTR, pre_period=arm, mde=0.05)
        assert within(float(plan.baseline), expected_ratio, case["tolerance"])
        # n scales with the variance, so the sd tolerance doubles on n.
        assert within(float(plan.n_per_arm), expected_n, {"rel": 2 * case["tolerance"]["rel"] + 1e-6})
        design = build_design(CTR, {"pre_period": arm})
        assert within(float(design.sd), expected_unit_sd, case["tolerance"])


def test_ratio_accepts_ratio_stats_rows() -> None:
    stats_rows = RatioStats.from_arrays(
        n=[5000, 800],
        num_sum=[2122.0, 340.0],
        den_sum=[44802.0, 16643.0],
        num_sum_sq=[3824.0, 822.0],
        den_sum_sq=[440072.0, 362805.0],
        num_den_sum=[20782.0, 7378.0],
    )
    plan = plan_sample_size(CTR, pre_period=stats_rows, mde=0.05)
    assert plan.n_per_arm.shape == (2,)
    one = plan_sample_size(
        CTR,
        pre_period={
            "n": 800,
            "num_sum": 340.0,
            "den_sum": 16643.0,
            "num_sum_sq": 822.0,
            "den_sum_sq": 362805.0,
            "num_den_sum": 7378.0,
        },
        mde=0.05,
    )
    assert one.n_per_arm.shape == ()
    assert float(one.n_per_arm) == pytest.approx(float(plan.n_per_arm[1]), rel=1e-12)
    assert "delta-method" in plan.method
