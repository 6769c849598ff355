"""The experiment spec in Python: validation errors with field paths, file formats, layouts, rules, schema."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import abstats
from abstats.spec import CheckOutcome, ExperimentSpec, check_rules, spec_schema
from abstats.spec.schema_source import build_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "checkout" / "spec.yaml"

INLINE = {
    "data": {"aggregates": {"variant": ["A", "B"], "n": [10_000, 10_000], "conversions": [500, 600],
                            "sum": [41_000.0, 41_500.0], "sum_sq": [1_400_000.0, 1_410_000.0]}},
    "control": "A",
    "metrics": [
        {"kind": "binary", "name": "signup"},
        {"kind": "mean", "name": "revenue", "role": "guardrail", "margin": 0.05, "margin_type": "relative"},
    ],
}


def _error(doc: dict[str, Any]) -> str:
    with pytest.raises(abstats.ConfigError) as info:
        ExperimentSpec.from_mapping(doc, source="exp.yaml")
    return str(info.value)


def test_errors_name_the_field_path_the_value_and_the_expectation() -> None:
    bad_margin = {**INLINE, "metrics": [*INLINE["metrics"], {"kind": "ratio", "name": "aov", "role": "guardrail",
                                                            "margin": -0.1}]}
    assert _error(bad_margin) == "exp.yaml: metrics[2].margin = -0.1, expected greater than 0"
    typo = {**INLINE, "metrics": [{"kind": "binary", "name": "signup", "conversion_field": "x"}]}
    assert "metrics[0].conversion_field" in (msg := _error(typo)) and "did you mean 'conversions_field'" in msg
    top = {**INLINE, "srm_alfa": 0.01}
    assert "srm_alfa" in (msg := _error(top)) and "did you mean 'srm_alpha'" in msg
    assert _error({**INLINE, "metrics": [{"kind": "binary", "name": "x", "role": "guardrail"}]}).startswith(
        "exp.yaml: metrics[0].margin = None, expected a margin > 0 for guardrail metric 'x'"
    )
    assert "metrics[0].kind = 'median'" in _error({**INLINE, "metrics": [{"kind": "median", "name": "x"}]})
    assert "control = None, expected a value (required)" in _error({k: v for k, v in INLINE.items() if k != "control"})
    assert "data = " in _error({**INLINE, "data": {}}) and "exactly one of path, aggregates or events" in _error(
        {**INLINE, "data": {}})
    assert "metrics[1].name = 'signup'" in _error({**INLINE, "metrics": [INLINE["metrics"][0]] * 2})
    assert "rules.min_sample" in _error({**INLINE, "rules": {"min_sample": 0}})
    # pydantic's own error stays available to the HTTP service
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ExperimentSpec.model_validate({**INLINE, "srm_alfa": 0.01})


def test_method_settings_are_checked_by_the_method() -> None:
    spec = ExperimentSpec.from_mapping({**INLINE, "settings": {"alpha": 0.1, "correction": "none"}})
    assert spec.run().settings["alpha"] == 0.1
    with pytest.raises(abstats.ConfigError, match="prior_alpha"):
        ExperimentSpec.from_mapping({**INLINE, "settings": {"prior_alpha": 2}}, source="s.yaml").run()
    with pytest.raises(abstats.ConfigError, match="method"):
        ExperimentSpec.from_mapping({**INLINE, "method": "magic"}).run()
    primaries = {**INLINE, "metrics": [INLINE["metrics"][0]]}  # guardrail margins are a frequentist test
    bayes = ExperimentSpec.from_mapping({**primaries, "method": "bayesian", "settings": {"prior_alpha": 2}}).run()
    assert bayes.method == "bayesian"
    with pytest.raises(abstats.ConfigError, match="tests non-inferiority margins"):
        ExperimentSpec.from_mapping({**INLINE, "method": "bayesian"}).run()
    planned = ExperimentSpec.from_mapping({**INLINE, "planned_n": 50_000}).run()
    assert set(planned.decision.tolist()) == {"continue"}


def test_yaml_toml_json_and_both_table_layouts_give_one_result(tmp_path: Path) -> None:
    import yaml

    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["data"]["path"] = str(EXAMPLE.parent / "aggregates.csv")
    reference = ExperimentSpec.from_file(EXAMPLE).run().to_dict()
    (tmp_path / "s.json").write_text(json.dumps(doc))
    toml = tmp_path / "s.toml"
    toml.write_text(_toml(doc))
    for path in (tmp_path / "s.json", toml):
        assert ExperimentSpec.from_file(path).run().to_dict() == reference, path

    import pandas as pd

    wide = pd.read_csv(EXAMPLE.parent / "aggregates.csv")
    # long: one row per variant x metric with the metric's own aggregate columns
    long_rows = []
    for row in wide.to_dict("records"):
        long_rows.append({"variant": row["variant"], "metric": "conversion", "n": row["users"],
                          "conversions": row["orders"]})
        long_rows.append({"variant": row["variant"], "metric": "revenue_per_user", "n": row["users"],
                          "sum": row["revenue_sum"], "sum_sq": row["revenue_sum_sq"]})
        long_rows.append({"variant": row["variant"], "metric": "bounce_rate", "n": row["users"],
                          "conversions": row["bounces"]})
    pd.DataFrame(long_rows).to_csv(tmp_path / "long.csv", index=False)
    pd.DataFrame(long_rows).to_parquet(tmp_path / "long.parquet")
    (tmp_path / "records.json").write_text(json.dumps(long_rows))
    long_metrics = [
        {"kind": "binary", "name": "conversion"},
        {"kind": "mean", "name": "revenue_per_user", "role": "guardrail", "margin": 0.05, "margin_type": "relative"},
        {"kind": "binary", "name": "bounce_rate", "higher_is_better": False, "role": "secondary"},
    ]
    for data in ("long.csv", "long.parquet", "records.json"):
        spec = ExperimentSpec.from_mapping(
            {**doc, "data": {"path": data, "layout": "long"}, "metrics": long_metrics}, base_dir=tmp_path
        )
        got = spec.run().to_dict()
        for a, b in zip(got["comparisons"], reference["comparisons"], strict=True):
            assert a["p_value"] == pytest.approx(b["p_value"], rel=1e-12), data
            assert a["decision"] == b["decision"]
    duplicated = pd.DataFrame([*long_rows, long_rows[0]])
    duplicated.to_csv(tmp_path / "dup.csv", index=False)
    spec = ExperimentSpec.from_mapping({**doc, "data": {"path": "dup.csv", "layout": "long"}, "metrics": long_metrics},
                                       base_dir=tmp_path)
    with pytest.raises(abstats.InputError, match=r"dup.csv: row = 7, expected one row per variant x metric"):
        spec.run()


def _toml(doc: dict[str, Any]) -> str:
    """Just enough TOML for the example spec (scalars, one table, arrays of tables)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return json.dumps(v)

    lines = [f"{k} = {value(v)}" for k, v in doc.items() if not isinstance(v, (dict, list))]
    for key, table in doc.items():
        if isinstance(table, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {value(v)}" for k, v in table.items()]
    for m in doc["metrics"]:
        lines.append("[[metrics]]")
        lines += [f"{k} = {value(v)}" for k, v in m.items()]
    return "\n".join(lines) + "\n"


def test_segments_and_per_experiment_controls() -> None:
    doc = {
        "data": {"aggregates": [
            {"exp": "e1", "country": c, "variant": v, "ctrl": "base", "n": 5000, "conversions": x}
            for c, rows in (("fr", (("base", 250), ("B", 300))), ("de", (("base", 240), ("B", 245))))
            for v, x in rows
        ]},
        "experiment": "exp", "segment": "country", "control": {"column": "ctrl"},
        "metrics": [{"kind": "binary", "name": "cr"}],
    }
    r = ExperimentSpec.from_mapping(doc).run()
    assert r["experiment"].tolist() == ["e1 / fr", "e1 / de"]
    assert r["control"].tolist() == ["base", "base"]


def test_check_rules_outcome() -> None:
    spec = ExperimentSpec.from_mapping({**INLINE, "rules": {"require_winner": True, "min_sample": 20_000}})
    outcome = check_rules(spec.run(), spec)
    assert isinstance(outcome, CheckOutcome)
    assert outcome.passed is False and outcome.exit_code == 1
    assert [rule for rule, _ in outcome.failures] == ["min_sample"] * 2
    assert outcome.verdicts[0]["verdict"] == "ship"
    assert spec.check().to_dict()["failures"][0]["rule"] == "min_sample"
    srm = {**INLINE, "data": {"aggregates": {**INLINE["data"]["aggregates"], "n": [10_000, 11_000]}}}
    outcome = ExperimentSpec.from_mapping(srm).check()
    assert [rule for rule, _ in outcome.failures] == ["srm"] and outcome.verdicts[0]["verdict"] == "investigate"
    relaxed = ExperimentSpec.from_mapping({**srm, "rules": {"fail_on_srm": False}}).check()
    assert relaxed.passed


def test_published_schema_is_the_models() -> None:
    # after changing the model: python -m abstats.spec.schema_source
    assert spec_schema() == json.loads(json.dumps(build_schema()))
    import jsonschema
    import yaml

    jsonschema.validate(yaml.safe_load(EXAMPLE.read_text()), spec_schema())


def test_import_abstats_stays_light() -> None:
    code = ("import sys, abstats, abstats.cli.main; "
            "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'pydantic', 'statsmodels') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert abstats.ExperimentSpec is ExperimentSpec


# --- one spec, every door, the same numbers ---------------------------------------------------------
NUMBERS = ("control_n", "treatment_n", "effect", "effect_ci_low", "effect_ci_high", "rel_effect", "p_value",
           "p_value_adjusted", "srm_p_value")


def _python_door(spec_path: Path) -> dict[str, Any]:
    return ExperimentSpec.from_file(spec_path).run().to_dict()


def _cli(spec_path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "abstats.cli.main", "analyze", str(spec_path), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    payload: dict[str, Any] = json.loads(out.stdout)
    return payload


def _http(spec_path: Path) -> dict[str, Any]:
    """POST /v1/analyze in process, the spec's folder allowed as data (its data.path is relative to it)."""
    from fastapi.testclient import TestClient

    from abstats.server import ServerSettings, create_app
    from abstats.spec.loading import read_spec_file

    client = TestClient(create_app(ServerSettings(allow_data=(spec_path.parent,))))
    response = client.post("/v1/analyze", json=read_spec_file(spec_path))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["results"][0]["result"]
    return result


DOORS: dict[str, Callable[[Path], dict[str, Any]]] = {"python": _python_door, "cli": _cli, "http": _http}


def test_every_door_gives_the_same_numbers() -> None:
    results = {name: door(EXAMPLE) for name, door in DOORS.items()}
    reference = results.pop("python")
    for name, got in results.items():
        assert got["verdicts"] == reference["verdicts"], name
        for a, b in zip(got["comparisons"], reference["comparisons"], strict=True):
            assert a["decision"] == b["decision"] and a["rule"] == b["rule"]
            for column in NUMBERS:
                x, y = a[column], b[column]
                assert (x is None and y is None) or math.isclose(x, y, rel_tol=0, abs_tol=0), (name, column)
