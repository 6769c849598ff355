"""abstats.bandit.allocate: weights are the Bayesian module's P(best), top-two against a simulation of
the rule, floors / held control / exact sums as properties, and named errors on bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import abstats
from abstats.bandit import allocate
from abstats.bandit.weights import GRID, top_two_weights
from abstats.bayesian.beta_binomial import prob_best

CR = abstats.BinaryMetric("cr")


def _table(conversions, n, arms_per_experiment):
    e = len(conversions) // arms_per_experiment
    return {
        "experiment": np.repeat([f"e{i}" for i in range(e)], arms_per_experiment),
        "variant": np.tile([f"v{j}" for j in range(arms_per_experiment)], e),
        "n": np.asarray(n),
        "conversions": np.asarray(conversions),
    }


@pytest.mark.parametrize("arms", [2, 3, 4])
def test_thompson_weights_are_the_bayesian_modules_prob_best(arms):
    rng = np.random.default_rng(arms)
    n = rng.integers(200, 5000, size=12 * arms)
    table = _table(rng.binomial(n, 0.1), n, arms)
    a = allocate(table, metric=CR, control="v0", experiment="experiment")
    r = abstats.analyze(table, metric=CR, control="v0", experiment="experiment", method="bayesian")
    # bit for bit the Result's columns: the same code computes them
    np.testing.assert_array_equal(a.prob_best[~a.is_control], r["prob_best"])
    np.testing.assert_array_equal(a.prob_best[a.is_control], r["control_prob_best"][::arms - 1])
    # the weights are those numbers put on the 2**-52 grid that makes them sum to exactly 1
    assert np.max(np.abs(a.weight - a.prob_best)) <= arms * 2.0**-52
    assert (a.weight.reshape(-1, arms).sum(axis=1) == 1.0).all()


def test_mean_metric_weights_are_normal_prob_best():
    table = {"variant": ["a", "b", "c"], "n": [400, 410, 390], "sum": [4000.0, 4200.0, 3950.0],
             "sum_sq": [44000.0, 47000.0, 43000.0]}
    metric = abstats.MeanMetric("revenue")
    a = allocate(table, metric=metric, control="a")
    r = abstats.analyze(table, metric=metric, control="a", method="bayesian")
    np.testing.assert_array_equal(a.prob_best[1:], r["prob_best"])
    assert a.weight.sum() == 1.0


def test_prob_best_checked_against_independent_monte_carlo():
    # independent of the quadrature: numpy Beta draws, 400,000 per arm; tolerance 5 binomial SEs
    x, n = np.array([100, 120, 110, 95]), np.array([1000, 1000, 1000, 1000])
    a = allocate({"variant": list("abcd"), "n": n, "conversions": x}, metric=CR, control="a")
    rng = np.random.default_rng(7)
    draws = rng.beta(1 + x, 1 + n - x, size=(400_000, 4))
    freq = np.bincount(draws.argmax(axis=1), minlength=4) / len(draws)
    se = np.sqrt(freq * (1 - freq) / len(draws))
    assert np.all(np.abs(a.weight - freq) <= 5 * se + 1e-12), (a.weight, freq)


def _simulate_top_two(alpha, beta_param, beta, draws, rng):
    """The top-two rule itself: draw, keep the leader with prob beta, else redraw until a new leader."""
    k = len(alpha)
    leader = rng.beta(alpha, beta_param, size=(draws, k)).argmax(axis=1)
    play = leader.copy()
    challenge = rng.random(draws) >= beta
    pending = np.flatnonzero(challenge)
    while len(pending):
        again = rng.beta(alpha, beta_param, size=(len(pending), k)).argmax(axis=1)
        found = again != leader[pending]
        play[pending[found]] = again[found]
        pending = pending[~found]
    return np.bincount(play, minlength=k) / draws


@pytest.mark.simulation
@pytest.mark.parametrize("beta", [0.5, 0.7])
def test_top_two_weights_match_a_simulation_of_the_rule(beta):
    x, n = np.array([100, 118, 112, 96]), np.array([1000, 1000, 1000, 1000])
    a = allocate({"variant": list("abcd"), "n": n, "conversions": x}, metric=CR, control="a",
                 rule="top_two", top_two_beta=beta)
    draws = 400_000
    freq = _simulate_top_two(1 + x, 1 + n - x, beta, draws, np.random.default_rng(11))
    # each frequency is a binomial proportion over the draws: 5 SEs (two-sided 6e-7 per arm)
    se = np.sqrt(freq * (1 - freq) / draws)
    assert np.all(np.abs(a.weight - freq) <= 5 * se), (a.weight, freq, se)
    # and the formula is not P(best): the runner-up gets more than its P(best)
    assert a.weight[2] > a.prob_best[2]


def test_top_two_formula_against_direct_enumeration():
    # psi_i = beta a_i + (1 - beta) sum_j a_j P(J = i | I = j), with P(J = i | I = j) = a_i / (1 - a_j)
    a = np.array([[0.5, 0.3, 0.2]])
    expected = [0.5 * 0.5 + 0.5 * (0.3 * 0.5 / 0.7 + 0.2 * 0.5 / 0.8),
                0.5 * 0.3 + 0.5 * (0.5 * 0.3 / 0.5 + 0.2 * 0.3 / 0.8),
                0.5 * 0.2 + 0.5 * (0.5 * 0.2 / 0.5 + 0.3 * 0.2 / 0.7)]
    np.testing.assert_allclose(top_two_weights(a, 0.5)[0], expected, rtol=1e-14)
    # a certain leader: the challenger share is split equally among the others
    np.testing.assert_allclose(top_two_weights(np.array([[1.0, 0.0, 0.0]]), 0.5)[0], [0.5, 0.25, 0.25])


@st.composite
def experiments(draw):
    k = draw(st.integers(2, 5))
    n = [draw(st.integers(0, 5000)) for _ in range(k)]
    x = [draw(st.integers(0, m)) for m in n]
    floor = draw(st.floats(0.0, 1.0 / k))
    share = draw(st.none() | st.floats(max(floor, 1e-6), 0.95))
    if share is not None:
        floor = min(floor, (1 - share) / (k - 1))
    rule = draw(st.sampled_from(["thompson", "top_two"]))
    return k, n, x, floor, share, rule


@settings(max_examples=80, deadline=None)
@given(experiments())
def test_weights_sum_to_one_respect_the_floor_and_hold_the_control(case):
    k, n, x, floor, share, rule = case
    a = allocate({"variant": [f"v{i}" for i in range(k)], "n": n, "conversions": x}, metric=CR, control="v0",
                 floor=floor, control_share=share, rule=rule)
    w = a.weight
    assert w.sum() == 1.0 and math.fsum(w) == 1.0 and w[::-1].sum() == 1.0  # exact, in any order
    assert np.all(w * GRID == np.rint(w * GRID))
    free = w[1:] if share is not None else w
    # a floor of exactly 1 / arms (not on the grid) is met up to one grid step
    assert np.all(free >= floor - 2.0**-52 * (math.ceil(floor * GRID) * len(free) > GRID * (1 - (share or 0))))
    if share is not None:
        assert abs(w[0] - share) <= 2.0**-52
    if floor == 0 and share is None and rule == "thompson":
        assert np.max(np.abs(w - a.prob_best)) <= k * 2.0**-52


def test_floor_keeps_the_ratios_of_the_arms_above_it():
    table = {"variant": ["a", "b", "c"], "n": [1000, 1000, 1000], "conversions": [125, 135, 60]}
    a = allocate(table, metric=CR, control="a", floor=0.05)
    p = prob_best(1 + np.array([[125, 135, 60]]), 1 + np.array([[875, 865, 940]]))[0]
    assert p[0] > 0.05 and p[2] < 0.05 and 0.05 <= a.weight[2] <= 0.05 + 2.0**-52  # the floor, rounded up to the grid
    assert a.weight[1] / a.weight[0] == pytest.approx(p[1] / p[0], rel=1e-12)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"floor": 0.4}, "floor"),
        ({"floor": float("nan")}, "floor"),
        ({"floor": -0.1}, "floor"),
        ({"control_share": 1.0}, "control_share"),
        ({"control_share": 0.0}, "control_share"),
        ({"control_share": float("nan")}, "control_share"),
        ({"control_share": 0.02, "floor": 0.05}, "control_share"),
        ({"control_share": 0.8, "floor": 0.15}, "floor"),
        ({"rule": "ucb"}, "rule"),
        ({"rule": "top_two", "top_two_beta": 1.0}, "top_two_beta"),
        ({"control": "z"}, "control"),
    ],
)
def test_bad_settings_are_named(options, field):
    table = {"variant": ["a", "b", "c"], "n": [1000, 1000, 1000], "conversions": [100, 140, 60]}
    kwargs = {"control": "a", **options}
    with pytest.raises(abstats.InputError) as info:
        allocate(table, metric=CR, **kwargs)
    assert info.value.field == field


def test_nan_statistics_are_named():
    table = {"variant": ["a", "b"], "n": [1000, 1000], "conversions": [100, float("nan")]}
    with pytest.raises(abstats.InputError) as info:
        allocate(table, metric=CR, control="a")
    assert info.value.field == "conversions"


def test_many_experiments_with_different_numbers_of_arms():
    table = {"experiment": ["e1", "e1", "e2", "e2", "e2"], "variant": ["a", "b", "a", "b", "c"],
             "n": [100] * 5, "conversions": [10, 12, 10, 12, 8]}
    a = allocate(table, metric=CR, control="a", experiment="experiment", floor=0.1)
    frame = a.to_frame()
    assert frame.groupby("experiment")["weight"].sum().tolist() == [1.0, 1.0]
    assert frame["variant"].tolist() == ["a", "b", "a", "b", "c"]
    assert a.to_records()[0]["is_control"] is True
