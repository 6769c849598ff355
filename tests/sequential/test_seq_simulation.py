"""Seeded simulations: peeking inflates the naive test; the three remedies keep alpha; GS power.

Each path is an A/B test observed after every batch, with the sufficient statistics cumulated
as numpy arrays (paths x looks); the sequential methods receive exactly the per-look
``theta_hat`` / ``var_theta_hat`` / z a fixed-horizon test would use. Tolerances come from the
binomial standard error of a simulated rate, SE = sqrt(p (1 - p) / paths), stated per assertion.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from abstats.sequential import (
    GroupSequentialDesign,
    confidence_sequence,
    default_mixing_variance,
    group_sequential_decision,
    msprt_p_value,
)

ALPHA = 0.05


def _binomial_se(p: float, paths: int) -> float:
    return float(np.sqrt(p * (1 - p) / paths))


def _binary_paths(rng, paths, looks, batch, p_control, p_treatment):
    """Cumulative (theta_hat, var_theta_hat, n_total) per path and look for a conversion metric."""
    conv_c = np.cumsum(rng.binomial(batch, p_control, (paths, looks)), axis=1)
    conv_t = np.cumsum(rng.binomial(batch, p_treatment, (paths, looks)), axis=1)
    n = batch * np.arange(1, looks + 1)
    pc, pt = conv_c / n, conv_t / n
    return pt - pc, pc * (1 - pc) / n + pt * (1 - pt) / n, np.broadcast_to(2.0 * n, pc.shape)


def _mean_paths(rng, paths, looks, batch):
    """Same for a skewed revenue-like mean metric (exponential values), sample variances ddof=1."""
    out = []
    for _ in range(2):
        x = rng.exponential(1.0, (paths, looks, batch))
        s, ss = np.cumsum(x.sum(axis=2), axis=1), np.cumsum((x**2).sum(axis=2), axis=1)
        n = batch * np.arange(1, looks + 1)
        mean = s / n
        out.append((mean, (ss - n * mean**2) / (n - 1) / n))
    (mc, vc), (mt, vt) = out
    return mt - mc, vc + vt, np.broadcast_to(2.0 * batch * np.arange(1, looks + 1), mc.shape)


def _ratio_paths(rng, paths, looks, batch):
    """Same for a ratio metric (clicks / pageviews per user) with the delta-method variance."""
    stats = []
    for _ in range(2):
        den = rng.poisson(3.0, (paths, looks, batch)) + 1
        num = rng.binomial(den, 0.3)
        sums = [np.cumsum(v.sum(axis=2), axis=1) for v in (num, den, num * num, den * den, num * den)]
        n = batch * np.arange(1, looks + 1)
        sn, sd, snn, sdd, snd = sums
        mn, md = sn / n, sd / n
        vn, vd = (snn - n * mn**2) / (n - 1), (sdd - n * md**2) / (n - 1)
        cov = (snd - n * mn * md) / (n - 1)
        r = mn / md
        stats.append((r, (vn - 2 * r * cov + r**2 * vd) / (md**2 * n)))
    (rc, vc), (rt, vt) = stats
    return rt - rc, vc + vt


@pytest.mark.simulation
@pytest.mark.parametrize("metric", ["binary", "mean"])
def test_peeking_inflates_naive_test_but_not_always_valid_methods(metric):
    paths, looks = 3000, 60
    rng = np.random.default_rng(20261123 if metric == "binary" else 7)
    if metric == "binary":
        theta, var, n = _binary_paths(rng, paths, looks, 200, 0.1, 0.1)
    else:
        theta, var, n = _mean_paths(rng, paths, looks, 40)
    se = _binomial_se(ALPHA, paths)  # 0.0040

    naive = (np.abs(theta / np.sqrt(var)) >= norm.isf(ALPHA / 2)).any(axis=1).mean()
    # The naive fixed-horizon test read at all 60 looks must inflate: at least 3x alpha, far beyond 10 SE.
    assert naive > 3 * ALPHA, naive

    tau2 = default_mixing_variance(var, n, alpha=ALPHA, tuning_n=float(n[0, -1]))
    p_path = msprt_p_value(theta, var, tau2, look_axis=1)
    msprt_rate = (p_path[:, -1] <= ALPHA).mean()
    # Always valid: type I <= alpha + 3 SE (one-sided binomial tolerance).
    assert msprt_rate <= ALPHA + 3 * se, msprt_rate

    low, high = confidence_sequence(theta, var, n, alpha=ALPHA, tuning_n=float(n[0, -1]), look_axis=1)
    cs_rate = ((low[:, -1] > 0) | (high[:, -1] < 0)).mean()
    assert cs_rate <= ALPHA + 3 * se, cs_rate


@pytest.mark.simulation
@pytest.mark.parametrize("metric", ["binary", "ratio"])
def test_group_sequential_rejects_at_alpha_under_null(metric):
    paths, looks, k = 4000, 60, 5
    rng = np.random.default_rng(11 if metric == "binary" else 12)
    if metric == "binary":
        theta, var, _ = _binary_paths(rng, paths, looks, 100, 0.2, 0.2)
    else:
        theta, var = _ratio_paths(rng, paths, looks, 20)
    z = theta / np.sqrt(var)
    design = GroupSequentialDesign("lan_demets_obrien_fleming", looks=k, alpha=ALPHA)
    look_index = np.arange(1, k + 1) * looks // k - 1  # planned looks every 12 batches
    rejected = np.zeros(paths, dtype=bool)
    for look, col in enumerate(look_index, start=1):
        out = group_sequential_decision(z[:, col], design=design, look=look)
        rejected |= out["crossed"] == "efficacy"
    se = _binomial_se(ALPHA, paths)  # 0.0034
    # Rejects at alpha over its planned looks: within 4 SE on both sides.
    assert abs(rejected.mean() - ALPHA) <= 4 * se, rejected.mean()


@pytest.mark.simulation
def test_group_sequential_reaches_planned_power_and_expected_sample_size():
    paths, k, power = 4000, 5, 0.8
    design = GroupSequentialDesign("lan_demets_obrien_fleming", looks=k, alpha=ALPHA, power=power)
    p_c, p_t = 0.10, 0.11
    n_fixed = (norm.isf(ALPHA / 2) + norm.ppf(power)) ** 2 * (p_c * (1 - p_c) + p_t * (1 - p_t)) / (p_t - p_c) ** 2
    batch = int(np.ceil(n_fixed * design.inflation_factor(power) / k))
    rng = np.random.default_rng(5)
    theta, var, _ = _binary_paths(rng, paths, k, batch, p_c, p_t)
    z = theta / np.sqrt(var)
    stop_look = np.full(paths, k)
    winner = np.zeros(paths, dtype=bool)
    for look in range(k, 0, -1):  # the earliest crossing wins, so sweep backwards
        out = group_sequential_decision(z[:, look - 1], design=design, look=look)
        crossed = out["crossed"] == "efficacy"
        stop_look[crossed] = look
        winner = np.where(crossed, out["decision"] == "stop_winner", winner)
    se = _binomial_se(power, paths)  # 0.0063
    # Planned power within 4 SE.
    assert abs(winner.mean() - power) <= 4 * se, winner.mean()
    ess = stop_look * batch / n_fixed
    # Expected sample size (fraction of fixed n) within 4 SE of the simulated mean.
    assert abs(ess.mean() - design.expected_sample_size(power)) <= 4 * ess.std() / np.sqrt(paths)


@pytest.mark.simulation
def test_futility_design_keeps_alpha_and_power():
    paths, k, power, alpha = 4000, 4, 0.9, 0.025
    design = GroupSequentialDesign(
        "lan_demets_obrien_fleming", looks=k, alpha=alpha, alternative="greater",
        beta_spending="obrien_fleming", binding=False, power=power,
    )
    drift = design.planned.drift
    rng = np.random.default_rng(99)
    increments = rng.standard_normal((2, paths, k)) * np.sqrt(1 / k)
    for mean, target, label in ((0.0, alpha, "type I"), (drift, power, "power")):
        score = np.cumsum(increments[0 if label == "type I" else 1] + mean / k, axis=1)
        z = score / np.sqrt(np.arange(1, k + 1) / k)
        active = np.ones(paths, dtype=bool)
        win = np.zeros(paths, dtype=bool)
        for look in range(1, k + 1):
            out = group_sequential_decision(z[:, look - 1], design=design, look=look)
            win |= active & (out["decision"] == "stop_winner")
            active &= out["decision"] == "continue"
        se = _binomial_se(target, paths)
        if label == "type I":
            # Non-binding futility obeyed: type I <= alpha + 3 SE (it is below alpha by design).
            assert win.mean() <= alpha + 3 * se, win.mean()
        else:
            # Planned power within 4 SE (0.019).
            assert abs(win.mean() - power) <= 4 * se, win.mean()


@pytest.mark.simulation
def test_bonferroni_composes_with_sequential_methods_for_several_treatments():
    # Three treatments share one control (correlated comparisons), all null, 60 looks.
    paths, looks, batch, m = 3000, 60, 150, 3
    rng = np.random.default_rng(2024)
    n = batch * np.arange(1, looks + 1)
    rates = [np.cumsum(rng.binomial(batch, 0.1, (paths, looks)), axis=1) / n for _ in range(m + 1)]
    control, treatments = rates[0], rates[1:]
    theta = np.stack([t - control for t in treatments])  # (m, paths, looks)
    var = np.stack([t * (1 - t) / n + control * (1 - control) / n for t in treatments])
    n_total = np.broadcast_to(2.0 * n, theta.shape)

    tau2 = default_mixing_variance(var, n_total, alpha=ALPHA / m, tuning_n=float(2 * n[-1]))
    p = msprt_p_value(theta, var, tau2, look_axis=2)[:, :, -1]
    fwer_msprt = (p <= ALPHA / m).any(axis=0).mean()

    design = GroupSequentialDesign("lan_demets_pocock", looks=6, alpha=ALPHA / m)
    z = theta / np.sqrt(var)
    cols = np.arange(1, 7) * 10 - 1
    any_gs = np.zeros(paths, dtype=bool)
    for look, col in enumerate(cols, start=1):
        out = group_sequential_decision(z[:, :, col].ravel(), design=design, look=look)
        any_gs |= (out["crossed"] == "efficacy").reshape(m, paths).any(axis=0)
    se = _binomial_se(ALPHA, paths)  # 0.0040
    # Family-wise error over all looks and comparisons <= alpha + 3 SE for both.
    assert fwer_msprt <= ALPHA + 3 * se, fwer_msprt
    assert any_gs.mean() <= ALPHA + 3 * se, any_gs.mean()
    # Bonferroni is only mildly conservative for the group-sequential design here (not vacuous).
    assert any_gs.mean() >= ALPHA / 2, any_gs.mean()
