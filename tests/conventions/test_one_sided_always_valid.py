"""One-sided always-valid inference: the half-normal mixture (Howard et al. 2021) and its dual sequence.

The closed form 2 Lambda Phi(z sqrt(r)) is checked against direct numerical integration of the
likelihood ratio over the half-normal mixing density (scipy.integrate.quad); the interval against
the duality p(theta0 = bound) = alpha; and, by simulation, the type I error under continuous peeking.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

import abstats
from abstats.sequential import confidence_sequence, default_mixing_variance, msprt_p_value
from abstats.sequential.msprt import msprt_confidence_interval, msprt_log_likelihood_ratio

ALPHA = 0.05


def _quad_log_lambda(theta_hat, var, tau2, sign):
    """log of int_0^inf LR(sign * u) 2 phi(u / tau) / tau du, LR(t) = exp((t theta_hat - t^2 / 2) / var)."""
    def integrand(u):
        t = sign * u
        return np.exp((t * theta_hat - 0.5 * t * t) / var) * 2.0 * stats.norm.pdf(u, scale=np.sqrt(tau2))

    value, _ = integrate.quad(integrand, 0.0, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)
    return np.log(value)


@pytest.mark.parametrize("alternative", ["greater", "less"])
@pytest.mark.parametrize(("theta_hat", "var", "tau2"), [(0.01, 1e-5, 1e-4), (-0.004, 4e-6, 2e-6),
                                                        (0.0, 1e-3, 5e-3), (0.3, 0.02, 0.01)])
def test_one_sided_mixture_matches_numerical_integration(alternative, theta_hat, var, tau2):
    ours = msprt_log_likelihood_ratio(theta_hat, var, tau2, alternative=alternative)[0]
    sign = 1.0 if alternative == "greater" else -1.0
    assert ours == pytest.approx(_quad_log_lambda(theta_hat, var, tau2, sign), abs=1e-8)


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_interval_bound_is_where_the_one_sided_p_value_reaches_alpha(alternative):
    theta_hat, var, tau2 = np.array([0.02, -0.01, 0.5]), np.array([1e-4, 4e-5, 0.04]), np.array([3e-4, 1e-5, 0.1])
    low, high = msprt_confidence_interval(theta_hat, var, tau2, alpha=ALPHA, alternative=alternative)
    bound = low if alternative == "greater" else high
    assert np.all(np.isinf(high if alternative == "greater" else low))
    # H0: theta <= bound ("greater") is rejected at exactly alpha there: p(theta_hat - bound) = alpha
    p = msprt_p_value(theta_hat - bound, var, tau2, alternative=alternative)
    assert p == pytest.approx(np.full(3, ALPHA), rel=1e-9)
    # and the one-sided sequence is tighter than the two-sided one on its side
    two_low, two_high = msprt_confidence_interval(theta_hat, var, tau2, alpha=ALPHA)
    assert np.all(low > two_low) if alternative == "greater" else np.all(high < two_high)


def test_confidence_sequence_is_dual_to_the_msprt_one_sided_too():
    theta_hat, var, n = np.array([0.01, 0.002]), np.array([2e-5, 1e-6]), np.array([4000.0, 90000.0])
    tau2 = default_mixing_variance(var, n, alpha=ALPHA)
    for alternative in ("greater", "less"):
        cs = confidence_sequence(theta_hat, var, n, alpha=ALPHA, alternative=alternative)
        ms = msprt_confidence_interval(theta_hat, var, tau2, alpha=ALPHA, alternative=alternative)
        np.testing.assert_allclose(cs, ms, rtol=1e-10)


@pytest.mark.parametrize("method", ["msprt", "confidence_sequence"])
def test_analyze_takes_alternative_for_always_valid_methods(method):
    table = {"variant": ["A", "B"], "n": [20_000, 20_000], "conversions": [1000, 1200]}
    one = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="A", method=method, alternative="greater")
    two = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="A", method=method)
    assert one.settings["alternative"] == "greater"
    assert np.isinf(one["effect_ci_high"][0]) and np.isinf(one["rel_ci_high"][0])
    assert one["effect_ci_low"][0] > two["effect_ci_low"][0]
    assert one.p_value[0] < two.p_value[0]
    assert one.decision[0] == "stop_winner"
    less = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="A", method=method, alternative="less")
    assert less.p_value[0] == 1.0 and less.decision[0] == "continue" and np.isinf(less["effect_ci_low"][0])


def test_bad_alternative_is_a_config_error():
    with pytest.raises(abstats.ConfigError, match="alternative"):
        abstats.analyze({"variant": ["A", "B"], "n": [100, 100], "conversions": [10, 12]},
                        metric=abstats.BinaryMetric("m"), control="A", method="msprt", alternative="larger")


@pytest.mark.simulation
@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_one_sided_type_one_error_under_continuous_peeking(alternative):
    """2,000 A/A paths (theta = 0, the boundary of the one-sided null), a look after every 50 units
    per arm up to 5,000 per arm (100 looks), variances estimated (ddof = 1) at each look. The
    rejection rate at any look must stay <= alpha + 3 SE, SE = sqrt(0.05 * 0.95 / 2000) = 0.0049;
    the naive one-sided z-test read at every look must exceed alpha by far (the simulation can see
    inflation)."""
    rng = np.random.default_rng(20261124)
    paths, looks, batch = 2000, 100, 50
    n = batch * np.arange(1, looks + 1)
    stats_ = []
    for _ in range(2):  # control, treatment
        x = rng.exponential(1.0, size=(paths, looks, batch))  # skewed, as revenue
        s, q = np.cumsum(x.sum(axis=2), axis=1), np.cumsum((x * x).sum(axis=2), axis=1)
        stats_.append((s / n, (q - s * s / n) / (n - 1) / n))
    (m_c, v_c), (m_t, v_t) = stats_
    theta_hat, var = m_t - m_c, v_c + v_t
    n_total = np.broadcast_to(2.0 * n, theta_hat.shape)
    tau2 = default_mixing_variance(var, n_total, alpha=ALPHA)
    p = msprt_p_value(theta_hat, var, tau2, alternative=alternative, look_axis=1)
    low, high = confidence_sequence(theta_hat, var, n_total, alpha=ALPHA, alternative=alternative, look_axis=1)
    se = np.sqrt(ALPHA * (1 - ALPHA) / paths)
    rejected = (p[:, -1] <= ALPHA).mean()
    excluded = ((low[:, -1] > 0) | (high[:, -1] < 0)).mean()
    assert rejected <= ALPHA + 3 * se
    assert excluded <= ALPHA + 3 * se
    z = theta_hat / np.sqrt(var) * (1.0 if alternative == "greater" else -1.0)
    naive = (z > stats.norm.isf(ALPHA)).any(axis=1).mean()
    assert naive > 3 * ALPHA
