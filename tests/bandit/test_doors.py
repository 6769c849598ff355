"""The bandit allocation through its doors: the spec, ``abstats allocate`` and ``POST /v1/allocate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import abstats
from abstats.cli.main import app
from abstats.server import create_app

SPEC: dict[str, Any] = {
    "data": {"aggregates": {"experiment": ["x", "x", "x", "y", "y"], "variant": ["A", "B", "C", "A", "B"],
                            "n": [1000, 1000, 1000, 500, 500], "conversions": [100, 130, 90, 50, 55]}},
    "experiment": "experiment",
    "control": "A",
    "metrics": [{"kind": "binary", "name": "signup"}],
    "allocation": {"rule": "top_two", "floor": 0.05, "control_share": 0.2},
}


def _python_weights() -> np.ndarray:
    table = SPEC["data"]["aggregates"]
    return abstats.bandit.allocate(table, metric=abstats.BinaryMetric("signup"), control="A",
                                   experiment="experiment", rule="top_two", floor=0.05, control_share=0.2).weight


def test_spec_allocate_is_the_python_call():
    a = abstats.ExperimentSpec.model_validate(SPEC).allocate()
    np.testing.assert_array_equal(a.weight, _python_weights())
    # the held share on the 2**-52 grid that makes the weights sum to exactly 1 (0.2 is not on it)
    np.testing.assert_allclose(a.weight[a.is_control], [0.2, 0.2], rtol=0, atol=2.0**-52)


@pytest.mark.http
def test_http_allocate_answers_like_python_and_refuses_bad_input():
    client = TestClient(create_app())
    r = client.post("/v1/allocate", json=SPEC)
    assert r.status_code == 200, r.text
    arms = r.json()["results"][0]["arms"]
    np.testing.assert_array_equal([a["weight"] for a in arms], _python_weights())
    assert r.json()["results"][0]["settings"]["rule"] == "top_two"
    batch = client.post("/v1/allocate", json={"experiments": [SPEC, SPEC]})
    assert [item["index"] for item in batch.json()["results"]] == [0, 1]
    # a floor too large for three arms: refused with the field's path
    bad = {**SPEC, "allocation": {"floor": 0.4}}
    r = client.post("/v1/allocate", json=bad)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-2:] == ["allocation", "floor"]
    r = client.post("/v1/allocate", json={**SPEC, "allocation": {"control_share": 1.5}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-2:] == ["allocation", "control_share"]
    r = client.post("/v1/allocate", json={**SPEC, "allocation": {"metric": "nope"}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-2:] == ["allocation", "metric"]


def test_cli_allocate_prints_weights_and_exits_2_on_bad_input(tmp_path: Path):
    runner = CliRunner()
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(SPEC))
    out = runner.invoke(app, ["allocate", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    np.testing.assert_array_equal([a["weight"] for a in json.loads(out.stdout)["arms"]], _python_weights())
    table = runner.invoke(app, ["allocate", str(path)], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "P(best)" in table.stdout
    path.write_text(json.dumps({**SPEC, "allocation": {"floor": 0.4}}))
    bad = runner.invoke(app, ["allocate", str(path)])
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") == 1 and "allocation.floor = 0.4" in bad.stderr
