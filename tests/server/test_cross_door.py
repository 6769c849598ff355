"""The same spec or inputs through Python and through HTTP give the same numbers, to the last bit."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import abstats
from abstats.planning import plan_mde, plan_sample_size
from abstats.server import create_app
from abstats.spec import ExperimentSpec
from abstats.statistics import BinaryStats, MeanStats

pytestmark = pytest.mark.http

SPECS: list[dict[str, Any]] = [
    {
        "name": "checkout",
        "data": {"aggregates": {
            "variant": ["control", "B", "C"], "n": [10_000, 10_000, 10_050],
            "conversions": [500, 580, 520], "sum": [41_000.0, 41_500.0, 40_100.0],
            "sum_sq": [1_400_000.0, 1_410_000.0, 1_390_000.0],
        }},
        "control": "control",
        "metrics": [
            {"kind": "binary", "name": "signup"},
            {"kind": "mean", "name": "revenue", "role": "guardrail", "margin": 0.05, "margin_type": "relative"},
        ],
    },
    {
        "data": {"aggregates": [
            {"experiment": "e1", "variant": "A", "n": 1000, "conversions": 100},
            {"experiment": "e1", "variant": "B", "n": 1000, "conversions": 130},
            {"experiment": "e2", "variant": "A", "n": 800, "conversions": 80},
            {"experiment": "e2", "variant": "B", "n": 820, "conversions": 70},
        ]},
        "experiment": "experiment",
        "control": "A",
        "metrics": [{"kind": "binary", "name": "cr"}],
        "method": "bayesian",
        "settings": {"prior_alpha": 2.0, "prior_beta": 20.0},
    },
    {
        "data": {"aggregates": {"variant": ["A", "B"], "n": [5000, 5000], "conversions": [250, 300]}},
        "control": "A",
        "metrics": [{"kind": "binary", "name": "cr"}],
        "method": "group_sequential",
        "settings": {"design": {"kind": "obrien_fleming", "looks": 3}, "look": 2},
        "rules": {"require_winner": True, "min_sample": 6000},
    },
]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def _json(value: Any) -> Any:
    """What the HTTP body holds for a Python value: one strict-JSON round trip."""
    return json.loads(abstats.Result.to_json(value) if isinstance(value, abstats.Result) else json.dumps(value))


def test_analyze_equals_spec_run(client: TestClient) -> None:
    r = client.post("/v1/analyze", json={"experiments": SPECS})
    assert r.status_code == 200, r.text
    for item, spec in zip(r.json()["results"], SPECS, strict=True):
        python = ExperimentSpec.model_validate(spec).run()
        assert item["result"] == _json(python)


def test_check_equals_check_rules(client: TestClient) -> None:
    from abstats.spec import check_rules

    r = client.post("/v1/check", json={"experiments": SPECS})
    assert r.status_code == 200, r.text
    for item, spec in zip(r.json()["results"], SPECS, strict=True):
        parsed = ExperimentSpec.model_validate(spec)
        outcome = check_rules(parsed.run(), parsed).to_dict()
        assert {k: item[k] for k in outcome} == json.loads(json.dumps(outcome))


def test_compare_equals_abstats_compare(client: TestClient) -> None:
    rng = np.random.default_rng(7)
    m = 500
    n_c, n_t = rng.integers(500, 50_000, m), rng.integers(500, 50_000, m)
    x_c, x_t = rng.binomial(n_c, 0.05), rng.binomial(n_t, 0.055)
    body = {
        "metric": {"kind": "binary", "name": "signup"},
        "data": {"control_n": n_c.tolist(), "control_conversions": x_c.tolist(),
                 "treatment_n": n_t.tolist(), "treatment_conversions": x_t.tolist()},
        "options": {"alpha": 0.1, "correction": "none"},
    }
    r = client.post("/v1/compare", json=body)
    assert r.status_code == 200, r.text
    python = abstats.compare(BinaryStats.from_arrays(n_c, x_c), BinaryStats.from_arrays(n_t, x_t),
                             metric=abstats.BinaryMetric("signup"), alpha=0.1, correction="none")
    rows = _json(python)["comparisons"]
    columns = r.json()["columns"]
    for name in ("effect", "se", "p_value", "rel_ci_low", "rel_ci_high", "decision", "rule", "reason", "experiment"):
        assert columns[name] == [row[name] for row in rows], name
    assert columns["warnings"] == [[w["code"] for w in row["warnings"]] for row in rows]


def test_compare_mean_bayesian_equals_abstats_compare(client: TestClient) -> None:
    n = [1000, 2000]
    c = {"n": n, "sum": [5000.0, 9000.0], "sum_sq": [60_000.0, 100_000.0]}
    t = {"n": n, "sum": [5600.0, 9100.0], "sum_sq": [70_000.0, 101_000.0]}
    body = {
        "metric": {"kind": "mean", "name": "rpv"}, "method": "bayesian",
        "data": {**{f"control_{k}": v for k, v in c.items()}, **{f"treatment_{k}": v for k, v in t.items()},
                 "experiment": [1, 2]},
    }
    r = client.post("/v1/compare", json=body)
    assert r.status_code == 200, r.text
    python = abstats.compare(MeanStats.from_arrays(**c), MeanStats.from_arrays(**t),
                             metric=abstats.MeanMetric("rpv"), method="bayesian", experiment=[1, 2])
    rows = _json(python)["comparisons"]
    for name, values in r.json()["columns"].items():
        if name != "warnings":
            assert values == [row[name] for row in rows], name


def test_plan_equals_planning(client: TestClient) -> None:
    metric = abstats.BinaryMetric("bounce", higher_is_better=False)
    body = {"metric": {"kind": "binary", "name": "bounce", "higher_is_better": False}, "baseline": 0.4,
            "mde": 0.0, "margin": 0.01, "hypothesis": "non_inferiority"}
    r = client.post("/v1/plan", json=body)
    assert r.status_code == 200, r.text
    python = plan_sample_size(metric, baseline=0.4, mde=0.0, margin=0.01, hypothesis="non_inferiority")
    assert r.json() == json.loads(json.dumps(python.to_dict() | {"metric": "bounce"}))
    r = client.post("/v1/plan", json={"metric": {"kind": "mean"}, "sd": 50.0, "mde_type": "absolute",
                                      "n_per_arm": 1000, "variance": "t"})
    assert r.json()["mde"] == plan_mde(abstats.MeanMetric("metric"), sd=50.0, mde_type="absolute", n_per_arm=1000,
                                       variance="t").to_dict()["mde"]
