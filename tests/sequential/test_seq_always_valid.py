"""mSPRT p-values, always-valid intervals and asymptotic confidence sequences.

Independent references: the closed forms evaluated in mpmath (50 digits) from Johari et al. (2022)
and Howard et al. (2021) / Waudby-Smith et al. (2021); the delta-method variance written out by hand.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abstats.errors import AbstatsError, InputError
from abstats.sequential import (
    confidence_sequence,
    confidence_sequence_p_value,
    confidence_sequence_relative,
    cs_half_width,
    default_mixing_variance,
    msprt_confidence_interval,
    msprt_p_value,
    optimal_rho_squared,
)

mp.mp.dps = 50


def _mp_lambda(theta, var, tau2):
    theta, var, tau2 = mp.mpf(theta), mp.mpf(var), mp.mpf(tau2)
    return mp.sqrt(var / (var + tau2)) * mp.exp(tau2 * theta**2 / (2 * var * (var + tau2)))


@settings(max_examples=40, deadline=None)
@given(st.floats(-0.2, 0.2), st.floats(1e-7, 1e-2), st.floats(1e-6, 1e-1))
def test_msprt_p_value_matches_mpmath(theta, var, tau2):
    expected = float(min(1, 1 / _mp_lambda(theta, var, tau2)))
    got = float(msprt_p_value(theta, var, tau2)[0])
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_msprt_vectorised_and_running_minimum():
    theta = np.array([[0.0, 0.03, 0.001, 0.0], [0.01, 0.0, 0.0, 0.02]])
    var = np.full_like(theta, 1e-4)
    single = msprt_p_value(theta, var, 1e-3)
    path = msprt_p_value(theta, var, 1e-3, look_axis=1)
    assert single.shape == theta.shape
    np.testing.assert_array_equal(path, np.minimum.accumulate(single, axis=1))
    assert path[0, 3] == single[0, 1] < single[0, 3]


@settings(max_examples=40, deadline=None)
@given(st.floats(-0.1, 0.1), st.floats(1e-6, 1e-3), st.floats(1e-5, 1e-2), st.sampled_from([0.01, 0.05, 0.2]))
def test_msprt_interval_is_dual_of_p_value(theta, var, tau2, alpha):
    low, high = msprt_confidence_interval(theta, var, tau2, alpha=alpha)
    p = msprt_p_value(theta, var, tau2)[0]
    excludes = low[0] > 0 or high[0] < 0
    if abs(p - alpha) > 1e-9:
        assert excludes == (p <= alpha)
    # At an endpoint, the p-value for H0: theta = endpoint is exactly alpha.
    edge = float(msprt_p_value(theta, var, tau2, theta0=float(high[0]))[0])
    assert edge == pytest.approx(alpha, rel=1e-7)


def test_cs_half_width_matches_mpmath():
    for n, sd, rho2, alpha in [(10, 1.0, 0.1, 0.05), (1e6, 0.2, 1e-5, 0.01), (3000, 7.0, 0.002, 0.1)]:
        n_m, r = mp.mpf(n), mp.mpf(rho2)
        expected = sd * mp.sqrt(2 * (n_m * r + 1) / (n_m**2 * r) * mp.log(mp.sqrt(n_m * r + 1) / alpha))
        got = cs_half_width(sd, n, alpha=alpha, rho_squared=rho2)[0]
        assert got == pytest.approx(float(expected), rel=1e-12)


def test_optimal_rho_squared_minimises_width_at_tuning_n():
    alpha, tuning_n = 0.05, 5000.0
    rho2 = optimal_rho_squared(alpha, tuning_n)
    grid = rho2 * np.exp(np.linspace(-1, 1, 201))
    widths = np.array([cs_half_width(1.0, tuning_n, alpha=alpha, rho_squared=r)[0] for r in grid])
    # Howard et al.'s closed form approximates the minimiser (3 % off in rho^2 here), so the width
    # it gives is within 0.1 % of the grid minimum, and halving or doubling rho^2 is clearly worse.
    at_closed_form = cs_half_width(1.0, tuning_n, alpha=alpha, rho_squared=rho2)[0]
    assert at_closed_form <= widths.min() * 1.001
    for factor in (0.25, 4.0):
        assert cs_half_width(1.0, tuning_n, alpha=alpha, rho_squared=factor * rho2)[0] > at_closed_form * 1.01


def test_cs_equals_msprt_with_matching_mixing_variance():
    rng = np.random.default_rng(3)
    theta = rng.normal(0, 0.02, 50)
    var = rng.uniform(1e-5, 1e-4, 50)
    n = rng.integers(1000, 100000, 50).astype(float)
    rho2 = optimal_rho_squared(0.05, 20000)
    tau2 = default_mixing_variance(var, n, alpha=0.05, tuning_n=20000)
    np.testing.assert_allclose(tau2, rho2 * var * n)
    p_cs = confidence_sequence_p_value(theta, var, n, rho_squared=rho2)
    np.testing.assert_allclose(p_cs, msprt_p_value(theta, var, tau2))
    low_cs, high_cs = confidence_sequence(theta, var, n, alpha=0.05, rho_squared=rho2)
    low_m, high_m = msprt_confidence_interval(theta, var, tau2, alpha=0.05)
    np.testing.assert_allclose(low_cs, low_m, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(high_cs, high_m, rtol=1e-10, atol=1e-14)


def test_confidence_sequence_is_wider_than_fixed_interval_and_running_intersection():
    theta = np.array([[0.01, 0.02, 0.015]])
    var = np.array([[4e-5, 2e-5, 1e-5]])
    n = np.array([[1000.0, 2000.0, 4000.0]])
    low, high = confidence_sequence(theta, var, n, alpha=0.05)
    assert np.all(high - low > 2 * 1.96 * np.sqrt(var))
    low_p, high_p = confidence_sequence(theta, var, n, alpha=0.05, look_axis=1)
    np.testing.assert_array_equal(low_p, np.maximum.accumulate(low, axis=1))
    np.testing.assert_array_equal(high_p, np.minimum.accumulate(high, axis=1))


def test_relative_confidence_sequence_uses_delta_method():
    mt, vt, mc, vc, n = 0.12, 2e-6, 0.10, 1.5e-6, 50000.0
    est, low, high = confidence_sequence_relative(mt, vt, mc, vc, n, alpha=0.05, rho_squared=1e-4)
    var_rel = vt / mc**2 + mt**2 * vc / mc**4
    half = cs_half_width(np.sqrt(var_rel * n), n, alpha=0.05, rho_squared=1e-4)[0]
    assert est[0] == pytest.approx(0.2)
    assert (low[0], high[0]) == pytest.approx((0.2 - half, 0.2 + half), rel=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda: msprt_p_value(0.1, 0.0, 1e-3),
        lambda: msprt_p_value(np.nan, 1e-3, 1e-3),
        lambda: msprt_p_value(0.1, 1e-3, -1.0),
        lambda: msprt_p_value([0.1, 0.2], 1e-3, 1e-3, look_axis=3),
        lambda: confidence_sequence(0.1, 1e-3, 0, alpha=0.05),
        lambda: confidence_sequence(0.1, 1e-3, 100, alpha=1.0),
        lambda: cs_half_width(1.0, 10, alpha=0.05, rho_squared=0.0),
        lambda: confidence_sequence_relative(0.1, 1e-6, 0.0, 1e-6, 100, alpha=0.05),
        lambda: optimal_rho_squared(0.05, -1),
    ],
)
def test_bad_inputs_raise_typed_errors(call):
    with pytest.raises(AbstatsError):
        call()


def test_input_error_names_the_field():
    with pytest.raises(InputError) as err:
        msprt_p_value([0.1, 0.2], [1e-3, -1e-3], 1e-3)
    assert err.value.field == "var_theta_hat"
