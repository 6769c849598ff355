"""Every bayesian_binary case of ../shared/reference/cases.json, within its stated tolerance."""

import math

import numpy as np

from abstats.bayesian import expected_loss_best, posterior_params, prob_best
from abstats.bayesian.scoring import score_binary

TWO_ARM_KEYS = {
    "prob_treatment_beats_control": "prob_beats_control",
    "expected_loss_ship_treatment": "expected_loss_treatment",
    "expected_loss_keep_control": "expected_loss_control",
}


def _within(actual, expected, tol):
    err = abs(float(actual) - float(expected))
    return ("abs" in tol and err <= tol["abs"]) or ("rel" in tol and err <= tol["rel"] * abs(expected))


def _prior(case):
    prior = case["inputs"]["prior"]
    return prior["alpha"], prior["beta"]


def test_every_case_is_mapped(bayesian_binary_cases):
    for case in bayesian_binary_cases:
        keys = set(case["expected"])
        assert keys <= set(TWO_ARM_KEYS) or keys <= {"prob_best", "sum_check"}, case["id"]


def test_two_arm_cases_in_one_batch(bayesian_binary_cases):
    cases = [c for c in bayesian_binary_cases if "control" in c["inputs"]]
    assert len(cases) >= 5
    ins = [c["inputs"] for c in cases]
    alpha, beta = _prior(cases[0])
    assert all(_prior(c) == (alpha, beta) for c in cases)
    scores = score_binary(
        [i["control"]["conversions"] for i in ins],
        [i["control"]["n"] for i in ins],
        [i["treatment"]["conversions"] for i in ins],
        [i["treatment"]["n"] for i in ins],
        prior_alpha=alpha,
        prior_beta=beta,
    )
    for row, case in enumerate(cases):
        for ref_key, our_key in TWO_ARM_KEYS.items():
            actual = scores[our_key][row]
            assert _within(actual, case["expected"][ref_key], case["tolerance"]), (
                case["id"],
                ref_key,
                actual,
                case["expected"][ref_key],
            )


def test_two_arm_cases_through_k_arm_functions(bayesian_binary_cases):
    # The k-arm integrals must agree with the two-arm references when k = 2.
    for case in (c for c in bayesian_binary_cases if "control" in c["inputs"]):
        alpha, beta = _prior(case)
        arms = [case["inputs"]["control"], case["inputs"]["treatment"]]
        a, b = posterior_params([x["conversions"] for x in arms], [x["n"] for x in arms], alpha, beta)
        p = prob_best(a[None, :], b[None, :])[0]
        loss = expected_loss_best(a[None, :], b[None, :])[0]
        tol = case["tolerance"]
        assert _within(p[1], case["expected"]["prob_treatment_beats_control"], tol), case["id"]
        assert _within(loss[1], case["expected"]["expected_loss_ship_treatment"], tol), case["id"]
        assert _within(loss[0], case["expected"]["expected_loss_keep_control"], tol), case["id"]


def test_prob_best_cases(bayesian_binary_cases):
    cases = [c for c in bayesian_binary_cases if "arms" in c["inputs"]]
    assert len(cases) >= 2
    for case in cases:
        alpha, beta = _prior(case)
        arms = case["inputs"]["arms"]
        a, b = posterior_params([x["conversions"] for x in arms], [x["n"] for x in arms], alpha, beta)
        p = prob_best(a[None, :], b[None, :])[0]
        for actual, expected in zip(p, case["expected"]["prob_best"], strict=True):
            assert _within(actual, expected, case["tolerance"]), (case["id"], actual, expected)
        assert math.isclose(p.sum(), case["expected"]["sum_check"], abs_tol=case["tolerance"]["abs"])
        assert np.all(p >= 0)
