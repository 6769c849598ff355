"""k-arm P(best) with 2,000 arms in one experiment: bounded memory, a grid that does not grow with
the arms, and agreement with a Monte Carlo estimate (fixed seed) within its standard error."""

import tracemalloc

import numpy as np

from abstats.bayesian.beta_binomial import _shared_grid, prob_best

K = 2_000
N_USERS = 10_000


def _arms():
    rng = np.random.default_rng(2026)
    x = rng.binomial(N_USERS, 0.05, size=K)
    return 1.0 + x, 1.0 + N_USERS - x  # Beta(1, 1) prior


def test_grid_does_not_grow_with_the_number_of_arms():
    a, b = _arms()
    n_all = _shared_grid(a[None], b[None])[0].shape[1]
    n_few = _shared_grid(a[None, :20], b[None, :20])[0].shape[1]
    # Similar arms share nodes: the grid for 2,000 arms is at most a few times that for 20 (their
    # spread grows slowly), where the union of per-arm panels had 2 x 2,000 x 48 = 192,000 nodes.
    assert n_all <= 4 * n_few and n_all < 2_000, (n_all, n_few)


def test_memory_is_linear_in_arms():
    a, b = _arms()
    n_grid = _shared_grid(a[None], b[None])[0].shape[1]
    tracemalloc.start()
    try:
        p = prob_best(a[None], b[None])[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A dozen (arms x grid) float64 arrays at most (CDF, log CDF, density, products...) plus 8 MB for
    # per-arm quadratures and the grid march; the former O(arms^2 x nodes) layout needed > 3 GB here.
    bound = 12 * K * n_grid * 8 + 8e6
    assert peak < bound, (peak / 1e6, bound / 1e6)
    assert abs(p.sum() - 1.0) <= 1e-9


def test_agrees_with_monte_carlo():
    a, b = _arms()
    p = prob_best(a[None], b[None])[0]
    rng = np.random.default_rng(7)
    draws, chunk = 40_000, 2_000
    wins = np.zeros(K)
    for _ in range(draws // chunk):  # chunks of draws bound the (draws x arms) sample
        wins += np.bincount(rng.beta(a, b, size=(chunk, K)).argmax(axis=1), minlength=K)
    mc = wins / draws
    expected = p * draws
    # Per arm, where the normal approximation of a count holds (>= 50 expected wins): 5 standard
    # errors, sqrt(p (1 - p) / draws), so ~1e-3 family-wise false alarms over these arms.
    big = expected >= 50
    se = np.sqrt(p * (1 - p) / draws)
    assert big.sum() >= 10
    assert np.all(np.abs(p - mc)[big] <= 5 * se[big]), np.max(np.abs(p - mc)[big] / se[big])
    # All arms at once: Pearson's statistic over arms with >= 5 expected wins (pooling the rest into
    # one cell) against its chi-square mean df and sd sqrt(2 df), at 5 sd.
    cells = expected >= 5
    obs = np.append(wins[cells], wins[~cells].sum())
    exp = np.append(expected[cells], expected[~cells].sum())
    df = obs.size - 1
    assert np.sum((obs - exp) ** 2 / exp) <= df + 5 * np.sqrt(2 * df)
