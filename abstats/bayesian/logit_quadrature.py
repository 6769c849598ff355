"""Fixed-node expectations under Beta distributions, integrated on the logit scale.

Every exact Bayesian quantity for binary metrics is an expectation E[g(X)] with
X ~ Beta(a, b) and g built from another Beta's CDF. scipy has no vectorised
integral of that kind, so this module supplies nodes and weights per row:

* the variable is y = logit(x); the density of y is proportional to
  x^a (1 - x)^b, which is smooth and decays exponentially at both ends, so the
  x^(a-1) / (1-x)^(b-1) endpoint singularities of small a or b disappear;
* the window is [logit(q_eps), logit(q_{1-eps})] with eps = 1e-15 (Beta
  quantiles from ``scipy.special.betaincinv``), so at most 2e-15 of mass is cut;
* when a or b is below 10 the window is split into panels at the core, mean -/+
  3 sd of logit(X) (digamma and trigamma moments): the core holds the peak and
  the outer panels the long exponential tails that small shapes have on this
  scale; with both shapes >= 10 the logit density is near-Gaussian and one panel
  (+-8 sd) suffices;
* 48 Gauss-Legendre nodes for one panel, 64 per panel otherwise; the weights are GL weight times
  density, normalised over the window. Self-normalising removes the log Beta
  function, whose float value loses ~1e-9 relative accuracy at 1e6 users
  (lgamma cancellation), and cancels most of the quadrature error in the mass.

* when a or b is below ``SMALL_SHAPE`` (0.5) the 1e-15 quantile underflows
  (Beta(0.001, 100) has half its mass below 1e-300, where x^a is still
  e^-0.69) and the density has a long exponential tail of scale 1/a on one
  side and a cliff of width ~1 on the other. Those rows use *level-set
  panels* instead: edges where log f drops by 0.5, 2, 5, 10, 18, 27 and 37.5
  from its mode, on both sides (:func:`level_edges`), 32 nodes per panel. The
  logit density is log-concave for every a, b > 0, so Newton finds each edge
  monotonically, and every panel spans a bounded drop of the density whatever
  the shapes; beyond 37.5 the cut mass is below ~1e-16.

Integrands receive :class:`Nodes` (x, 1 - x and their logs, all exact, since
x underflows or rounds to 1 far out on the logit scale) and evaluate other
Betas' CDFs with :func:`beta_cdf_sf`, which stays exact there.

Accuracy against Evan Miller's exact sum in 40-digit mpmath (see
tests/bayesian/test_beta_binomial_exact.py): <= 1e-11 on the rows tested, from
Beta(0.5, 0.5) to Beta(5e5, 5e5); the level-set panels are checked against
mpmath quadrature for shapes from 1e-3 (tests/bayesian/test_small_shapes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy import special

TAIL_MASS = 1e-15
NODES_ONE_PANEL = 48
NODES_PER_PANEL = 64
CORE_SDS = 3.0
ONE_PANEL_MIN_SHAPE = 10.0
CHUNK_ROWS = 50_000
SMALL_SHAPE = 0.5
LEVELS = (0.5, 2.0, 5.0, 10.0, 18.0, 27.0, 37.5)
NODES_LEVEL_PANEL = 32
# Below this, x^a / (a B(a, b)) is I_x(a, b) to double precision (the next term is O((a + b) x)).
DEEP_X = 1e-280

_GL = {n: np.polynomial.legendre.leggauss(n) for n in (NODES_ONE_PANEL, NODES_PER_PANEL, NODES_LEVEL_PANEL, 16)}


class Nodes(NamedTuple):
    """Quadrature nodes on the rate scale: x, 1 - x and their logs, each exact (none from 1 - x)."""

    x: np.ndarray
    xc: np.ndarray
    log_x: np.ndarray
    log_xc: np.ndarray

    @classmethod
    def from_logit(cls, y: np.ndarray) -> Nodes:
        return cls(special.expit(y), special.expit(-y), special.log_expit(y), special.log_expit(-y))


def beta_cdf_sf(
    a: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    xc: np.ndarray,
    log_x: np.ndarray | None = None,
    log_xc: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(P(X <= x), P(X > x)) for X ~ Beta(a, b), given x and xc = 1 - x separately.

    Parameters
    ----------
    a, b
        Shapes (broadcast against x).
    x, xc
        The point and its complement, each accurate on its own (x near 1 is
        given by a small xc, which ``1 - x`` would round away).
    log_x, log_xc
        Optional logs of x and xc, used where x or xc underflows (below 1e-280):
        there I_z(a, b) = z^a / (a B(a, b)) exactly in double precision
        (DLMF 8.17.7 with 2F1 = 1 + O((a + b) z)), which matters when a shape is
        tiny: Beta(0.001, b) has P(X < 1e-300) ~ 0.5.

    Most points take one plain ``betainc`` call (the cost of the default path);
    only points within 1e-8 of 1 (x is then re-read as 1 - xc, with the shapes
    swapped) or below 1e-280 (the series) are re-evaluated.
    """
    cdf = special.betainc(a, b, x)
    sf = 1.0 - cdf
    fix = (xc < _NEAR_ONE) | (x < DEEP_X)
    if np.any(fix):
        a, b, x, xc = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, x, xc)))
        fix = np.broadcast_to(fix, x.shape)
        cdf, sf = np.broadcast_to(cdf, x.shape).copy(), np.broadcast_to(sf, x.shape).copy()
        a1, b1, x1, xc1 = a[fix], b[fix], x[fix], xc[fix]
        upper = xc1 < x1
        a2, b2 = np.where(upper, b1, a1), np.where(upper, a1, b1)
        z = np.where(upper, xc1, x1)
        with np.errstate(divide="ignore"):
            if log_x is None or log_xc is None:
                log_z = np.log(z)
            else:
                log_x, log_xc = np.broadcast_to(log_x, x.shape)[fix], np.broadcast_to(log_xc, x.shape)[fix]
                log_z = np.where(upper, log_xc, log_x)
        v = special.betainc(a2, b2, z)
        deep = z < DEEP_X
        with np.errstate(over="ignore", under="ignore"):
            v = np.where(deep, np.exp(np.minimum(a2 * log_z - np.log(a2) - special.betaln(a2, b2), 0.0)), v)
        cdf[fix] = np.where(upper, 1.0 - v, v)
        sf[fix] = np.where(upper, v, 1.0 - v)
    return cdf, sf


