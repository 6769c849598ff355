"""Every planning case of the shared reference file, within its stated tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from abstats.metrics import BinaryMetric, MeanMetric
from abstats.planning import plan_mde, plan_power, plan_sample_size

SIGNUP = BinaryMetric("signup")
REVENUE = MeanMetric("revenue")


def _binary_kwargs(inputs: dict) -> dict:
    kwargs = {
        "alpha": inputs["alpha"],
        "power": inputs["power"],
        "alternative": inputs.get("alternative", "two-sided"),
        "treatments": inputs.get("treatments", 1),
        # Cases without a correction have one treatment, where no correction changes anything.
        "correction": inputs.get("correction", "none"),
        "variance": "arcsine" if inputs.get("effect_size") == "cohen_h" else "pooled_null",
    }
    if "p1" in inputs:  # power.prop.test style: two rates
        kwargs.update(baseline=inputs["p1"], mde=inputs["p2"] - inputs["p1"], mde_type="absolute")
    else:
        kwargs.update(baseline=inputs["baseline"], mde=inputs["mde"], mde_type=inputs["mde_type"])
    return kwargs


def _mean_kwargs(inputs: dict, variance: str) -> dict:
    return {
        "sd": inputs["sd"],
        "mde": inputs["mde"],
        "mde_type": inputs["mde_type"],
        "alpha": inputs["alpha"],
        "power": inputs["power"],
        "alternative": inputs.get("alternative", "two-sided"),
        "variance": variance,
    }


def test_every_planning_case_is_of_a_mapped_metric(planning_cases: list[dict]) -> None:
    assert len(planning_cases) >= 14
    assert {c["inputs"]["metric"] for c in planning_cases} == {"binary", "mean"}


def test_binary_case(binary_case: dict, within) -> None:
    case = binary_case
    plan = plan_sample_size(SIGNUP, **_binary_kwargs(case["inputs"]))
    expected = case["expected"]["n_per_arm"]
    assert within(float(plan.n_per_arm), expected, case["tolerance"]), (float(plan.n_per_arm), expected)


@pytest.mark.parametrize("variance", ["normal", "t"])
def test_mean_case(mean_case: dict, variance: str, within) -> None:
    case = mean_case
    plan = plan_sample_size(REVENUE, **_mean_kwargs(case["inputs"], variance))
    expected = case["expected"][f"n_per_arm_{variance}"]
    assert within(float(plan.n_per_arm), expected, case["tolerance"]), (float(plan.n_per_arm), expected)


def test_binary_case_inverts(binary_case: dict) -> None:
    """At the reference n, the MDE solve returns the case's effect and the power solve its power."""
    case = binary_case
    kwargs = _binary_kwargs(case["inputs"])
    n = case["expected"]["n_per_arm"]
    mde = plan_mde(SIGNUP, n_per_arm=n, **{k: v for k, v in kwargs.items() if k != "mde"})
    assert float(mde.mde) == pytest.approx(kwargs["mde"], rel=case["tolerance"]["rel"])
    power = plan_power(SIGNUP, n_per_arm=n, **{k: v for k, v in kwargs.items() if k != "power"})
    # The reference n ignores the far rejection tail, which adds < 1e-6 here.
    assert float(power.power) == pytest.approx(kwargs["power"], abs=1e-4)


def test_all_binary_cases_in_one_vectorised_call(planning_cases: list[dict], within) -> None:
    """One broadcast call over all cases meets every reference too."""
    cases = [c for c in planning_cases if c["inputs"]["metric"] == "binary" and "baseline" in c["inputs"]]
    for variance in ("pooled_null", "arcsine"):
        chosen = [c for c in cases if (c["inputs"].get("effect_size") == "cohen_h") == (variance == "arcsine")]
        plan = plan_sample_size(
            SIGNUP,
            baseline=np.array([c["inputs"]["baseline"] for c in chosen]),
            mde=np.array([c["inputs"]["mde"] for c in chosen]),
            alpha=np.array([c["inputs"]["alpha"] for c in chosen]),
            power=np.array([c["inputs"]["power"] for c in chosen]),
            treatments=np.array([c["inputs"].get("treatments", 1) for c in chosen]),
            correction="bonferroni",
            variance=variance,
        )
        for got, case in zip(plan.n_per_arm, chosen, strict=True):
            assert within(float(got), case["expected"]["n_per_arm"], case["tolerance"]), case["id"]
