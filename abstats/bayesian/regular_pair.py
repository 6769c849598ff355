"""Two Beta posteriors T and C with every shape >= 10: one build per row serves every quantity.

Each arm gets its polynomial CDF (:class:`~abstats.bayesian.beta_cdf_poly.BetaCdfPoly`,
with the partial first moment) and 32 equally spaced nodes over its logit window
(trapezoidal rule), weighted by its density (self-normalised). Every quantity is then one sum over the
nodes of the *sharper* arm S of the other arm O's polynomial CDF at mapped points,
S chosen on the scale of the quantity, where O's CDF is then at least as smooth as
S's density, so 32 nodes resolve the product:

* P(O < S) = E_S[F_O(S)] and E[max(S - O, 0)] = E_S[S F_O(S) - M_O(S)], with
  M_O(s) = E[O 1{O <= s}] (logit scale: any monotone scale gives the same numbers);
* P(T - C <= d) = E_C[F_T(C + d)] = E_T[1 - F_C(T - d)] (rate scale: S has the smaller sd of X);
* P(log T - log C <= z) = E_C[F_T(C e^z)] = E_T[1 - F_C(T e^-z)] (log scale: S has the
  smaller sd of log X), with the density in the same sum, for Newton.

The interval bounds of T - C and T / C - 1 are solved by
:func:`abstats.bayesian.beta_contrast.solve_bounds` with Halley steps (this module also
gives the density's derivative) from Cornish-Fisher starts: ~99% of rows need one
evaluation per bound. Arm bounds are Halley steps on the polynomial CDF.

Rows are processed in chunks of ``CHUNK_ROWS`` (two threads); all arithmetic is row by
row (no reduction across rows, BLAS only on fixed shapes, every iteration stopped per
row), so a row gets the same bits in any batch and on any thread
(tests/bayesian/test_regular_pair.py).
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy import special

from abstats.bayesian.beta_cdf_poly import GL_U, GL_W, BetaCdfPoly, is_regular, relative_log_density
from abstats.bayesian.workspace import Workspace
from abstats.threads import THREADS

CHUNK_ROWS = 1024
_T = TypeVar("_T")

Evaluator = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def is_regular_pair(a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray) -> np.ndarray:
    """Rows where both posteriors have both shapes >= 10 (this module applies)."""
    return is_regular(a_t, b_t) & is_regular(a_c, b_c)


def over_rows(fn: Callable[[np.ndarray, Workspace], tuple[np.ndarray, ...]], rows: np.ndarray) -> list[np.ndarray]:
    """Each output of ``fn(row indices, workspace)`` for all of ``rows`` (non-empty), computed chunk
    by chunk (:func:`map_chunks`) and put back in order. ``fn``'s outputs must not be views of the
    workspace (the worker's next chunk reuses it)."""
    parts = map_chunks(lambda part, work: fn(rows[part], work), rows.size)
    return [np.concatenate(values) for values in zip(*parts, strict=True)]


def probability(p: np.ndarray) -> np.ndarray:
    """p clipped to [0, 1], with subnormal values (below 2.2e-308) set to 0: far below the ~1e-12
    absolute accuracy of the quadratures, they only overflow the bandit's weights when divided by."""
    p = np.clip(p, 0.0, 1.0)
    return np.where(p < np.finfo(float).tiny, 0.0, p)


def chunks(m: int) -> Iterator[slice]:
    """Row slices of ``CHUNK_ROWS`` (the loop is over chunks of experiments, not experiments)."""
    return (slice(i, i + CHUNK_ROWS) for i in range(0, m, CHUNK_ROWS))


def map_chunks(fn: Callable[[slice, Workspace], _T], m: int) -> list[_T]:
    """``fn(chunk, workspace)`` over the row chunks of m rows, on ``THREADS`` threads when there are
    several chunks.

    numpy and scipy.special release the GIL inside their loops, so two threads run the
    chunks ~1.7x faster on two idle cores; every row is computed on its own (no reduction
    across rows, BLAS on fixed shapes), so the numbers are the same bits whatever the threads.
    Each worker owns one :class:`~abstats.bayesian.workspace.Workspace` for all the chunks it
    takes (from a shared queue), so its large temporaries are not faulted in afresh every chunk.
    """
    parts = list(chunks(m))
    if len(parts) < 2 or THREADS < 2:
        work = Workspace()
        return [fn(part, work) for part in parts]
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(parts)):
        todo.put(i)
    results: list[_T | None] = [None] * len(parts)

    def worker() -> None:
        work = Workspace()
        while True:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            results[i] = fn(parts[i], work)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for done in [pool.submit(worker) for _ in range(THREADS)]:
            done.result()  # re-raises a worker's exception
    return results  # type: ignore[return-value]  # every slot filled: the queue was drained


