"""Beta priors with shapes from 1e-3 to 1e3 (hypothesis): P(beats) against an independent quadrature,
P(best) summing to 1, losses within [0, posterior mean].

The reference (bayes_reference.prob_t_beats_quad) is scipy.integrate.quad on the Beta density of
the logit, with the CDF of the other arm from scipy.special.betainc at x and 1 - x separately and the
first term of DLMF 8.17.7 where x underflows; it never calls abstats.
"""

import bayes_reference as ref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abstats.bayesian.beta_binomial import beats_and_losses, expected_loss_best, prob_best

shape = st.floats(-3.0, 3.0).map(lambda e: float(10.0**e))  # log-uniform on [1e-3, 1e3]


@st.composite
def arm(draw, max_n=100_000):
    n = draw(st.integers(0, max_n))
    # Many draws at the edges: no conversions, all converted, a handful.
    x = draw(st.one_of(st.just(0), st.just(n), st.integers(0, min(n, 5)), st.integers(0, n)))
    return x, n


def _posterior(prior, data):
    (alpha, beta), (x, n) = prior, data
    return alpha + x, beta + n - x


def _check_two_arms(prior, control, treatment):
    a_c, b_c = _posterior(prior, control)
    a_t, b_t = _posterior(prior, treatment)
    prob, loss_t, loss_c = (float(v[0]) for v in beats_and_losses(a_t, b_t, a_c, b_c))
    assert prob == pytest.approx(ref.prob_t_beats_quad(a_t, b_t, a_c, b_c), abs=1e-7)
    assert 0.0 <= loss_t <= a_c / (a_c + b_c)  # E[max(C - T, 0)] <= E[C]
    assert 0.0 <= loss_c <= a_t / (a_t + b_t)


def _check_k_arms(prior, arms):
    post = [_posterior(prior, a) for a in arms]
    alpha, beta = np.array([[p[0] for p in post]]), np.array([[p[1] for p in post]])
    p = prob_best(alpha, beta)[0]
    assert np.all(p >= 0) and p.sum() == pytest.approx(1.0, abs=1e-9)
    loss = expected_loss_best(alpha, beta)[0]
    means = alpha[0] / (alpha[0] + beta[0])
    # E[max_j p_j - p_i] <= E[sum_{j != i} p_j].
    assert np.all(loss >= 0) and np.all(loss <= means.sum() - means + 1e-15)


@settings(max_examples=20, deadline=None)
@given(prior=st.tuples(shape, shape), control=arm(), treatment=arm())
def test_prob_beats_matches_quadrature(prior, control, treatment):
    _check_two_arms(prior, control, treatment)


@settings(max_examples=15, deadline=None)
@given(prior=st.tuples(shape, shape), arms=st.lists(arm(), min_size=3, max_size=4))
def test_prob_best_sums_to_one_and_losses_are_bounded(prior, arms):
    _check_k_arms(prior, arms)


@pytest.mark.simulation
@settings(max_examples=300, deadline=None)
@given(prior=st.tuples(shape, shape), control=arm(), treatment=arm())
def test_prob_beats_matches_quadrature_many(prior, control, treatment):
    _check_two_arms(prior, control, treatment)


@pytest.mark.simulation
@settings(max_examples=200, deadline=None)
@given(prior=st.tuples(shape, shape), arms=st.lists(arm(), min_size=3, max_size=4))
def test_prob_best_sums_to_one_many(prior, arms):
    _check_k_arms(prior, arms)
