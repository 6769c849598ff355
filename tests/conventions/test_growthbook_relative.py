"""``relative_interval="delta"``: GrowthBook's relative lift, interval and p-value, checked against gbstats.

gbstats 0.8 ``TwoSidedTTest`` (``difference_type="relative"``, the default) scores the relative lift
m_t / m_c - 1 with the delta-method variance v_t / m_c^2 + m_t^2 v_c / m_c^4 against Student's t with
Welch-Satterthwaite df, for proportions too. ``relative_interval="delta", distribution="welch"``
reproduces it; 25 random binary and 25 random mean cases agree to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
from gbstats.frequentist.tests import (
    FrequentistConfig,
    OneSidedTreatmentGreaterTTest,
    OneSidedTreatmentLesserTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic

import abstats
from abstats.frequentist import FrequentistSettings

CASES = 25
TOL = 1e-9
GROWTHBOOK = FrequentistSettings(relative_interval="delta", distribution="welch", correction="none")


def _binary_cases():
    rng = np.random.default_rng(101)
    n = rng.integers(100, 20_000, size=(CASES, 2))
    x = rng.binomial(n, rng.uniform(0.02, 0.5, size=(CASES, 1)) * rng.uniform(0.8, 1.25, size=(CASES, 2)))
    return n, x


def _mean_cases():
    rng = np.random.default_rng(202)
    n = rng.integers(30, 5_000, size=(CASES, 2))
    mean = rng.uniform(1.0, 50.0, size=(CASES, 1)) * rng.uniform(0.8, 1.25, size=(CASES, 2))
    sd = rng.uniform(0.5, 40.0, size=(CASES, 2))
    total = n * mean
    sum_sq = (n - 1) * sd**2 + total**2 / n
    return n, total, sum_sq


def _long(**columns):
    table = {"experiment": np.repeat(np.arange(CASES), 2), "variant": np.tile(["c", "t"], CASES)}
    table.update({k: v.ravel() for k, v in columns.items()})
    return table


def _assert_matches(r, i, g):
    assert r.rel_effect[i] == pytest.approx(g.expected, abs=TOL, rel=TOL)
    assert r["rel_ci_low"][i] == pytest.approx(g.ci[0], abs=TOL, rel=TOL)
    assert r["rel_ci_high"][i] == pytest.approx(g.ci[1], abs=TOL, rel=TOL)
    assert r.p_value[i] == pytest.approx(g.p_value, abs=TOL)


def test_binary_matches_gbstats_two_sided_t_test():
    n, x = _binary_cases()
    r = abstats.analyze(_long(n=n, conversions=x), metric=abstats.BinaryMetric("m"), control="c",
                        experiment="experiment", method=GROWTHBOOK)
    assert set(r["test"]) == {"t_delta_relative"}
    worst = 0.0
    for i in range(CASES):
        g = TwoSidedTTest(ProportionStatistic(n=int(n[i, 0]), sum=float(x[i, 0])),
                          ProportionStatistic(n=int(n[i, 1]), sum=float(x[i, 1]))).compute_result()
        _assert_matches(r, i, g)
        worst = max(worst, abs(r.p_value[i] - g.p_value), abs(r["rel_ci_low"][i] - g.ci[0]))
    assert worst < TOL


def test_mean_matches_gbstats_two_sided_t_test_with_auto_or_welch_distribution():
    n, total, sum_sq = _mean_cases()
    table = _long(n=n, sum=total, sum_sq=sum_sq)
    for distribution in ("welch", "auto"):
        settings = FrequentistSettings(relative_interval="delta", distribution=distribution, correction="none")
        r = abstats.analyze(table, metric=abstats.MeanMetric("m"), control="c", experiment="experiment",
                            method=settings)
        for i in range(CASES):
            stat = [SampleMeanStatistic(n=int(n[i, j]), sum=float(total[i, j]), sum_squares=float(sum_sq[i, j]))
                    for j in (0, 1)]
            _assert_matches(r, i, TwoSidedTTest(*stat).compute_result())


@pytest.mark.parametrize(("alternative", "test"), [("greater", OneSidedTreatmentGreaterTTest),
                                                    ("less", OneSidedTreatmentLesserTTest)])
def test_one_sided_p_values_match_gbstats(alternative, test):
    n, x = _binary_cases()
    settings = FrequentistSettings(relative_interval="delta", distribution="welch", correction="none",
                                   alternative=alternative)
    r = abstats.analyze(_long(n=n, conversions=x), metric=abstats.BinaryMetric("m"), control="c",
                        experiment="experiment", method=settings)
    for i in range(CASES):
        g = test(ProportionStatistic(n=int(n[i, 0]), sum=float(x[i, 0])),
                 ProportionStatistic(n=int(n[i, 1]), sum=float(x[i, 1])), FrequentistConfig()).compute_result()
        assert r.p_value[i] == pytest.approx(g.p_value, abs=TOL)
        if alternative == "greater":  # gbstats' lesser interval is [-inf, lift - width]: only compare "greater"
            assert r["rel_ci_low"][i] == pytest.approx(g.ci[0], abs=TOL, rel=TOL)


def test_delta_with_the_normal_reference_is_a_z_test_on_the_relative_scale():
    r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
                        metric=abstats.BinaryMetric("m"), control="A", relative_interval="delta")
    assert r["test"][0] == "z_delta_relative"
    se = np.sqrt(0.13 * 0.87 / 1000 / 0.1**2 + 0.13**2 * 0.1 * 0.9 / 1000 / 0.1**4)
    assert r["statistic"][0] == pytest.approx(0.3 / se, rel=1e-12)
    assert r.settings["relative_interval"] == "delta"


def test_zero_control_mean_is_undefined_with_the_relative_undefined_warning():
    r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [0, 20]},
                        metric=abstats.BinaryMetric("m"), control="A", relative_interval="delta")
    assert np.isnan(r.p_value[0]) and np.isnan(r["rel_ci_low"][0])
    assert r.warning_flags["relative_undefined"][0]
    assert any(w["code"] == "relative_undefined" for w in r.warnings(0))
    assert r.decision[0] == "inconclusive"


@pytest.mark.parametrize("options", [{"binary_test": "fisher"}, {"continuity_correction": True},
                                     {"margin": 0.01, "hypothesis": "non_inferiority"}])
def test_delta_refuses_a_second_test_of_the_row(options):
    with pytest.raises(abstats.ConfigError):
        FrequentistSettings(relative_interval="delta", **options)


def test_delta_with_a_relative_margin_tests_the_lift_against_the_margin():
    s = FrequentistSettings(relative_interval="delta", margin=0.05, margin_type="relative",
                            hypothesis="non_inferiority", correction="none")
    r = abstats.analyze({"variant": ["A", "B"], "n": [5000, 5000], "conversions": [500, 510]},
                        metric=abstats.BinaryMetric("m"), control="A", method=s)
    se = np.sqrt(0.102 * 0.898 / 5000 / 0.1**2 + 0.102**2 * 0.1 * 0.9 / 5000 / 0.1**4)
    assert r["statistic"][0] == pytest.approx((0.02 + 0.05) / se, rel=1e-9)
