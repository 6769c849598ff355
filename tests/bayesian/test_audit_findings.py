"""Issue 9 (Bayesian part): the audit's silent wrong answers, each written as the audit found it.

Every number is checked against an independent reference (bayes_reference.py: scipy.integrate.quad
on the Beta densities over the logit scale, or mpmath), never against abstats' own output, or the
input must raise a named ConfigError that names what the user gave.
"""

import bayes_reference as ref
import mpmath as mp
import numpy as np
import pytest

import abstats
from abstats.bayesian import BetaPrior, expected_loss_best, prob_best
from abstats.bayesian.best_arm import normal_arms_prob_best
from abstats.bayesian.beta_binomial import beats_and_losses, rate_interval
from abstats.bayesian.beta_contrast import difference_interval, relative_interval
from abstats.bayesian.scoring import score_binary, score_normal
from abstats.errors import ConfigError
from abstats.statistics import BinaryStats

TINY = BetaPrior.from_history(rate=1e-5, strength=100)  # Beta(0.001, 99.999)


def test_from_history_prior_is_the_audited_one():
    assert TINY.alpha == pytest.approx(1e-3, rel=1e-12) and TINY.beta == pytest.approx(99.999, rel=1e-12)


@pytest.mark.parametrize("conversions, n", [(0, 1000), (0, 1), (10, 1000)])
def test_identical_arms_beat_each_other_half_the_time(conversions, n):
    # Audit: P(beats) = 0.75 for identical arms (half of Beta(0.001, b)'s mass lies below 1e-300 and was cut).
    s = score_binary(conversions, n, conversions, n, prior_alpha=TINY.alpha, prior_beta=TINY.beta)
    a, b = TINY.alpha + conversions, TINY.beta + n - conversions
    assert s["prob_beats_control"][0] == pytest.approx(0.5, abs=1e-10)  # exact by symmetry
    assert ref.prob_t_beats_quad(a, b, a, b) == pytest.approx(0.5, abs=1e-10)  # the reference agrees
    loss_ref = ref.loss_ship_t_quad(a, b, a, b)
    for key in ("expected_loss_treatment", "expected_loss_control"):
        assert s[key][0] == pytest.approx(loss_ref, rel=1e-8, abs=1e-15)
        # Audit: the loss exceeded the arm's own posterior mean.
        assert 0.0 <= s[key][0] <= a / (a + b)


@pytest.mark.parametrize(
    "a_t, b_t, a_c, b_c",
    [
        (1e-3, 1100.0, 1e-3 + 3, 1097.0),  # 0 vs 3 conversions of 1,000 under the audited prior
        (1e-3 + 3, 1097.0, 1e-3, 1100.0),
        (1e-3, 2.0, 1e-3, 2.0),  # Beta(0.001, 1) prior, 0 of 1 in both arms
        (1e-3, 1e5, 2e-3, 3.0),  # one broad, one sharp arm
    ],
)
def test_prob_beats_and_loss_with_tiny_shapes_match_quad(a_t, b_t, a_c, b_c):
    prob, loss_t, loss_c = (v[0] for v in beats_and_losses(a_t, b_t, a_c, b_c))
    assert prob == pytest.approx(ref.prob_t_beats_quad(a_t, b_t, a_c, b_c), abs=1e-9)
    assert loss_t == pytest.approx(ref.loss_ship_t_quad(a_t, b_t, a_c, b_c), rel=1e-7, abs=1e-13)
    assert loss_c == pytest.approx(ref.loss_ship_t_quad(a_c, b_c, a_t, b_t), rel=1e-7, abs=1e-13)
    assert 0.0 <= loss_t <= a_c / (a_c + b_c) and 0.0 <= loss_c <= a_t / (a_t + b_t)


def test_prob_best_of_identical_tiny_arms_is_one_over_k():
    # Audit: P(best) summed to more than 1 (0.587 each for three identical arms).
    a, b = TINY.alpha, TINY.beta + 1000
    p = prob_best([[a] * 3], [[b] * 3])[0]
    np.testing.assert_allclose(p, 1 / 3, atol=1e-10)
    # Loss of arm i = E[max_j p_j - p_i] <= E[sum_{j != i} p_j]: within [0, the other arms' means].
    loss = expected_loss_best([[a] * 3], [[b] * 3])[0]
    assert np.all((loss >= 0) & (loss <= 2 * a / (a + b)))


def test_prob_best_with_tiny_shapes_matches_quad():
    # P(i best) = int f_i prod_{j != i} F_j on the logit scale, by scipy quad (bayes_reference).
    from scipy import integrate, special

    alphas, betas = [1e-3, 1e-3 + 2, 0.5 + 1], [1100.0, 1098.0, 200.0]
    p = prob_best([alphas], [betas])[0]
    for i in range(3):
        log_b = special.betaln(alphas[i], betas[i])

        def f(y, i=i, log_b=log_b):
            log_dens = alphas[i] * ref._log_expit(y) + betas[i] * ref._log_expit(-y) - log_b
            others = np.prod([ref.beta_cdf_at_logit(alphas[j], betas[j], y)[0] for j in range(3) if j != i])
            return np.exp(log_dens) * others

        points = sorted(sum((ref._logit_points(a, b) for a, b in zip(alphas, betas, strict=False)), []))
        expected = sum(
            integrate.quad(f, lo, hi, epsabs=1e-16, epsrel=1e-13, limit=200)[0]
            for lo, hi in zip(points, points[1:], strict=False)
        )
        assert p[i] == pytest.approx(expected, abs=1e-9), i
    assert p.sum() == pytest.approx(1.0, abs=1e-10)