@dataclass(frozen=True)
class _Nodes:
    """Quadrature nodes (rows, n): x, 1 - x, log x, logit x, and weights (density in, summing to 1)."""

    x: np.ndarray
    xc: np.ndarray
    log_x: np.ndarray
    y: np.ndarray
    w: np.ndarray

    @classmethod
    def at(cls, y: np.ndarray, w: np.ndarray, work: Workspace | None = None) -> _Nodes:
        """The nodes at logits y with weights w (kept as given); with ``work``, in its buffers "nodes_*"."""
        work = Workspace() if work is None else work
        # log x = min(y, 0) - log1p(e^-|y|), log(1 - x) = min(-y, 0) - log1p(e^-|y|): each exact.
        soft = np.abs(y, out=work.array("nodes_soft", y.shape))
        np.negative(soft, out=soft)
        np.log1p(np.exp(soft, out=soft), out=soft)
        log_x = np.minimum(y, 0.0, out=work.array("nodes_log_x", y.shape))
        log_x -= soft
        log_xc = np.negative(y, out=work.array("nodes_xc", y.shape))
        np.minimum(log_xc, 0.0, out=log_xc)
        log_xc -= soft
        x = np.exp(log_x, out=work.array("nodes_x", y.shape))
        return cls(x, np.exp(log_xc, out=log_xc), log_x, y, w)

    def rows(self, idx: np.ndarray, fields: tuple[str, ...], work: Workspace) -> _Nodes:
        """The rows ``idx`` of the named fields (the others left empty: copies cost), in ``work``'s
        buffers "rows_*"."""
        shape = (idx.size, self.w.shape[1])
        # mode "clip": unbuffered (with "raise" numpy copies through a temporary), idx is in range.
        return _Nodes(
            *(
                np.take(getattr(self, f), idx, axis=0, out=work.array(f"rows_{f}", shape), mode="clip")
                if f in fields
                else _EMPTY
                for f in _FIELDS
            )
        )


_FIELDS = ("x", "xc", "log_x", "y", "w")
_EMPTY = np.empty(0)
_FLOOR = 1e-290


