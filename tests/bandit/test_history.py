"""Inference after adaptive allocation: the allocation history's expected split, the Result's flag and
default reading, the warning for fixed-horizon methods, stratification by period; and a bandit
simulated over 20 rounds."""

import warnings

import numpy as np
import pytest

import abstats
from abstats.bandit import AllocationHistory, allocate, stratify_by_period

CR = abstats.BinaryMetric("cr")
HISTORY = {"period": [1, 1, 1, 2, 2, 2], "variant": ["A", "B", "C"] * 2,
           "weight": [1 / 3, 1 / 3, 1 / 3, 0.1, 0.6, 0.3], "traffic": [3000] * 3 + [1000] * 3}


def test_expected_split_is_the_traffic_weighted_mean_of_the_weights():
    split = AllocationHistory.from_table(HISTORY).expected_split()
    # by hand: (3000 x 1/3 + 1000 x w2) / 4000
    assert split[("", "A")] == pytest.approx((1000 + 100) / 4000, rel=1e-15)
    assert split[("", "B")] == pytest.approx((1000 + 600) / 4000, rel=1e-15)
    assert split[("", "C")] == pytest.approx((1000 + 300) / 4000, rel=1e-15)


def test_analysis_with_a_history_reads_the_posterior_flags_every_row_and_checks_srm_against_it():
    h = AllocationHistory.from_table(HISTORY)
    table = {"variant": ["A", "B", "C"], "n": [1100, 1600, 1300], "conversions": [100, 170, 120]}
    r = abstats.analyze(table, metric=CR, control="A", allocation=h)
    assert r.method == "bayesian"
    assert r.warning_flags["adaptive_allocation"].all()
    assert r.settings["expected_split"] == "allocation history"
    # the counts are exactly the expected ones: chi-square 0
    np.testing.assert_allclose(r["srm_p_value"], 1.0)
    # against an equal split the same counts are a glaring mismatch
    assert abstats.analyze(table, metric=CR, control="A", method="bayesian")["srm_p_value"][0] < 1e-10


def test_a_fixed_horizon_method_on_adaptive_data_warns():
    h = AllocationHistory.from_table(HISTORY)
    table = {"variant": ["A", "B", "C"], "n": [1100, 1600, 1300], "conversions": [100, 170, 120]}
    with pytest.warns(abstats.AdaptiveAllocationWarning, match="fixed"):
        r = abstats.analyze(table, metric=CR, control="A", allocation=h, method="frequentist")
    assert r.warning_flags["adaptive_allocation"].all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        abstats.analyze(table, metric=CR, control="A", allocation=h, method="bayesian")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight": [0.5, 0.5, 0.5, 0.1, 0.6, 0.3]}, "weight"),
        ({"weight": [1 / 3, 1 / 3, 1 / 3, 0.1, 0.6, float("nan")]}, "weight"),
        ({"traffic": [3000, 3000, 2999, 1000, 1000, 1000]}, "traffic"),
        ({"traffic": [-1] * 6}, "traffic"),
    ],
)
def test_bad_histories_are_named(change, field):
    with pytest.raises(abstats.InputError) as info:
        AllocationHistory.from_table({**HISTORY, **change})
    assert info.value.field == field


def test_history_must_cover_the_arms_and_exclude_expected_split():
    h = AllocationHistory.from_table(HISTORY)
    table = {"variant": ["A", "D"], "n": [100, 100], "conversions": [10, 10]}
    with pytest.raises(abstats.ConfigError, match="allocation"):
        abstats.analyze(table, metric=CR, control="A", allocation=h)
    with pytest.raises(abstats.ConfigError, match="expected_split"):
        abstats.analyze(table, metric=CR, control="A", allocation=h, expected_split={"A": 1, "D": 1})


