"""Independent references for the Bayesian tests (never computed with abstats).

* Evan Miller's exact finite sum for P(T > C) of two Betas, in mpmath
  (https://www.evanmiller.org/bayesian-ab-testing.html), with the term ratio
  recurrence instead of per-term Beta functions; it needs an integer shape.
* Expected loss from the same sums and the size-bias identity
  E[C 1{C > T}] = E[C] P(C+ > T), C+ ~ Beta(a_c + 1, b_c).
* scipy.integrate.quad (adaptive QUADPACK) for CDFs of differences, ratios and
  P(best) where no finite sum exists.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
from scipy import integrate, stats


def _lnbeta(a, b):
    return mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)


def _miller_sum(a_a, b_a, a_b, b_b):
    """P(B > A), A ~ Beta(a_a, b_a), B ~ Beta(a_b, b_b), integer a_b:
    sum_{i<a_b} B(a_a+i, b_a+b_b) / ((b_b+i) B(1+i, b_b) B(a_a, b_a))."""
    a_a, b_a, b_b = (mp.mpf(v) for v in (a_a, b_a, b_b))
    term = mp.exp(_lnbeta(a_a, b_a + b_b) - mp.log(b_b) - _lnbeta(1, b_b) - _lnbeta(a_a, b_a))
    total = term
    for i in range(int(a_b) - 1):
        term = term * (a_a + i) * (b_b + i) / ((a_a + b_a + b_b + i) * (1 + i))
        total += term
    return total


def prob_t_beats(a_t, b_t, a_c, b_c, dps: int = 40):
    """Exact P(T > C); sums over a_t (integer) or, mirrored, over b_c (integer), whichever is shorter."""
    with mp.workdps(dps):
        options = []
        if float(a_t).is_integer():
            options.append((a_t, lambda: _miller_sum(a_c, b_c, a_t, b_t)))
        if float(b_c).is_integer():
            # P(T > C) = P(1 - C > 1 - T), 1 - C ~ Beta(b_c, a_c).
            options.append((b_c, lambda: _miller_sum(b_t, a_t, b_c, a_c)))
        if not options:
            raise ValueError("needs an integer a_t or b_c")
        return +min(options, key=lambda o: o[0])[1]()


def expected_losses(a_t, b_t, a_c, b_c, dps: int = 40):
    """(E[max(C - T, 0)], E[max(T - C, 0)]) exactly, from four Miller sums."""
    with mp.workdps(dps):
        m_t = mp.mpf(a_t) / (a_t + b_t)
        m_c = mp.mpf(a_c) / (a_c + b_c)
        # E[max(C - T, 0)] = m_c P(C+ > T) - m_t P(C > T+).
        loss_ship_t = m_c * (1 - prob_t_beats(a_t, b_t, a_c + 1, b_c, dps)) - m_t * (
            1 - prob_t_beats(a_t + 1, b_t, a_c, b_c, dps)
        )
        return loss_ship_t, loss_ship_t + m_t - m_c


def _quad(f, lo, hi, pieces=16):
    edges = np.linspace(lo, hi, pieces + 1)
    return sum(
        integrate.quad(f, edges[i], edges[i + 1], epsabs=1e-15, epsrel=1e-13, limit=400)[0] for i in range(pieces)
    )


def difference_cdf(d, a_t, b_t, a_c, b_c):
    """P(T - C <= d) = int f_C(x) F_T(x + d) dx by scipy quad."""
    c, t = stats.beta(a_c, b_c), stats.beta(a_t, b_t)
    return _quad(lambda x: c.pdf(x) * t.cdf(min(max(x + d, 0.0), 1.0)), c.ppf(1e-15), c.isf(1e-15))


def relative_cdf(r, a_t, b_t, a_c, b_c):
    """P(T / C - 1 <= r) = int f_C(x) F_T((1 + r) x) dx by scipy quad."""
    c, t = stats.beta(a_c, b_c), stats.beta(a_t, b_t)
    return _quad(lambda x: c.pdf(x) * t.cdf(min((1.0 + r) * x, 1.0)), c.ppf(1e-15), c.isf(1e-15))


def prob_best(alphas, betas):
    """P(arm i best) = int f_i(x) prod_{j != i} F_j(x) dx by scipy quad over arm i's bulk."""
    arms = [stats.beta(a, b) for a, b in zip(alphas, betas, strict=True)]
    out = []
    for i, arm in enumerate(arms):
        others = [a for j, a in enumerate(arms) if j != i]

        def integrand(x, arm=arm, others=others):
            return arm.pdf(x) * np.prod([o.cdf(x) for o in others])

        out.append(_quad(integrand, arm.ppf(1e-15), arm.isf(1e-15), 32))
    return out
