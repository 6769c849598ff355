"""interval="hdi": arviz HDIs on posterior draws, against the exact HDI of a Beta (scipy minimisation of width)."""

import numpy as np
from scipy import optimize, stats

from abstats.bayesian.scoring import score_binary


def exact_beta_hdi(a, b, level):
    """Shortest interval of Beta(a, b) holding ``level`` mass: minimise ppf(p + level) - ppf(p) over p."""
    dist = stats.beta(a, b)
    res = optimize.minimize_scalar(
        lambda p: dist.ppf(p + level) - dist.ppf(p), bounds=(0, 1 - level), method="bounded", options={"xatol": 1e-12}
    )
    return dist.ppf(res.x), dist.ppf(res.x + level)


def test_hdi_matches_exact_beta_hdi_and_is_shorter():
    x_c, n_c, x_t, n_t = [2, 100], [60, 1000], [0, 130], [40, 1000]
    hdi = score_binary(x_c, n_c, x_t, n_t, interval="hdi", hdi_draws=200_000, seed=4)
    eq = score_binary(x_c, n_c, x_t, n_t)
    for arm, xs, ns in (("control", x_c, n_c), ("treatment", x_t, n_t)):
        for i in range(2):
            a, b = 1 + xs[i], 1 + ns[i] - xs[i]
            low, high = exact_beta_hdi(a, b, 0.95)
            sd = stats.beta(a, b).std()
            # Monte Carlo error of a sample HDI bound from 200,000 draws is ~0.01 sd; allow 0.05 sd.
            assert abs(hdi[f"{arm}_cred_low"][i] - low) <= 0.05 * sd
            assert abs(hdi[f"{arm}_cred_high"][i] - high) <= 0.05 * sd
    for name in ("control", "treatment", "effect", "rel"):
        width_hdi = hdi[f"{name}_cred_high"] - hdi[f"{name}_cred_low"]
        width_eq = eq[f"{name}_cred_high"] - eq[f"{name}_cred_low"]
        assert np.all(width_hdi <= width_eq * 1.01), name
    # The exact P(beats) and losses do not depend on the interval option.
    assert np.array_equal(hdi["prob_beats_control"], eq["prob_beats_control"])
