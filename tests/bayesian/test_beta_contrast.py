"""Credible intervals of T - C and T / C - 1 for two Beta posteriors.

The bounds come from a quadrature CDF and root finding; the test evaluates the
CDF at the returned bounds with scipy.integrate.quad (bayes_reference.py) and
checks it against the tail probability, plus two closed forms for uniforms.
"""

import math

import bayes_reference as ref
import numpy as np
import pytest

from abstats.bayesian.beta_contrast import difference_interval, relative_interval

CASES = [
    (131, 871, 101, 901),
    (16, 99_986, 11, 99_991),  # rate 1e-4
    (3, 99, 1, 101),  # 0 conversions in control
    (1, 1_001, 11, 991),  # 0 conversions in treatment
    (2, 2, 5, 5),
    (10, 20, 300, 600),  # lopsided sizes
    (5_001, 5_001, 4_001, 6_001),
    (1.5, 2_000, 4, 1_000),  # non-integer prior
]


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_bounds_hit_their_tail_probabilities(level):
    a_t, b_t, a_c, b_c = (np.array(col, dtype=float) for col in zip(*CASES, strict=True))
    tail = (1 - level) / 2
    d_lo, d_hi = difference_interval(a_t, b_t, a_c, b_c, level)
    r_lo, r_hi = relative_interval(a_t, b_t, a_c, b_c, level)
    for i, case in enumerate(CASES):
        # Measured CDF errors at the bounds <= 2e-9 on these rows.
        assert ref.difference_cdf(d_lo[i], *case) == pytest.approx(tail, abs=1e-8), case
        assert ref.difference_cdf(d_hi[i], *case) == pytest.approx(1 - tail, abs=1e-8), case
        assert ref.relative_cdf(r_lo[i], *case) == pytest.approx(tail, abs=1e-8), case
        assert ref.relative_cdf(r_hi[i], *case) == pytest.approx(1 - tail, abs=1e-8), case


def test_uniform_closed_forms():
    # T, C ~ U(0, 1): T - C is triangular, P(T - C <= d) = (1 + d)^2 / 2 for d <= 0;
    # T / C has P(T / C <= z) = z / 2 (z <= 1) and 1 - 1 / (2 z) (z >= 1).
    d_lo, d_hi = difference_interval([1.0], [1.0], [1.0], [1.0])
    r_lo, r_hi = relative_interval([1.0], [1.0], [1.0], [1.0])
    assert d_lo[0] == pytest.approx(-1 + math.sqrt(0.05), abs=1e-9)
    assert d_hi[0] == pytest.approx(1 - math.sqrt(0.05), abs=1e-9)
    assert r_lo[0] == pytest.approx(0.05 - 1, abs=1e-9)
    assert r_hi[0] == pytest.approx(20 - 1, abs=1e-8)
