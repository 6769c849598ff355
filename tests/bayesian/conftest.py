import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# Lets the test modules here import bayes_reference.py under --import-mode=importlib.
sys.path.insert(0, str(HERE))

CASES_PATH = HERE.parents[1] / ".." / "shared" / "reference" / "cases.json"


@pytest.fixture(scope="session")
def bayesian_binary_cases() -> list[dict]:
    cases = [c for c in json.loads(CASES_PATH.read_text())["cases"] if c["area"] == "bayesian_binary"]
    assert cases, f"no bayesian_binary cases in {CASES_PATH}"
    return cases
