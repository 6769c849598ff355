"""Impossible or malformed requests raise abstats errors that name the input."""

from __future__ import annotations

import numpy as np
import pytest

from abstats.errors import AbstatsError, ConfigError, InputError
from abstats.metrics import BinaryMetric, MeanMetric, RatioMetric
from abstats.planning import plan_mde, plan_power, plan_sample_size
from abstats.planning.duration import plan_duration

SIGNUP = BinaryMetric("signup")
REVENUE = MeanMetric("revenue")
CTR = RatioMetric("ctr")


def _field(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.field


def test_mde_pushing_rate_above_one() -> None:
    with pytest.raises(InputError, match="mde") as excinfo:
        plan_sample_size(SIGNUP, baseline=0.6, mde=0.8)
    assert _field(excinfo) == "mde"


def test_mde_pushing_rate_below_zero_in_a_grid() -> None:
    with pytest.raises(InputError) as excinfo:
        plan_sample_size(SIGNUP, baseline=np.array([0.1, 0.02]), mde=-0.03, mde_type="absolute")
    assert _field(excinfo) == "mde"


@pytest.mark.parametrize("power", [0.05, 0.01])
def test_power_not_above_alpha(power: float) -> None:
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(SIGNUP, baseline=0.1, mde=0.1, power=power)
    assert _field(excinfo) == "power"


def test_zero_traffic() -> None:
    with pytest.raises(InputError) as excinfo:
        plan_duration(1000, daily_traffic=0)
    assert _field(excinfo) == "daily_traffic"


def test_zero_effect_cannot_be_planned_but_has_power_alpha() -> None:
    with pytest.raises(InputError) as excinfo:
        plan_sample_size(SIGNUP, baseline=0.1, mde=0.0)
    assert _field(excinfo) == "mde"
    assert float(plan_power(SIGNUP, baseline=0.1, mde=0.0, n_per_arm=1000).power) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"baseline": 0.0}, "baseline"),
        ({"baseline": 1.0}, "baseline"),
        ({"baseline": np.nan}, "baseline"),
        ({"alpha": 1.2}, "alpha"),
        ({"allocation": 0.0}, "allocation"),
        ({"treatments": 1.5}, "treatments"),
        ({"correction": "benjamini_hochberg"}, "correction"),
        ({"alternative": "one-sided"}, "alternative"),
        ({"variance": "t"}, "variance"),
        ({"mde_type": "percent"}, "mde_type"),
        ({"margin": 0.01, "alternative": "less"}, "alternative"),
        ({"margin": 0.01, "variance": "pooled_null"}, "variance"),
        ({"sd": 1.0}, "sd"),
        ({"mde": [0.1, np.inf]}, "mde"),
    ],
)
def test_binary_bad_settings(kwargs: dict, field: str) -> None:
    args = {"baseline": 0.1, "mde": 0.1} | kwargs
    with pytest.raises(AbstatsError) as excinfo:
        plan_sample_size(SIGNUP, **args)
    assert _field(excinfo) == field
    assert field in str(excinfo.value)


def test_mean_needs_sd_and_baseline_for_relative() -> None:
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(REVENUE, mde=1.0, mde_type="absolute")
    assert _field(excinfo) == "sd"
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(REVENUE, sd=1.0, mde=0.1)
    assert _field(excinfo) == "baseline"


def test_ratio_needs_pre_period_sums() -> None:
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(CTR, mde=0.1)
    assert _field(excinfo) == "pre_period"
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(CTR, mde=0.1, pre_period={"n": 10})
    assert _field(excinfo) == "pre_period"


def test_mde_unreachable_at_tiny_n() -> None:
    with pytest.raises(InputError) as excinfo:
        plan_mde(SIGNUP, baseline=0.5, n_per_arm=2.0, power=0.99)
    assert _field(excinfo) == "n_per_arm"


def test_nonpositive_n() -> None:
    with pytest.raises(InputError) as excinfo:
        plan_power(SIGNUP, baseline=0.1, mde=0.1, n_per_arm=[100, 0])
    assert _field(excinfo) == "n_per_arm"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"traffic_share": 0.0}, "traffic_share"),
        ({"traffic_share": 1.5}, "traffic_share"),
        ({"round_to": "month"}, "round_to"),
        ({"n_total": -5}, "n_total"),
    ],
)
def test_duration_bad_inputs(kwargs: dict, field: str) -> None:
    args = {"n_total": 1000, "daily_traffic": 100} | kwargs
    with pytest.raises(AbstatsError) as excinfo:
        plan_duration(**args)
    assert _field(excinfo) == field
