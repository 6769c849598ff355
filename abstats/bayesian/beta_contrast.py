"""Distribution of the difference T - C and the relative uplift T / C - 1 of two Beta posteriors.

Neither has a closed-form CDF, so each is a 1-D integral over the posterior
with the sharper density: by polynomial CDFs when every shape is >= 10
(:mod:`abstats.bayesian.regular_pair`), else by the betainc quadrature of
:mod:`abstats.bayesian.logit_quadrature` described here:

* P(T - C <= d) = E_C[F_T(X + d)] = E_T[1 - F_C(X - d)]
* P(log T - log C <= z) = E_C[F_T(e^z X)] = E_T[1 - F_C(X e^-z)], with r = e^z - 1

and equal-tailed credible bounds solve CDF(q) = tail by safeguarded Newton
(bisection whenever a step leaves the bracket), vectorised over rows. The
relative bound is solved for z (finite bracket: the 1e-15 quantiles of log T -
log C), so with shapes near 1e-3, where T / C spans e^+-3000, it comes out as
-1 or inf rather than a wrong finite number.
Accuracy is tested against scipy.integrate.quad references in
tests/bayesian/test_beta_contrast.py: the CDF at the returned bounds is within
1e-8 of the tail probability (measured <= 2e-9) when every posterior shape is
>= 1. With a shape < 1 (a prior below 1 and no conversions, or no failures)
the other CDF has a root singularity at the point where the quadrature is cut;
below 0.5 those rows get panels graded towards the cut (tested to 1e-6 in
tests/bayesian/test_audit_findings.py, shapes down to 1e-3), between 0.5 and 1
the bounds are good to ~1e-6.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import special

from abstats.bayesian import logit_quadrature as lq
from abstats.bayesian import regular_pair as rp
from abstats.bayesian.beta_cdf_poly import polygamma
from abstats.bayesian.workspace import Workspace
from abstats.checks import check_open_unit

_MAX_ITER = 60
_X_TOL = 1e-13
_CDF_TOL = 1e-12
_LAST_STEP_MISS = 1e-5
_LAST_STEP_MISS_HALLEY = 1e-4


def difference_cdf(d: Any, a_t: Any, b_t: Any, a_c: Any, b_c: Any) -> np.ndarray:
    """P(T - C <= d), row by row."""
    d, *params = _rows(d, a_t, b_t, a_c, b_c)
    return _cdf_and_pdf("difference", d, _SharpSide(*params).rows(slice(None)))[0]


def relative_cdf(r: Any, a_t: Any, b_t: Any, a_c: Any, b_c: Any) -> np.ndarray:
    """P(T / C - 1 <= r), row by row (r > -1)."""
    r, *params = _rows(r, a_t, b_t, a_c, b_c)
    return _cdf_and_pdf("log_ratio", np.log1p(r), _SharpSide(*params).rows(slice(None)))[0]


def difference_pdf(d: Any, a_t: Any, b_t: Any, a_c: Any, b_c: Any) -> np.ndarray:
    """Density of T - C at d, row by row (the same 1-D quadrature as the CDF, for plots).

    Examples
    --------
    >>> round(float(difference_pdf(0.03, 131, 871, 101, 901)[0]), 2)
    28.0
    """
    d, *params = _rows(d, a_t, b_t, a_c, b_c)
    return _cdf_and_pdf("difference", d, _SharpSide(*params).rows(slice(None)))[1]


def relative_pdf(r: Any, a_t: Any, b_t: Any, a_c: Any, b_c: Any) -> np.ndarray:
    """Density of T / C - 1 at r > -1, row by row: the density of z = log(T / C) at log1p(r), over 1 + r."""
    r, *params = _rows(r, a_t, b_t, a_c, b_c)
    z = np.log1p(r)
    return _cdf_and_pdf("log_ratio", z, _SharpSide(*params).rows(slice(None)))[1] / (1.0 + r)


def difference_interval(a_t: Any, b_t: Any, a_c: Any, b_c: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed credible interval of T - C.

    Examples
    --------
    >>> low, high = difference_interval([131], [871], [101], [901])
    >>> round(float(low[0]), 3), round(float(high[0]), 3)
    (0.002, 0.058)
    """
    tail = (1.0 - check_open_unit("ci_level", level)) / 2.0
    _, a_t, b_t, a_c, b_c = _rows(0.0, a_t, b_t, a_c, b_c)
    return _interval("difference", tail, a_t, b_t, a_c, b_c)


