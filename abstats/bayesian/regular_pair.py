"""Two Beta posteriors T and C with every shape >= 10: one build per row serves every quantity.

Each arm gets its polynomial CDF (:class:`~abstats.bayesian.beta_cdf_poly.BetaCdfPoly`,
with the partial first moment) and 48 Gauss-Legendre nodes over its logit window,
weighted by its density (self-normalised). Every quantity is then one sum over the
nodes of the *sharper* arm S of the other arm O's polynomial CDF at mapped points,
S chosen on the scale of the quantity, where O's CDF is then at least as smooth as
S's density, so 48 nodes resolve the product:

* P(O < S) = E_S[F_O(S)] and E[max(S - O, 0)] = E_S[S F_O(S) - M_O(S)], with
  M_O(s) = E[O 1{O <= s}] (logit scale: any monotone scale gives the same numbers);
* P(T - C <= d) = E_C[F_T(C + d)] = E_T[1 - F_C(T - d)] (rate scale: S has the smaller sd of X);
* P(log T - log C <= z) = E_C[F_T(C e^z)] = E_T[1 - F_C(T e^-z)] (log scale: S has the
  smaller sd of log X), with the density in the same sum, for Newton.

Rows are processed in chunks of ``CHUNK_ROWS`` so every temporary stays in cache; all
arithmetic is row by row (no BLAS), so a row gets the same bits in any batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import special

from abstats.bayesian.beta_cdf_poly import GL_U, GL_W, BetaCdfPoly, is_regular, relative_log_density

CHUNK_ROWS = 1024

Evaluator = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def is_regular_pair(a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray) -> np.ndarray:
    """Rows where both posteriors have both shapes >= 10 (this module applies)."""
    return is_regular(a_t, b_t) & is_regular(a_c, b_c)


def chunks(m: int) -> Iterator[slice]:
    """Row slices of ``CHUNK_ROWS`` (the loop is over chunks of experiments, not experiments)."""
    return (slice(i, i + CHUNK_ROWS) for i in range(0, m, CHUNK_ROWS))


@dataclass(frozen=True)
class _Nodes:
    """An arm's quadrature nodes (m, n): x, 1 - x, log x, logit x, and weights summing to 1."""

    x: np.ndarray
    xc: np.ndarray
    log_x: np.ndarray
    y: np.ndarray
    w: np.ndarray

    @classmethod
    def of(cls, poly: BetaCdfPoly) -> _Nodes:
        return cls.at(*poly.quadrature())

    @classmethod
    def at(cls, y: np.ndarray, w: np.ndarray) -> _Nodes:
        return cls(special.expit(y), special.expit(-y), special.log_expit(y), y, w)

    def pick(self, other: _Nodes, mine: np.ndarray, rows: np.ndarray | slice) -> _Nodes:
        """Per row, these nodes where ``mine`` else ``other``'s (rows ``rows``)."""
        sel = mine[:, None]
        return _Nodes(*(np.where(sel, getattr(self, f)[rows], getattr(other, f)[rows]) for f in _FIELDS))

    def replace(self, rows: np.ndarray, new: _Nodes) -> _Nodes:
        """These nodes with the rows ``rows`` (a boolean mask) taken from ``new``."""
        out = _Nodes(*(getattr(self, f).copy() for f in _FIELDS))
        for f in _FIELDS:
            getattr(out, f)[rows] = getattr(new, f)
        return out


_FIELDS = ("x", "xc", "log_x", "y", "w")


