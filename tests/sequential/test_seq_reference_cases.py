"""Every ``sequential`` case of ../shared/reference/cases.json, within its stated tolerance."""

from __future__ import annotations

import numpy as np

from abstats.sequential import GroupSequentialDesign, cs_half_width, msprt_log_likelihood_ratio, msprt_p_value


def _design(inputs: dict) -> GroupSequentialDesign:
    looks = inputs.get("looks")
    fractions = inputs.get("information_fractions")
    return GroupSequentialDesign(
        inputs["design"],
        looks=looks,
        information_fractions=None if fractions is None else tuple(fractions),
        alpha=inputs["alpha"],
        alternative=inputs["alternative"],
    )


def _compute(case: dict) -> dict[str, object]:
    inputs, expected = case["inputs"], case["expected"]
    if "boundaries_z" in expected:
        return {"boundaries_z": _design(inputs).efficacy_boundaries()}
    if "inflation_factor" in expected:
        return {"inflation_factor": _design(inputs).inflation_factor(inputs["power"])}
    if "likelihood_ratio" in expected:
        args = (inputs["theta_hat"], inputs["var_theta_hat"], inputs["tau2"])
        return {
            "likelihood_ratio": np.exp(msprt_log_likelihood_ratio(*args)),
            "p_value": msprt_p_value(*args),
        }
    if "half_width" in expected:
        width = cs_half_width(inputs["sd"], inputs["n"], alpha=inputs["alpha"], rho_squared=inputs["rho_squared"])
        return {"half_width": width}
    raise AssertionError(f"unmapped sequential case {case['id']}")


def test_cases_present(sequential_cases):
    # An empty or moved file would make the parametrised test below vacuous.
    assert len(sequential_cases) >= 20


def test_reference_case(sequential_case, within):
    got = _compute(sequential_case)
    assert set(got) == set(sequential_case["expected"]), sequential_case["id"]
    for key, value in sequential_case["expected"].items():
        within(got[key], value, sequential_case["tolerance"], f"{sequential_case['id']}.{key}")