_NEAR_ONE = 1e-8


def level_edges(a: np.ndarray, b: np.ndarray, levels: tuple[float, ...] = LEVELS) -> np.ndarray:
    """Logit-scale points where the density of logit(X), X ~ Beta(a, b), is exp(-c) times its peak.

    Returns (m, 2L + 11) increasing edges: the L levels on each side, the mode
    log(a / b), and five "bend" points per side (below), clipped to the levels' range.

    l(y) = a log x + b log(1 - x) is concave in y = logit x with slope in (0, a)
    left of the mode and in (-b, 0) right of it. Left: the slope is >= a / 2
    left of y1 = log a - log(a + 2 b), so y1 - 2c / a lies beyond the level-c
    point, and Newton from there on the concave increasing l climbs to it
    without overshooting; the right side is the mirror image
    (y2 = log(2a + b) - log b, start y2 + 2c / b).
    """
    a = np.asarray(a, dtype=float)[:, None]
    b = np.asarray(b, dtype=float)[:, None]
    c = np.asarray(levels, dtype=float)[None, :]
    mode = np.log(a) - np.log(b)
    top = log_density(a, b, mode)
    left = np.log(a) - np.log(a + 2.0 * b) - 2.0 * c / a
    right = np.log(2.0 * a + b) - np.log(b) + 2.0 * c / b
    for _ in range(_LEVEL_ITER):  # fixed count over (m, L) arrays: monotone Newton, no Python loop over rows
        x_l, x_r = np.exp(-np.logaddexp(0.0, -left)), np.exp(-np.logaddexp(0.0, -right))
        step_l = (log_density(a, b, left) - top + c) / (a - (a + b) * x_l)
        step_r = (log_density(a, b, right) - top + c) / (a - (a + b) * x_r)
        left, right = left - step_l, right - step_r
        if max(np.max(np.abs(step_l) / (1.0 + np.abs(left))), np.max(np.abs(step_r) / (1.0 + np.abs(right)))) < 1e-10:
            break
    # Near the mode a small shape's density bends on a unit scale (the e^t in a (t - e^t + 1)), inside
    # a level panel ~1/a wide; edges where the slope reaches 1 - 10^-j of its limit (a on the left,
    # -b on the right) resolve that bend: x = a e / (a + b) there, e = 10^-j (and 1 - x mirrored).
    eps = np.asarray(_SLOPE_EPS)[None, :]
    bend_l = np.log(a * eps) - np.log1p(-a * eps / (a + b)) - np.log(a + b)
    bend_r = np.log1p(-b * eps / (a + b)) + np.log(a + b) - np.log(b * eps)
    bends = np.clip(np.concatenate([bend_l, bend_r], axis=1), left[:, -1:], right[:, -1:])
    return np.sort(np.concatenate([left[:, ::-1], mode, right, bends], axis=1), axis=1)


