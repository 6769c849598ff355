"""A bandit's allocation history in the spec: the same reading through spec.run(), the CLI and HTTP as in Python."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import abstats
from abstats.bandit import AllocationHistory
from abstats.errors import AdaptiveAllocationWarning
from abstats.server import create_app

HISTORY = {"period": [1, 1, 1, 2, 2, 2], "variant": ["A", "B", "C"] * 2,
           "weight": [1 / 3, 1 / 3, 1 / 3, 0.1, 0.6, 0.3], "traffic": [3000] * 3 + [1000] * 3}
# 3000 units at 1/3 each, then 1000 at 0.1/0.6/0.3: 1100, 1600, 1300 expected
FOLLOWED = {"variant": ["A", "B", "C"], "n": [1100, 1600, 1300], "conversions": [100, 170, 120]}
EQUAL = {"variant": ["A", "B", "C"], "n": [1334, 1333, 1333], "conversions": [120, 140, 120]}


def _spec(aggregates: dict[str, list[Any]], **extra: Any) -> dict[str, Any]:
    return {"data": {"aggregates": aggregates}, "control": "A", "metrics": [{"kind": "binary", "name": "signup"}],
            "allocation": {"history": HISTORY}, **extra}


def test_spec_reads_a_bandit_like_python():
    result = abstats.ExperimentSpec.model_validate(_spec(FOLLOWED)).run()
    expected = abstats.analyze(FOLLOWED, metric=abstats.BinaryMetric("signup"), control="A",
                               allocation=AllocationHistory.from_table(HISTORY))
    assert result.method == expected.method == "bayesian"  # the posterior reading by default
    np.testing.assert_array_equal(result["srm_p_value"], expected["srm_p_value"])
    np.testing.assert_array_equal(result["prob_beats_control"], expected["prob_beats_control"])
    assert set(result.warning_flags) >= {"adaptive_allocation"}
    assert result["srm_p_value"][0] > 0.5  # the counts are exactly the traffic-weighted weights


def test_srm_against_the_history_fires_when_traffic_did_not_follow_it():
    result = abstats.ExperimentSpec.model_validate(_spec(EQUAL)).run()
    assert result["srm_p_value"][0] < 1e-6
    assert set(np.asarray(result.decision, dtype=str)) == {"investigate"}


def test_a_method_named_in_the_spec_is_kept_and_warned_about():
    with pytest.warns(AdaptiveAllocationWarning):
        result = abstats.ExperimentSpec.model_validate(_spec(FOLLOWED, method="frequentist")).run()
    assert result.method == "frequentist"


@pytest.mark.parametrize(("history", "field"), [
    ({**HISTORY, "weight": [1.5] * 6}, "allocation.history.weight"),
    ({k: v for k, v in HISTORY.items() if k != "traffic"}, "allocation.history"),
])
def test_a_bad_history_names_the_field(history, field):
    spec = abstats.ExperimentSpec.model_validate({**_spec(FOLLOWED), "allocation": {"history": history}})
    with pytest.raises(abstats.ConfigError, match=field.replace(".", r"\.")):
        spec.run()


def test_http_analyze_takes_the_history():
    client = TestClient(create_app())
    response = client.post("/v1/analyze", content=json.dumps(_spec(FOLLOWED)),
                           headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]["result"]
    assert result["method"] == "bayesian"
    assert all(any(w["code"] == "adaptive_allocation" for w in row["warnings"]) for row in result["comparisons"])
    bad = client.post("/v1/analyze", content=json.dumps({**_spec(FOLLOWED), "allocation": {"history": {
        **HISTORY, "weight": [2.0] * 6}}}), headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "allocation.history" in bad.text
