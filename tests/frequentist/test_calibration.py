"""A/A calibration by simulation: rejection rate and interval coverage at their nominal levels.

10,000 simulated experiments per metric kind, fixed seeds. With N = 10,000 the
binomial standard error of a rate near 0.05 is sqrt(0.05 * 0.95 / N) = 0.00218;
assertions allow 4 standard errors (false-alarm odds about 6e-5 per assertion).
"""

from __future__ import annotations

import numpy as np
import pytest

import abstats

N_SIM = 10_000
ALPHA = 0.05
SE = np.sqrt(ALPHA * (1 - ALPHA) / N_SIM)
TOL = 4 * SE


def _long(control: dict, treatment: dict) -> dict:
    """Interleave per-experiment aggregates of two arms into one table."""
    table = {"experiment": np.repeat(np.arange(N_SIM), 2), "variant": np.tile(["c", "t"], N_SIM)}
    for key in control:
        table[key] = np.column_stack([control[key], treatment[key]]).ravel()
    return table


def _assert_calibrated(result, truth_rel=0.0):
    rejection = np.mean(result.p_value < ALPHA)
    assert abs(rejection - ALPHA) < TOL, f"rejection rate {rejection:.4f}, nominal {ALPHA} +- {TOL:.4f} (4 SE)"
    covered = np.mean((result["rel_ci_low"] <= truth_rel) & (truth_rel <= result["rel_ci_high"]))
    assert abs(covered - (1 - ALPHA)) < TOL, f"relative-interval coverage {covered:.4f}, nominal 0.95 +- {TOL:.4f}"
    covered_abs = np.mean((result["effect_ci_low"] <= 0) & (result["effect_ci_high"] >= 0))
    assert abs(covered_abs - (1 - ALPHA)) < TOL, f"absolute-interval coverage {covered_abs:.4f}"


@pytest.mark.simulation
def test_binary_z_test_aa():
    rng = np.random.default_rng(101)
    n = 4000
    arms = [{"n": np.full(N_SIM, n), "conversions": rng.binomial(n, 0.05, N_SIM)} for _ in range(2)]
    r = abstats.analyze(_long(*arms), metric=abstats.BinaryMetric("cr"), control="c", experiment="experiment")
    _assert_calibrated(r)


@pytest.mark.simulation
def test_mean_welch_aa_on_skewed_revenue():
    rng = np.random.default_rng(202)
    n = 400
    arms = []
    for _ in range(2):
        # gamma(shape 2) revenue per visitor: skewed, positive mean
        x = rng.gamma(2.0, 5.0, size=(N_SIM, n))
        arms.append({"n": np.full(N_SIM, n), "sum": x.sum(axis=1), "sum_sq": (x * x).sum(axis=1)})
    r = abstats.analyze(_long(*arms), metric=abstats.MeanMetric("rpv"), control="c", experiment="experiment")
    assert r["test"][0] == "welch_t"
    _assert_calibrated(r)


@pytest.mark.simulation
def test_ratio_delta_method_aa_on_clustered_impressions():
    rng = np.random.default_rng(303)
    n = 400
    arms = []
    for _ in range(2):
        # users differ in click propensity, so impressions of one user are correlated:
        # treating impressions as independent would under-cover here.
        impressions = rng.poisson(6.0, size=(N_SIM, n)) + 1
        propensity = rng.beta(2.0, 40.0, size=(N_SIM, n))
        clicks = rng.binomial(impressions, propensity)
        arms.append({
            "n": np.full(N_SIM, n),
            "num_sum": clicks.sum(axis=1), "den_sum": impressions.sum(axis=1),
            "num_sum_sq": (clicks**2).sum(axis=1), "den_sum_sq": (impressions**2).sum(axis=1),
            "num_den_sum": (clicks * impressions).sum(axis=1),
        })
    r = abstats.analyze(_long(*arms), metric=abstats.RatioMetric("ctr"), control="c", experiment="experiment")
    _assert_calibrated(r)


@pytest.mark.simulation
def test_binary_relative_interval_covers_a_true_uplift():
    rng = np.random.default_rng(404)
    n, p_c, p_t = 20_000, 0.04, 0.044  # true relative uplift 10%
    control = {"n": np.full(N_SIM, n), "conversions": rng.binomial(n, p_c, N_SIM)}
    treatment = {"n": np.full(N_SIM, n), "conversions": rng.binomial(n, p_t, N_SIM)}
    for method in ("log", "fieller"):
        r = abstats.analyze(_long(control, treatment), metric=abstats.BinaryMetric("cr"), control="c",
                            experiment="experiment", relative_interval=method)
        covered = np.mean((r["rel_ci_low"] <= 0.1) & (r["rel_ci_high"] >= 0.1))
        assert abs(covered - 0.95) < TOL, f"{method}: coverage {covered:.4f}, nominal 0.95 +- {TOL:.4f} (4 SE)"
