"""Load the independent reference values in ``../shared/reference/cases.json``.

The file is computed outside abstats (mpmath, scipy/statsmodels, published
tables); tests only read it. It sits next to the repository, in ``shared/``.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CANDIDATES = (REPO.parent / "shared" / "reference" / "cases.json", REPO / "shared" / "reference" / "cases.json")


@cache
def all_cases() -> tuple[dict[str, Any], ...]:
    for path in CANDIDATES:
        if path.exists():
            return tuple(json.loads(path.read_text())["cases"])
    raise FileNotFoundError("reference cases not found; looked in " + ", ".join(map(str, CANDIDATES)))


def cases(area: str) -> list[dict[str, Any]]:
    found = [c for c in all_cases() if c["area"] == area]
    assert found, f"no reference cases for area {area!r}"
    return found


def within(actual: float, expected: float, tolerance: dict[str, float]) -> bool:
    """A value passes if either bound given holds (the reference README's rule)."""
    if expected is None:
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    err = abs(float(actual) - float(expected))
    ok_abs = "abs" in tolerance and err <= tolerance["abs"]
    ok_rel = "rel" in tolerance and err <= tolerance["rel"] * abs(float(expected))
    return ok_abs or ok_rel


def assert_within(actual: Any, expected: Any, tolerance: dict[str, float], label: str = "") -> None:
    """Element-wise: each value passes if either the given ``abs`` or the given ``rel`` bound holds."""
    import numpy as np

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


def assert_close(case: dict[str, Any], key: str, actual: float) -> None:
    expected = case["expected"][key]
    assert within(actual, expected, case["tolerance"]), (
        f"{case['id']}: {key} = {actual!r}, reference {expected!r} (tolerance {case['tolerance']}; {case['semantics']})"
    )
