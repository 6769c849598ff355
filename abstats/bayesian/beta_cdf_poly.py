"""Beta CDFs as piecewise Chebyshev polynomials on the logit scale, for shapes >= 10 (the common A/B case).

Every exact binary quantity (P(beats), expected losses, credible intervals of
each arm, of T - C and of T / C - 1) is an expectation over one posterior of the
other's CDF, evaluated at many points and, for the interval bounds, again at
every Newton step. ``scipy.special.betainc`` costs ~200 ns a point; this module
builds each posterior's CDF once per row and evaluates it for ~15 flops a point:

* y = logit(x) has density proportional to exp(l(y)), l = a log x + b log(1 - x),
  log-concave and near-Gaussian when both shapes are >= 10. l is formed relative
  to its mode m = log(a / b) as -a log1p(xc_m expm1(-(y - m))) - b log1p(x_m expm1(y - m))
  (x_m = a / (a + b)), which keeps ~1e-12 absolute accuracy at shapes of 1e7,
  where a log x + b log(1 - x) itself is 1e7 and loses 1e-9;
* the window is where l is within ``WINDOW_DROP`` (28) of its peak (Newton on the
  concave l, :func:`window`); outside it the mass is below 1e-12;
* the window is cut into ``PANELS`` equal panels with ``PANEL_NODES`` Chebyshev
  points each; the density's values there give each panel's Chebyshev
  antiderivative by one fixed matrix (spectral integration), the panel masses are
  summed cumulatively, and the whole is divided by the total mass
  (self-normalised: no log Beta function, which loses 1e-9 relative at 1e6 users);
* the CDF at any y is then one panel lookup and a Horner sum of degree
  ``PANEL_NODES``; ``moment`` does the same for the partial first moment
  int_{-inf}^{y} expit(u) f(u) du, which gives the expected losses without a second CDF.

Accuracy of the CDF: <= 1e-11 absolute for shapes from 10 to 1e7 (measured
against a 40-panel, 16-node build and 30-digit mpmath; scipy's ``betainc`` is
itself 8e-12 off at Beta(10, 1e7)); the quantities built on it are checked against
mpmath in tests/bayesian/test_regular_pair.py. Rows with a shape below 10 keep
the betainc quadrature of :mod:`abstats.bayesian.logit_quadrature`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import chebyshev
from scipy import special

from abstats.bayesian.workspace import Workspace

REGULAR_MIN_SHAPE = 10.0
PANELS = 10
PANEL_NODES = 12
WINDOW_DROP = 28.0
QUAD_NODES = 32
CUT_NODES = 48


def _spectral_integration(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev points t (k,) on [-1, 1] and the (k + 1, k) matrix from values there to the
    power-basis coefficients of the antiderivative that is 0 at t = -1.

    Integrated in the Chebyshev basis (values -> coefficients -> chebint), then written in
    powers of t for Horner (2 operations a degree instead of Clenshaw's 3): on [-1, 1] the
    change of basis of a degree-12 polynomial whose Chebyshev coefficients decay costs
    ~1e-16 absolute (the large power coefficients of T_12 multiply its tiny coefficient).
    """
    t = -np.cos(np.pi * (np.arange(k) + 0.5) / k)
    to_coef = np.linalg.inv(chebyshev.chebvander(t, k - 1))
    antiderivative = np.stack([chebyshev.chebint(np.eye(k)[j], lbnd=-1) for j in range(k)], axis=1)
    to_power = np.zeros((k + 1, k + 1))
    for j in range(k + 1):
        power = chebyshev.cheb2poly(np.eye(k + 1)[j])  # T_j in powers of t
        to_power[: power.size, j] = power
    return t, to_power @ antiderivative @ to_coef


_T, _INTEGRATE = _spectral_integration(PANEL_NODES)
_TRAPEZOID = np.linspace(0.0, 1.0, QUAD_NODES)
GL_U, GL_W = np.polynomial.legendre.leggauss(CUT_NODES)