def relative_interval(a_t: Any, b_t: Any, a_c: Any, b_c: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed credible interval of T / C - 1.

    Examples
    --------
    >>> low, high = relative_interval([131], [871], [101], [901])
    >>> round(float(low[0]), 3), round(float(high[0]), 3)
    (0.018, 0.661)
    """
    tail = (1.0 - check_open_unit("ci_level", level)) / 2.0
    _, a_t, b_t, a_c, b_c = _rows(0.0, a_t, b_t, a_c, b_c)
    low, high = _interval("log_ratio", tail, a_t, b_t, a_c, b_c)
    with np.errstate(over="ignore"):
        return np.expm1(low), np.expm1(high)


def _interval(
    kind: str, tail: float, a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of T - C or log T - log C: polynomial CDFs for regular rows, the betainc quadrature else."""
    low, high = np.empty(a_t.size), np.empty(a_t.size)
    regular = rp.is_regular_pair(a_t, b_t, a_c, b_c)
    rows = np.flatnonzero(~regular)
    if rows.size:
        sharp = _SharpSide(a_t[rows], b_t[rows], a_c[rows], b_c[rows])
        curved = lq.is_small(a_t[rows], b_t[rows]) | lq.is_small(a_c[rows], b_c[rows])
        low[rows], high[rows] = solve_bounds(
            kind,
            lambda idx, q: _cdf_and_pdf(kind, q, sharp.rows(idx)),
            tail,
            *bound_starts(kind, tail, a_t[rows], b_t[rows], a_c[rows], b_c[rows]),
            curved=curved,
        )
    rows = np.flatnonzero(regular)
    if rows.size:

        def bounds(r: np.ndarray, work: Workspace) -> tuple[np.ndarray, np.ndarray]:
            return regular_bounds(kind, rp.RegularPair.build(a_t[r], b_t[r], a_c[r], b_c[r], work), tail)

        low[rows], high[rows] = rp.over_rows(bounds, rows)
    return low, high


def regular_bounds(kind: str, pair: rp.RegularPair, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of T - C or log T - log C for rows with every shape >= 10, from their polynomial CDFs."""
    a, b, m = pair.arms.a, pair.arms.b, pair.m
    starts = bound_starts(kind, tail, a[:m], b[:m], a[m:], b[m:])
    return solve_bounds(kind, pair.contrast(kind), tail, *starts)


def bound_starts(
    kind: str, tail: float, a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[Any, Any]]:
    """Cornish-Fisher starts (lower, upper) of the bounds and the bracket that holds them."""
    z = -special.ndtri(tail)
    if kind == "difference":
        centre = a_t / (a_t + b_t) - a_c / (a_c + b_c)
        sd = np.sqrt(_var(a_t, b_t) + _var(a_c, b_c))
        # z + (z^2 - 1) skew / 6, skew from the Betas' third moments.
        skew = (_third_moment(a_t, b_t) - _third_moment(a_c, b_c)) / sd**3
        shift = (z**2 - 1.0) * skew / 6.0
        return centre + (shift - z) * sd, centre + (shift + z) * sd, (-1.0, 1.0)

    # The cumulants of log T - log C are exact: kappa_n(log X) = psi^(n-1)(a) - psi^(n-1)(a + b).
    def cumulant(order):
        t_part = polygamma(order - 1, a_t) - polygamma(order - 1, a_t + b_t)
        c_part = polygamma(order - 1, a_c) - polygamma(order - 1, a_c + b_c)
        return t_part + (-1) ** order * c_part

    mean_log = special.digamma(a_t) - special.digamma(a_t + b_t) - special.digamma(a_c) + special.digamma(a_c + b_c)
    sd_log = np.sqrt(cumulant(2))
    shift = (z**2 - 1.0) * cumulant(3) / sd_log**3 / 6.0
    # Solved for log(T / C), then mapped back: with a shape near 1e-3 the ratio spans e^+-3000, so a
    # bound can be -1 or +inf in double precision, and only the log scale has room to find it.
    # Bracket from Cantelli's inequality, P(Z - mean >= k sd) <= 1 / (1 + k^2), with the exact mean and
    # sd of Z = log T - log C: both tail quantiles lie within mean -+ sqrt(1 / tail - 1) sd. Finite even
    # when a shape near 1e-3 spreads the ratio over e^+-3000, and free (no quantiles needed).
    k = 1.01 * np.sqrt(1.0 / tail - 1.0)
    bracket = (mean_log - k * sd_log - 1e-12, mean_log + k * sd_log + 1e-12)
    return mean_log + (shift - z) * sd_log, mean_log + (shift + z) * sd_log, bracket


def solve_bounds(
    kind: str,
    evaluate: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]],
    tail: float,
    start_low: np.ndarray,
    start_high: np.ndarray,
    support: tuple[Any, Any],
    curved: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Both bounds in one vectorised solve (rows stacked: lower bounds, then upper bounds).

    ``evaluate(rows, q)`` gives the CDF and density of the contrast at q for those rows (and,
    optionally, the density's derivative, for Halley's steps);
    ``curved`` marks rows with a shape < 0.5 (no unchecked final Newton step).
    """
    m = start_low.size
    target = np.concatenate([np.full(m, tail), np.full(m, 1.0 - tail)])
    bracket = [np.tile(np.broadcast_to(np.asarray(v, dtype=float), (m,)), 2) for v in support]
    curved = np.zeros(2 * m, dtype=bool) if curved is None else np.tile(curved, 2)
    q = _solve(kind, lambda idx, q: evaluate(idx % m, q), target, np.concatenate([start_low, start_high]), bracket,
               curved)
    return q[:m], q[m:]


def _solve(
    kind: str,
    evaluate: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]],
    target: np.ndarray,
    start: np.ndarray,
    support: Sequence[np.ndarray],
    curved: np.ndarray,
) -> np.ndarray:
    """Root of CDF(q) = target per row: Newton steps kept inside a shrinking bracket.

    Stops when |CDF(q) - target| <= 1e-12, after a Newton step taken from a miss
    <= 1e-5, or when the step is below 1e-13 relative.
    """
    lo, hi = support[0].copy(), support[1].copy()  # per row
    q = np.clip(start, lo + 1e-12, np.minimum(hi, 1e12) - 1e-12)
    q = np.where(np.isfinite(q), q, 0.5 * (lo + hi))  # a failed Cornish-Fisher start: bisection takes over
    active = np.ones(q.shape, dtype=bool)
    for _ in range(_MAX_ITER):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        cdf, pdf, *slope = evaluate(idx, q[idx])
        below = cdf < target[idx]
        lo[idx] = np.where(below, q[idx], lo[idx])
        hi[idx] = np.where(below, hi[idx], q[idx])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # pdf may underflow: bisect then
            step = (cdf - target[idx]) / pdf
            if slope:
                # Halley's step when the evaluator gives the density's derivative too: the miss is
                # cubed, so one step from a start within 1e-4 in CDF is final (tested to 1e-10).
                newton = q[idx] - step / (1.0 - 0.5 * step * slope[0] / pdf)
            else:
                # On the log-ratio scale the step is taken as a Newton step in r = e^q - 1 (q + log1p(-step)):
                # ratio CDFs are closer to linear in r (exactly so for two uniforms), so the final unchecked
                # step below stays as accurate as when the bound was solved in r.
                newton = q[idx] - step if kind == "difference" else q[idx] + np.log1p(-step)
        bisect = 0.5 * (lo[idx] + hi[idx])
        inside = np.isfinite(newton) & (newton > lo[idx]) & (newton < hi[idx])
        miss = np.abs(cdf - target[idx])
        converged = miss <= _CDF_TOL
        new_q = np.where(converged, q[idx], np.where(inside, newton, bisect))
        # Relative to the bound itself: with a shape near 1e-3 a difference bound can be 1e-12.
        scale = np.maximum(np.abs(new_q), 1e-300)
        # A Newton step from a CDF miss of eps leaves a miss of order eps^2 (quadratic convergence),
        # so a step from a miss <= 1e-5 is final without another evaluation (tested: CDF within 1e-8).
        last_newton = inside & (miss <= (_LAST_STEP_MISS_HALLEY if slope else _LAST_STEP_MISS))
        # Not with a shape < 0.5: the CDF then bends like d^shape near 0 (a final step from a miss of
        # 3e-6 overshot by 1e-4 with Beta(0.001, 2) arms), so those rows iterate to the CDF tolerance.
        last_newton &= ~curved[idx]
        done = converged | last_newton | (np.abs(new_q - q[idx]) <= _X_TOL * scale)
        q[idx] = new_q
        active[idx[done]] = False
    return q


