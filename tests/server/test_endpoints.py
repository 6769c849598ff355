"""Every endpoint of the HTTP service in process (ASGI test client): answers, refusals and their bodies."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from abstats.result import result_schema
from abstats.server import ServerSettings, create_app
from abstats.server.models import compare_columns_schema

pytestmark = pytest.mark.http

SPEC: dict[str, Any] = {
    "data": {"aggregates": {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]}},
    "control": "A",
    "metrics": [{"kind": "binary", "name": "signup"}],
}
COMPARE: dict[str, Any] = {
    "metric": {"kind": "binary", "name": "signup"},
    "data": {"experiment": ["e1", "e2"], "control_n": [1000, 5000], "control_conversions": [100, 250],
             "treatment_n": [1000, 5000], "treatment_conversions": [130, 240]},
}
RESULT_VALIDATOR = jsonschema.Draft202012Validator(result_schema())


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def only_error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert len(body["detail"]) >= 1, body
    entry: dict[str, Any] = body["detail"][0]
    assert set(entry) >= {"loc", "msg", "input", "type"}
    return entry


# --- health, docs, openapi -----------------------------------------------------------------------
def test_health(client: TestClient) -> None:
    r = client.get("/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["schema_version"] == "1.2"
    assert "frequentist" in body["methods"] and "bayesian_hierarchical" not in body["methods"]


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/analyze", "/v1/compare", "/v1/plan", "/v1/check", "/v1/health", "/metrics"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200
    assert "swagger" in client.get("/docs").text.lower()


def test_openapi_result_schema_is_the_published_schema(client: TestClient) -> None:
    """The Result in the API description is result_schema() itself (less its $schema / $id)."""
    spec = client.get("/openapi.json").json()
    item = spec["components"]["schemas"]["AnalyzeItem"]["properties"]["result"]
    published = {k: v for k, v in result_schema().items() if k not in ("$schema", "$id")}
    assert item == published


# --- /v1/compare ---------------------------------------------------------------------------------
def test_compare_columns(client: TestClient) -> None:
    r = client.post("/v1/compare", json=COMPARE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows"] == 2 and body["method"] == "frequentist"
    assert body["columns"]["experiment"] == ["e1", "e2"]
    assert body["columns"]["decision"] == ["stop_winner", "inconclusive"]
    assert len(body["columns"]["reason"]) == 2 and body["columns"]["warnings"] == [[], []]
    jsonschema.validate(body["columns"], compare_columns_schema())


def test_compare_records_equal_columns(client: TestClient) -> None:
    columns = COMPARE["data"]
    records = [{k: v[i] for k, v in columns.items()} for i in range(2)]
    a = client.post("/v1/compare", json=COMPARE).json()
    b = client.post("/v1/compare", json={**COMPARE, "data": records}).json()
    assert a == b


def test_compare_fields_keeps_only_the_columns_asked_for(client: TestClient) -> None:
    r = client.post("/v1/compare", params={"fields": "experiment,p_value,decision"}, json=COMPARE)
    assert r.status_code == 200
    assert list(r.json()["columns"]) == ["experiment", "p_value", "decision"]


def test_compare_unknown_field_is_422(client: TestClient) -> None:
    r = client.post("/v1/compare", params={"fields": "p_value,nope"}, json=COMPARE)
    assert r.status_code == 422
    assert only_error(r)["loc"] == ["query", "fields"]


@pytest.mark.parametrize(("change", "loc", "value"), [
    ({"treatment_conversions": [130, 6000]}, ["body", "data", "treatment_conversions", 1], 6000),
    ({"control_n": [1000, -5]}, ["body", "data", "control_n", 1], -5),
    ({"control_n": [1000]}, ["body", "data", "control_n"], 1),
])
def test_compare_bad_value_names_the_field_path(client: TestClient, change: dict, loc: list, value: Any) -> None:
    r = client.post("/v1/compare", json={**COMPARE, "data": {**COMPARE["data"], **change}})
    assert r.status_code == 422
    error = only_error(r)
    assert error["loc"] == loc and error["input"] == value


def test_compare_bad_record_names_its_row(client: TestClient) -> None:
    records = [{"control_n": 1000, "control_conversions": 100, "treatment_n": 1000, "treatment_conversions": 130},
               {"control_n": 1000, "control_conversions": 100, "treatment_n": 1000, "treatment_conversions": 1300}]
    r = client.post("/v1/compare", json={**COMPARE, "data": records})
    assert r.status_code == 422
    assert only_error(r)["loc"] == ["body", "data", 1, "treatment_conversions"]


@pytest.mark.parametrize(("body", "loc"), [
    ({**COMPARE, "options": {"alpha": 2}}, ["body", "options", "alpha"]),
    ({**COMPARE, "options": {"prior_alpha": 2}}, ["body", "options", "prior_alpha"]),
    ({**COMPARE, "method": "bayesian_hierarchical"}, ["body", "method"]),
    ({**COMPARE, "metric": {"kind": "binary", "role": "guardrail"}}, ["body", "metric", "margin"]),
    ({**COMPARE, "metric": {"kind": "mean"}}, ["body", "data", "control_conversions"]),
    ({**COMPARE, "data": {**COMPARE["data"], "control_n": ["1000", 5000]}}, ["body", "data", "control_n", 0]),
    ({**COMPARE, "treatment_share": 1.5}, ["body", "treatment_share"]),
    ({**COMPARE, "surprise": 1}, ["body", "surprise"]),
])
def test_compare_bad_settings_are_422_at_their_path(client: TestClient, body: dict, loc: list) -> None:
    r = client.post("/v1/compare", json=body)
    assert r.status_code == 422, r.text
    assert only_error(r)["loc"] == loc


def test_compare_nan_is_refused_with_a_json_body(client: TestClient) -> None:
    text = json.dumps(COMPARE).replace("[1000, 5000]", "[NaN, 5000]", 1)
    r = client.post("/v1/compare", content=text, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert only_error(r)["loc"][:3] == ["body", "data", "control_n"]


def test_compare_every_method(client: TestClient) -> None:
    options: dict[str, dict[str, Any]] = {
        "bayesian": {}, "msprt": {}, "confidence_sequence": {},
        "group_sequential": {"design": {"kind": "obrien_fleming", "looks": 3}, "look": 2},
    }
    for method, opts in options.items():
        r = client.post("/v1/compare", json={**COMPARE, "method": method, "options": opts})
        assert r.status_code == 200, (method, r.text)
        jsonschema.validate(r.json()["columns"], compare_columns_schema())


def test_compare_mean_and_ratio(client: TestClient) -> None:
    mean = {"control_n": [1000], "control_sum": [5000.0], "control_sum_sq": [60000.0],
            "treatment_n": [1000], "treatment_sum": [5600.0], "treatment_sum_sq": [70000.0]}
    r = client.post("/v1/compare", json={"metric": {"kind": "mean", "name": "rpv"}, "data": mean})
    assert r.status_code == 200, r.text
    ratio = {f"{arm}_{k}": [v] for arm in ("control", "treatment") for k, v in
             {"n": 1000, "num_sum": 300.0, "den_sum": 3000.0, "num_sum_sq": 500.0, "den_sum_sq": 12000.0,
              "num_den_sum": 1800.0}.items()}
    r = client.post("/v1/compare", json={"metric": {"kind": "ratio", "name": "ctr"}, "data": ratio})
    assert r.status_code == 200, r.text


def test_compare_row_cap_is_413() -> None:
    small = TestClient(create_app(ServerSettings(max_rows=1)))
    r = small.post("/v1/compare", json=COMPARE)
    assert r.status_code == 413
    assert only_error(r)["loc"] == ["body", "data", "control_n"] and only_error(r)["input"] == 2


# --- /v1/plan ------------------------------------------------------------------------------------
def test_plan_sample_size_mde_and_power(client: TestClient) -> None:
    base = {"metric": {"kind": "binary", "name": "signup"}, "baseline": 0.05}
    n = client.post("/v1/plan", json={**base, "mde": 0.1}).json()
    assert n["solved_for"] == "n_per_arm" and n["n_per_arm_ceil"] == 31234 and n["n_total"] == 62468
    mde = client.post("/v1/plan", json={**base, "n_per_arm": n["n_per_arm"]}).json()
    assert mde["solved_for"] == "mde" and mde["mde"] == pytest.approx(0.1)
    power = client.post("/v1/plan", json={**base, "n_per_arm": n["n_per_arm"], "mde": 0.1}).json()
    assert power["solved_for"] == "power" and power["power"] == pytest.approx(0.8, abs=1e-5)


@pytest.mark.parametrize(("body", "loc"), [
    ({"metric": {"kind": "binary"}, "baseline": 0.05}, ["body", "mde"]),
    ({"metric": {"kind": "binary"}, "baseline": 1.5, "mde": 0.1}, ["body", "baseline"]),
    ({"metric": {"kind": "binary"}, "baseline": 0.05, "mde": 0.1, "alpha": "0.05"}, ["body", "alpha"]),
    ({"metric": {"kind": "binary"}, "baseline": 0.05, "mde": 0.1, "correction": "benjamini_hochberg"},
     ["body", "correction"]),
    ({"metric": {"kind": "mean"}, "mde": 0.1}, ["body", "sd"]),
])
def test_plan_bad_input_is_422(client: TestClient, body: dict, loc: list) -> None:
    r = client.post("/v1/plan", json=body)
    assert r.status_code == 422, r.text
    assert only_error(r)["loc"] == loc


# --- /v1/analyze and /v1/check --------------------------------------------------------------------
def test_analyze_one_spec(client: TestClient) -> None:
    r = client.post("/v1/analyze", json=SPEC)
    assert r.status_code == 200, r.text
    body = r.json()
    RESULT_VALIDATOR.validate(body["results"][0]["result"])
    assert body["verdicts"] == [{"index": 0, "experiment": "experiment", "verdict": "ship", "ship": ["B"],
                                 "reason": body["verdicts"][0]["reason"]}]


def test_analyze_batch(client: TestClient) -> None:
    other = {**SPEC, "name": "flat", "data": {"aggregates": [{"variant": "A", "n": 1000, "conversions": 100},
                                                              {"variant": "B", "n": 1000, "conversions": 101}]}}
    r = client.post("/v1/analyze", json={"experiments": [SPEC, other]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [item["index"] for item in body["results"]] == [0, 1] and body["results"][1]["name"] == "flat"
    for item in body["results"]:
        RESULT_VALIDATOR.validate(item["result"])
    assert [v["verdict"] for v in body["verdicts"]] == ["ship", "dont_ship"]


@pytest.mark.parametrize(("body", "loc"), [
    ({"experiments": [SPEC, {**SPEC, "metrics": [{"kind": "binary", "name": "s", "margin": -1}]}]},
     ["body", "experiments", 1, "metrics", 0, "margin"]),
    ({**SPEC, "control": {"column": 5}}, ["body", "control", "column"]),
    ({**SPEC, "settings": {"alpha": 3}}, ["body", "settings", "alpha"]),
    ({**SPEC, "settings": {"nope": 3}}, ["body", "settings", "nope"]),
    ({**SPEC, "control": "Z"}, ["body", "control"]),
    ({**SPEC, "method": "bayesian_hierarchical"}, ["body", "method"]),
    ({**SPEC, "data": {"aggregates": {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 1300]}}},
     ["body", "data"]),
    ({"experiments": []}, ["body", "experiments"]),
])
def test_analyze_bad_spec_is_422_at_its_path(client: TestClient, body: dict, loc: list) -> None:
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 422, r.text
    assert only_error(r)["loc"] == loc


def test_analyze_batch_cap_is_413() -> None:
    small = TestClient(create_app(ServerSettings(max_batch=2)))
    assert small.post("/v1/analyze", json={"experiments": [SPEC, SPEC]}).status_code == 200
    r = small.post("/v1/analyze", json={"experiments": [SPEC, SPEC, SPEC]})
    assert r.status_code == 413
    assert only_error(r)["loc"] == ["body", "experiments"] and only_error(r)["input"] == 3


def test_check_pass_and_fail(client: TestClient) -> None:
    losing = {**SPEC, "rules": {"require_winner": True},
              "data": {"aggregates": {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 101]}}}
    r = client.post("/v1/check", json={"experiments": [SPEC, losing]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["passed"] is False
    assert [(x["passed"], x["exit_code"]) for x in body["results"]] == [(True, 0), (False, 1)]
    assert body["results"][1]["failures"][0]["rule"] == "require_winner"
    assert client.post("/v1/check", json=SPEC).json()["passed"] is True


# --- data references -----------------------------------------------------------------------------
def _csv(folder: Path) -> Path:
    path = folder / "agg.csv"
    path.write_text("variant,n,conversions\nA,1000,100\nB,1000,130\n")
    return path


def test_data_reference_refused_without_allow_list(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/v1/analyze", json={**SPEC, "data": {"path": str(_csv(tmp_path))}})
    assert r.status_code == 403
    assert only_error(r)["loc"] == ["body", "data", "path"]


def test_data_reference_inside_the_allow_list(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    allowed = TestClient(create_app(ServerSettings(allow_data=(tmp_path,))))
    for given in (str(path), "agg.csv"):
        r = allowed.post("/v1/analyze", json={**SPEC, "data": {"path": given}})
        assert r.status_code == 200, r.text
    inline = allowed.post("/v1/analyze", json=SPEC).json()["results"][0]["result"]["comparisons"]
    assert r.json()["results"][0]["result"]["comparisons"] == inline


def test_data_reference_escapes_are_refused(tmp_path: Path) -> None:
    allowed_dir = tmp_path / "allowed"
    allowed_dir.mkdir()
    outside = _csv(tmp_path)
    (allowed_dir / "link.csv").symlink_to(outside)
    allowed = TestClient(create_app(ServerSettings(allow_data=(allowed_dir,))))
    for given in ("../agg.csv", str(allowed_dir / ".." / "agg.csv"), "link.csv", "/etc/passwd", "a\x00b"):
        r = allowed.post("/v1/analyze", json={**SPEC, "data": {"path": given}})
        assert r.status_code == 403, (given, r.text)
        assert only_error(r)["loc"] == ["body", "data", "path"]


def test_missing_file_inside_the_allow_list_is_422(tmp_path: Path) -> None:
    allowed = TestClient(create_app(ServerSettings(allow_data=(tmp_path,))))
    r = allowed.post("/v1/analyze", json={**SPEC, "data": {"path": "missing.csv"}})
    assert r.status_code == 422
    assert only_error(r)["loc"] == ["body", "data", "path"]


# --- security: token, body size ------------------------------------------------------------------
def test_token_required_when_set() -> None:
    secured = TestClient(create_app(ServerSettings(token="s3cret")))
    r = secured.post("/v1/compare", json=COMPARE)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert only_error(r)["loc"] == ["header", "authorization"]
    for header in ("Bearer wrong", "Basic s3cret", "Bearer s3cret-and-more", "Bearer \u00e9t\u00e9".encode("latin-1")):
        assert secured.post("/v1/compare", json=COMPARE, headers={"authorization": header}).status_code == 401
    ok = secured.post("/v1/compare", json=COMPARE, headers={"authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert secured.get("/metrics").status_code == 401
    assert secured.get("/metrics", headers={"authorization": "Bearer s3cret"}).status_code == 200
    assert secured.get("/v1/health").status_code == 200 and secured.get("/openapi.json").status_code == 200


def test_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABSTATS_TOKEN", "from-env")
    settings = ServerSettings.from_cli(host="127.0.0.1", port=8000, workers=1, token=None, max_body_mb=1,
                                       max_batch=10, max_rows=10, allow_data=[])
    assert settings.token == "from-env" and "from-env" not in repr(settings)


def test_body_over_the_limit_is_413_by_content_length() -> None:
    small = TestClient(create_app(ServerSettings(max_body_bytes=100)))
    r = small.post("/v1/compare", json=COMPARE)
    assert r.status_code == 413
    assert only_error(r)["loc"] == ["body"]


def test_body_over_the_limit_is_413_when_streamed_without_length() -> None:
    small = TestClient(create_app(ServerSettings(max_body_bytes=100)))

    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 50

    r = small.post("/v1/compare", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413


def test_bad_json_is_422(client: TestClient) -> None:
    for content in (b"{not json", b"\xff\xfe\x00"):
        r = client.post("/v1/compare", content=content, headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text


# --- operations: metrics, access log, unexpected errors ------------------------------------------
def test_metrics_count_requests_per_endpoint() -> None:
    fresh = TestClient(create_app())
    fresh.get("/v1/health")
    fresh.post("/v1/compare", json=COMPARE)
    fresh.post("/v1/compare", json={})
    fresh.get("/no/such/path")
    text = fresh.get("/metrics").text
    assert 'abstats_http_requests_total{endpoint="/v1/compare",method="POST",status="200"} 1.0' in text
    assert 'abstats_http_requests_total{endpoint="/v1/compare",method="POST",status="422"} 1.0' in text
    assert 'endpoint="other"' in text and "/no/such/path" not in text
    assert 'abstats_http_request_duration_seconds_bucket{endpoint="/v1/compare",le="0.1",method="POST"}' in text


def test_access_log_is_one_json_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    fresh = TestClient(create_app())
    with caplog.at_level(logging.INFO, logger="abstats.server.access"):
        fresh.get("/v1/health")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "abstats.server.access"]
    assert len(lines) == 1
    assert lines[0]["method"] == "GET" and lines[0]["path"] == "/v1/health" and lines[0]["status"] == 200
    assert lines[0]["duration_ms"] >= 0


def test_unexpected_error_is_a_json_500_with_a_logged_id(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import abstats.server.scoring as scoring

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(scoring, "compare", broken)
    fresh = TestClient(create_app(), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="abstats.server"):
        r = fresh.post("/v1/compare", json=COMPARE)
    assert r.status_code == 500
    body = r.json()
    assert body["detail"][0]["type"] == "internal_error" and "a bug" not in r.text
    assert any(body["error_id"] in rec.getMessage() for rec in caplog.records)


def test_settings_are_checked() -> None:
    from abstats.errors import ConfigError

    for bad in ({"port": 0}, {"workers": 0}, {"max_batch": 0}, {"token": " "}, {"allow_data": (Path("/no/such"),)}):
        with pytest.raises(ConfigError):
            ServerSettings(**bad)
    settings = ServerSettings(token="t", max_batch=7, allow_data=(Path("."),))
    assert settings.allow_data == (Path(".").resolve(),)


def test_settings_round_trip_through_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = ServerSettings(token="t", max_batch=7, max_rows=9, allow_data=(tmp_path,))
    monkeypatch.setenv("ABSTATS_SERVER_SETTINGS", settings.to_env())
    assert ServerSettings.from_env() == settings


def test_two_apps_share_nothing() -> None:
    a, b = TestClient(create_app()), TestClient(create_app(ServerSettings(token="x")))
    a.get("/v1/health")
    assert "/v1/health" not in b.get("/metrics", headers={"authorization": "Bearer x"}).text
    assert a.post("/v1/compare", json=COMPARE).status_code == 200
