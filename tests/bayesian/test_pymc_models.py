"""PyMC models: recovery of known simulated effects, diagnostics and warnings, lazy imports.

Each fit is small (a few hundred draws, two chains) and seeded. A known effect
is "recovered" when it lies inside the 99% credible interval; with a correct
model each such check fails for 1% of seeds, and the seeds are fixed.
"""

import subprocess
import sys

import numpy as np
import pytest

from abstats.bayesian.mcmc import R_HAT_LIMIT, SamplerSettings, diagnostic_warnings

FAST = SamplerSettings(draws=500, tune=500, chains=2, seed=11, progress=False)


def test_import_abstats_does_not_import_pymc_or_arviz():
    code = (
        "import sys, abstats, abstats.bayesian, abstats.bayesian.hierarchical, abstats.bayesian.revenue; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pymc', 'arviz', 'pytensor')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_warning_rules():
    assert diagnostic_warnings({"r_hat_max": 1.005, "ess_bulk_min": 400.0, "divergences": 0}) == []
    warned = diagnostic_warnings({"r_hat_max": 1.02, "ess_bulk_min": 40.0, "divergences": 3})
    assert len(warned) == 2 and "r_hat" in warned[0] and "3 divergent" in warned[1]
    assert diagnostic_warnings({"r_hat_max": float("nan"), "ess_bulk_min": 0.0, "divergences": 0})


def _check_diagnostics(fit):
    diag = fit["diagnostics"]
    assert diag["divergences"] == 0
    assert diag["ess_bulk_min"] > 100
    assert fit["warnings"] == diagnostic_warnings(diag)
    assert (diag["r_hat_max"] > R_HAT_LIMIT) == any("r_hat" in w for w in fit["warnings"])


@pytest.mark.pymc
def test_hierarchical_binary_recovers_segment_effects():
    from abstats.bayesian.hierarchical import fit_segment_effects_binary

    rng = np.random.default_rng(5)
    k = 6
    base = rng.uniform(0.03, 0.12, k)
    true_delta = 0.15 + 0.05 * rng.normal(size=k)  # log-odds effects around mu = 0.15
    p_c = base
    p_t = 1 / (1 + np.exp(-(np.log(base / (1 - base)) + true_delta)))
    n = np.full(k, 20_000)
    fit = fit_segment_effects_binary(
        rng.binomial(n, p_c), n, rng.binomial(n, p_t), n, segments=list("ABCDEF"), ci_level=0.99, settings=FAST
    )
    _check_diagnostics(fit)
    assert fit["segment"].tolist() == list("ABCDEF")
    truth = p_t - p_c
    assert np.all((fit["effect_cred_low"] <= truth) & (truth <= fit["effect_cred_high"]))
    overall = fit["overall"]
    assert overall["log_odds_cred_low"] <= 0.15 <= overall["log_odds_cred_high"]
    weighted = truth.mean()  # equal segment sizes
    assert overall["effect_cred_low"] <= weighted <= overall["effect_cred_high"]
    assert overall["prob_beats_control"] > 0.99


@pytest.mark.pymc
def test_hierarchical_normal_pools_towards_the_mean():
    from abstats.bayesian.hierarchical import fit_segment_effects_normal

    rng = np.random.default_rng(8)
    theta = rng.normal(0.5, 0.1, 8)
    se = np.full(8, 0.2)
    observed = rng.normal(theta, se)
    fit = fit_segment_effects_normal(observed, se, ci_level=0.99, settings=FAST)
    _check_diagnostics(fit)
    assert np.all((fit["effect_cred_low"] <= theta) & (theta <= fit["effect_cred_high"]))
    assert fit["overall"]["effect_cred_low"] <= 0.5 <= fit["overall"]["effect_cred_high"]
    # Partial pooling: segment estimates sit closer to the overall mean than the raw ones.
    centre = fit["overall"]["effect_mean"]
    assert np.abs(fit["effect_mean"] - centre).sum() < np.abs(observed - centre).sum()
    assert np.all(fit["effect_sd"] < se)


@pytest.mark.pymc
def test_revenue_hurdle_lognormal_recovers_revenue_per_user():
    from abstats.bayesian.revenue import fit_revenue_hurdle_lognormal

    rng = np.random.default_rng(3)
    n = 20_000
    share = {"c": 0.05, "t": 0.065}
    mu, sigma = 3.0, 1.2

    def arm(p):
        return np.where(rng.uniform(size=n) < p, rng.lognormal(mu, sigma, n), 0.0)

    fit = fit_revenue_hurdle_lognormal(arm(share["c"]), arm(share["t"]), ci_level=0.99, settings=FAST)
    _check_diagnostics(fit)
    true_c, true_t = (share[a] * np.exp(mu + sigma**2 / 2) for a in "ct")
    assert fit["control_cred_low"] <= true_c <= fit["control_cred_high"]
    assert fit["treatment_cred_low"] <= true_t <= fit["treatment_cred_high"]
    assert fit["effect_cred_low"] <= true_t - true_c <= fit["effect_cred_high"]
    assert fit["rel_cred_low"] <= true_t / true_c - 1 <= fit["rel_cred_high"]
    assert fit["prob_beats_control"] > 0.95
    assert fit["expected_loss_treatment"] < fit["expected_loss_control"]
    # Lower-is-better flips P(beats).
    fit_down = fit_revenue_hurdle_lognormal(arm(share["c"]), arm(share["t"]), higher_is_better=False, settings=FAST)
    assert fit_down["prob_beats_control"] < 0.05