@dataclass(frozen=True)
class RegularPair:
    """Polynomial CDFs and quadrature nodes of both arms of m rows (all regular)."""

    t: BetaCdfPoly
    c: BetaCdfPoly
    t_nodes: _Nodes
    c_nodes: _Nodes

    @classmethod
    def build(cls, a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray) -> RegularPair:
        t, c = BetaCdfPoly.build(a_t, b_t, moment=True), BetaCdfPoly.build(a_c, b_c, moment=True)
        return cls(t, c, _Nodes.of(t), _Nodes.of(c))

    def beats_and_losses(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """P(T > C), E[max(C - T, 0)], E[max(T - C, 0)], as :func:`abstats.bayesian.beta_binomial.beats_and_losses`."""
        t, c = self.t, self.c
        # S: the smaller logit-scale variance (trigamma ~ 1/a + 1/b); O: the other.
        over_t = 1.0 / t.a + 1.0 / t.b <= 1.0 / c.a + 1.0 / c.b
        rows = np.arange(t.a.size)
        s = self.t_nodes.pick(self.c_nodes, over_t, rows)
        f_o, m_o = np.empty_like(s.y), np.empty_like(s.y)
        for poly, sel in ((c, over_t), (t, ~over_t)):
            f_o[sel], m_o[sel] = poly.cdf_and_moment(rows[sel], s.y[sel])
        p_o_below = np.sum(s.w * f_o, axis=1)
        loss_choose_o = np.maximum(np.sum(s.w * (s.x * f_o - m_o), axis=1), 0.0)
        mean_t, mean_c = t.a / (t.a + t.b), c.a / (c.a + c.b)
        mean_s, mean_o = np.where(over_t, mean_t, mean_c), np.where(over_t, mean_c, mean_t)
        loss_choose_s = np.maximum(loss_choose_o + mean_o - mean_s, 0.0)
        prob_t_beats = np.where(over_t, p_o_below, 1.0 - p_o_below)
        loss_ship_t = np.where(over_t, loss_choose_s, loss_choose_o)
        loss_keep_c = np.where(over_t, loss_choose_o, loss_choose_s)
        return np.clip(prob_t_beats, 0.0, 1.0), loss_ship_t, loss_keep_c

    def contrast(self, kind: str) -> Evaluator:
        """(rows, q) -> (CDF, density) of T - C (``"difference"``) or log T - log C (``"log_ratio"``) at q."""
        t, c = self.t, self.c
        if kind == "difference":  # S: the smaller variance of X
            var_t = t.a * t.b / ((t.a + t.b) ** 2 * (t.a + t.b + 1.0))
            var_c = c.a * c.b / ((c.a + c.b) ** 2 * (c.a + c.b + 1.0))
        else:  # S: the smaller variance of log X, trigamma(a) - trigamma(a + b) ~ b / (a (a + b))
            var_t, var_c = t.b / (t.a * (t.a + t.b)), c.b / (c.a * (c.a + c.b))
        over_t = var_t <= var_c

        def evaluate(rows: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            s_t = over_t[rows]
            s = self.t_nodes.pick(self.c_nodes, s_t, rows)
            # Where O's argument leaves (0, 1) the integrand is constant (over T: 1 below the lower cut,
            # 0 above the upper one; over C: 0 below, 1 above), with a kink at the cut that Gauss-Legendre
            # must not straddle (O's CDF goes as arg^a there: 6e-9 off with Beta(10, 30) arms). Rows whose
            # cut falls inside S's window get nodes on the part between the cuts, and the constant part is
            # S's exact mass beyond the cut, from its polynomial CDF. Cuts as (x, 1 - x), each exact.
            with np.errstate(divide="ignore", over="ignore"):
                if kind == "difference":
                    cut_lo = np.where(s_t, q, -q), 1.0 + np.where(s_t, -q, q)
                    cut_hi = 1.0 + np.where(s_t, q, -q), np.where(s_t, -q, q)
                else:
                    e = np.where(s_t, q, -q)
                    cut_lo = np.zeros_like(q), np.ones_like(q)
                    cut_hi = np.exp(e), -np.expm1(e)
                y_lo, y_hi = (np.log(np.maximum(x, 0.0)) - np.log(np.maximum(xc, 0.0)) for x, xc in (cut_lo, cut_hi))
            s_lo = np.where(s_t, t.lo[rows], c.lo[rows])
            s_hi = np.where(s_t, t.hi[rows], c.hi[rows])
            y_lo = np.clip(y_lo, s_lo, s_hi)
            y_hi = np.clip(y_hi, y_lo, s_hi)
            cut = (y_lo > s_lo) | (y_hi < s_hi)
            constant = np.zeros(q.shape)
            if np.any(cut):
                half, mid = 0.5 * (y_hi - y_lo)[cut], 0.5 * (y_hi + y_lo)[cut]
                y = mid[:, None] + half[:, None] * GL_U
                w = np.empty(y.shape)
                ends = np.empty((np.count_nonzero(cut), 2))
                for poly, sel in ((t, s_t[cut]), (c, ~s_t[cut])):
                    r = rows[cut][sel]
                    log_f = relative_log_density(poly.a[r][:, None], poly.b[r][:, None], y[sel])
                    w[sel] = half[sel][:, None] * GL_W * np.exp(log_f - poly.log_mass[r][:, None])
                    ends[sel] = poly.cdf(r, np.column_stack([y_lo[cut][sel], y_hi[cut][sel]]))
                s = s.replace(cut, _Nodes.at(y, w))
                constant[cut] = np.where(s_t[cut], ends[:, 0], 1.0 - ends[:, 1])
            sign = np.where(s_t, -1.0, 1.0)[:, None] * q[:, None]  # over T: C at X - q; over C: T at X + q
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if kind == "difference":
                    arg, arg_c = s.x + sign, s.xc - sign
                    y_o = np.log(np.maximum(arg, 0.0)) - np.log(np.maximum(arg_c, 0.0))
                    jac = 1.0 / (arg * arg_c)  # d logit(arg) / d arg
                else:  # arg = X e^(+-q), from logs: q may be large
                    log_arg = s.log_x + sign
                    arg_c = -np.expm1(np.minimum(log_arg, 0.0))
                    y_o = log_arg - np.log(arg_c)
                    jac = 1.0 / arg_c  # d logit(arg) / d q
            cdf_o, pdf_o = np.empty_like(y_o), np.empty_like(y_o)
            for poly, sel in ((c, s_t), (t, ~s_t)):
                cdf_o[sel] = poly.cdf(rows[sel], y_o[sel])
                pdf_o[sel] = poly.logit_pdf(rows[sel], y_o[sel])
            inner = np.where(s_t[:, None], 1.0 - cdf_o, cdf_o)
            with np.errstate(invalid="ignore", over="ignore"):  # jac is inf where arg leaves (0, 1), pdf 0 there
                density = np.where(pdf_o > 0.0, pdf_o * jac, 0.0)
            cdf = constant + np.sum(s.w * inner, axis=1)
            return np.clip(cdf, 0.0, 1.0), np.sum(s.w * density, axis=1)

        return evaluate
