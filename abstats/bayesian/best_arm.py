"""P(treatment is the best arm of its experiment), control included, for binary and normal posteriors.

Moved out of :mod:`abstats.bayesian.set_scoring` (which imports these under their old
private names). Not named ``prob_best.py``: importing a submodule of that name would
rebind ``abstats.bayesian.prob_best``, the public k-arm function, to the module. With two
arms P(best of treatment) is P(beats control) itself; with k arms:

* binary: exact Beta posteriors, :func:`abstats.bayesian.beta_binomial.prob_best`
  (one log-CDF sum on a grid shared by the arms: memory linear in the arms);
* normal: P(i best) = int phi_i(x) prod_{j != i} Phi_j(x) dx on the same kind of
  shared grid (:func:`abstats.bayesian.logit_quadrature.shared_grid`), in x units.
  An arm whose posterior has zero variance knows its value exactly: it is a point
  mass, a step in the product, so the integral of every other arm starts at the
  highest point mass M (an exact panel edge, no step inside a panel), and a point
  mass at M is best with probability prod_{continuous j} Phi_j(M), shared equally
  among the point masses tied there. The probabilities of an experiment then sum
  to 1 and none exceeds that arm's P(beats control).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from abstats.bayesian import beta_binomial as bb
from abstats.bayesian import logit_quadrature as lq
from abstats.bayesian.settings import BayesianSettings
from abstats.comparisons import ComparisonSet

# A normal arm's window: Phi(-8.5) ~ 1e-17 of its mass is cut on each side.
_NORMAL_WINDOW_SDS = 8.5
# Asked node spacing of a normal arm: an eighth of its sd, so 16-node panels are ~1 sd wide
# (Gauss-Legendre then integrates its density to ~1e-15).
_NORMAL_SPACING_SDS = 1.0 / 8.0


def experiments_by_size(s: ComparisonSet) -> list[tuple[np.ndarray, int]]:
    """Row indices grouped per experiment, as (rows of shape (e, r), r treatments) for each r present."""
    code = s.experiment_code
    order = np.argsort(code, kind="stable")
    counts = np.bincount(code)
    per_row = counts[code[order]]
    out = []
    for r in np.unique(per_row):
        rows = order[per_row == r]
        out.append((rows.reshape(-1, int(r)), int(r)))
    return out


def binary_prob_best(
    s: ComparisonSet, settings: BayesianSettings, higher_is_better: bool, prob_beats: np.ndarray
) -> np.ndarray:
    """P(treatment is the best arm of its experiment), control included among the arms.

    Parameters
    ----------
    s
        Comparison set of binary statistics (one row per treatment vs control).
    settings
        Supplies the Beta prior of every arm.
    higher_is_better
        Metric direction; for lower-is-better "best" is the lowest rate (1 - p ~ Beta(b, a)).
    prob_beats
        P(treatment beats control) per row: the answer for two-arm experiments.
    """
    counts, t_counts = s.control.counts(), s.treatment.counts()
    assert counts is not None and t_counts is not None  # called for count data only
    a_c, b_c = bb.posterior_params(counts[0], counts[1], settings.prior_alpha, settings.prior_beta)
    a_t, b_t = bb.posterior_params(t_counts[0], t_counts[1], settings.prior_alpha, settings.prior_beta)
    if not higher_is_better:  # best = lowest rate: compare 1 - p, whose posterior is Beta(b, a)
        a_c, b_c, a_t, b_t = b_c, a_c, b_t, a_t
    out = prob_beats.copy()  # with two arms, best = beats control
    for rows, r in experiments_by_size(s):  # one pass per experiment size, vectorised over experiments
        if r == 1:
            continue
        alpha = np.column_stack([a_c[rows[:, 0]], a_t[rows]])
        beta = np.column_stack([b_c[rows[:, 0]], b_t[rows]])
        out[rows] = bb.prob_best(alpha, beta)[:, 1:]
    return out


def normal_prob_best(s: ComparisonSet, higher_is_better: bool, prob_beats: np.ndarray) -> np.ndarray:
    """P(treatment best) among normal arm posteriors (flat prior), zero-variance arms as point masses.

    Parameters
    ----------
    s
        Comparison set of mean or ratio statistics.
    higher_is_better
        Metric direction (the signs of the means are flipped when lower is better).
    prob_beats
        P(treatment beats control) per row: the answer for two-arm experiments.
    """
    sign = 1.0 if higher_is_better else -1.0
    mu_c, sd_c = sign * s.control.estimate(), np.sqrt(s.control.variance_of_estimate())
    mu_t, sd_t = sign * s.treatment.estimate(), np.sqrt(s.treatment.variance_of_estimate())
    out = prob_beats.copy()  # with two arms, best = beats control
    for rows, r in experiments_by_size(s):  # one pass per experiment size, vectorised over experiments
        if r == 1:
            continue
        mu = np.column_stack([mu_c[rows[:, 0]], mu_t[rows]])  # (e, k)
        sd = np.column_stack([sd_c[rows[:, 0]], sd_t[rows]])
        out[rows] = normal_arms_prob_best(mu, sd)[:, 1:]
    return out


def normal_arms_prob_best(mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """P(arm i has the highest value) for rows of k normal posteriors N(mu, sd^2), sd >= 0, shape (e, k).

    Parameters
    ----------
    mu, sd
        (e, k) posterior means and standard deviations; sd = 0 is a point mass.

    Examples
    --------
    >>> p = normal_arms_prob_best(np.array([[0.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 0.0]]))
    >>> [round(float(v), 6) for v in p[0]]
    [0.158655, 0.0, 0.841345]
    """
    mu, sd = np.atleast_2d(np.asarray(mu, dtype=float)), np.atleast_2d(np.asarray(sd, dtype=float))
    e, k = mu.shape
    point = sd == 0.0
    cont = ~point
    # Highest point mass per row (-inf when none): every other arm must beat it to be best.
    top_point = np.max(np.where(point, mu, -np.inf), axis=1)
    out = np.zeros((e, k))

    # Continuous arms: int_{max(M, start)}^{stop} phi_i prod_{j != i, continuous} Phi_j on a shared grid.
    if cont.any():
        safe_sd = np.where(cont, sd, 1.0)
        lo_w = np.where(cont, mu - _NORMAL_WINDOW_SDS * safe_sd, -np.inf)
        hi_w = np.where(cont, mu + _NORMAL_WINDOW_SDS * safe_sd, -np.inf)
        # Below the second-largest window start at most one continuous arm has mass; below M none can win.
        second = np.sort(lo_w, axis=1)[:, -2] if k > 1 else lo_w[:, 0]
        n_cont = cont.sum(axis=1)
        start = np.where(n_cont >= 2, second, np.max(lo_w, axis=1))
        start = np.maximum(start, top_point)
        stop = np.max(hi_w, axis=1)
        live = np.isfinite(start) & (stop > start)
        start, stop = np.where(live, start, 0.0), np.where(live, stop, 0.0)
        delta = np.where(cont, _NORMAL_SPACING_SDS * safe_sd, np.inf)
        x, w = lq.shared_grid(
            np.where(cont, lo_w, np.inf), np.where(cont, hi_w, -np.inf), delta, start, stop
        )
        z = (x[:, None, :] - mu[:, :, None]) / safe_sd[:, :, None]  # (e, k, N)
        log_cdf = np.where(cont[:, :, None], special.log_ndtr(z), 0.0)
        log_max_cdf = log_cdf.sum(axis=1, keepdims=True)
        log_pdf = -0.5 * z**2 - np.log(np.sqrt(2.0 * np.pi) * safe_sd[:, :, None])
        with np.errstate(invalid="ignore"):
            term = np.where(cont[:, :, None], np.exp(log_pdf + log_max_cdf - log_cdf), 0.0)
        out += np.sum(w[:, None, :] * term, axis=2)

    # Point masses at the top: best when every continuous arm is below M, shared among the ties.
    if point.any():
        at_top = point & (mu == top_point[:, None])
        has_top = np.isfinite(top_point)
        z_top = (np.where(has_top, top_point, 0.0)[:, None] - mu) / np.where(cont, sd, 1.0)
        all_below = np.exp(np.sum(np.where(cont, special.log_ndtr(z_top), 0.0), axis=1))
        out += np.where(at_top, (all_below / np.maximum(at_top.sum(axis=1), 1))[:, None], 0.0)
    return out
