"""method="bayesian" through abstats.analyze: the same Result, Bayesian fields filled."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
from reference import assert_close, cases

import abstats

SCHEMA = abstats.result.result_schema()
BINARY = abstats.BinaryMetric("cr")
TWO_ARM = [c for c in cases("bayesian_binary") if "control" in c["inputs"]]
K_ARM = [c for c in cases("bayesian_binary") if "arms" in c["inputs"]]


@pytest.mark.parametrize("case", TWO_ARM, ids=[c["id"] for c in TWO_ARM])
def test_two_arm_reference_cases_through_analyze(case):
    c, t, prior = case["inputs"]["control"], case["inputs"]["treatment"], case["inputs"]["prior"]
    table = {"variant": ["c", "t"], "n": [c["n"], t["n"]], "conversions": [c["conversions"], t["conversions"]]}
    r = abstats.analyze(
        table, metric=BINARY, control="c", method="bayesian", prior_alpha=prior["alpha"], prior_beta=prior["beta"]
    )
    assert_close(case, "prob_treatment_beats_control", r["prob_beats_control"][0])
    assert_close(case, "expected_loss_ship_treatment", r["expected_loss_treatment"][0])
    assert_close(case, "expected_loss_keep_control", r["expected_loss_control"][0])
    # with two arms the treatment is best exactly when it beats control: the reference value again
    assert_close(case, "prob_treatment_beats_control", r["prob_best"][0])


@pytest.mark.parametrize("case", K_ARM, ids=[c["id"] for c in K_ARM])
def test_prob_best_reference_cases_through_analyze(case):
    arms = case["inputs"]["arms"]
    names = [f"v{i}" for i in range(len(arms))]
    table = {"variant": names, "n": [a["n"] for a in arms], "conversions": [a["conversions"] for a in arms]}
    r = abstats.analyze(table, metric=BINARY, control="v0", method="bayesian")
    expected = case["expected"]["prob_best"]
    for i, value in enumerate(r["prob_best"]):
        assert abs(value - expected[i + 1]) <= case["tolerance"]["abs"], (case["id"], i)


def test_lower_is_better_swaps_beats_and_losses():
    table = {"variant": ["A", "B"], "n": [5000, 5000], "conversions": [2100, 2000]}
    up = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="A", method="bayesian")
    down = abstats.analyze(
        table, metric=abstats.BinaryMetric("bounce", higher_is_better=False), control="A", method="bayesian"
    )
    assert down["prob_beats_control"][0] == pytest.approx(1 - up["prob_beats_control"][0], abs=1e-12)
    assert down["expected_loss_treatment"][0] == pytest.approx(up["expected_loss_control"][0], rel=1e-12)
    assert down["prob_best"][0] == pytest.approx(1 - up["prob_best"][0], abs=1e-9)
    assert down.decision[0] == "stop_winner" and up.decision[0] == "stop_loser"


def test_normal_prob_best_matches_monte_carlo():
    # three arms of revenue per visitor; P(best) of each treatment against 2e6 posterior draws
    table = {
        "variant": ["A", "B", "C"],
        "n": [4000, 4000, 4000],
        "sum": [12000.0, 12300.0, 12150.0],
        "sum_sq": [4000 * (3.0**2 + 25.0), 4000 * (3.075**2 + 25.0), 4000 * (3.0375**2 + 25.0)],
    }
    r = abstats.analyze(table, metric=abstats.MeanMetric("rpv"), control="A", method="bayesian")
    rng = np.random.default_rng(1)
    means = np.array([3.0, 3.075, 3.0375])
    sds = np.sqrt(25.0 * 4000 / 3999 / 4000) * np.ones(3)
    draws = rng.normal(means, sds, size=(2_000_000, 3))
    mc = np.bincount(draws.argmax(axis=1), minlength=3) / len(draws)
    se = np.sqrt(mc * (1 - mc) / len(draws))
    assert np.all(np.abs(r["prob_best"] - mc[1:]) < 5 * se[1:] + 1e-6)


def test_bayesian_result_is_schema_valid_and_explains_itself():
    from abstats.examples import checkout

    table, metrics = checkout()
    r = abstats.analyze(table, metric=metrics, control="control", method="bayesian", prob_threshold=0.95)
    jsonschema.validate(json.loads(r.to_json()), SCHEMA)
    assert r.to_dict()["settings"]["threshold"] == 0.0025
    for i in range(len(r)):
        assert "threshold of caring" in r.reasons[i] and "required >= 0.95" in r.reasons[i]
        if r.decision[i] == "stop_winner":
            assert r["prob_beats_control"][i] >= 0.95
    assert "P(beats)" in str(r)


def test_threshold_controls_stopping():
    table = {"variant": ["A", "B"], "n": [2000, 2000], "conversions": [100, 112]}
    loose = abstats.analyze(
        table, metric=BINARY, control="A", method="bayesian", threshold=0.01, threshold_type="absolute"
    )
    tight = abstats.analyze(
        table, metric=BINARY, control="A", method="bayesian", threshold=1e-5, threshold_type="absolute"
    )
    assert loose.decision[0] == "stop_winner" and tight.decision[0] == "continue"


def test_bayesian_options_are_checked():
    table = {"variant": ["A", "B"], "n": [2000, 2000], "conversions": [100, 112]}
    with pytest.raises(abstats.ConfigError, match="prior_alpha"):
        abstats.analyze(table, metric=BINARY, control="A", method="bayesian", prior_alpha=0)
    with pytest.raises(abstats.ConfigError, match="alpha"):
        abstats.analyze(table, metric=BINARY, control="A", method="bayesian", alpha=0.05)