def test_stratification_removes_the_period_effect_simpsons_paradox():
    # Both arms convert at 10% in period 1 and 30% in period 2; the bandit gave B most of period 2.
    table = {"period": [1, 1, 2, 2], "variant": ["A", "B", "A", "B"],
             "n": [900, 100, 100, 900], "conversions": [90, 10, 30, 270]}
    s = stratify_by_period(table, metric=CR, control="A")
    # pooled: A 120/1000 = 0.12, B 280/1000 = 0.28: B looks far better though it is not
    np.testing.assert_allclose(s["pooled_estimate"], [0.12, 0.28])
    # stratified: each period weighted by its share of all traffic (1000 / 2000 each)
    np.testing.assert_allclose(s["estimate"], [0.5 * 0.1 + 0.5 * 0.3] * 2, rtol=1e-14)
    var_a = 0.25 * 0.1 * 0.9 / 900 + 0.25 * 0.3 * 0.7 / 100
    var_b = 0.25 * 0.1 * 0.9 / 100 + 0.25 * 0.3 * 0.7 / 900
    np.testing.assert_allclose(s["se"], np.sqrt([var_a, var_b]), rtol=1e-12)
    np.testing.assert_allclose(s["effect_se"][1], np.sqrt(var_a + var_b), rtol=1e-12)
    np.testing.assert_allclose(s["prob_best"], [0.5, 0.5], atol=1e-9)


def test_stratification_of_many_experiments_and_missing_periods():
    table = {"experiment": ["x"] * 4 + ["y"] * 4, "period": [1, 1, 2, 2] * 2, "variant": ["A", "B"] * 4,
             "n": [100, 100, 100, 300, 50, 50, 50, 50], "conversions": [10, 12, 20, 66, 5, 6, 5, 6]}
    s = stratify_by_period(table, metric=CR, control="A", experiment="experiment")
    assert s["experiment"].tolist() == ["x", "x", "y", "y"]
    assert s["estimate"].iloc[1] == pytest.approx(200 / 600 * 0.12 + 400 / 600 * 0.22)
    short = {k: v[:3] for k, v in table.items()}
    with pytest.raises(abstats.InputError, match="period"):
        stratify_by_period(short, metric=CR, control="A", experiment="experiment")


def _run_bandit(rates, rounds, units, follow_weights, seed):
    """A Thompson bandit with a 1% floor: each round allocates on the data so far, then traffic arrives."""
    rng = np.random.default_rng(seed)
    k = len(rates)
    n, x = np.zeros(k, dtype=int), np.zeros(k, dtype=int)
    history, shares = [], []
    for t in range(rounds):
        table = {"variant": [f"v{i}" for i in range(k)], "n": n, "conversions": x}
        w = allocate(table, metric=CR, control="v0", floor=0.01).weight
        shares.append(w)
        split = w if follow_weights else np.full(k, 1 / k)  # a broken router ignores the weights
        got = rng.multinomial(units, split)
        n, x = n + got, x + rng.binomial(got, rates)
        history += [{"period": t, "variant": f"v{i}", "weight": w[i], "traffic": units} for i in range(k)]
    columns = {key: [row[key] for row in history] for key in history[0]}
    table = {"variant": [f"v{i}" for i in range(k)], "n": n, "conversions": x}
    return np.array(shares), table, AllocationHistory.from_table(columns)


@pytest.mark.simulation
def test_a_bandit_moves_traffic_to_the_best_arm_and_srm_follows_the_history():
    rates = [0.10, 0.10, 0.13]
    shares, table, history = _run_bandit(rates, rounds=20, units=1000, follow_weights=True, seed=18)
    best = shares[:, 2]
    assert best[0] == pytest.approx(1 / 3)  # no data yet: equal weights
    assert best[-5:].mean() > best[:5].mean() and best[-1] > 0.9
    r = abstats.analyze(table, metric=CR, control="v0", allocation=history)
    final = allocate(table, metric=CR, control="v0")
    assert final.prob_best[2] > 0.95
    np.testing.assert_array_equal(r["prob_best"][1], final.prob_best[2])
    # traffic that followed the weights: no SRM (one fixed seed; a false alarm has probability ~ 0.001)
    assert r["srm_p_value"][0] > 0.001
    # the same history with traffic that did not follow it: SRM fires
    _, broken, broken_history = _run_bandit(rates, rounds=20, units=1000, follow_weights=False, seed=18)
    r = abstats.analyze(broken, metric=CR, control="v0", allocation=broken_history)
    assert r["srm_p_value"][0] < 1e-6 and (r.decision == "investigate").all()
