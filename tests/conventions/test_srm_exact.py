"""Exact SRM tests: binomial (two arms) against scipy.stats.binomtest, multinomial (k arms) against enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

import abstats
from abstats.inference.srm import MAX_EXACT_OUTCOMES, srm_p_values


def test_two_arms_match_scipy_binomtest():
    rng = np.random.default_rng(5)
    experiments = 300
    total = rng.integers(1, 50_000, size=experiments)
    share = rng.choice([0.5, 0.5, 0.2, 0.7], size=experiments)  # treatment share
    treated = rng.binomial(total, share * rng.uniform(0.97, 1.03, size=experiments))
    n = np.column_stack([total - treated, treated]).ravel()
    shares = np.column_stack([1 - share, share]).ravel()
    ours = srm_p_values(n, np.repeat(np.arange(experiments), 2), shares, "exact")
    ref = np.array([
        stats.binomtest(int(k), int(t), float(s)).pvalue for k, t, s in zip(treated, total, share, strict=True)
    ])
    assert np.max(np.abs(ours - ref)) < 1e-12


def _enumerated_multinomial_p(counts, shares):
    """The minimum-likelihood exact multinomial p-value, by brute force over itertools.product."""
    total, p = sum(counts), np.asarray(shares) / np.sum(shares)

    def prob(x):
        return math.factorial(total) / math.prod(math.factorial(v) for v in x) * math.prod(p**np.array(x))

    observed = prob(counts)
    out = 0.0
    for head in itertools.product(range(total + 1), repeat=len(counts) - 1):
        if sum(head) <= total:
            x = (*head, total - sum(head))
            q = prob(x)
            if q <= observed * (1 + 1e-7):
                out += q
    return min(out, 1.0)


@pytest.mark.parametrize(("counts", "shares"), [
    ((3, 5, 9), (1, 1, 1)), ((10, 12, 30), (1, 1, 2)), ((0, 4, 4), (1, 1, 1)),
    ((7, 7, 7, 12), (1, 1, 1, 1)), ((20, 25, 40), (0.3, 0.3, 0.4)), ((1, 1, 1, 1, 0), (1, 1, 1, 1, 1)),
])
def test_k_arms_match_enumeration(counts, shares):
    ours = srm_p_values(np.array(counts), np.zeros(len(counts), dtype=int), np.array(shares, dtype=float), "exact")
    assert ours[0] == pytest.approx(_enumerated_multinomial_p(counts, shares), rel=1e-10, abs=1e-14)


def test_mixed_experiments_each_get_their_test():
    n = np.array([40, 60, 3, 5, 9, 500, 520])
    code = np.array([0, 0, 1, 1, 1, 2, 2])
    p = srm_p_values(n, code, np.ones(7), "exact")
    assert p[0] == pytest.approx(stats.binomtest(60, 100, 0.5).pvalue, rel=1e-12)
    assert p[1] == pytest.approx(_enumerated_multinomial_p((3, 5, 9), (1, 1, 1)), rel=1e-10)
    assert p[2] == pytest.approx(stats.binomtest(520, 1020, 0.5).pvalue, rel=1e-12)
    chi = srm_p_values(n, code, np.ones(7), "chi_square")
    assert chi[0] == pytest.approx(stats.chisquare([40, 60]).pvalue, rel=1e-12)


def test_exact_multinomial_refuses_beyond_the_bound():
    n = np.array([700, 700, 700])  # C(2102, 2) = 2.2 million allocations > MAX_EXACT_OUTCOMES
    assert math.comb(2100 + 2, 2) > MAX_EXACT_OUTCOMES
    with pytest.raises(abstats.InputError, match="chi_square"):
        srm_p_values(n, np.zeros(3, dtype=int), np.ones(3), "exact")


def test_unknown_test_is_a_config_error():
    with pytest.raises(abstats.ConfigError, match="srm_test"):
        srm_p_values(np.array([1, 2]), np.array([0, 0]), np.ones(2), "fisher")