def test_intervals_of_a_tiny_prior_with_no_data_are_ordered_and_hit_their_tails():
    # Audit: Beta(0.001, 1) prior, 0 of 1 converted in both arms: inverted credible intervals.
    s = score_binary(0, 1, 0, 1, prior_alpha=0.001, prior_beta=1.0)
    a, b = 0.001, 2.0
    for name in ("control", "treatment", "effect", "rel"):
        assert s[f"{name}_cred_low"][0] <= s[f"{name}_cred_high"][0], name
    # Arm rates: exact quantiles, checked in 30-digit mpmath (the lower one is below 1e-300: 0 or denormal).
    high = s["control_cred_high"][0]
    with mp.workdps(30):
        assert float(mp.betainc(a, b, 0, high, regularized=True)) == pytest.approx(0.975, abs=1e-10)
    assert 0.0 <= s["control_cred_low"][0] <= 1e-300
    # Difference: the reference CDF at the bounds is the tail probability.
    low_d, high_d = s["effect_cred_low"][0], s["effect_cred_high"][0]
    assert ref.difference_cdf_any(low_d, a, b, a, b) == pytest.approx(0.025, abs=1e-6)
    assert ref.difference_cdf_any(high_d, a, b, a, b) == pytest.approx(0.975, abs=1e-6)
    # Relative: log(T / C) is ~Laplace with scale 1/a = 1000, so the 2.5% / 97.5% bounds are
    # exp(-+3000) - 1: -1 and +inf in double precision (null in the JSON Result).
    assert s["rel_cred_low"][0] == -1.0 and s["rel_cred_high"][0] == np.inf


def test_rate_interval_of_tiny_shapes_is_ordered():
    low, high = rate_interval(np.array([1e-3, 2.0, 1e-3]), np.array([2.0, 1e-3, 1e-3]))
    assert np.all(low <= high)
    with mp.workdps(30):
        for lo_i, hi_i, a, b in zip(low, high, [1e-3, 2.0, 1e-3], [2.0, 1e-3, 1e-3], strict=False):
            # Beta(2, 0.001)'s 2.5% point is 1 - 3.7e-12: the nearest double is 3e-5 off in 1 - x,
            # which moves the CDF by ~1e-8 (the float grid, not the solver).
            tol = 5e-8 if lo_i > 0.5 else 1e-10
            # A bound that is 0 or 1 in double precision is right when the true one is within
            # e^-700 of it (Beta(2, 0.001): 1 - e^-3689): checked by the CDF one float step inside.
            if hi_i < 1.0:
                assert float(mp.betainc(a, b, 0, hi_i, regularized=True)) == pytest.approx(0.975, abs=tol)
            else:
                assert float(mp.betainc(a, b, 0, np.nextafter(1.0, 0.0), regularized=True)) < 0.975
            if lo_i > 1e-300:
                assert float(mp.betainc(a, b, 0, lo_i, regularized=True)) == pytest.approx(0.025, abs=tol)


def test_difference_and_relative_intervals_with_tiny_shapes_are_ordered():
    a_t, b_t = np.array([1e-3, 3.001, 1e-3]), np.array([1100.0, 1097.0, 1e5])
    a_c, b_c = np.array([3.001, 1e-3, 2e-3]), np.array([1097.0, 1100.0, 3.0])
    d_lo, d_hi = difference_interval(a_t, b_t, a_c, b_c)
    r_lo, r_hi = relative_interval(a_t, b_t, a_c, b_c)
    assert np.all(d_lo <= d_hi) and np.all(r_lo <= r_hi) and np.all(r_lo >= -1)
    for i in range(3):
        args = (a_t[i], b_t[i], a_c[i], b_c[i])
        assert ref.difference_cdf_any(d_lo[i], *args) == pytest.approx(0.025, abs=1e-6)
        assert ref.difference_cdf_any(d_hi[i], *args) == pytest.approx(0.975, abs=1e-6)


