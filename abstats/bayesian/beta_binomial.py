"""Beta-Binomial posteriors for binary metrics: P(beats), expected loss, P(best), rate intervals.

Posterior of a conversion rate with prior Beta(alpha, beta) after x conversions
in n units: Beta(alpha + x, beta + n - x). The comparisons are exact 1-D
integrals, computed by :mod:`abstats.bayesian.logit_quadrature` (not Monte Carlo):

* P(T > C) = E_S[F_O(X)] over the posterior S with the smaller logit-scale sd
  (its density is the sharper one, so the other's CDF is smooth on its window);
* E[max(C - T, 0)] uses the size-bias identity E[X 1{X > Y}] = E[X] P(X+ > Y),
  X+ ~ Beta(a + 1, b) (Evan Miller, "Formulas for Bayesian A/B testing"), so both
  expected losses come from the same nodes;
* P(best) among k arms is int f_i(y) G(y) / F_i(y) dy, G = prod_j F_j summed
  once in logs on a grid shared by the arms of a row (fine wherever any arm is
  sharp, :func:`abstats.bayesian.logit_quadrature.shared_grid`), so memory is
  linear in the arms; the expected loss of arm i is E[max_j p_j] - E[p_i].

Prior shapes are accepted in [1e-3, 1e6] (:func:`check_beta_prior`); shapes
below 0.5 use the level-set panels of :mod:`abstats.bayesian.logit_quadrature`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from abstats.bayesian import logit_quadrature as lq
from abstats.bayesian import regular_pair as rp
from abstats.bayesian.beta_cdf_poly import BetaCdfPoly, is_regular
from abstats.bayesian.workspace import Workspace
from abstats.checks import check_open_unit, check_positive
from abstats.errors import ConfigError, InputError

# Prior shapes for which every Bayesian binary number is tested against mpmath / scipy quad
# (tests/bayesian/test_small_shapes.py, test_beta_binomial_exact.py): below 1e-3 the level-set
# panels are untested, and above 1e6 a prior outweighs any realistic experiment (and 1e300
# overflows the moments behind the interval starts).
PRIOR_SHAPE_MIN = 1e-3
PRIOR_SHAPE_MAX = 1e6


def check_beta_prior(alpha: float, beta: float) -> tuple[float, float]:
    """Both shapes of a Beta prior, as floats, within [``PRIOR_SHAPE_MIN``, ``PRIOR_SHAPE_MAX``].

    Parameters
    ----------
    alpha, beta
        The prior's shapes, as the user gave them (``prior_alpha``, ``prior_beta``).

    Raises
    ------
    ConfigError
        Naming ``prior_alpha`` or ``prior_beta``, its value and the supported range.
        ``BetaPrior.from_history(rate, strength)`` gives alpha = rate x strength, so a
        rate of 1e-5 needs a strength of at least 100.

    Examples
    --------
    >>> check_beta_prior(1, 1)
    (1.0, 1.0)
    """
    out = []
    for field, value in (("prior_alpha", alpha), ("prior_beta", beta)):
        x = check_positive(field, value)
        if not PRIOR_SHAPE_MIN <= x <= PRIOR_SHAPE_MAX:
            raise ConfigError(
                field,
                value,
                f"a Beta prior shape between {PRIOR_SHAPE_MIN:g} and {PRIOR_SHAPE_MAX:g} "
                "(the range in which P(beats), expected loss, P(best) and intervals are verified)",
            )
        out.append(x)
    return out[0], out[1]


@dataclass(frozen=True)
class BetaPrior:
    """A Beta(alpha, beta) prior on a conversion rate.

    Examples
    --------
    >>> BetaPrior.from_history(rate=0.05, strength=200)
    BetaPrior(alpha=10.0, beta=190.0)
    """

    alpha: float = 1.0
    beta: float = 1.0

    def __post_init__(self) -> None:
        check_beta_prior(self.alpha, self.beta)

    @classmethod
    def from_history(cls, rate: float, strength: float) -> BetaPrior:
        """Informative prior worth ``strength`` pseudo-units at the historical ``rate``.

        alpha = rate * strength, beta = (1 - rate) * strength: the prior mean is
        ``rate`` and it weighs as much as ``strength`` observed units.
        """
        rate = check_open_unit("historical_rate", rate)
        strength = check_positive("prior_strength", strength)
        return cls(alpha=rate * strength, beta=(1.0 - rate) * strength)


def posterior_params(
    conversions: np.ndarray, n: np.ndarray, prior_alpha: float = 1.0, prior_beta: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior Beta(alpha + x, beta + n - x) of each row's rate.

    Examples
    --------
    >>> a, b = posterior_params([10], [100])
    >>> float(a[0]), float(b[0])
    (11.0, 91.0)
    """
    prior = BetaPrior(prior_alpha, prior_beta)
    x, n = check_counts(conversions, n)
    return prior.alpha + x, prior.beta + (n - x)