@dataclass(frozen=True)
class RegularPair:
    """Polynomial CDFs and quadrature nodes of both arms of m rows (all regular): T in rows
    0..m-1 of ``arms`` and ``nodes``, C in rows m..2m-1, so one evaluation serves both sides.

    ``arms`` and ``nodes`` live in the workspace ``work``, which the evaluations also use for
    their large temporaries: one pair per workspace at a time (one per chunk of a worker).
    """

    m: int
    arms: BetaCdfPoly
    nodes: _Nodes
    work: Workspace

    @classmethod
    def build(
        cls, a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray, work: Workspace | None = None
    ) -> RegularPair:
        """Both arms' polynomials and quadrature nodes, in ``work`` (a fresh workspace if None)."""
        work = Workspace() if work is None else work
        arms = BetaCdfPoly.build(np.concatenate([a_t, a_c]), np.concatenate([b_t, b_c]), moment=True, work=work)
        return cls(a_t.size, arms, _Nodes.at(*arms.quadrature(work), work), work)

    def _sides(self, over_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row indices into ``arms`` of S (T where ``over_t``, else C) and of O, the other arm."""
        r = np.arange(self.m)
        return np.where(over_t, r, r + self.m), np.where(over_t, r + self.m, r)

    def quantiles(self, ps: tuple[float, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
        """The p-quantiles of T and of C (rate scale), for each p of ``ps``."""
        x = special.expit(self.arms.quantiles(ps))
        return [(row[: self.m], row[self.m :]) for row in x]

    def beats_and_losses(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """P(T > C), E[max(C - T, 0)], E[max(T - C, 0)], as :func:`abstats.bayesian.beta_binomial.beats_and_losses`."""
        a, b = self.arms.a, self.arms.b
        t, c = slice(0, self.m), slice(self.m, None)
        # S: the smaller logit-scale variance (trigamma ~ 1/a + 1/b); O: the other.
        over_t = 1.0 / a[t] + 1.0 / b[t] <= 1.0 / a[c] + 1.0 / b[c]
        s_idx, o_idx = self._sides(over_t)
        s = self.nodes.rows(s_idx, ("x", "y", "w"), self.work)
        f_o, m_o = self.arms.cdf_and_moment(o_idx, s.y, self.work)
        gain = np.multiply(s.x, f_o, out=s.y)  # s.y is spent: x F_O - M_O
        gain -= m_o
        gain *= s.w
        f_o *= s.w
        p_o_below = np.sum(f_o, axis=1)
        loss_choose_o = np.maximum(np.sum(gain, axis=1), 0.0)
        mean = a / (a + b)
        mean_s, mean_o = mean[s_idx], mean[o_idx]
        loss_choose_s = np.maximum(loss_choose_o + mean_o - mean_s, 0.0)
        prob_t_beats = np.where(over_t, p_o_below, 1.0 - p_o_below)
        loss_ship_t = np.where(over_t, loss_choose_s, loss_choose_o)
        loss_keep_c = np.where(over_t, loss_choose_o, loss_choose_s)
        return probability(prob_t_beats), loss_ship_t, loss_keep_c

    def contrast(self, kind: str) -> Evaluator:
        """(rows, q) -> CDF, density and its derivative of T - C (``"difference"``) or log T - log C at q."""
        arms, work = self.arms, self.work
        a, b = arms.a, arms.b
        # S: the smaller variance of X (difference) or of log X, trigamma(a) - trigamma(a + b) ~ b / (a (a + b)).
        var = a * b / ((a + b) ** 2 * (a + b + 1.0)) if kind == "difference" else b / (a * (a + b))
        over_t = var[: self.m] <= var[self.m :]
        s_all, o_all = self._sides(over_t)
        # O's density only steers Newton: the float log Beta function is accurate enough for it.
        log_beta_o = special.betaln(a[o_all], b[o_all])
        ratio = kind != "difference"
        fields = ("log_x", "w") if ratio else ("x", "xc", "w")

        def integrate(
            s: _Nodes, rows: np.ndarray, q: np.ndarray, s_t: np.ndarray, o_idx: np.ndarray
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """Sums over S's nodes of O's CDF (or survival), density and the density's derivative in q."""
            shift = np.where(s_t, -1.0, 1.0)[:, None] * q[:, None]  # over T: C at X - q; over C: T at X + q
            a_o, b_o = a[o_idx][:, None] - 1.0, b[o_idx][:, None] - 1.0  # the x-density's exponents
            # O's argument u and 1 - u floored at 1e-290 rather than 0 where it leaves (0, 1): O's CDF is
            # 0 or 1 there all the same, its density exp(-668 (a - 1)) is 0, and every log, quotient and
            # product below stays finite (a slope <= 1e299 times 0) for shapes up to 1e9.
            # The density's derivative: f'(u) = f(u) ((a - 1) / u - (b - 1) / (1 - u)); in the ratio,
            # d/dq [f(u) u] = +-f(u) u (a - (b - 1) u / (1 - u)). Signs: over T, u falls as q grows.
            # The (rows, nodes) temporaries go to the workspace's buffers "integrand_*".
            shape = s.w.shape
            log_arg = work.array("integrand_log_arg", shape)
            log_arg_c = work.array("integrand_log_arg_c", shape)
            y_o = work.array("integrand_y_o", shape)
            bend = work.array("integrand_bend", shape)
            if ratio:  # u = X e^(+-q), from logs: q may be large
                np.add(s.log_x, shift, out=log_arg)
                np.minimum(log_arg, 0.0, out=log_arg_c)
                np.negative(np.expm1(log_arg_c, out=log_arg_c), out=log_arg_c)
                np.log(np.maximum(log_arg_c, _FLOOR, out=log_arg_c), out=log_arg_c)
                np.subtract(log_arg, log_arg_c, out=y_o)
                np.exp(np.minimum(y_o, 600.0, out=bend), out=bend)  # u / (1 - u)
                bend *= -b_o
                bend += a_o + 1.0
                log_arg *= a_o + 1.0  # the ratio's density carries the factor u
            else:
                arg = np.maximum(np.add(s.x, shift, out=log_arg), _FLOOR, out=log_arg)
                arg_c = np.maximum(np.subtract(s.xc, shift, out=log_arg_c), _FLOOR, out=log_arg_c)
                np.divide(a_o, arg, out=bend)
                bend -= np.divide(b_o, arg_c, out=y_o)
                np.log(arg, out=log_arg)
                np.log(arg_c, out=log_arg_c)
                np.subtract(log_arg, log_arg_c, out=y_o)
                log_arg *= a_o
            cdf_o = arms.cdf(o_idx, y_o, work)
            cdf_o *= s.w
            below = np.sum(cdf_o, axis=1)
            log_arg_c *= b_o
            log_arg += log_arg_c
            log_arg -= log_beta_o[rows][:, None]
            density = np.exp(log_arg, out=log_arg)
            density *= s.w
            bend *= density
            # Over T the integrand is 1 - F_O: the weights' sum (1, or the mass between the cuts) less that.
            cdf = np.where(s_t, np.sum(s.w, axis=1) - below, below)
            return cdf, np.sum(density, axis=1), np.where(s_t, -1.0, 1.0) * np.sum(bend, axis=1)

        def evaluate(rows: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            s_t, s_idx, o_idx = over_t[rows], s_all[rows], o_all[rows]
            # Where O's argument leaves (0, 1) the integrand is constant (over T: 1 below the lower cut,
            # 0 above the upper one; over C: 0 below, 1 above), with a kink at the cut that the nodes
            # must not straddle (O's CDF goes as arg^a there: 6e-9 off with Beta(10, 30) arms). Rows whose
            # cut falls inside S's window get Gauss-Legendre nodes on the part between the cuts, and the
            # constant part is S's exact mass beyond the cut, from its polynomial CDF. Cuts as (x, 1 - x).
            e = np.where(s_t, q, -q)
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                if ratio:
                    y_lo = np.full(q.shape, -np.inf)
                    y_hi = e - np.log(-np.expm1(np.minimum(e, 0.0)))  # logit(e^e)
                else:
                    y_lo = np.log(np.maximum(e, 0.0)) - np.log1p(-e)
                    y_hi = np.log1p(e) - np.log(np.maximum(-e, 0.0))
            s_lo, s_hi = arms.lo[s_idx], arms.hi[s_idx]
            y_lo = np.minimum(np.maximum(y_lo, s_lo), s_hi)
            y_hi = np.minimum(np.maximum(y_hi, y_lo), s_hi)
            cut = (y_lo > s_lo) | (y_hi < s_hi)
            cdf, pdf, slope = np.empty(q.shape), np.empty(q.shape), np.empty(q.shape)
            whole = ~cut
            cdf[whole], pdf[whole], slope[whole] = integrate(
                self.nodes.rows(s_idx[whole], fields, work), rows[whole], q[whole], s_t[whole], o_idx[whole]
            )
            if np.any(cut):
                idx = s_idx[cut]
                half, mid = 0.5 * (y_hi - y_lo)[cut], 0.5 * (y_hi + y_lo)[cut]
                y = mid[:, None] + half[:, None] * GL_U
                log_f = relative_log_density(a[idx][:, None], b[idx][:, None], y) - arms.log_mass[idx][:, None]
                nodes = _Nodes.at(y, half[:, None] * GL_W * np.exp(log_f))
                cdf[cut], pdf[cut], slope[cut] = integrate(nodes, rows[cut], q[cut], s_t[cut], o_idx[cut])
                ends = arms.cdf(idx, np.column_stack([y_lo[cut], y_hi[cut]]))
                cdf[cut] += np.where(s_t[cut], ends[:, 0], 1.0 - ends[:, 1])
            return np.minimum(np.maximum(cdf, 0.0), 1.0), pdf, slope

        return evaluate
