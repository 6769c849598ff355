"""Independent references for the Bayesian tests (never computed with abstats).

* Evan Miller's exact finite sum for P(T > C) of two Betas, in mpmath
  (https://www.evanmiller.org/bayesian-ab-testing.html), with the term ratio
  recurrence instead of per-term Beta functions; it needs an integer shape.
* Expected loss from the same sums and the size-bias identity
  E[C 1{C > T}] = E[C] P(C+ > T), C+ ~ Beta(a_c + 1, b_c).
* The Beta CDF with a whole first shape as a finite negative-binomial sum, in mpmath.
* scipy.integrate.quad (adaptive QUADPACK) for CDFs of differences, ratios and
  P(best) where no finite sum exists.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
from scipy import integrate, special, stats


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


def beta_cdf_whole_a(a: int, b: float, x: float, dps: int = 50):
    """I_x(a, b) for a whole number a: 1 - (1 - x)^b sum_{j < a} (b)_j / j! x^j (the negative binomial
    sum: P(fewer than a successes before the b-th failure)), in ``dps``-digit mpmath; a terms."""
    with mp.workdps(dps):
        x = mp.mpf(x)
        term = (1 - x) ** mp.mpf(b)
        total = term
        for j in range(int(a) - 1):
            term = term * (b + j) / (j + 1) * x
            total += term
        return 1 - total


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


# --- Any positive shapes, including 1e-3 (tests/bayesian/test_small_shapes.py) -------------------
# Beta(0.001, b) has half its mass below 1e-300, so these integrate on the logit scale
# y = log(x / (1 - x)) with scipy.integrate.quad, and evaluate CDFs at x and 1 - x separately
# (each from y, never as 1 - x), with the first term of DLMF 8.17.7, I_z(a, b) = z^a / (a B(a, b)),
# where z underflows: the next term is O((a + b) z) < 1e-250 there.


def _log_expit(y):
    return -np.logaddexp(0.0, -y)


def _cdf_lower(a, b, log_z):
    """I_z(a, b) for z = exp(log_z) <= 1/2."""
    if log_z < -650.0:
        return math.exp(a * log_z - math.log(a) - special.betaln(a, b))
    return float(special.betainc(a, b, math.exp(log_z)))


def beta_cdf_at_logit(a, b, y):
    """(P(X <= x), P(X > x)) for X ~ Beta(a, b) at x = expit(y)."""
    if y <= 0:
        low = _cdf_lower(a, b, _log_expit(y))
        return low, 1.0 - low
    up = _cdf_lower(b, a, _log_expit(-y))
    return 1.0 - up, up


def _logit_points(a, b):
    """Break points for quad: the logit-scale mode and generic geometric offsets up to the far tails."""
    mode = math.log(a) - math.log(b)
    reach = 80.0 / min(a, b) + 80.0
    offsets = [2.0**j for j in range(-4, int(math.log2(reach)) + 2)]
    return [mode - o for o in offsets[::-1]] + [mode] + [mode + o for o in offsets]


def _logit_quad(f, points):
    points = sorted(points)
    total = 0.0
    for lo, hi in zip(points[:-1], points[1:], strict=False):
        total += integrate.quad(f, lo, hi, epsabs=1e-16, epsrel=1e-13, limit=200)[0]
    return total


def _log_norm(a, b):
    """log of int x^a (1 - x)^b dy over the logit scale (B(a, b)), by quad around the peak value.

    Not special.betaln: its lgamma differences lose ~1e-9 relative at shapes of 1e6.
    """
    mode = math.log(a) - math.log(b)
    peak = a * _log_expit(mode) + b * _log_expit(-mode)
    points = _logit_points(a, b)
    mass = _logit_quad(lambda y: math.exp(a * _log_expit(y) + b * _log_expit(-y) - peak), points)
    return peak + math.log(mass)


def prob_t_beats_quad(a_t, b_t, a_c, b_c):
    """P(T > C) = int f_C(y) P(T > expit(y)) dy over the logit of C, by scipy quad."""
    log_b = _log_norm(a_c, b_c)

    def f(y):
        log_dens = a_c * _log_expit(y) + b_c * _log_expit(-y) - log_b
        return math.exp(log_dens) * beta_cdf_at_logit(a_t, b_t, y)[1] if log_dens > -745 else 0.0

    return _logit_quad(f, _logit_points(a_c, b_c) + _logit_points(a_t, b_t))


def loss_ship_t_quad(a_t, b_t, a_c, b_c):
    """E[max(C - T, 0)] = int f_C(x) (x F_T(x) - E[T] F_T+(x)) dx, T+ ~ Beta(a_t + 1, b_t), by scipy quad."""
    log_b = _log_norm(a_c, b_c)
    mean_t = a_t / (a_t + b_t)

    def f(y):
        log_dens = a_c * _log_expit(y) + b_c * _log_expit(-y) - log_b
        if log_dens < -745:
            return 0.0
        x = math.exp(_log_expit(y))
        gap = x * beta_cdf_at_logit(a_t, b_t, y)[0] - mean_t * beta_cdf_at_logit(a_t + 1.0, b_t, y)[0]
        return math.exp(log_dens) * max(gap, 0.0)

    return _logit_quad(f, _logit_points(a_c, b_c) + _logit_points(a_t, b_t))


def difference_cdf_any(d, a_t, b_t, a_c, b_c):
    """P(T - C <= d) = int f_C(y) F_T(expit(y) + d) dy over the logit of C (shapes down to 1e-3).

    The integrand has a kink where expit(y) + d leaves (0, 1): that logit is a break point.
    """
    log_b = _log_norm(a_c, b_c)

    def f(y):
        log_dens = a_c * _log_expit(y) + b_c * _log_expit(-y) - log_b
        if log_dens < -745:
            return 0.0
        x, xc = math.exp(_log_expit(y)), math.exp(_log_expit(-y))
        arg, arg_c = x + d, xc - d
        if arg <= 0:
            return 0.0
        if arg_c <= 0:
            return math.exp(log_dens)
        cdf = _cdf_lower(a_t, b_t, math.log(arg)) if arg <= 0.5 else 1.0 - _cdf_lower(b_t, a_t, math.log(arg_c))
        return math.exp(log_dens) * cdf

    kinks = [math.log(-d) - math.log1p(d)] if d < 0 else [math.log1p(-d) - math.log(d)] if d > 0 else []
    return _logit_quad(f, _logit_points(a_c, b_c) + _logit_points(a_t, b_t) + kinks)
