"""Reference cases of the planning area, from ../shared/reference/cases.json beside the repo root.

Tests ask for ``binary_case`` or ``mean_case`` to be run once per reference
case of that metric, or for ``planning_cases`` to get the whole list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES_PATH = REPO_ROOT / ".." / "shared" / "reference" / "cases.json"


def _load(area: str) -> list[dict]:
    cases = json.loads(CASES_PATH.read_text())["cases"]
    return [case for case in cases if case["area"] == area]


def _within(actual: float, expected: float, tolerance: dict) -> bool:
    """A value passes if either stated bound (abs or rel) holds."""
    ok = False
    if "abs" in tolerance:
        ok |= abs(actual - expected) <= tolerance["abs"]
    if "rel" in tolerance:
        ok |= abs(actual - expected) <= tolerance["rel"] * abs(expected)
    return ok


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for metric in ("binary", "mean"):
        name = f"{metric}_case"
        if name in metafunc.fixturenames:
            cases = [c for c in _load("planning") if c["inputs"]["metric"] == metric]
            metafunc.parametrize(name, cases, ids=[c["id"] for c in cases])


@pytest.fixture(scope="session")
def planning_cases() -> list[dict]:
    return _load("planning")


@pytest.fixture(scope="session")
def ratio_cases() -> list[dict]:
    """The frequentist ratio cases: their per-arm delta-method se checks the planner's ratio variance."""
    return _load("frequentist_ratio")


@pytest.fixture(scope="session")
def inflation_cases() -> list[dict]:
    """Sequential cases giving the inflation factor of a group-sequential design."""
    return [c for c in _load("sequential") if "inflation_factor" in c["expected"]]


@pytest.fixture(scope="session")
def beta_loss_cases() -> list[dict]:
    """Two-arm Beta-Binomial cases (mpmath): expected losses that the Bayesian planner's rule uses."""
    return [c for c in _load("bayesian_binary") if "expected_loss_ship_treatment" in c["expected"]]


@pytest.fixture(scope="session")
def within() -> Callable[[float, float, dict], bool]:
    return _within
