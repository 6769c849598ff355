"""CUPED: every ``cuped`` reference case through the public API, and the agreement with gbstats.

The reference cases (numpy on simulated raw rows, outside abstats) give per arm the metric's
sums and the covariate's ``pre_sum``, ``pre_sum_sq``, ``pre_cross_sum``; theta is pooled over
both arms and the normal distribution reads the adjusted difference, abstats' default under CUPED.

gbstats 0.8 ``RegressionAdjustedStatistic`` with ``TwoSidedTTest(difference_type="absolute")``
computes the same theta (``compute_theta``: joint covariance over joint variance, ddof = 1), the
same adjusted difference and variance, and reads them against Student's t with Welch's df on
the adjusted variances: ``distribution="welch"`` reproduces it. Its relative point estimate
divides the adjusted difference by the unadjusted control mean, as abstats' ``rel_effect``
does. A binary metric is given to gbstats as a ``SampleMeanStatistic`` with ``sum_squares =
conversions`` (its ``ProportionStatistic`` variance is the ddof = 0 p(1 - p); the reference
cases and abstats use the ddof = 1 variance of the adjusted values).
"""

from __future__ import annotations

import numpy as np
import pytest
from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
from gbstats.models.statistics import RegressionAdjustedStatistic, SampleMeanStatistic, compute_theta
from reference import assert_close, cases

import abstats
from abstats import Covariate

CUPED = cases("cuped")


def _table(case):
    arms = case["inputs"]["control"], case["inputs"]["treatment"]
    table = {"variant": ["c", "t"]}
    for key in arms[0]:
        table[key] = [arm[key] for arm in arms]
    return table


def _metric(kind: str):
    return {"mean": abstats.MeanMetric, "binary": abstats.BinaryMetric}[kind]("m", covariate=Covariate())


@pytest.mark.parametrize("case", CUPED, ids=[c["id"] for c in CUPED])
def test_reference_case_through_analyze(case):
    r = abstats.analyze(_table(case), metric=_metric(case["inputs"]["metric"]), control="c")
    assert bool(r["cuped"][0])
    assert_close(case, "theta", r["cuped_theta"][0])
    assert_close(case, "diff", r.effect[0])
    assert_close(case, "se", r["se"][0])
    assert_close(case, "p_value", r.p_value[0])
    assert_close(case, "ci_low", r["effect_ci_low"][0])
    assert_close(case, "ci_high", r["effect_ci_high"][0])
    assert_close(case, "variance_reduction", r["variance_reduction"][0])


@pytest.mark.parametrize("case", CUPED, ids=[c["id"] for c in CUPED])
def test_reference_case_relative_uplift_divides_by_the_unadjusted_control(case):
    c = case["inputs"]["control"]
    r = abstats.analyze(_table(case), metric=_metric(case["inputs"]["metric"]), control="c")
    control_mean = c.get("sum", c.get("conversions")) / c["n"]
    assert r["control_estimate"][0] == pytest.approx(control_mean, rel=1e-14)
    assert_close(case, "diff", r.rel_effect[0] * control_mean)


CASES = 25
TOL = 1e-9


def _raw_cases(kind: str, seed: int):
    """Per case and arm: n and the five sums of simulated raw rows (covariate x correlated with y)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(CASES):
        arm = []
        rho = rng.uniform(0.1, 0.9)
        for shift in (0.0, rng.uniform(-0.3, 0.3)):
            n = int(rng.integers(50, 4000))
            x = rng.gamma(2.0, rng.uniform(1, 20), n)
            z = (x - x.mean()) / x.std()
            if kind == "mean":
                y = 5.0 + shift + rho * z + np.sqrt(1 - rho**2) * rng.normal(size=n)
            else:
                y = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 + shift + 2 * rho * z)))).astype(float)
            arm.append({"n": n, "sum": y.sum(), "sum_sq": (y * y).sum(), "pre_sum": x.sum(),
                        "pre_sum_sq": (x * x).sum(), "pre_cross_sum": (x * y).sum()})
        out.append(arm)
    return out


def _gbstats(arm):
    post = SampleMeanStatistic(n=arm["n"], sum=arm["sum"], sum_squares=arm["sum_sq"])
    pre = SampleMeanStatistic(n=arm["n"], sum=arm["pre_sum"], sum_squares=arm["pre_sum_sq"])
    return RegressionAdjustedStatistic(n=arm["n"], post_statistic=post, pre_statistic=pre,
                                       post_pre_sum_of_products=arm["pre_cross_sum"], theta=0)


def _abstats(kind: str, raw):
    table = {"experiment": np.repeat(np.arange(CASES), 2), "variant": np.tile(["c", "t"], CASES)}
    for key in raw[0][0]:
        table[key] = np.array([arm[key] for pair in raw for arm in pair])
    if kind == "binary":
        table["conversions"] = table.pop("sum")
        del table["sum_sq"]
    return abstats.analyze(table, metric=_metric(kind), control="c", experiment="experiment",
                           distribution="welch", correction="none")


@pytest.mark.parametrize(("kind", "seed"), [("mean", 1201), ("binary", 1202)])
def test_agrees_with_gbstats_regression_adjusted_statistic(kind, seed):
    raw = _raw_cases(kind, seed)
    r = _abstats(kind, raw)
    for i, (c, t) in enumerate(raw):
        a, b = _gbstats(c), _gbstats(t)
        theta = compute_theta(a, b)
        absolute = TwoSidedTTest(a, b, FrequentistConfig(difference_type="absolute")).compute_result()
        rel = TwoSidedTTest(_gbstats(c), _gbstats(t), FrequentistConfig(difference_type="relative"))
        assert r["cuped_theta"][i] == pytest.approx(theta, rel=TOL), i
        assert r.effect[i] == pytest.approx(absolute.expected, rel=TOL), i
        assert r["se"][i] == pytest.approx(absolute.uplift.stddev, rel=TOL), i
        assert r["effect_ci_low"][i] == pytest.approx(absolute.ci[0], rel=TOL), i
        assert r["effect_ci_high"][i] == pytest.approx(absolute.ci[1], rel=TOL), i
        assert r.p_value[i] == pytest.approx(absolute.p_value, rel=TOL, abs=1e-12), i
        assert r.rel_effect[i] == pytest.approx(rel.point_estimate, rel=TOL), i


@pytest.mark.parametrize("case", CUPED, ids=[c["id"] for c in CUPED])
def test_reference_case_through_the_spec(case):
    from abstats import ExperimentSpec

    spec = ExperimentSpec.model_validate({
        "data": {"aggregates": _table(case)},
        "control": "c",
        "metrics": [{"kind": case["inputs"]["metric"], "name": "m", "covariate": {}}],
    })
    r = spec.run()
    assert_close(case, "theta", r["cuped_theta"][0])
    assert_close(case, "se", r["se"][0])
    assert_close(case, "variance_reduction", r["variance_reduction"][0])


def test_spec_refuses_a_malformed_covariate():
    from pydantic import ValidationError

    from abstats import ExperimentSpec

    with pytest.raises(ValidationError, match="start"):
        ExperimentSpec.model_validate({
            "data": {"aggregates": {"variant": ["c", "t"], "n": [10, 10], "conversions": [1, 2]}},
            "control": "c",
            "metrics": [{"kind": "binary", "name": "m", "covariate": {"end": "2026-01-01"}}],
        })
