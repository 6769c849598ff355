"""Fixtures for the sequential tests: the shared reference cases and a tolerance check."""

from __future__ import annotations

import pytest
from reference import assert_within as _assert_within
from reference import cases


def load_sequential_cases() -> list[dict]:
    """Every reference case of area ``sequential`` (loaded at collection time for parametrisation)."""
    return cases("sequential")


@pytest.fixture(scope="session")
def sequential_cases() -> list[dict]:
    return load_sequential_cases()


@pytest.fixture(scope="session")
def within():
    """The tolerance check :func:`assert_within`, as a fixture so test modules need no imports from here."""
    return _assert_within


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise any test taking ``sequential_case`` over every sequential reference case."""
    if "sequential_case" in metafunc.fixturenames:
        cases = load_sequential_cases()
        metafunc.parametrize("sequential_case", cases, ids=[c["id"] for c in cases])
