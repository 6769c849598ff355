"""Issue 9: planned sizes are exact integers, rounded up, or a named error beyond 2**53 units; bounded memory."""

from __future__ import annotations

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from abstats.cli.plan import register
from abstats.errors import ConfigError, InputError
from abstats.metrics import BinaryMetric
from abstats.planning import (
    plan_bayesian_sample_size,
    plan_duration,
    plan_group_sequential,
    plan_power,
    plan_sample_size,
    power_curve,
)
from abstats.planning.plan import MAX_UNITS, ceil_units

SIGNUP = BinaryMetric("signup")


def test_tiny_mde_is_a_named_error_not_an_overflow() -> None:
    """Reproducer: n_per_arm_ceil was -9,223,372,036,854,775,808 and n_total 0."""
    with pytest.raises(InputError, match=r"2\*\*53") as excinfo:
        plan_sample_size(SIGNUP, baseline=0.05, mde=1e-12)
    assert excinfo.value.field == "mde" and excinfo.value.value == 1e-12


def test_grid_names_the_first_cell_beyond_the_bound() -> None:
    with pytest.raises(InputError) as excinfo:
        plan_sample_size(SIGNUP, baseline=0.05, mde=np.array([0.1, 1e-9, 1e-12]))
    assert excinfo.value.value == 1e-9


def test_sizes_above_1e12_round_up() -> None:
    """Reproducer: the relative slack 1e-12 took a whole unit off above ~1e12 and rounded down."""
    plan = plan_power(SIGNUP, baseline=0.05, mde=0.1, n_per_arm=1e12 + 0.5)
    assert int(plan.n_per_arm_ceil) == 10**12 + 1
    assert int(plan.n_total) == 2 * (10**12 + 1)
    solved = plan_sample_size(SIGNUP, baseline=0.05, mde=1e-5)
    n, ceil = float(solved.n_per_arm), int(solved.n_per_arm_ceil)
    assert 1e12 < n < 1e14
    assert n <= ceil < n + 1  # int -> float is exact below 2**53
    assert solved.n_total.dtype == np.int64 and int(solved.n_total) == 2 * ceil


def test_the_bound_is_the_whole_test() -> None:
    at_bound = plan_power(SIGNUP, baseline=0.05, mde=0.1, n_per_arm=2.0**52)
    assert int(at_bound.n_total) == MAX_UNITS == 2**53
    with pytest.raises(InputError) as excinfo:
        plan_power(SIGNUP, baseline=0.05, mde=0.1, n_per_arm=2.0**52 + 4)
    assert excinfo.value.field == "n_per_arm"
    with pytest.raises(InputError):
        plan_power(SIGNUP, baseline=0.05, mde=0.1, n_per_arm=2.0**51 + 2, treatments=3, correction="none")


def test_group_sequential_maximum_is_bounded_too() -> None:
    target = 0.49 * 2**53  # the fixed test fits; inflated by ~1.1 for Pocock it does not
    probe = plan_sample_size(SIGNUP, baseline=0.5, mde=0.01, mde_type="absolute")
    mde = 0.01 * np.sqrt(float(probe.n_per_arm) / target)
    fixed = plan_sample_size(SIGNUP, baseline=0.5, mde=mde, mde_type="absolute")
    assert int(fixed.n_total) <= 2**53
    with pytest.raises(InputError, match=r"2\*\*53"):
        plan_group_sequential(SIGNUP, baseline=0.5, mde=mde, mde_type="absolute", design="pocock", looks=3)


def test_float_noise_above_an_integer_is_not_a_new_unit() -> None:
    noisy = np.nextafter(77.0, 78.0)
    assert ceil_units(np.array([noisy, 77.0, 77.0 + 1e-9])).tolist() == [77.0, 77.0, 78.0]


@settings(max_examples=300, deadline=None)
@given(st.floats(1.0, 2.0**52, allow_nan=False))
def test_ceil_units_rounds_up_to_an_exact_integer(n: float) -> None:
    c = float(ceil_units(np.array(n)))
    assert c == int(c)
    assert n - 4 * np.spacing(n) <= c < n + 1


def test_duration_rounds_up_above_1e12_days_too() -> None:
    # 7e12 + 1 units at 7 a day: 1e12 + 1/7 days; the old relative slack gave 1e12.
    assert int(plan_duration(7 * 10**12 + 1, daily_traffic=7).days) == 10**12 + 1
    assert int(plan_duration(62468, daily_traffic=20000).days) == 4


def test_cli_exits_2_with_one_line() -> None:
    """Reproducer: ``abstats plan --baseline 0.05 --mde 1e-12`` printed the overflowed sizes and exited 0."""
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Keeps ``plan`` a named subcommand."""

    result = CliRunner().invoke(app, ["plan", "--baseline", "0.05", "--mde", "1e-12"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "2**53" in lines[0] and "mde" in lines[0], result.output


def test_bayesian_simulations_are_capped() -> None:
    """Reproducer: simulations=10**9 ran out of memory."""
    base = {"baseline": 0.1, "mde": 0.1, "threshold": 0.001}
    with pytest.raises(ConfigError, match="100,000") as excinfo:
        plan_bayesian_sample_size(SIGNUP, simulations=10**9, **base)
    assert excinfo.value.field == "simulations"
    for bad in ("2000", True, 2000.5, 99):
        with pytest.raises(ConfigError) as excinfo:
            plan_bayesian_sample_size(SIGNUP, simulations=bad, **base)
        assert excinfo.value.field == "simulations"
    with pytest.raises(ConfigError, match="1,000") as excinfo:
        plan_bayesian_sample_size(SIGNUP, n_grid=np.arange(1, 2002), **base)
    assert excinfo.value.field == "n_grid"


def test_curve_grids_are_capped_before_allocating() -> None:
    axis = np.linspace(0.01, 0.5, 10_000)
    with pytest.raises(ConfigError, match="10,000,000") as excinfo:
        power_curve(SIGNUP, baseline=0.05, mde=axis, n_per_arm=np.arange(1, 10_001))
    assert excinfo.value.field == "shape"
