"""Every frequentist, SRM and multiple-testing reference case, through the public API."""

from __future__ import annotations

import numpy as np
import pytest
from reference import assert_close, cases

import abstats
from abstats.inference.multiple_testing import adjust_p_values
from abstats.inference.srm import srm_test


def _binary(case, **options):
    c, t = case["inputs"]["control"], case["inputs"]["treatment"]
    table = {"variant": ["c", "t"], "n": [c["n"], t["n"]], "conversions": [c["conversions"], t["conversions"]]}
    return abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="c", **options)


BINARY = cases("frequentist_binary")


@pytest.mark.parametrize("case", BINARY, ids=[c["id"] for c in BINARY])
def test_binary_case(case):
    kind = case["id"].split("_")[1]
    if kind == "wald":
        r = _binary(case)
        assert_close(case, "diff", r.effect[0])
        assert_close(case, "ci_low", r["effect_ci_low"][0])
        assert_close(case, "ci_high", r["effect_ci_high"][0])
    elif kind == "rel":
        r = _binary(case)
        assert_close(case, "rel_uplift", r.rel_effect[0])
        assert_close(case, "ci_low", r["rel_ci_low"][0])
        assert_close(case, "ci_high", r["rel_ci_high"][0])
    elif kind == "fisher":
        r = _binary(case, binary_test="fisher")
        assert r["test"][0] == "fisher_exact"
        assert_close(case, "p_value", r.p_value[0])
    elif kind == "ztest":
        r = _binary(case)
        assert_close(case, "z", r["statistic"][0])
        assert_close(case, "p_value", r.p_value[0])
    elif kind == "newcombe":
        r = _binary(case, binary_interval="newcombe")
        assert_close(case, "ci_low", r["effect_ci_low"][0])
        assert_close(case, "ci_high", r["effect_ci_high"][0])
    elif kind == "chi2":
        r = _binary(case, continuity_correction=True)
        assert_close(case, "chi2", r["statistic"][0] ** 2)
        assert_close(case, "p_value", r.p_value[0])
    else:
        pytest.fail(f"unmapped reference case {case['id']}")


def _mean(case):
    c, t = case["inputs"]["control"], case["inputs"]["treatment"]
    table = {
        "variant": ["c", "t"],
        "n": [c["n"], t["n"]],
        "sum": [c["sum"], t["sum"]],
        "sum_sq": [c["sum_sq"], t["sum_sq"]],
    }
    # The log-ratio cases are computed with the normal quantile (their "source"); abstats' default reads
    # a mean's relative interval in the same Welch t as its p-value, so they map to distribution="normal".
    distribution = "normal" if "normal quantile" in case["source"] else "auto"
    return abstats.analyze(table, metric=abstats.MeanMetric("m"), control="c", distribution=distribution)


MEAN = cases("frequentist_mean")


@pytest.mark.parametrize("case", MEAN, ids=[c["id"] for c in MEAN])
def test_mean_case(case):
    r = _mean(case)
    if case["id"].startswith("welch"):
        assert_close(case, "t", r["statistic"][0])
        assert_close(case, "df", r["df"][0])
        assert_close(case, "p_value", r.p_value[0])
        assert_close(case, "diff", r.effect[0])
        assert_close(case, "ci_low", r["effect_ci_low"][0])
        assert_close(case, "ci_high", r["effect_ci_high"][0])
    elif case["id"].startswith("mean_rel_logratio"):
        assert_close(case, "rel_uplift", r.rel_effect[0])
        assert_close(case, "ci_low", r["rel_ci_low"][0])
        assert_close(case, "ci_high", r["rel_ci_high"][0])
    else:
        pytest.fail(f"unmapped reference case {case['id']}")


RATIO = cases("frequentist_ratio")
RATIO_FIELDS = ("n", "num_sum", "den_sum", "num_sum_sq", "den_sum_sq", "num_den_sum")


@pytest.mark.parametrize("case", RATIO, ids=[c["id"] for c in RATIO])
def test_ratio_case(case):
    c, t = case["inputs"]["control"], case["inputs"]["treatment"]
    table = {"variant": ["c", "t"], **{f: [c[f], t[f]] for f in RATIO_FIELDS}}
    data = abstats.from_aggregates(table, abstats.RatioMetric("ctr"))
    r = abstats.analyze(data, control="c")
    assert_close(case, "ratio_control", r["control_estimate"][0])
    assert_close(case, "ratio_treatment", r["treatment_estimate"][0])
    se = np.sqrt(data.stats.variance_of_estimate())
    assert_close(case, "se_ratio_control", se[0])
    assert_close(case, "se_ratio_treatment", se[1])
    assert_close(case, "z", r["statistic"][0])
    assert_close(case, "p_value", r.p_value[0])


SRM = cases("srm")


@pytest.mark.parametrize("case", SRM, ids=[c["id"] for c in SRM])
def test_srm_case(case):
    observed = np.asarray(case["inputs"]["observed"], dtype=float)
    share = np.asarray(case["inputs"]["expected_share"], dtype=float)
    chi2, p = srm_test(observed, np.zeros(len(observed), dtype=int), share)
    assert_close(case, "chi2", chi2[0])
    assert_close(case, "p_value", p[0])
    # The same check rides along every analysis.
    names = [f"v{i}" for i in range(len(observed))]
    table = {"variant": names, "n": observed, "conversions": np.zeros(len(observed))}
    split = dict(zip(names, share, strict=True))
    r = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="v0", expected_split=split)
    assert_close(case, "p_value", r["srm_p_value"][0])


MULTI = cases("multiple_testing")


@pytest.mark.parametrize("case", MULTI, ids=[c["id"] for c in MULTI])
def test_multiple_testing_case(case):
    p = np.asarray(case["inputs"]["p_values"])
    adjusted = adjust_p_values(p, np.zeros(len(p), dtype=int), case["inputs"]["method"])
    for a, e in zip(adjusted, case["expected"]["adjusted"], strict=True):
        assert abs(a - e) <= case["tolerance"]["abs"], case["id"]
    assert list(adjusted < case["inputs"]["alpha"]) == case["expected"]["rejected"]
