"""Invariants of the frequentist engine, checked with hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import abstats


@st.composite
def binary_arms(draw):
    n_c = draw(st.integers(2, 10**6))
    n_t = draw(st.integers(2, 10**6))
    x_c = draw(st.integers(1, n_c - 1))
    x_t = draw(st.integers(1, n_t - 1))
    return n_c, x_c, n_t, x_t


@st.composite
def mean_arms(draw):
    def arm():
        n = draw(st.integers(2, 10**5))
        mean = draw(st.floats(0.01, 1e3))
        sd = draw(st.floats(1e-3, 1e3))
        return n, mean * n, (n - 1) * sd**2 + n * mean**2

    return arm(), arm()


def _binary(n_c, x_c, n_t, x_t, control="c", **options):
    table = {"variant": ["c", "t"], "n": [n_c, n_t], "conversions": [x_c, x_t]}
    return abstats.analyze(table, metric=abstats.BinaryMetric("m"), control=control, **options)


def _mean(arms, control="c", **options):
    (n_c, s_c, q_c), (n_t, s_t, q_t) = arms
    table = {"variant": ["c", "t"], "n": [n_c, n_t], "sum": [s_c, s_t], "sum_sq": [q_c, q_t]}
    return abstats.analyze(table, metric=abstats.MeanMetric("m"), control=control, **options)


@settings(max_examples=150, deadline=None)
@given(binary_arms(), st.sampled_from(["wald", "newcombe"]))
def test_binary_swap_flips_sign(arms, interval):
    a = _binary(*arms, binary_interval=interval)
    b = _binary(*arms, control="t", binary_interval=interval)
    assert b.effect[0] == pytest.approx(-a.effect[0], rel=1e-12, abs=1e-15)
    assert b["statistic"][0] == pytest.approx(-a["statistic"][0], rel=1e-9, abs=1e-12)
    assert b.p_value[0] == pytest.approx(a.p_value[0], rel=1e-9, abs=1e-300)
    assert b["effect_ci_low"][0] == pytest.approx(-a["effect_ci_high"][0], rel=1e-9, abs=1e-12)
    # relative effects invert: (1 + r_ba) = 1 / (1 + r_ab), and so do the log-ratio bounds
    assert 1 + b.rel_effect[0] == pytest.approx(1 / (1 + a.rel_effect[0]), rel=1e-9)
    assert 1 + b["rel_ci_low"][0] == pytest.approx(1 / (1 + a["rel_ci_high"][0]), rel=1e-9)


@settings(max_examples=150, deadline=None)
@given(mean_arms())
def test_mean_swap_flips_sign(arms):
    a = _mean(arms)
    b = _mean(arms, control="t")
    assert b.effect[0] == pytest.approx(-a.effect[0], rel=1e-9, abs=1e-9)
    assert b.p_value[0] == pytest.approx(a.p_value[0], rel=1e-7, abs=1e-300)


@settings(max_examples=200, deadline=None)
@given(
    binary_arms(),
    st.sampled_from(["two-sided", "greater", "less"]),
    st.sampled_from(["wald", "newcombe"]),
    st.sampled_from(["log", "fieller"]),
    st.booleans(),
)
def test_binary_p_in_unit_interval_and_intervals_contain_estimate(arms, alternative, interval, relative, yates):
    r = _binary(*arms, alternative=alternative, binary_interval=interval, relative_interval=relative,
                continuity_correction=yates)
    assert 0.0 <= r.p_value[0] <= 1.0
    assert r["effect_ci_low"][0] <= r.effect[0] <= r["effect_ci_high"][0]
    if not r.warning_flags["relative_undefined"][0]:
        assert r["rel_ci_low"][0] <= r.rel_effect[0] <= r["rel_ci_high"][0]
    else:
        # undefined is never silent: the warning explains it
        assert any(w["code"] == "relative_undefined" for w in r.warnings(0))


@settings(max_examples=150, deadline=None)
@given(mean_arms(), st.sampled_from(["two-sided", "greater", "less"]))
def test_mean_p_in_unit_interval_and_intervals_contain_estimate(arms, alternative):
    r = _mean(arms, alternative=alternative)
    assert 0.0 <= r.p_value[0] <= 1.0
    assert r["effect_ci_low"][0] <= r.effect[0] <= r["effect_ci_high"][0]
    assert r["rel_ci_low"][0] <= r.rel_effect[0] <= r["rel_ci_high"][0]


@settings(max_examples=60, deadline=None)
@given(st.lists(binary_arms(), min_size=1, max_size=25), st.sampled_from(["wald", "newcombe"]))
def test_batch_equals_single_calls(experiments, interval):
    table = {"experiment": [], "variant": [], "n": [], "conversions": []}
    for e, (n_c, x_c, n_t, x_t) in enumerate(experiments):
        table["experiment"] += [e, e]
        table["variant"] += ["c", "t"]
        table["n"] += [n_c, n_t]
        table["conversions"] += [x_c, x_t]
    batch = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="c", experiment="experiment",
                            binary_interval=interval)
    for e, arms in enumerate(experiments):
        single = _binary(*arms, binary_interval=interval)
        for col in ("effect", "effect_ci_low", "effect_ci_high", "rel_ci_low", "rel_ci_high", "p_value",
                    "p_value_adjusted", "srm_p_value"):
            assert batch[col][e] == single[col][0] or (np.isnan(batch[col][e]) and np.isnan(single[col][0])), col
        assert batch.decision[e] == single.decision[0]
        assert batch.reasons[e] == single.reasons[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(1e-12, 1.0), min_size=1, max_size=12),
       st.sampled_from(["holm", "bonferroni", "benjamini_hochberg", "benjamini_yekutieli"]))
def test_adjusted_p_values_dominate_raw_and_stay_in_unit_interval(p, method):
    from abstats.inference.multiple_testing import adjust_p_values

    raw = np.asarray(p)
    adjusted = adjust_p_values(raw, np.zeros(len(raw), dtype=int), method)
    assert np.all(adjusted >= raw - 1e-15)
    assert np.all((adjusted >= 0) & (adjusted <= 1))