_LEVEL_ITER = 100
_SLOPE_EPS = (1e-1, 1e-2, 1e-3, 1e-5, 1e-8)


def logit_sd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Standard deviation of logit(X), X ~ Beta(a, b): sqrt(trigamma(a) + trigamma(b))."""
    return np.sqrt(special.polygamma(1, a) + special.polygamma(1, b))


def logit_window(a: np.ndarray, b: np.ndarray, tail_mass: float = TAIL_MASS) -> tuple[np.ndarray, np.ndarray]:
    """Logit of the ``tail_mass`` and ``1 - tail_mass`` quantiles of Beta(a, b)."""
    lo = np.maximum(special.betaincinv(a, b, tail_mass), 1e-300)
    hi = np.maximum(special.betaincinv(b, a, tail_mass), 1e-300)  # 1 - upper quantile, accurate near 1
    return np.log(lo) - np.log1p(-lo), np.log1p(-hi) - np.log(hi)


def log_window(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log of the ~1e-15 lower and upper quantiles of Beta(a, b), finite for every shape.

    Small shapes (:func:`is_small`) take the outer level-set edges, whose quantiles
    underflow on the rate scale (Beta(0.001, 2): e^-37500).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    lo, hi = np.empty(a.shape), np.empty(a.shape)
    small = is_small(a, b)
    if np.any(~small):
        lo[~small], hi[~small] = logit_window(a[~small], b[~small])
    if np.any(small):
        edges = level_edges(a[small], b[small])
        lo[small], hi[small] = edges[:, 0], edges[:, -1]
    return special.log_expit(lo), special.log_expit(hi)


def panel_edges(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Panel edges (m, 4) on the logit scale: window start, core start, core end, window end."""
    lo, hi = logit_window(a, b)
    centre = special.digamma(a) - special.digamma(b)  # E[logit X]
    half = CORE_SDS * logit_sd(a, b)
    core_lo = np.clip(centre - half, lo, hi)
    core_hi = np.clip(centre + half, core_lo, hi)
    return np.column_stack([lo, core_lo, core_hi, hi])


