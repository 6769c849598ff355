"""Calibration: under the Beta(1, 1) prior, 95% credible intervals cover draws from that prior 95% of the time."""

import numpy as np
import pytest

from abstats.bayesian.scoring import score_binary

SIMS = 10_000
LEVEL = 0.95
# Binomial standard error of a 95% coverage estimated from SIMS draws; we allow 4 standard errors.
TOLERANCE = 4 * np.sqrt(LEVEL * (1 - LEVEL) / SIMS)  # = 0.0087


@pytest.mark.simulation
def test_equal_tailed_intervals_cover_prior_draws():
    rng = np.random.default_rng(20261123)
    p_c, p_t = rng.uniform(size=SIMS), rng.uniform(size=SIMS)  # Beta(1, 1) prior draws
    n_c, n_t = rng.integers(1, 400, SIMS), rng.integers(1, 400, SIMS)
    x_c, x_t = rng.binomial(n_c, p_c), rng.binomial(n_t, p_t)
    s = score_binary(x_c, n_c, x_t, n_t, ci_level=LEVEL)
    truths = {
        "control": p_c,
        "treatment": p_t,
        "effect": p_t - p_c,
        "rel": p_t / p_c - 1,
    }
    for name, truth in truths.items():
        covered = (s[f"{name}_cred_low"] <= truth) & (truth <= s[f"{name}_cred_high"])
        assert abs(covered.mean() - LEVEL) <= TOLERANCE, (name, covered.mean())
    # P(beats) is calibrated too: among rows with P(T > C) in a bin, T > C that often.
    beats = p_t > p_c
    prob = s["prob_beats_control"]
    for lo, hi in ((0.0, 0.2), (0.2, 0.8), (0.8, 1.0)):
        rows = (prob >= lo) & (prob < hi)
        k = rows.sum()
        se = np.sqrt(0.25 / k)  # worst-case binomial standard error of a frequency from k rows
        assert abs(beats[rows].mean() - prob[rows].mean()) <= 4 * se, (lo, hi)
