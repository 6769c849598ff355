"""Fixtures for the sequential tests: the shared reference cases and a tolerance check."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

CASES_PATH = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "cases.json"


def load_sequential_cases() -> list[dict]:
    """Every reference case of area ``sequential`` (loaded at collection time for parametrisation)."""
    cases = json.loads(CASES_PATH.read_text())["cases"]
    return [c for c in cases if c["area"] == "sequential"]


def assert_within(actual, expected, tolerance: dict, label: str = "") -> None:
    """Pass if, element-wise, either the given ``abs`` or the given ``rel`` bound holds."""
    actual = np.atleast_1d(np.asarray(actual, dtype=float))
    expected = np.atleast_1d(np.asarray(expected, dtype=float))
    assert actual.shape == expected.shape, f"{label}: shape {actual.shape} != {expected.shape}"
    err = np.abs(actual - expected)
    ok = np.zeros(actual.shape, dtype=bool)
    if "abs" in tolerance:
        ok |= err <= tolerance["abs"]
    if "rel" in tolerance:
        ok |= err <= tolerance["rel"] * np.abs(expected)
    assert ok.all(), f"{label}: got {actual}, expected {expected} within {tolerance}"


@pytest.fixture(scope="session")
def sequential_cases() -> list[dict]:
    return load_sequential_cases()


@pytest.fixture(scope="session")
def within():
    """The tolerance check :func:`assert_within`, as a fixture so test modules need no imports from here."""
    return assert_within


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise any test taking ``sequential_case`` over every sequential reference case."""
    if "sequential_case" in metafunc.fixturenames:
        cases = load_sequential_cases()
        metafunc.parametrize("sequential_case", cases, ids=[c["id"] for c in cases])
