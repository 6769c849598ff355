"""Normal-posterior scoring of mean and ratio metrics.

References: gbstats 0.8 (GrowthBook's engine, EffectBayesianABTest) for the flat
and the proper relative prior; scipy.integrate.quad for the expected losses.
"""

import numpy as np
import pytest
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig, GaussianPrior
from gbstats.models.statistics import SampleMeanStatistic
from scipy import integrate, stats

from abstats.bayesian.scoring import score_normal

ARMS = [
    # (n, sum, sum_sq) control, treatment
    ((5_000, 52_000.0, 1_400_000.0), (5_100, 55_500.0, 1_520_000.0)),
    ((800, 2_400.0, 30_000.0), (820, 2_300.0, 29_000.0)),
    ((100_000, 310_000.0, 9.9e6), (100_000, 309_000.0, 9.8e6)),
]


def _mean_var(n, s, ss):
    mean = s / n
    var = (ss - s * s / n) / (n - 1)
    return mean, var / n


def _gb(control, treatment, difference_type, prior_sd=None, inverse=False):
    prior = GaussianPrior(mean=0.0, variance=(prior_sd or 1.0) ** 2, proper=prior_sd is not None)
    cfg = EffectBayesianConfig(
        difference_type=difference_type, prior_effect=prior, prior_type="relative", inverse=inverse
    )
    stat = [SampleMeanStatistic(n=n, sum=s, sum_squares=ss) for n, s, ss in (control, treatment)]
    return EffectBayesianABTest(stat[0], stat[1], cfg).compute_result()


@pytest.mark.parametrize("prior_sd", [None, 0.05, 0.3])
@pytest.mark.parametrize("inverse", [False, True])
def test_matches_gbstats(prior_sd, inverse):
    cols = [_mean_var(*c) + _mean_var(*t) for c, t in ARMS]
    c, v_c, t, v_t = (np.array(x) for x in zip(*cols, strict=True))
    s = score_normal(c, v_c, t, v_t, prior_rel_effect_sd=prior_sd, higher_is_better=not inverse)
    for i, (control, treatment) in enumerate(ARMS):
        absolute = _gb(control, treatment, "absolute", prior_sd, inverse)
        relative = _gb(control, treatment, "relative", prior_sd, inverse)
        assert s["prob_beats_control"][i] == pytest.approx(absolute.chance_to_win, abs=1e-12)
        # gbstats' risk is [loss of keeping control, loss of shipping treatment] in the metric's direction.
        assert s["expected_loss_control"][i] == pytest.approx(absolute.risk[0], rel=1e-9, abs=1e-15)
        assert s["expected_loss_treatment"][i] == pytest.approx(absolute.risk[1], rel=1e-9, abs=1e-15)
        assert [s["effect_cred_low"][i], s["effect_cred_high"][i]] == pytest.approx(absolute.ci, rel=1e-12)
        assert [s["rel_cred_low"][i], s["rel_cred_high"][i]] == pytest.approx(relative.ci, rel=1e-12)


def test_expected_loss_matches_quadrature():
    mu, sd = 0.12, 0.3
    s = score_normal(10.0, sd**2 / 2, 10.0 + mu, sd**2 / 2)
    d = stats.norm(mu, sd)
    loss_ship = integrate.quad(lambda x: max(-x, 0.0) * d.pdf(x), -10, 10, points=[0.0], epsabs=1e-14)[0]
    loss_keep = integrate.quad(lambda x: max(x, 0.0) * d.pdf(x), -10, 10, points=[0.0], epsabs=1e-14)[0]
    assert s["expected_loss_treatment"][0] == pytest.approx(loss_ship, abs=1e-12)
    assert s["expected_loss_control"][0] == pytest.approx(loss_keep, abs=1e-12)
    assert s["prob_beats_control"][0] == pytest.approx(d.sf(0.0), abs=1e-14)


def test_ratio_metric_through_delta_method_variance():
    # A ratio metric arrives as its estimate and delta-method variance; the arm interval is estimate -/+ z sd.
    s = score_normal([0.25], [1e-6], [0.26], [1.2e-6])
    z = stats.norm.isf(0.025)
    assert s["control_cred_low"][0] == pytest.approx(0.25 - z * 1e-3, rel=1e-12)
    assert s["treatment_cred_high"][0] == pytest.approx(0.26 + z * np.sqrt(1.2e-6), rel=1e-12)
    assert s["prob_beats_control"][0] > 0.99