def is_regular(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows whose shapes are both >= ``REGULAR_MIN_SHAPE``: the polynomial CDFs of this module apply."""
    return np.minimum(a, b) >= REGULAR_MIN_SHAPE


def relative_log_density(
    a: np.ndarray, b: np.ndarray, y: np.ndarray, out: np.ndarray | None = None, scratch: np.ndarray | None = None
) -> np.ndarray:
    """l(y) - l(mode) for the logit density l = a log expit(y) + b log expit(-y); a, b broadcast against y.

    With d = y - mode, l(y) - l(mode) = a d - (a + b) log1p(x_m expm1(d)) (x_m = a / (a + b)), and
    mirrored (b for a, -d for d) = -b d - (a + b) log1p((1 - x_m) expm1(-d)): one expm1 and one log1p
    a point. The form with the smaller shape k = min(a, b) is taken, so the two terms that cancel
    are ~k |d|, as large as in the two-term form -a log1p(...) - b log1p(...) (1e-12 at k = 1e7).
    Written in place on two buffers: on arrays of ~10^5 points fresh temporaries cost as much as
    the arithmetic. ``out`` and ``scratch`` (both of y's shape, neither y) are those buffers when
    given (``out`` then holds the result, for finite y).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    s = a + b
    k = np.minimum(a, b)
    sign = np.where(a <= b, 1.0, -1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.subtract(y, np.log(a) - np.log(b), out=out)
        e *= sign  # e = +-d, the sign of the smaller shape's form
        term = np.expm1(e, out=scratch)
        term *= k / s
        np.log1p(term, out=term)
        term *= s
        e *= k
        e -= term
    return e if np.all(np.isfinite(y)) else np.where(np.isfinite(y), e, -np.inf)


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) for n = 1, 2: the asymptotic series from x = 10 (relative error < 1e-13, DLMF 5.15.8),
    ``scipy.special.polygamma`` below it (which costs ~200 ns a value through zeta)."""
    big = x >= 10.0
    inv = 1.0 / np.where(big, x, 10.0)
    inv2 = inv * inv
    if n == 1:  # 1/x + 1/(2x^2) + sum B_2k / x^(2k+1)
        tail = inv2 * (1 / 6 + inv2 * (-1 / 30 + inv2 * (1 / 42 + inv2 * (-1 / 30 + inv2 * 5 / 66))))
        out = inv + 0.5 * inv2 + inv * tail
    else:  # its derivative
        tail = inv2 * (1 / 6 + inv2 * (-1 / 6 + inv2 * (3 / 10 + inv2 * (-5 / 6))))
        out = -inv2 - inv2 * inv - 0.5 * inv2 * inv2 + inv2 * inv2 * tail
    if not np.all(big):
        out = np.where(big, out, special.polygamma(n, np.where(big, 1.0, x)))
    return out


def window(a: np.ndarray, b: np.ndarray, drop: float = WINDOW_DROP) -> tuple[np.ndarray, np.ndarray]:
    """Logit points left and right of the mode where the density is e^-drop of its peak.

    Newton on g(y) = l(y) - l(mode) + drop, concave, increasing left of the mode and
    decreasing right of it: from any start on one side, the first step lands beyond the
    root (the tangent lies above g) and the next ones climb to it monotonically. The start
    is the normal approximation at the mode (curvature -ab / (a + b)), good for large shapes.
    """
    mode = np.log(a) - np.log(b)
    reach = np.sqrt(2.0 * drop * (a + b) / (a * b))
    # Both sides in one vectorised Newton (rows 0..m-1 left of the mode, m..2m-1 right of it).
    a2, b2, reach2 = np.tile(a, 2), np.tile(b, 2), np.tile(reach, 2)
    y = np.tile(mode, 2) + np.repeat([-1.0, 1.0], a.size) * reach2
    moving = np.ones(y.shape, dtype=bool)
    for _ in range(_WINDOW_ITER):  # vectorised Newton, ~6 steps to 1e-10 of the width
        x = special.expit(y)
        step = (relative_log_density(a2, b2, y) + drop) / (a2 - (a2 + b2) * x)  # l' = a - (a + b) x
        # A row stops on its own step, not the batch's: its bits must not depend on its batch.
        y = np.where(moving, y - step, y)
        moving &= np.abs(step) > 1e-10 * reach2
        if not moving.any():
            break
    return y[: a.size], y[a.size :]


_WINDOW_ITER = 50


@dataclass(frozen=True)
class BetaCdfPoly:
    """The CDF (and optionally the partial first moment) of logit(X), X ~ Beta(a, b), one row per posterior.

    Build with :meth:`build`; evaluate with :meth:`cdf`, :meth:`logit_pdf` and
    :meth:`quantile` at logit-scale points, row by row (``rows`` picks the rows
    the points belong to).
    """

    a: np.ndarray
    b: np.ndarray
    lo: np.ndarray
    width: np.ndarray
    log_mass: np.ndarray
    coef: np.ndarray  # (PANEL_NODES + 1, m * PANELS): powers of t in each panel, the offset in the first
    moment_coef: np.ndarray | None

    @classmethod
    def build(cls, a: np.ndarray, b: np.ndarray, moment: bool = False, work: Workspace | None = None) -> BetaCdfPoly:
        """The polynomials of the rows Beta(a, b); with ``moment``, the partial first moment's too.

        The (PANEL_NODES, m * PANELS) values and the coefficients are written into ``work``'s
        buffers (a fresh :class:`~abstats.bayesian.workspace.Workspace` if None): the result
        keeps views of them, so it is valid until the next build on the same workspace.
        """
        work = Workspace() if work is None else work
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        lo, hi = window(a, b)
        width = (hi - lo) / PANELS
        # (K, m * P): point k of every row's every panel, so each point's values are contiguous.
        shape = (PANEL_NODES, a.size * PANELS)
        width_p = np.repeat(width, PANELS)
        y = np.multiply.outer(0.5 * (_T + 1.0), width_p, out=work.array("poly_y", shape))
        y += (lo[:, None] + width[:, None] * np.arange(PANELS)).ravel()
        a_p, b_p = np.repeat(a, PANELS), np.repeat(b, PANELS)
        density = relative_log_density(a_p, b_p, y, work.array("poly_density", shape), work.array("poly_term", shape))
        # Without the half panel width (one per row): it cancels in the normalisation.
        np.exp(density, out=density)
        coef, total = _cumulative(density, work, "poly_coef")
        total_p = np.repeat(total, PANELS)
        coef /= total_p
        moment_coef = None
        if moment:  # x f with x = 1 / (1 + e^-y): y is finite and exp is the vectorised one
            x_density = np.exp(np.negative(y, out=y), out=y)
            x_density += 1.0
            np.divide(density, x_density, out=x_density)
            moment_coef = _cumulative(x_density, work, "poly_moment_coef")[0]
            moment_coef /= total_p
        return cls(a, b, lo, width, np.log(total * (0.5 * width)), coef, moment_coef)

    @property
    def hi(self) -> np.ndarray:
        return self.lo + PANELS * self.width

    def _locate(
        self, rows: np.ndarray | slice, y: np.ndarray, work: Workspace
    ) -> tuple[np.ndarray, np.ndarray]:
        """Flat panel index and local coordinate t in [-1, 1] of points y (r, n); y outside the window
        (or +-inf) is moved to its edge, where the CDF is 0 or 1. In ``work``'s buffers "locate_*"."""
        lo = self.lo[rows][:, None]
        u = np.maximum(y, lo, out=work.array("locate_t", y.shape))
        np.minimum(u, self.hi[rows][:, None], out=u)
        u -= lo
        u /= self.width[rows][:, None]
        panel = np.floor(u, out=work.array("locate_panel", y.shape))
        np.minimum(panel, PANELS - 1.0, out=panel)
        u -= panel
        u *= 2.0
        u -= 1.0
        flat = work.array("locate_flat", y.shape, np.intp)
        np.copyto(flat, panel, casting="unsafe")  # as astype(np.intp): the panels are whole numbers
        flat += (np.arange(self.lo.size)[rows] * PANELS)[:, None]
        return flat, u

    def cdf(self, rows: np.ndarray | slice, y: np.ndarray, work: Workspace | None = None) -> np.ndarray:
        """P(logit X <= y) for points y (r, n) of the rows ``rows`` (0 below the window, 1 above).

        With ``work`` the result is its buffer "cdf" (valid until the next evaluation on it)."""
        work = Workspace() if work is None else work
        return _horner(self.coef, *self._locate(rows, y, work), work, "cdf")

    def cdf_and_moment(
        self, rows: np.ndarray | slice, y: np.ndarray, work: Workspace | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(P(logit X <= y), E[X 1{logit X <= y}]); needs ``build(..., moment=True)``.

        With ``work`` the results are its buffers "cdf" and "moment"."""
        assert self.moment_coef is not None
        work = Workspace() if work is None else work
        flat, t = self._locate(rows, y, work)
        return _horner(self.coef, flat, t, work, "cdf"), _horner(self.moment_coef, flat, t, work, "moment")

    def logit_pdf(self, rows: np.ndarray | slice, y: np.ndarray) -> np.ndarray:
        """Density of logit X at y (r, n), normalised like the CDF; 0 outside the window."""
        a, b = self.a[rows][:, None], self.b[rows][:, None]
        inside = (y >= self.lo[rows][:, None]) & (y <= self.hi[rows][:, None])
        log_f = relative_log_density(a, b, np.where(inside, y, self.lo[rows][:, None])) - self.log_mass[rows][:, None]
        return np.where(inside, np.exp(log_f), 0.0)

    def quadrature(self, work: Workspace | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Equally spaced nodes y (m, ``QUAD_NODES``) over each window and weights summing to 1, density in
        (with ``work``, in its buffers "quadrature_*").

        The trapezoidal rule: for an analytic integrand that has decayed to e^-28 at both
        ends it converges geometrically (the error is the integrand's Fourier transform at
        2 pi / spacing), and 32 points match 48 Gauss-Legendre points, which crowd the
        window's empty ends (measured to 2e-12 on P(beats), losses and bounds, shapes 30-1e5).
        """
        work = Workspace() if work is None else work
        shape = (self.lo.size, QUAD_NODES)
        y = np.multiply((self.hi - self.lo)[:, None], _TRAPEZOID, out=work.array("quadrature_y", shape))
        np.add(self.lo[:, None], y, out=y)
        w = relative_log_density(
            self.a[:, None], self.b[:, None], y, work.array("quadrature_w", shape), work.array("quadrature_term", shape)
        )
        np.exp(w, out=w)
        w /= w.sum(axis=1, keepdims=True)
        return y, w

    def quantile(self, p: float) -> np.ndarray:
        """The logit of the p-quantile of every row (see :meth:`quantiles`)."""
        return self.quantiles((p,))[0]

    def quantiles(self, ps: tuple[float, ...]) -> np.ndarray:
        """The logits (len(ps), m) of the p-quantiles of every row: safeguarded Halley steps on the
        polynomial CDF, every p and row in one vectorised solve.

        Starts from the Cornish-Fisher expansion of logit X (cumulants psi^(n-1)(a) + (-1)^n
        psi^(n-1)(b), skewness term only), good to ~1e-3 in CDF at shapes of 10 and better above;
        Halley's step (the density's log-derivative is a - (a + b) x) then cubes the miss, and a
        row stops after a step from a CDF miss <= 1e-7 (lands within ~1e-14): two CDF evaluations
        a quantile for most rows.
        """
        m, k = self.a.size, len(ps)
        a, b = np.tile(self.a, k), np.tile(self.b, k)
        p = np.repeat(np.asarray(ps, dtype=float), m)
        rows = np.tile(np.arange(m), k)
        z = special.ndtri(p)
        var = polygamma(1, a) + polygamma(1, b)
        skew = (polygamma(2, a) - polygamma(2, b)) / var**1.5
        y = special.digamma(a) - special.digamma(b) + np.sqrt(var) * (z + (z * z - 1.0) * skew / 6.0)
        lo, hi = np.tile(self.lo, k), np.tile(self.hi, k)
        y = np.clip(y, lo, hi)
        active = np.arange(y.size)
        for _ in range(_QUANTILE_ITER):  # over Halley steps, vectorised over the rows still moving
            if active.size == 0:
                break
            ya = y[active]
            r = rows[active]
            miss = self.cdf(r, ya[:, None])[:, 0] - p[active]
            below = miss < 0
            lo[active] = np.where(below, ya, lo[active])
            hi[active] = np.where(below, hi[active], ya)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                step = miss / self.logit_pdf(r, ya[:, None])[:, 0]
                bend = self.a[r] - (self.a[r] + self.b[r]) * special.expit(ya)  # (log f)'
                new = ya - step / (1.0 - 0.5 * step * bend)
            # Closed bracket: a step from a miss of ~1e-16 returns ya itself, which is now one of its ends.
            inside = np.isfinite(new) & (new >= lo[active]) & (new <= hi[active])
            y[active] = np.where(inside, new, 0.5 * (lo[active] + hi[active]))
            active = active[~((np.abs(miss) <= 1e-7) & inside) & (hi[active] - lo[active] > 1e-15)]
        return y.reshape(k, m)


_QUANTILE_ITER = 60


def _cumulative(values: np.ndarray, work: Workspace, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Power coefficients (K + 1, m * P) of the running integral of values (K, m * P), given at
    the panels' Chebyshev points (times the half panel width), and each row's total (m,).
    The coefficients are written into ``work``'s buffer ``name``.

    One BLAS product per block of ``_BLOCK_ROWS`` rows, the last block padded with zeros: BLAS
    picks its kernel by the shape, so with one fixed shape every row gets the same bits in any
    batch and at any position (the bandit's Thompson weights equal the Result's P(best);
    tests/bayesian/test_regular_pair.py checks it).
    """
    n = values.shape[1]
    block = _BLOCK_ROWS * PANELS
    coef = work.array(name, (PANEL_NODES + 1, n))
    product = work.array("poly_block_product", (PANEL_NODES + 1, block))
    for start in range(0, n, block):
        part = values[:, start : start + block]
        if part.shape[1] < block:
            padded = work.array("poly_block_padded", (PANEL_NODES, block))
            padded[:, : part.shape[1]] = part
            padded[:, part.shape[1] :] = 0.0
            part = padded
        np.matmul(_INTEGRATE, part, out=product)
        coef[:, start : start + block] = product[:, : min(block, n - start)]
    mass = coef.sum(axis=0).reshape(-1, PANELS)  # every T_k is 1 at t = 1: each panel's mass
    running = np.cumsum(mass, axis=1)
    coef[0] += (running - mass).ravel()
    return coef, running[:, -1]


_BLOCK_ROWS = 256


def _horner(coef: np.ndarray, flat: np.ndarray, t: np.ndarray, work: Workspace, name: str) -> np.ndarray:
    """sum_k c_k t^k with c_k = coef[k, flat] (Horner), vectorised over the points, into ``work``'s buffer ``name``."""
    # One buffer for every coefficient (mode "clip": unbuffered, flat is in range).
    out = coef[-1].take(flat, out=work.array(name, flat.shape), mode="clip")
    gathered = work.array("horner_gathered", flat.shape)
    for k in range(coef.shape[0] - 2, -1, -1):
        out *= t
        out += coef[k].take(flat, out=gathered, mode="clip")
    return out