def test_normal_prob_best_with_zero_variance_arms():
    # Audit: P(best) exceeded P(beats) with k arms when some normal arms had zero variance
    # (their sd was floored at 1e-300 inside a Gauss-Hermite rule).
    n = [1000, 1000, 1000, 1000]
    table = {
        "variant": ["A", "B", "C", "D"],
        "n": n,
        "sum": [3000.0, 3000.0, 3010.0, 2990.0],
        # B has zero variance (every value is 3.0); A, C and D have sd 5
        "sum_sq": [1000 * (9.0 + 25.0), 9000.0, 1000 * (3.01**2 + 25.0), 1000 * (2.99**2 + 25.0)],
    }
    r = abstats.analyze(table, metric=abstats.MeanMetric("rpv"), control="A", method="bayesian")
    p_best = np.asarray(r["prob_best"])
    p_beats = np.asarray(r["prob_beats_control"])
    assert np.all(p_best <= p_beats + 1e-12)
    # Reference: control's P(best) completes the sum; P(B best) = P(A, C, D all below 3.0), by quad.
    from scipy import integrate, stats

    sd = np.sqrt(25.0 * 1000 / 999 / 1000)
    arms = [stats.norm(3.0, sd), stats.norm(3.01, sd), stats.norm(2.99, sd)]
    p_b = np.prod([d.cdf(3.0) for d in arms])
    assert p_best[0] == pytest.approx(p_b, abs=1e-12)

    def best_c(x):  # C above 3.0 (B), A and D below x
        return arms[1].pdf(x) * arms[0].cdf(x) * arms[2].cdf(x)

    expected_c = integrate.quad(best_c, 3.0, 3.01 + 9 * sd, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    assert p_best[1] == pytest.approx(expected_c, abs=1e-10)
    p_control = integrate.quad(
        lambda x: arms[0].pdf(x) * arms[1].cdf(x) * arms[2].cdf(x), 3.0, 3.0 + 9 * sd, epsabs=1e-14, epsrel=1e-12
    )[0]
    assert p_control + p_best.sum() == pytest.approx(1.0, abs=1e-10)


def test_normal_point_masses_tie():
    p = normal_arms_prob_best(np.array([[1.0, 1.0, 0.0]]), np.array([[0.0, 0.0, 1.0]]))[0]
    from scipy import stats

    assert p[0] == pytest.approx(stats.norm.cdf(1.0) / 2, abs=1e-15)
    assert p[1] == pytest.approx(stats.norm.cdf(1.0) / 2, abs=1e-15)
    assert p[2] == pytest.approx(stats.norm.sf(1.0), abs=1e-10)


@pytest.mark.parametrize("mean", [np.nan, np.inf, -np.inf])
def test_non_finite_relative_prior_mean_names_the_prior(mean):
    # Audit: reported as "expected_loss_treatment = np.float64(nan)".
    table = {"variant": ["A", "B"], "n": [1000, 1000], "sum": [3000.0, 3050.0], "sum_sq": [34000.0, 35000.0]}
    with pytest.raises(ConfigError, match="prior_rel_effect_mean"):
        abstats.analyze(
            table, metric=abstats.MeanMetric("rpv"), control="A", method="bayesian",
            prior_rel_effect_sd=0.3, prior_rel_effect_mean=mean,
        )
    with pytest.raises(ConfigError, match="prior_rel_effect_mean"):
        score_normal([10.0], [0.04], [10.5], [0.05], prior_rel_effect_sd=0.3, prior_rel_effect_mean=mean)


def test_relative_prior_sd_out_of_range_names_the_prior():
    with pytest.raises(ConfigError, match="prior_rel_effect_sd"):
        score_normal([10.0], [0.04], [10.5], [0.05], prior_rel_effect_sd=1e-300)


@pytest.mark.parametrize("alpha, beta", [(1e300, 1e300), (1e-4, 1.0), (1.0, 2e6)])
def test_beta_prior_outside_the_verified_range_names_the_prior(alpha, beta):
    # Audit: Beta(1e300, 1e300) was reported as "expected_loss_treatment = np.float64(nan)".
    c = BinaryStats.from_arrays(n=[1000], conversions=[100])
    t = BinaryStats.from_arrays(n=[1000], conversions=[120])
    with pytest.raises(ConfigError, match="prior_(alpha|beta)") as err:
        abstats.compare(c, t, metric=abstats.BinaryMetric("x"), method="bayesian", prior_alpha=alpha, prior_beta=beta)
    assert "between 0.001 and 1e+06" in str(err.value)
    with pytest.raises(ConfigError, match="prior_(alpha|beta)"):
        BetaPrior(alpha, beta)


@pytest.mark.parametrize("alpha, beta", [(1e-3, 1e-3), (1e6, 1e6), (1e-3, 1e6)])
def test_range_ends_give_sane_numbers(alpha, beta):
    s = score_binary([0, 10, 500], [1000, 1000, 1000], [0, 12, 520], [1000, 1000, 1000],
                     prior_alpha=alpha, prior_beta=beta)
    a_c, b_c = alpha + np.array([0, 10, 500]), beta + 1000 - np.array([0, 10, 500])
    a_t, b_t = alpha + np.array([0, 12, 520]), beta + 1000 - np.array([0, 12, 520])
    for i in range(3):
        expected = ref.prob_t_beats_quad(a_t[i], b_t[i], a_c[i], b_c[i])
        assert s["prob_beats_control"][i] == pytest.approx(expected, abs=1e-9), i
    for name in ("control", "treatment", "effect", "rel"):
        assert np.all(s[f"{name}_cred_low"] <= s[f"{name}_cred_high"]), name
    assert np.all(s["expected_loss_treatment"] <= a_c / (a_c + b_c))
    assert np.all(s["expected_loss_control"] <= a_t / (a_t + b_t))
