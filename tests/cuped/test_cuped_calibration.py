"""CUPED calibration by simulation: A/A rejection at alpha per metric kind, coverage under an effect, rho^2.

Each test scores thousands of simulated two-arm experiments in one ``compare`` call (fixed seeds).
A rate over E experiments has binomial standard error sqrt(p (1 - p) / E); every assertion allows
4 of them next to it (a false alarm about once in 16,000 runs).
"""

from __future__ import annotations

import numpy as np
import pytest

import abstats
from abstats.statistics import BinaryStats, MeanStats, RatioStats

ALPHA = 0.05
EXPERIMENTS = 2000
UNITS = 300  # per arm


def _mean_arm(rng, rho: float, shift: float) -> MeanStats:
    z = rng.normal(size=(EXPERIMENTS, UNITS))
    x = 10.0 + 2.0 * z
    y = 5.0 + shift + rho * z + np.sqrt(1 - rho**2) * rng.normal(size=z.shape)
    return MeanStats.from_arrays(np.full(EXPERIMENTS, UNITS), y.sum(1), (y * y).sum(1), pre_sum=x.sum(1),
                                 pre_sum_sq=(x * x).sum(1), pre_cross_sum=(x * y).sum(1))


def _binary_arm(rng, rho: float, shift: float) -> BinaryStats:
    x = rng.normal(size=(EXPERIMENTS, UNITS))
    y = (rng.random(x.shape) < 1 / (1 + np.exp(-(-1.0 + shift + 2 * rho * x)))).astype(float)
    return BinaryStats.from_arrays(np.full(EXPERIMENTS, UNITS), y.sum(1), pre_sum=x.sum(1), pre_sum_sq=(x * x).sum(1),
                                   pre_cross_sum=(x * y).sum(1))


def _ratio_arm(rng, rho: float, shift: float) -> RatioStats:
    activity = rng.gamma(4.0, 5.0, size=(EXPERIMENTS, UNITS))
    taste = rng.normal(size=activity.shape)  # a unit's click propensity, shared by both periods
    pre_rate = np.clip(0.1 * np.exp(rho * taste), 0.0, 0.99)  # before exposure: no treatment effect
    v = rng.poisson(activity) + 1.0
    u = rng.binomial(v.astype(int), pre_rate).astype(float)
    y = rng.poisson(activity) + 1.0
    x = rng.binomial(y.astype(int), np.clip(pre_rate * (1 + shift), 0.0, 0.99)).astype(float)
    s = {"num_sum": x, "den_sum": y, "num_sum_sq": x * x, "den_sum_sq": y * y, "num_den_sum": x * y,
         "pre_num_sum": u, "pre_den_sum": v, "pre_num_sum_sq": u * u, "pre_den_sum_sq": v * v,
         "pre_num_den_sum": u * v, "num_pre_num_sum": x * u, "num_pre_den_sum": x * v, "den_pre_num_sum": y * u,
         "den_pre_den_sum": y * v}
    return RatioStats.from_arrays(np.full(EXPERIMENTS, UNITS), **{k: a.sum(1) for k, a in s.items()})


ARMS = {"mean": (_mean_arm, abstats.MeanMetric), "binary": (_binary_arm, abstats.BinaryMetric),
        "ratio": (_ratio_arm, abstats.RatioMetric)}


@pytest.mark.simulation
@pytest.mark.parametrize("kind", sorted(ARMS))
def test_aa_rejection_rate_stays_at_alpha(kind):
    build, metric = ARMS[kind]
    rng = np.random.default_rng({"mean": 31, "binary": 32, "ratio": 33}[kind])
    c, t = build(rng, 0.6, 0.0), build(rng, 0.6, 0.0)
    r = abstats.compare(c, t, metric=metric("m"), alpha=ALPHA, correction="none")
    assert r["cuped"].all()
    assert np.nanmean(r["variance_reduction"]) > 0.05  # the covariate does reduce variance here
    rate = np.mean(r.p_value < ALPHA)
    se = np.sqrt(ALPHA * (1 - ALPHA) / EXPERIMENTS)  # 0.0049
    assert abs(rate - ALPHA) < 4 * se, rate


@pytest.mark.simulation
@pytest.mark.parametrize("kind", sorted(ARMS))
def test_interval_coverage_under_a_true_effect(kind):
    """The true effect of the simulation is the mean of many independent unadjusted differences (it is
    not exactly ``shift`` for binary and ratio metrics, whose scale is non-linear)."""
    build, metric = ARMS[kind]
    rng = np.random.default_rng({"mean": 41, "binary": 42, "ratio": 43}[kind])
    shift = 0.2
    truth_c, truth_t = build(rng, 0.6, 0.0), build(rng, 0.6, shift)
    truth = float(np.mean(truth_t.estimate() - truth_c.estimate()))
    truth_rel = truth / float(np.mean(truth_c.estimate()))
    # the truth itself is estimated from 2000 x 300 units per arm: its error is about se / sqrt(2000), negligible
    c, t = build(rng, 0.6, 0.0), build(rng, 0.6, shift)
    r = abstats.compare(c, t, metric=metric("m"), alpha=ALPHA, correction="none")
    low, high = r.effect_interval()
    coverage = np.mean((low <= truth) & (truth <= high))
    se = np.sqrt(ALPHA * (1 - ALPHA) / EXPERIMENTS)  # 0.0049
    assert abs(coverage - (1 - ALPHA)) < 4 * se, coverage
    # the relative interval (delta method on the log, adjusted variances, unadjusted control mean)
    rel_low, rel_high = r.effect_interval("relative")
    rel_coverage = np.mean((rel_low <= truth_rel) & (truth_rel <= rel_high))
    assert abs(rel_coverage - (1 - ALPHA)) < 4 * se, rel_coverage


@pytest.mark.simulation
@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
def test_variance_reduction_is_rho_squared(rho):
    """One large experiment (n = 100,000 per arm) of a mean metric whose covariate has correlation rho.

    The estimated rho^2 has standard error about 2 rho (1 - rho^2) / sqrt(2n) <= 0.003; 4 of them = 0.012.
    """
    rng = np.random.default_rng(int(rho * 100))
    n = 100_000

    def arm():
        z = rng.normal(size=n)
        y = rho * z + np.sqrt(1 - rho**2) * rng.normal(size=n)
        return MeanStats.from_arrays([n], [y.sum()], [y @ y], pre_sum=[z.sum()], pre_sum_sq=[z @ z],
                                     pre_cross_sum=[z @ y])

    r = abstats.compare(arm(), arm(), metric=abstats.MeanMetric("m"))
    assert r["variance_reduction"][0] == pytest.approx(rho**2, abs=0.012)
