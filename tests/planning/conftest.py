"""Reference cases of the planning area, from ../shared/reference/cases.json beside the repo root.

Tests ask for ``binary_case`` or ``mean_case`` to be run once per reference
case of that metric, or for ``planning_cases`` to get the whole list.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reference import cases as _load
from reference import within as _within


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
def within() -> Callable[[float, float, dict], bool]:
    return _within
