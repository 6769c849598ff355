"""Stopping decisions: which boundary was crossed, what the rule says, and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from abstats.errors import AbstatsError, ConfigError
from abstats.sequential import GroupSequentialDesign, always_valid_decision, group_sequential_decision

KEYS = {"decision", "efficacy_boundary", "futility_boundary", "alpha_spent", "crossed", "rule"}


@pytest.fixture(scope="module")
def obf3() -> GroupSequentialDesign:
    return GroupSequentialDesign("lan_demets_obrien_fleming", looks=3)


def test_two_sided_decisions_at_interim_and_final(obf3):
    b = obf3.efficacy_boundaries()
    z = np.array([b[0] + 0.01, b[0] - 0.01, -b[0] - 0.01, 0.0])
    out = group_sequential_decision(z, design=obf3, look=1)
    assert set(out) == KEYS
    assert out["decision"].tolist() == ["stop_winner", "continue", "stop_loser", "continue"]
    assert out["crossed"].tolist() == ["efficacy", "none", "efficacy", "none"]
    np.testing.assert_allclose(out["efficacy_boundary"], b[0])
    assert np.isnan(out["futility_boundary"]).all()
    # Two-sided O'Brien-Fleming-type spending at t = 1/3: 2 * 2(1 - Phi(z_{1-alpha/4} / sqrt(t))).
    np.testing.assert_allclose(out["alpha_spent"], 4 * norm.sf(norm.isf(0.0125) * np.sqrt(3)), rtol=1e-10)
    final = group_sequential_decision([1.5, 2.5], design=obf3, look=3)
    assert final["decision"].tolist() == ["inconclusive", "stop_winner"]
    np.testing.assert_allclose(final["alpha_spent"], 0.05)


def test_lower_is_better_flips_winner_and_loser(obf3):
    out = group_sequential_decision([5.0, -5.0], design=obf3, look=1, higher_is_better=False)
    assert out["decision"].tolist() == ["stop_loser", "stop_winner"]


def test_rule_names_method_statistic_and_threshold(obf3):
    rule = group_sequential_decision([1.23], design=obf3, look=2)["rule"][0]
    b2 = obf3.efficacy_boundaries()[1]
    assert "Lan-DeMets O'Brien-Fleming" in rule
    assert f"|z| >= {b2:.3f}" in rule
    assert "look 2 of 3" in rule and "alpha spent" in rule


def test_one_sided_with_futility():
    design = GroupSequentialDesign(
        "lan_demets_pocock", looks=3, alpha=0.025, alternative="greater", beta_spending="obrien_fleming", power=0.9
    )
    a, b = design.futility_boundaries(), design.efficacy_boundaries()
    out = group_sequential_decision([b[1] + 0.1, a[1] - 0.1, (a[1] + b[1]) / 2, -b[1] - 0.1], design=design, look=2)
    # A large negative z in a one-sided "greater" test is not an efficacy crossing: it is futility.
    assert out["decision"].tolist() == ["stop_winner", "stop_futility", "continue", "stop_futility"]
    assert out["crossed"].tolist() == ["efficacy", "futility", "none", "futility"]
    np.testing.assert_allclose(out["futility_boundary"], a[1])
    assert "non-binding futility" in out["rule"][0]
    # At the last look the bounds meet, so nothing is inconclusive.
    last = group_sequential_decision([b[2] - 1e-6, b[2]], design=design, look=3)
    assert last["decision"].tolist() == ["stop_futility", "stop_winner"]


def test_less_alternative_tests_for_a_decrease():
    design = GroupSequentialDesign("pocock", looks=2, alpha=0.025, alternative="less")
    b = design.efficacy_boundaries()[0]
    out = group_sequential_decision([-b - 0.01, b + 0.01], design=design, look=1, higher_is_better=False)
    assert out["decision"].tolist() == ["stop_winner", "continue"]
    assert "-z >= " in out["rule"][0]


def test_two_sided_futility_is_on_the_favourable_side():
    design = GroupSequentialDesign("lan_demets_obrien_fleming", looks=3, beta_spending="pocock", power=0.8)
    a = design.futility_boundaries()[1]
    out = group_sequential_decision([-a - 0.05, -a + 0.05], design=design, look=2, higher_is_better=False)
    # higher_is_better=False: favourable z is -z; -z = a + 0.05 continues, -z = a - 0.05 is futile.
    assert out["decision"].tolist() == ["continue", "stop_futility"]


def test_unplanned_information_fraction_changes_boundary(obf3):
    planned = group_sequential_decision([0.0], design=obf3, look=2)["efficacy_boundary"][0]
    late = group_sequential_decision([0.0], design=obf3, look=2, information_fraction=[1 / 3, 0.8])
    only_current = group_sequential_decision([0.0], design=obf3, look=2, information_fraction=0.8)
    assert late["efficacy_boundary"][0] < planned
    assert only_current["efficacy_boundary"][0] == late["efficacy_boundary"][0]
    assert "information 0.800" in late["rule"][0]


@pytest.mark.parametrize(
    "kwargs",
    [dict(look=0), dict(look=4), dict(look=1.5), dict(look=2, information_fraction=[0.1, 0.2, 0.3])],
)
def test_bad_look_raises(obf3, kwargs):
    with pytest.raises(ConfigError):
        group_sequential_decision([1.0], design=obf3, **kwargs)


def test_nan_z_raises(obf3):
    with pytest.raises(AbstatsError):
        group_sequential_decision([np.nan], design=obf3, look=1)


def test_always_valid_decision():
    out = always_valid_decision(
        [0.001, 0.001, 0.5, 0.04], [0.1, -0.9, -0.1, -0.01], [0.5, -0.2, 0.3, 0.2], alpha=0.05, higher_is_better=True
    )
    assert set(out) == KEYS
    assert out["decision"].tolist() == ["stop_winner", "stop_loser", "continue", "stop_winner"]
    assert out["crossed"].tolist() == ["efficacy", "efficacy", "none", "efficacy"]
    assert "p <= alpha = 0.05" in out["rule"][0]
    assert "disagree" in out["rule"][3] and "disagree" not in out["rule"][0]
    flipped = always_valid_decision([0.001], [0.1], [0.5], alpha=0.05, higher_is_better=False, effect=[0.3])
    assert flipped["decision"].tolist() == ["stop_loser"]


@pytest.mark.parametrize(
    "args",
    [([1.2], [0.0], [1.0]), ([0.01], [1.0], [0.0]), ([np.nan], [0.0], [1.0])],
)
def test_always_valid_bad_inputs(args):
    with pytest.raises(AbstatsError):
        always_valid_decision(*args, alpha=0.05)


# Built once: the design caches its boundaries, so the property test below stays fast.
FUTILITY_DESIGN = GroupSequentialDesign("lan_demets_pocock", looks=3, beta_spending="obrien_fleming", power=0.8)
_ORDER = {"stop_loser": 0, "stop_futility": 1, "continue": 2, "inconclusive": 2, "stop_winner": 3}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-6, 6), min_size=2, max_size=30), st.integers(1, 3), st.booleans())
def test_decision_is_monotone_in_the_favourable_z(zs, look, higher_is_better):
    # Invariant: a more favourable z never gets a worse verdict, for any look and orientation.
    z = np.sort(np.asarray(zs))
    out = group_sequential_decision(z if higher_is_better else -z, design=FUTILITY_DESIGN, look=look,
                                    higher_is_better=higher_is_better)
    ranks = np.array([_ORDER[d] for d in out["decision"]])
    assert np.all(np.diff(ranks) >= 0)
