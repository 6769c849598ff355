"""Helpers shared by the CLI and spec tests: run the real console script, write scenario specs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "checkout"


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m abstats.cli.main ARGS`` in a fresh process, stdout piped (not a terminal), 80 columns."""
    full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    full_env.update({"COLUMNS": "80", "NO_COLOR": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "abstats.cli.main", *args], capture_output=True, text=True, cwd=cwd, env=full_env,
        timeout=120,
    )


def example_spec() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((EXAMPLE / "spec.yaml").read_text())


def example_rows() -> list[dict[str, Any]]:
    import csv

    with (EXAMPLE / "aggregates.csv").open() as f:
        return [dict(row) for row in csv.DictReader(f)]


def write_scenario(
    folder: Path, spec: dict[str, Any], rows: list[dict[str, Any]] | None, name: str = "spec.yaml"
) -> Path:
    """``spec`` (YAML, or JSON/TOML by suffix) and its aggregates.csv in ``folder``."""
    import csv
    import json

    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    if rows is not None:
        with (folder / "aggregates.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps(spec))
    else:
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture
def scenario(tmp_path: Path):
    """Write a variant of the example: ``scenario(name, spec_changes, row_changes)``."""

    def make(name: str, spec_changes: dict[str, Any] | None = None,
             row_changes: dict[str, dict[str, Any]] | None = None) -> Path:
        spec = {**example_spec(), **(spec_changes or {})}
        rows = example_rows()
        for row in rows:
            row.update((row_changes or {}).get(row["variant"], {}))
        return write_scenario(tmp_path / name, spec, rows)

    return make


@pytest.fixture
def cli():
    """The console script runner (:func:`run_cli`)."""
    return run_cli


@pytest.fixture
def base_spec() -> dict[str, Any]:
    """The example spec as a dict (data path relative to its folder)."""
    return example_spec()
