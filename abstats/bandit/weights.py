"""Traffic weights from P(best): Thompson and top-two Thompson in expectation, floors, a held control share.

Plain functions on (experiments, arms) matrices, vectorised over experiments; every row of a
matrix is one experiment, every column one arm. Hand-written numpy: the floors are a per-row
water-filling that no library offers vectorised.

Exact sums
----------
A weight is a float, and floats added in different orders give different last bits. The
weights returned here are whole multiples of ``2**-52`` (:data:`GRID`): any float sum of such
numbers whose partial sums stay in [0, 1] is exact, so the weights of an experiment add up to
exactly ``1.0`` in every summation order. The rounding to the grid moves a weight by at most
``2**-52`` (2.2e-16), far below the ~1e-10 accuracy of the quadrature behind P(best); the arm with
the largest weight takes what the others leave (``GRID - sum(others)`` units). A held control
share or a floor that is not on the grid is rounded to it too (a floor upwards): a control held
at 0.2 gets 0.19999999999999996, the nearest multiple of 2**-52.
"""

from __future__ import annotations

import numpy as np

#: Units of weight per unit of traffic: weights are multiples of 1 / GRID (see the module docstring).
GRID = 2**52


def top_two_weights(prob_best: np.ndarray, beta: float) -> np.ndarray:
    """Expected allocation of top-two Thompson sampling (Russo 2020), shape (e, k) like ``prob_best``.

    Top-two Thompson sampling (D. Russo, "Simple Bayesian algorithms for best-arm identification",
    Operations Research 68(6), 2020, section 4) draws a parameter from the posterior and takes its
    best arm I; with probability ``beta`` it plays I, otherwise it draws again, independently,
    until the best arm J of the new draw differs from I, and plays J. Write a_i = P(arm i best)
    for the posterior probability that arm i is best. The first draw gives I = j with probability
    a_j; the redraws are independent of it, so J is the best arm of a draw conditioned on its best
    arm not being j: P(J = i | I = j) = a_i / (1 - a_j) for i != j. The probability of playing i is
    therefore

        psi_i = beta a_i + (1 - beta) sum_{j != i} a_j a_i / (1 - a_j)

    (Russo's equation for psi_{n,i}). Each term a_i / (1 - a_j) is computed as
    a_i / sum_{l != j} a_l, equal in exact arithmetic and summing to 1 over i in floats; a row
    where one arm has P(best) = 1 to the float (sum_{l != j} a_l = 0) splits that arm's challenger
    share (1 - beta) a_j equally among the other arms, the limit of a redraw that can tell them
    apart no better than chance.

    Parameters
    ----------
    prob_best
        (e, k) P(best) per experiment and arm, each row summing to 1.
    beta
        Probability of playing the first draw's best arm (Russo recommends 1/2).

    Examples
    --------
    >>> top_two_weights(np.array([[0.5, 0.3, 0.2]]), 0.5).round(4)
    array([[0.4196, 0.3375, 0.2429]])
    """
    a = np.asarray(prob_best, dtype=float)
    k = a.shape[1]
    rest = a.sum(axis=1, keepdims=True) - a  # sum_{l != j} a_l per (row, j)
    certain = rest <= 0.0
    # challenger[r, j, i] = P(J = i | I = j); the diagonal (i = j) is zero
    challenger = a[:, None, :] / np.where(certain, 1.0, rest)[:, :, None]
    challenger = np.where(certain[:, :, None], 1.0 / max(k - 1, 1), challenger)
    challenger[:, np.arange(k), np.arange(k)] = 0.0
    return beta * a + (1.0 - beta) * np.einsum("rj,rji->ri", a, challenger)


def water_fill(weights: np.ndarray, budget: np.ndarray, floor: float) -> np.ndarray:
    """Split ``budget`` per row in proportion to ``weights``, no arm below ``floor``.

    The result is w_i = max(floor, lam p_i) with lam per row such that the row sums to its
    budget: arms above the floor keep the ratios of their weights, arms below it are lifted to
    it and the others give up the difference in proportion. Found per row by sorting: with the
    weights in decreasing order, the m heaviest arms are proportional when
    lam_m = (budget - (k - m) floor) / (p_(1) + ... + p_(m)) lifts the m-th to at least the floor;
    the largest such m is the solution. A row whose weights are all zero splits its budget equally.
    Needs k floor <= budget (checked by the caller).

    Parameters
    ----------
    weights
        (e, k) non-negative weights (P(best), or a top-two allocation).
    budget
        (e,) traffic share to split per row (1, or 1 minus a held control share).
    floor
        Minimum share of every arm.

    Examples
    --------
    >>> water_fill(np.array([[0.9, 0.095, 0.005]]), np.array([1.0]), 0.05).round(4)
    array([[0.8593, 0.0907, 0.05  ]])
    """
    p = np.asarray(weights, dtype=float)
    e, k = p.shape
    budget = np.asarray(budget, dtype=float).reshape(e, 1)
    total = p.sum(axis=1, keepdims=True)
    p = np.where(total > 0, p, 1.0)  # no information in the row: equal split
    order = np.argsort(-p, axis=1, kind="stable")
    sorted_p = np.take_along_axis(p, order, axis=1)
    heavy = np.cumsum(sorted_p, axis=1)  # p_(1) + ... + p_(m), m = 1..k
    m = np.arange(1, k + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = (budget - (k - m) * floor) / heavy
    ok = (lam * sorted_p >= floor) & (heavy > 0)
    ok[:, 0] = True  # the heaviest arm always takes part (lam_1 p_(1) = budget - (k - 1) floor >= floor)
    best_m = k - 1 - np.argmax(ok[:, ::-1], axis=1)  # index of the largest valid m
    lam_row = lam[np.arange(e), best_m][:, None]
    return np.maximum(floor, lam_row * p)


def to_grid(weights: np.ndarray, floor_units: int, first_free: int = 0) -> np.ndarray:
    """Weights (rows summing to 1 up to rounding) as multiples of 1 / :data:`GRID` summing to 1 exactly.

    Every arm but the heaviest is rounded to the nearest unit (never below ``floor_units``);
    the heaviest of the columns from ``first_free`` on (the columns before it are held shares)
    takes ``GRID`` minus the others' units.
    """
    w = np.asarray(weights, dtype=float)
    units = np.maximum(np.rint(w * GRID).astype(np.int64), floor_units)
    heaviest = first_free + np.argmax(w[:, first_free:], axis=1)
    rows = np.arange(len(w))
    units[rows, heaviest] = 0
    units[rows, heaviest] = GRID - units.sum(axis=1)
    return units / GRID