def panel_nodes(edges: np.ndarray, n_nodes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes y (m, P*n) and weights (m, P*n) on panels between consecutive edges.

    n defaults to 48 for a single panel and 64 per panel when there are several.
    """
    if n_nodes is None:
        n_nodes = NODES_ONE_PANEL if edges.shape[1] == 2 else NODES_PER_PANEL
    gl_u, gl_w = _GL[n_nodes] if n_nodes in _GL else np.polynomial.legendre.leggauss(n_nodes)
    half = 0.5 * np.diff(edges, axis=1)
    mid = 0.5 * (edges[:, 1:] + edges[:, :-1])
    m = edges.shape[0]
    y = (mid[:, :, None] + half[:, :, None] * gl_u).reshape(m, -1)
    w = (half[:, :, None] * gl_w).reshape(m, -1)
    return y, w


def log_density(a: np.ndarray, b: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log of x^a (1 - x)^b at x = expit(y): the unnormalised density of logit(X); a, b broadcast against y."""
    return -a * np.logaddexp(0.0, -y) - b * np.logaddexp(0.0, y)


def is_small(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows whose smaller shape is below ``SMALL_SHAPE``: level-set panels (see the module docstring)."""
    return np.minimum(a, b) < SMALL_SHAPE


def beta_nodes(
    a: np.ndarray,
    b: np.ndarray,
    x_lo: np.ndarray | None = None,
    x_hi: np.ndarray | None = None,
    *,
    edges: np.ndarray | None = None,
    refine: bool = False,
) -> tuple[Nodes, np.ndarray]:
    """Nodes (m, n) in (0, 1) and weights w (m, n) with sum_j w_ij g(x_ij) ~= E[g(X_i) 1{x_lo < X_i < x_hi}].

    X_i ~ Beta(a_i, b_i); all rows are of one kind (all small, see :func:`is_small`,
    or none). Without bounds the weights sum to one. With bounds the
    panels are cut to the part inside (x_lo, x_hi), so a kink of g at a bound is
    never integrated across, and the weights keep the full-window
    normalisation, so they sum to the mass inside. ``edges`` passes
    precomputed :func:`panel_edges` (a caller re-integrating the same rows; not
    used for small rows). ``refine`` gives the rows level-set panels whatever their
    shapes and, with bounds, edges graded geometrically towards each cut
    (:func:`_cut_grading`), where the integrand may have a root singularity.
    """
    a = np.asarray(a, dtype=float)[:, None]
    b = np.asarray(b, dtype=float)[:, None]
    n_nodes = None
    if a.size and (refine or is_small(a[0, 0], b[0, 0])):
        edges, n_nodes = level_edges(a[:, 0], b[:, 0]), NODES_LEVEL_PANEL
        if x_lo is not None or x_hi is not None:
            edges = np.sort(np.concatenate([edges, _cut_grading(edges, x_lo, x_hi)], axis=1), axis=1)
    else:
        edges = panel_edges(a[:, 0], b[:, 0]) if edges is None else edges
        if np.all(np.minimum(a, b) >= ONE_PANEL_MIN_SHAPE):
            edges = edges[:, [0, 3]]
    y, w = panel_nodes(edges, n_nodes)
    full_log = log_density(a, b, y)
    shift = full_log.max(axis=1, keepdims=True)
    mass = np.sum(w * np.exp(full_log - shift), axis=1, keepdims=True)
    if x_lo is not None or x_hi is not None:
        lo = edges[:, :1] if x_lo is None else np.maximum(edges[:, :1], _logit(x_lo)[:, None])
        hi = edges[:, -1:] if x_hi is None else np.minimum(edges[:, -1:], _logit(x_hi)[:, None])
        hi = np.maximum(hi, lo)  # an empty part gets zero-width panels and zero weight
        y, w = panel_nodes(np.clip(edges, lo, hi), n_nodes)
    weights = w * np.exp(log_density(a, b, y) - shift) / mass
    return Nodes.from_logit(y), weights


def _cut_grading(edges: np.ndarray, x_lo: np.ndarray | None, x_hi: np.ndarray | None) -> np.ndarray:
    """Logit edges at x_lo + s 10^-j and x_hi - s 10^-j (j = 0..10, s = distance of the cut to 0 or 1).

    An integrand like F_O(x - q) with O's shape a < 1 behaves as (x - q)^a at the cut x = q:
    Gauss-Legendre on one panel misses the part close to the cut (3e-4 of the CDF with
    a = 1e-3); geometric panels towards the cut leave a mass of f(q) q 10^-10 unresolved.
    """
    m = edges.shape[0]
    j = 10.0 ** -np.arange(0, 11)[None, :]
    parts = []
    for cut, sign in ((x_lo, 1.0), (x_hi, -1.0)):
        if cut is None:
            continue
        c = np.clip(np.asarray(cut, dtype=float).reshape(m, 1), 0.0, 1.0)
        scale = np.minimum(c, 1.0 - c)
        x = c + sign * scale * j
        parts.append(np.where(scale > 0, _logit(x), edges[:, :1]))
    return np.clip(np.concatenate(parts, axis=1), edges[:, :1], edges[:, -1:])


def beta_expectation(
    a: np.ndarray,
    b: np.ndarray,
    integrand: Callable[..., np.ndarray],
    *row_args: np.ndarray,
    x_lo: np.ndarray | None = None,
    x_hi: np.ndarray | None = None,
    edges: np.ndarray | None = None,
    refine: np.ndarray | None = None,
) -> np.ndarray:
    """E[integrand(X, *row_args) 1{x_lo < X < x_hi}] for X ~ Beta(a, b), row by row.

    ``refine`` (bool per row) sends rows to the level-set panels with graded cuts
    (see :func:`beta_nodes`) even when their own shapes are not small.

    ``integrand(nodes, *args)`` receives :class:`Nodes` of shape (m, n) and each row argument of
    shape (m, 1) and returns an array of shape (m, n) or (q, m, n) for q
    quantities at once; the result has shape (m,) or (q, m).
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    one_panel = np.minimum(a, b) >= ONE_PANEL_MIN_SHAPE
    small = is_small(a, b) if refine is None else is_small(a, b) | np.asarray(refine, dtype=bool)
    groups = (np.flatnonzero(one_panel & ~small), np.flatnonzero(~one_panel & ~small), np.flatnonzero(small))
    out = None
    # Chunks of rows bound the (rows x nodes) temporaries; the loop is over chunks, not experiments.
    for rows in (g[i : i + CHUNK_ROWS] for g in groups for i in range(0, g.size, CHUNK_ROWS)):
        bounds = (None if v is None else np.asarray(v, dtype=float)[rows] for v in (x_lo, x_hi))
        nodes, w = beta_nodes(
            a[rows], b[rows], *bounds, edges=None if edges is None else edges[rows], refine=bool(small[rows[0]])
        )
        args = [np.asarray(v, dtype=float)[rows][:, None] for v in row_args]
        values = np.sum(w * integrand(nodes, *args), axis=-1)
        if out is None:
            out = np.empty(values.shape[:-1] + a.shape)
        out[..., rows] = values
    return np.empty(a.shape) if out is None else out


def shared_grid(
    lo: np.ndarray, hi: np.ndarray, delta: np.ndarray, start: np.ndarray, stop: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights (m, N) on [start, stop] resolving many arms' panels at once.

    Parameters
    ----------
    lo, hi, delta
        (m, q): every arm panel of every row and the node spacing it asks for
        (its width over its own node count; ``inf`` for none).
    start, stop
        (m,): the range to cover.

    The spacing function h(y) = min over panels of (delta + distance(y, panel) / 16)
    is Lipschitz with constant 1/16, so a panel of width 8 h(left end) never holds
    a point where h is below half its left-end value: with 16 nodes per panel every
    arm is resolved at least as finely as by its own quadrature. The panels are
    laid by a march over panels (not over experiments or arms), vectorised over
    rows; rows that reach ``stop`` early get zero-width panels. Arms that sit
    together share the grid, so N depends on the spread of the arms, not on
    their number (2,000 similar arms: ~430 nodes).
    """
    bounds = [start]
    y = start
    for _ in range(_MAX_GRID_PANELS):
        if np.all(y >= stop):
            break
        distance = np.maximum(0.0, np.maximum(lo - y[:, None], y[:, None] - hi))
        h = np.min(delta + _GRADING * distance, axis=1)
        y = np.minimum(y + _PANEL_SPACINGS * h, stop)
        bounds.append(y)
    else:  # only if some arm asks for a spacing ~1e-5 of the range: a bug, not data
        raise RuntimeError("shared quadrature grid did not close")
    return panel_nodes(np.column_stack(bounds), _GRID_NODES)


_GRID_NODES = 16
_PANEL_SPACINGS = 8.0
_GRADING = 1.0 / 16.0
_MAX_GRID_PANELS = 100_000


def _logit(x: np.ndarray) -> np.ndarray:
    """logit, with x <= 0 -> -inf and x >= 1 -> +inf (a bound outside (0, 1) cuts nothing)."""
    x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        return np.log(x) - np.log1p(-x)