class _SharpSide:
    """Which posterior each row integrates over (the smaller logit-scale sd) and its quadrature panels."""

    def __init__(self, a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray) -> None:
        self.over_t = lq.logit_sd(a_t, b_t) <= lq.logit_sd(a_c, b_c)
        self.a_s, self.b_s = np.where(self.over_t, a_t, a_c), np.where(self.over_t, b_t, b_c)
        self.a_o, self.b_o = np.where(self.over_t, a_c, a_t), np.where(self.over_t, b_c, b_t)
        self.edges = lq.panel_edges(self.a_s, self.b_s)

    def rows(self, idx: np.ndarray | slice) -> tuple[np.ndarray, ...]:
        return self.over_t[idx], self.a_s[idx], self.b_s[idx], self.a_o[idx], self.b_o[idx], self.edges[idx]


def _cdf_and_pdf(kind: str, q: np.ndarray, sharp_rows: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """CDF and density of the contrast at q, integrating over the sharper posterior S.

    The other posterior's CDF is evaluated at arg(x); where arg leaves (0, 1) the
    integrand is constant, so that part is the exact Beta mass of S (``betainc``)
    and the quadrature covers only the x range where arg is inside (0, 1).
    """
    over_t, a_s, b_s, a_o, b_o, edges = sharp_rows
    if kind == "difference":
        # Over T: P(C >= X - q), arg = X - q. Over C: P(T <= X + q), arg = X + q.
        x_lo = np.where(over_t, q, -q)
        x_hi = np.where(over_t, 1.0 + q, 1.0 - q)
        x_lo_c = np.where(over_t, 1.0 - q, 1.0 + q)  # 1 - x_lo
        x_hi_c = np.where(over_t, -q, q)  # 1 - x_hi
    else:
        # q = log(T / C). Over T: P(C >= X e^-q). Over C: P(T <= e^q X).
        x_lo, x_lo_c = np.zeros_like(q), np.ones_like(q)
        with np.errstate(over="ignore"):
            x_hi = np.exp(np.where(over_t, q, -q))
            x_hi_c = -np.expm1(np.where(over_t, q, -q))

    def integrand(
        nodes: lq.Nodes, q: np.ndarray, a_o: np.ndarray, b_o: np.ndarray, t_side: np.ndarray
    ) -> np.ndarray:
        t_side = t_side > 0.5
        x, xc = nodes.x, nodes.xc
        # The other posterior's CDF at arg, with 1 - arg formed without cancellation near 1
        # (a shape below 1 puts real mass within 1e-16 of 0 or 1, see logit_quadrature).
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if kind == "difference":
                arg = np.where(t_side, x - q, x + q)
                arg_c = np.where(t_side, xc + q, xc - q)
                log_arg, log_arg_c = np.log(np.clip(arg, 0.0, 1.0)), np.log(np.clip(arg_c, 0.0, 1.0))
                jac = np.ones_like(x)
            else:
                # arg = X e^-q (over T) or X e^q (over C), formed from logs: q may be +-3000.
                log_arg = nodes.log_x + np.where(t_side, -q, q)
                arg = np.exp(log_arg)
                arg_c = -np.expm1(np.minimum(log_arg, 0.0))
                log_arg_c = np.log(np.clip(arg_c, 0.0, 1.0))
                jac = arg  # d arg / dq = +-arg, and the sign of the CDF term makes both increasing
            arg, arg_c = np.clip(arg, 0.0, 1.0), np.clip(arg_c, 0.0, 1.0)
            cdf_o, sf_o = lq.beta_cdf_sf(a_o, b_o, arg, arg_c, log_arg, log_arg_c)
            # The density only steers Newton, so the float log Beta function is accurate enough;
            # capped where a shape < 1 makes it infinite at 0 or 1.
            log_pdf = (a_o - 1.0) * log_arg + (b_o - 1.0) * log_arg_c - special.betaln(a_o, b_o)
            pdf_o = np.exp(np.minimum(np.nan_to_num(log_pdf, nan=-np.inf), 690.0))
        return np.stack([np.where(t_side, sf_o, cdf_o), pdf_o * jac])

    inner_cdf, pdf = lq.beta_expectation(
        a_s, b_s, integrand, q, a_o, b_o, over_t.astype(float), x_lo=x_lo, x_hi=x_hi, edges=edges,
        refine=lq.is_small(a_o, b_o),  # O's CDF is (x - cut)^shape at a cut: graded panels there
    )
    # Constant parts: over T the integrand is 1 below x_lo; over C it is 1 above x_hi.
    mass_below = lq.beta_cdf_sf(a_s, b_s, np.clip(x_lo, 0.0, 1.0), np.clip(x_lo_c, 0.0, 1.0))[0]
    mass_above = lq.beta_cdf_sf(a_s, b_s, np.clip(x_hi, 0.0, 1.0), np.clip(x_hi_c, 0.0, 1.0))[1]
    cdf = inner_cdf + np.where(over_t, mass_below, mass_above)
    return np.clip(cdf, 0.0, 1.0), pdf


def _third_moment(a, b):
    """Third central moment of Beta(a, b): 2 (b - a) sqrt(a + b + 1) / ((a + b + 2) sqrt(a b)) * sd^3."""
    return 2.0 * (b - a) * np.sqrt(a + b + 1.0) / ((a + b + 2.0) * np.sqrt(a * b)) * _var(a, b) ** 1.5


def _var(a, b):
    return a * b / ((a + b) ** 2 * (a + b + 1.0))


def _rows(q, a_t, b_t, a_c, b_c):
    arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float)) for v in (q, a_t, b_t, a_c, b_c)))
    return [np.array(v).ravel() for v in arrays]
