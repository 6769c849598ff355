"""Days from daily eligible traffic and the share of it in the test."""

from __future__ import annotations

import numpy as np

from abstats.planning.duration import plan_duration


def test_days_round_up_to_whole_days_and_weeks() -> None:
    plan = plan_duration(np.array([62468, 40000, 40001]), daily_traffic=20000, traffic_share=0.5)
    np.testing.assert_array_equal(plan.exact_days, [6.2468, 4.0, 4.0001])
    np.testing.assert_array_equal(plan.days, [7, 4, 5])
    weeks = plan_duration(np.array([62468, 40000, 140000, 140001]), daily_traffic=10000, round_to="week")
    np.testing.assert_array_equal(weeks.days, [7, 7, 14, 21])


def test_broadcast_over_traffic() -> None:
    plan = plan_duration(1000, daily_traffic=np.array([10, 100, 1000]))
    np.testing.assert_array_equal(plan.days, [100, 10, 1])
    assert plan.to_dict()["days"] == [100, 10, 1]