def check_counts(conversions: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    """Conversions and units as float arrays of whole numbers with 0 <= conversions <= n."""
    x, n = np.broadcast_arrays(_counts("conversions", conversions), _counts("n", n))
    over = x > n
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise InputError("conversions", x[i], f"<= n ({n[i]:g})", experiment=i)
    return x, n


def posterior_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """E[p] = a / (a + b)."""
    return np.asarray(a, dtype=float) / (np.asarray(a, dtype=float) + np.asarray(b, dtype=float))


def rate_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed credible interval of each Beta(a, b) rate.

    Both shapes >= 10: Halley steps on the polynomial CDF (:mod:`abstats.bayesian.beta_cdf_poly`,
    ~1e-11 in CDF, 20x cheaper than ``betaincinv``); otherwise exact quantiles (``betaincinv``).
    """
    tail = (1.0 - check_open_unit("ci_level", level)) / 2.0
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    shape, a, b = a.shape, a.ravel(), b.ravel()
    low, high = np.empty(a.size), np.empty(a.size)
    regular = is_regular(a, b)
    rows = np.flatnonzero(regular)
    if rows.size:

        def bounds(r: np.ndarray, work: Workspace) -> tuple[np.ndarray, np.ndarray]:
            poly = BetaCdfPoly.build(a[r], b[r], work=work)
            low, high = special.expit(poly.quantiles((tail, 1.0 - tail)))
            return low, high

        low[rows], high[rows] = rp.over_rows(bounds, rows)
    rows = np.flatnonzero(~regular)
    if rows.size:
        low[rows], high[rows] = _quantile_interval(a[rows], b[rows], tail)
    return low.reshape(shape), high.reshape(shape)


def _quantile_interval(a: np.ndarray, b: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rate_interval` from ``betaincinv``, polished for shapes below 0.5."""
    low = special.betaincinv(a, b, tail)
    high = 1.0 - special.betaincinv(b, a, tail)  # upper quantile via the mirrored Beta, exact near 1
    small = lq.is_small(a, b)
    if np.any(small):
        # With a shape < 0.5 the mass hugs 0 or 1: 1 - (a quantile near 1) keeps 4 digits of
        # Beta(0.001, 2)'s 97.5% point 3.7e-12. Take each bound from the side it is closer to,
        # then Newton on log x (or log(1 - x)) with the underflow-safe CDF.
        a_s, b_s = np.broadcast_to(a, small.shape)[small], np.broadcast_to(b, small.shape)[small]
        low, high = np.array(np.broadcast_to(low, small.shape)), np.array(np.broadcast_to(high, small.shape))
        for out, p in ((low, tail), (high, 1.0 - tail)):
            direct = special.betaincinv(a_s, b_s, p)
            mirrored = 1.0 - special.betaincinv(b_s, a_s, 1.0 - p)
            out[small] = _polish_quantile(a_s, b_s, p, np.where(direct < 0.5, direct, mirrored))
    return low, high


def _polish_quantile(a: np.ndarray, b: np.ndarray, p: float, x: np.ndarray) -> np.ndarray:
    """Newton on log x (x < 1/2) or log(1 - x) for I_x(a, b) = p, from betaincinv's answer x."""
    lower = x <= 0.5
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        t = np.where(lower, np.log(x), np.log1p(-x))
        for _ in range(4):  # quadratic from a start good to ~1e-4 relative; vectorised over rows
            e_t = np.exp(t)
            xs, xc = np.where(lower, e_t, -np.expm1(t)), np.where(lower, -np.expm1(t), e_t)
            log_x, log_xc = np.where(lower, t, np.log(xs)), np.where(lower, np.log(xc), t)
            cdf = lq.beta_cdf_sf(a, b, xs, xc, log_x, log_xc)[0]
            # d cdf / d log x = x f(x) = exp(a log x + (b - 1) log(1 - x) - log B); mirrored on the upper side
            log_slope = np.where(lower, a * log_x + (b - 1.0) * log_xc, (a - 1.0) * log_x + b * log_xc)
            slope = np.exp(log_slope - special.betaln(a, b)) * np.where(lower, 1.0, -1.0)
            step = (cdf - p) / slope
            t = np.where(np.isfinite(step) & (slope != 0), t - step, t)
        out = np.where(lower, np.exp(t), -np.expm1(t))
    return np.where(np.isfinite(out), out, x)


def beats_and_losses(
    a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(T > C), E[max(C - T, 0)] and E[max(T - C, 0)] for T ~ Beta(a_t, b_t), C ~ Beta(a_c, b_c).

    The second value is the expected loss of shipping T when higher is better,
    the third the expected loss of keeping C.

    Examples
    --------
    >>> p, loss_t, loss_c = beats_and_losses([131], [871], [101], [901])
    >>> round(float(p[0]), 6), round(float(loss_t[0]), 8), round(float(loss_c[0]), 6)
    (0.982165, 9.237e-05, 0.030032)
    """
    a_t, b_t, a_c, b_c = _shapes(a_t, b_t, a_c, b_c)
    out = (np.empty(a_t.size), np.empty(a_t.size), np.empty(a_t.size))
    regular = rp.is_regular_pair(a_t, b_t, a_c, b_c)
    rows = np.flatnonzero(regular)
    if rows.size:
        parts = rp.over_rows(
            lambda r, work: rp.RegularPair.build(a_t[r], b_t[r], a_c[r], b_c[r], work).beats_and_losses(), rows
        )
        for o, v in zip(out, parts, strict=True):
            o[rows] = v
    rows = np.flatnonzero(~regular)
    if rows.size:
        for o, v in zip(out, _quadrature_beats_and_losses(a_t[rows], b_t[rows], a_c[rows], b_c[rows]), strict=True):
            o[rows] = v
    return out


def _quadrature_beats_and_losses(
    a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`beats_and_losses` by the betainc quadrature (rows with a shape below 10)."""
    over_t = lq.logit_sd(a_t, b_t) <= lq.logit_sd(a_c, b_c)
    a_s, b_s = np.where(over_t, a_t, a_c), np.where(over_t, b_t, b_c)
    a_o, b_o = np.where(over_t, a_c, a_t), np.where(over_t, b_c, b_t)

    def integrand(nodes: lq.Nodes, a_o: np.ndarray, b_o: np.ndarray) -> np.ndarray:
        cdf_o = lq.beta_cdf_sf(a_o, b_o, *nodes)[0]
        cdf_o_plus = lq.beta_cdf_sf(a_o + 1.0, b_o, *nodes)[0]
        return np.stack([cdf_o, nodes.x * cdf_o, cdf_o_plus])

    # S integrated, O through its CDF: P(O < S), E[S 1{O < S}], P(O+ < S).
    p_o_below, s_part, p_oplus_below = lq.beta_expectation(a_s, b_s, integrand, a_o, b_o)
    mean_s, mean_o = posterior_mean(a_s, b_s), posterior_mean(a_o, b_o)
    # E[max(S - O, 0)] = E[S 1{S > O}] - E[O 1{S > O}],  E[O 1{O < S}] = mean_o P(O+ < S).
    loss_choose_o = np.maximum(s_part - mean_o * p_oplus_below, 0.0)
    loss_choose_s = np.maximum(loss_choose_o + mean_o - mean_s, 0.0)
    prob_t_beats = np.where(over_t, p_o_below, 1.0 - p_o_below)
    loss_ship_t = np.where(over_t, loss_choose_s, loss_choose_o)
    loss_keep_c = np.where(over_t, loss_choose_o, loss_choose_s)
    return rp.probability(prob_t_beats), loss_ship_t, loss_keep_c


def prob_beats(a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray) -> np.ndarray:
    """P(T > C) for independent Beta posteriors, exact to ~1e-12 (see :func:`beats_and_losses`).

    Examples
    --------
    >>> round(float(prob_beats([3], [99], [1], [101])[0]), 10)
    0.8768656716
    """
    return beats_and_losses(a_t, b_t, a_c, b_c)[0]


def expected_loss(a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E[max(C - T, 0)], E[max(T - C, 0)]): expected loss of shipping T and of keeping C (higher is better)."""
    _, loss_t, loss_c = beats_and_losses(a_t, b_t, a_c, b_c)
    return loss_t, loss_c


def prob_best(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """P(arm i has the highest rate) for each row of k Beta posteriors, shape (m, k).

    Integral of f_i(x) prod_{j != i} F_j(x) dx by Gauss-Legendre on logit-scale
    panels split at every arm's window edge; accurate to ~1e-10.

    Examples
    --------
    >>> p = prob_best([[101, 116, 131]], [[901, 886, 871]])
    >>> [round(float(v), 6) for v in p[0]]
    [0.01041, 0.150704, 0.838886]
    """
    return _best_integrals(alpha, beta)[0]


def expected_loss_best(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Expected loss of choosing arm i among k, E[max_j p_j - p_i] = E[max_j p_j] - E[p_i], shape (m, k).

    Examples
    --------
    >>> loss = expected_loss_best([[101, 131]], [[901, 871]])
    >>> [round(float(v), 6) for v in loss[0]]
    [0.030032, 9.2e-05]
    """
    alpha, beta = _arm_matrix(alpha, beta)
    _, top_part = _best_integrals(alpha, beta)
    expected_max = top_part.sum(axis=1, keepdims=True)
    return np.maximum(expected_max - posterior_mean(alpha, beta), 0.0)


def _best_integrals(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P(i best), E[p_i 1{i best}]) for every arm: one quadrature on a grid shared by the arms of a row.

    P(i best) = int f_i(y) G(y) / F_i(y) dy with G = prod_j F_j, the CDF of the
    maximum, on the logit scale; log G = sum_j log F_j is accumulated once over
    the grid and each arm's own term is subtracted, so memory is
    O(rows x arms x grid) and the grid (:func:`_shared_grid`) does not grow with
    the number of similar arms. Each arm's density is normalised by its own
    quadrature (:func:`abstats.bayesian.logit_quadrature.beta_nodes`), as in the
    two-arm integrals.
    """
    alpha, beta = _arm_matrix(alpha, beta)
    m, k = alpha.shape
    p_best, top_part = np.empty((m, k)), np.empty((m, k))
    log_mass = _log_own_mass(alpha.ravel(), beta.ravel()).reshape(m, k)
    y, w = _shared_grid(alpha, beta)
    # Rows in chunks, so the (rows, arms, grid) arrays stay under _BEST_CHUNK_VALUES; the loop is
    # over chunks of experiments, not experiments.
    rows_per_chunk = max(1, _BEST_CHUNK_VALUES // max(1, k * y.shape[1]))
    for start in range(0, m, rows_per_chunk):
        rows = slice(start, start + rows_per_chunk)
        p_best[rows], top_part[rows] = _best_on_grid(alpha[rows], beta[rows], log_mass[rows], y[rows], w[rows])
    return p_best, top_part


def _best_on_grid(
    alpha: np.ndarray, beta: np.ndarray, log_mass: np.ndarray, y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    a, b = alpha[:, :, None], beta[:, :, None]
    nodes = lq.Nodes.from_logit(y[:, None, :])
    cdf, sf = lq.beta_cdf_sf(a, b, *nodes)
    with np.errstate(divide="ignore", invalid="ignore"):
        # log1p(-sf) keeps the many near-1 factors of the product exact.
        log_cdf = np.where(cdf > 0.5, np.log1p(-sf), np.log(cdf))
        log_max_cdf = log_cdf.sum(axis=1, keepdims=True)  # log G on the grid
        # f_i G / F_i; where F_i underflows to 0 the density f_i is negligible too (far below the window).
        log_others = np.where(np.isfinite(log_cdf), log_max_cdf - log_cdf, -np.inf)
    log_term = lq.log_density(a, b, y[:, None, :]) - log_mass[:, :, None] + log_others
    term = w[:, None, :] * np.exp(log_term)
    return term.sum(axis=2), (term * nodes.x).sum(axis=2)


def _log_own_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log of int x^a (1 - x)^b dy over each arm's own panels (its B(a, b), without lgamma cancellation)."""
    out = np.empty(a.shape)
    small = lq.is_small(a, b)
    one_panel = np.minimum(a, b) >= lq.ONE_PANEL_MIN_SHAPE
    for rows in (np.flatnonzero(one_panel), np.flatnonzero(~one_panel & ~small), np.flatnonzero(small)):
        if rows.size:
            if small[rows[0]]:
                y, wy = lq.panel_nodes(lq.level_edges(a[rows], b[rows]), lq.NODES_LEVEL_PANEL)
            else:
                edges = lq.panel_edges(a[rows], b[rows])
                y, wy = lq.panel_nodes(edges[:, [0, 3]] if one_panel[rows[0]] else edges)
            log_f = lq.log_density(a[rows, None], b[rows, None], y)
            shift = log_f.max(axis=1)
            out[rows] = shift + np.log(np.sum(wy * np.exp(log_f - shift[:, None]), axis=1))
    return out


def _shared_grid(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logit-scale nodes and weights (m, N) for the k-arm integrals of each row.

    Every arm asks for node spacing delta = (its panel width) / (its own node count)
    on each of its panels (:func:`abstats.bayesian.logit_quadrature.panel_edges`,
    or the level-set panels of small shapes); :func:`~abstats.bayesian.logit_quadrature.shared_grid`
    lays the panels from the second-largest window start (below it every arm but
    one has CDF < 1e-15, so no arm can be best there) to the largest window end.
    """
    m, k = alpha.shape
    a, b = alpha.ravel(), beta.ravel()
    small = lq.is_small(a, b)
    n_panels = 2 * len(lq.LEVELS) + 10 if small.any() else 3
    lo = np.full((m * k, n_panels), np.inf)
    hi = np.full((m * k, n_panels), -np.inf)
    delta = np.full((m * k, n_panels), np.inf)
    if np.any(~small):
        edges = lq.panel_edges(a[~small], b[~small])
        lo[~small, :3], hi[~small, :3] = edges[:, :-1], edges[:, 1:]
        delta[~small, :3] = np.diff(edges, axis=1) / lq.NODES_PER_PANEL
    if np.any(small):
        edges = lq.level_edges(a[small], b[small])
        lo[small], hi[small] = edges[:, :-1], edges[:, 1:]
        delta[small] = np.diff(edges, axis=1) / lq.NODES_LEVEL_PANEL
    delta = np.where(delta > 0, delta, np.inf)  # zero-width (clipped) panels ask for nothing
    window_lo = lo[:, 0].reshape(m, k)
    window_hi = np.max(hi, axis=1).reshape(m, k)
    start = np.sort(window_lo, axis=1)[:, -2]
    stop = window_hi.max(axis=1)
    lo, hi, delta = (v.reshape(m, k * n_panels) for v in (lo, hi, delta))
    return lq.shared_grid(lo, hi, delta, start, stop)


_BEST_CHUNK_VALUES = 4_000_000


def _arm_matrix(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alpha = np.atleast_2d(np.asarray(alpha, dtype=float))
    beta = np.atleast_2d(np.asarray(beta, dtype=float))
    if alpha.shape != beta.shape or alpha.ndim != 2:
        raise InputError("beta", beta.shape, f"an (m, k) array shaped like alpha {alpha.shape}")
    if alpha.shape[1] < 2:
        raise InputError("alpha", alpha.shape, "at least 2 arms per row")
    _check_shapes("alpha", alpha)
    _check_shapes("beta", beta)
    return alpha, beta


def _shapes(*params: np.ndarray) -> list[np.ndarray]:
    arrays = [np.atleast_1d(np.asarray(p, dtype=float)) for p in params]
    try:
        arrays = [np.array(a) for a in np.broadcast_arrays(*arrays)]
    except ValueError:
        raise InputError("posterior parameters", [a.shape for a in arrays], "arrays of one common length") from None
    for name, arr in zip(("a_t", "b_t", "a_c", "b_c"), arrays, strict=True):
        _check_shapes(name, arr)
    return [a.ravel() for a in arrays]


def _check_shapes(field: str, arr: np.ndarray) -> None:
    bad = ~(np.isfinite(arr) & (arr > 0))
    if bad.any():
        raise InputError(field, arr.flat[int(np.flatnonzero(bad.ravel())[0])], "a finite Beta shape > 0")


def _counts(field: str, values: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(field, arr[i], "a whole number >= 0", experiment=i)
    return arr
