"""P(beats), expected loss and P(best) against 40-digit mpmath finite sums (bayes_reference.py)
on the hard cases: 1e6 users per arm, 0 conversions, rates of 1e-4, lopsided arms, non-integer priors."""

import bayes_reference as ref
import numpy as np
import pytest

from abstats.bayesian.beta_binomial import BetaPrior, beats_and_losses, expected_loss_best, prob_best

# (a_t, b_t, a_c, b_c) posterior shapes; Beta(1, 1) prior unless the comment says otherwise.
HARD = [
    (1 + 100, 1 + 1_000_000 - 100, 1 + 120, 1 + 1_000_000 - 120),  # 1e6 users, rate 1e-4
    (1, 1 + 1_000_000, 1 + 100, 1 + 1_000_000 - 100),  # 0 conversions vs 100, 1e6 users
    (1, 1 + 100_000, 1, 1 + 100_000),  # 0 vs 0 conversions
    (1 + 15, 1 + 100_000 - 15, 1 + 10, 1 + 100_000 - 10),  # rate 1e-4, 1e5 users
    (1 + 50, 1 + 50, 1 + 90_000, 1 + 10_000),  # lopsided: 100 users vs 1e5 users
    (1 + 3, 1 + 97, 1 + 1_200, 1 + 98_800),  # lopsided: 100 users vs 1e5 users, close rates
    (1 + 5_000, 1 + 95_000, 1 + 5_150, 1 + 94_850),  # 1e5 users, rate 0.05
    (1, 1, 1, 1),  # no data
    (1.5, 10_000, 2, 10_000),  # non-integer prior
    (0.5, 10_000.5, 0.5 + 3, 10_000 - 3),  # Jeffreys prior Beta(0.5, 0.5), 0 vs 3 conversions
    (0.5, 0.5, 0.5, 10),  # Jeffreys prior, tiny samples
    (9, 10, 11, 12),  # small shapes just under the one-panel limit
    (10, 10, 10, 10),  # small shapes on the one-panel limit
    (10, 1_000_000, 11, 1_000_000),  # 1e6 users, rate 1e-5
]


@pytest.fixture(scope="module")
def exact():
    return [(ref.prob_t_beats(*c), *ref.expected_losses(*c)) for c in HARD]


def test_prob_beats_and_losses_match_mpmath(exact):
    a_t, b_t, a_c, b_c = (np.array(col, dtype=float) for col in zip(*HARD, strict=True))
    prob, loss_t, loss_c = beats_and_losses(a_t, b_t, a_c, b_c)
    for i, (p_ref, lt_ref, lc_ref) in enumerate(exact):
        # Requirement 1e-9; the quadrature measured <= 3e-11 on these rows.
        assert abs(prob[i] - float(p_ref)) <= 1e-10, (HARD[i], prob[i], p_ref)
        assert abs(loss_t[i] - float(lt_ref)) <= 1e-10, (HARD[i], loss_t[i], lt_ref)
        assert abs(loss_c[i] - float(lc_ref)) <= 1e-10, (HARD[i], loss_c[i], lc_ref)


def test_prob_best_with_two_arms_matches_mpmath(exact):
    a_t, b_t, a_c, b_c = (np.array(col, dtype=float) for col in zip(*HARD, strict=True))
    p = prob_best(np.column_stack([a_c, a_t]), np.column_stack([b_c, b_t]))
    loss = expected_loss_best(np.column_stack([a_c, a_t]), np.column_stack([b_c, b_t]))
    for i, (p_ref, lt_ref, lc_ref) in enumerate(exact):
        assert abs(p[i, 1] - float(p_ref)) <= 1e-9, HARD[i]
        assert abs(loss[i, 1] - float(lt_ref)) <= 1e-9, HARD[i]
        assert abs(loss[i, 0] - float(lc_ref)) <= 1e-9, HARD[i]


@pytest.mark.parametrize(
    "alphas, betas",
    [
        # Arms of very different sizes (the sharp arm's CDF is a step inside the broad arm's window).
        ([1 + 5, 1 + 5_200, 1 + 110, 1 + 2], [1 + 95, 1 + 94_800, 1 + 1_890, 1 + 8]),
        ([1 + 10, 1 + 12, 1 + 11], [1 + 99_990, 1 + 99_988, 1 + 99_989]),  # rates of 1e-4
        ([1, 1 + 1, 1 + 3], [1 + 1_000_000, 1 + 999_999, 1 + 999_997]),  # 0 conversions, 1e6 users
    ],
)
def test_prob_best_matches_scipy_quad(alphas, betas):
    p = prob_best([alphas], [betas])[0]
    expected = ref.prob_best(alphas, betas)
    np.testing.assert_allclose(p, expected, atol=1e-8, rtol=0)  # requirement 1e-7
    assert abs(p.sum() - 1.0) <= 1e-9


def test_expected_loss_best_matches_quad():
    # E[max_j p_j] by scipy quad of P(max <= x): E[max] = int_0^1 (1 - prod_j F_j(x)) dx.
    from scipy import integrate, stats

    alphas, betas = [1 + 100, 1 + 115, 1 + 130], [1 + 900, 1 + 885, 1 + 870]
    arms = [stats.beta(a, b) for a, b in zip(alphas, betas, strict=True)]
    e_max = integrate.quad(
        lambda x: 1.0 - np.prod([d.cdf(x) for d in arms]),
        0.0,
        0.5,
        epsabs=1e-14,
        epsrel=1e-13,
        limit=500,
        points=[0.1, 0.13],
    )[0]
    expected = [e_max - a / (a + b) for a, b in zip(alphas, betas, strict=True)]
    np.testing.assert_allclose(expected_loss_best([alphas], [betas])[0], expected, atol=1e-9, rtol=0)


def test_informative_prior_from_history():
    prior = BetaPrior.from_history(rate=0.04, strength=500)
    assert prior.alpha == pytest.approx(20.0) and prior.beta == pytest.approx(480.0)
    assert prior.alpha / (prior.alpha + prior.beta) == pytest.approx(0.04)
