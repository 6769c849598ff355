"""Raw events through the experiment spec (``data.events``): Python, the console script and HTTP.

The reference is the data layer called directly (:func:`abstats.from_events`, itself checked against
pandas on the raw rows in ``tests/data``) with the metrics written in Python: the spec must declare the
same analysis, not a similar one.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from ibis import _

import abstats
from abstats import BinaryMetric, MeanMetric, RatioMetric
from abstats.data import converted, count, from_events, total
from abstats.spec import ExperimentSpec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "shop-events" / "spec.yaml"
NUMBERS = ("control_n", "treatment_n", "effect", "effect_ci_low", "effect_ci_high", "p_value", "p_value_adjusted")


def example() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return doc


def in_folder(tmp_path: Path, doc: dict[str, Any], name: str = "spec.yaml") -> Path:
    """``doc`` written next to a copy of the example's events (its data path is relative)."""
    shutil.copy(EXAMPLE.parent / "events.parquet", tmp_path / "events.parquet")
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def reference_result() -> abstats.Result:
    purchase = _.event == "purchase"
    metrics = {
        BinaryMetric("conversion"): converted(purchase),
        MeanMetric("revenue_per_visitor", role="secondary"): total("revenue", where=purchase),
        RatioMetric("average_order_value", role="secondary"): (total("revenue", where=purchase), count(where=purchase)),
        RatioMetric("ctr", role="secondary"): (
            count(where=_.event == "ad_click"), count(where=_.event == "ad_impression")
        ),
    }
    with pytest.warns(abstats.MultiVariantUnitsWarning):
        data = from_events(str(EXAMPLE.parent / "events.parquet"), metrics, unit="user_id", timestamp="ts",
                           exposure=_.event == "exposure")
    return abstats.analyze(data, control="control", correction="holm")


def assert_same_numbers(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert got["verdicts"] == want["verdicts"]
    assert len(got["comparisons"]) == len(want["comparisons"]) == 8
    for a, b in zip(got["comparisons"], want["comparisons"], strict=True):
        assert (a["metric"], a["treatment"], a["decision"]) == (b["metric"], b["treatment"], b["decision"])
        assert (a["control_n"], a["treatment_n"]) == (b["control_n"], b["treatment_n"])
        for column in NUMBERS:
            x, y = a[column], b[column]
            # 1e-12, not 0: DuckDB adds in parallel, in an order that varies from run to run, so sums
            # of revenue move in the last bits between two runs over the same file
            assert (x is None and y is None) or math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15), (a["metric"], column)


def test_spec_run_on_raw_events_is_from_events_then_analyze() -> None:
    with pytest.warns(abstats.MultiVariantUnitsWarning):
        result = ExperimentSpec.from_file(EXAMPLE).run()
    assert_same_numbers(result.to_dict(), reference_result().to_dict())


def test_console_script_analyze_and_check_on_raw_events(cli, tmp_path: Path) -> None:
    want = reference_result().to_dict()
    out = cli("analyze", str(EXAMPLE), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert_same_numbers(json.loads(out.stdout), want)
    # the data's own warning is one line, not a Python warning with a source line
    assert out.stderr.splitlines() == [
        "warning: 1 unit(s) seen in more than one variant: excluded (from_events(..., multi_variant='keep') keeps them)"
    ]
    summary = tmp_path / "summary.md"
    checked = cli("check", str(EXAMPLE), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("### ✅ abstats check passed: shop recommendations (raw events)")
    assert "| average_order_value (secondary) | one_click vs control |" in checked.stdout
    assert summary.read_text() == checked.stdout + "\n"
    # a guardrail the raw events cannot clear: exit 1, named
    doc = example()
    doc["metrics"][1] |= {"role": "guardrail", "margin": 0.01, "margin_type": "relative"}
    failing = cli("check", str(in_folder(tmp_path, doc)))
    assert failing.returncode == 1, failing.stderr
    assert "check failed: guardrail: revenue_per_visitor (guardrail)" in failing.stderr


def test_http_analyze_on_raw_events_needs_the_allow_list(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from abstats.server import ServerSettings, create_app

    doc = example()
    allowed = TestClient(create_app(ServerSettings(allow_data=(EXAMPLE.parent,))))
    with pytest.warns(abstats.MultiVariantUnitsWarning):
        response = allowed.post("/v1/analyze", json=doc)
    assert response.status_code == 200, response.text
    assert_same_numbers(response.json()["results"][0]["result"], reference_result().to_dict())
    # a file outside the allowed folder, by a relative path that climbs out or a glob: 403
    for path in ("../checkout/aggregates.csv", str(ROOT / "examples" / "*" / "events.parquet")):
        doc["data"]["events"]["path"] = path
        refused = allowed.post("/v1/analyze", json=doc)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["detail"][0]["loc"][-3:] == ["data", "events", "path"]
    closed = TestClient(create_app(ServerSettings()))
    assert closed.post("/v1/analyze", json=example()).status_code == 403


def test_a_glob_inside_the_allow_list_that_links_outside_is_refused(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from abstats.server import ServerSettings, create_app

    lake = tmp_path / "lake"
    lake.mkdir()
    shutil.copy(EXAMPLE.parent / "events.parquet", lake / "a.parquet")
    (lake / "b.parquet").symlink_to(EXAMPLE.parent / "events.parquet")
    doc = example()
    doc["data"]["events"]["path"] = "lake/*.parquet"
    response = TestClient(create_app(ServerSettings(allow_data=(tmp_path,)))).post("/v1/analyze", json=doc)
    assert response.status_code == 403, response.text


@pytest.mark.parametrize(
    ("change", "texts"),
    [
        ({"path": "nowhere.parquet"}, ["nowhere.parquet", "an existing parquet or CSV file"]),
        ({"path": "spec.yaml"}, ["spec.yaml", "a file ending in .parquet"]),
        ({"path": "broken.parquet"}, ["broken.parquet", "a readable parquet file"]),
        ({"unit": "visitor_id"}, ["unit = 'visitor_id'", "a column of the event table"]),
    ],
)
def test_bad_events_input_exits_2_with_one_line(cli, tmp_path: Path, change: dict[str, str], texts: list[str]) -> None:
    doc = example()
    doc["data"]["events"] |= change
    spec = in_folder(tmp_path, doc)
    (tmp_path / "broken.parquet").write_text("not parquet")
    for command in ("analyze", "check"):
        out = cli(command, str(spec))
        assert out.returncode == 2, (command, out.stdout, out.stderr)
        assert out.stdout == ""
        lines = out.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
        for text in texts:
            assert text in lines[0], (text, lines[0])


def test_spec_errors_name_the_metric_field() -> None:
    doc = example()
    del doc["metrics"][2]["denominator_events"]
    with pytest.raises(abstats.ConfigError, match=r"metrics\[2\]\.denominator_events"):
        ExperimentSpec.from_mapping(doc)
    aggregates = {"data": {"aggregates": {"variant": ["A", "B"], "n": [10, 10], "conversions": [1, 2]}},
                  "control": "A",
                  "metrics": [{"kind": "binary", "name": "c", "events": {"how": "any", "where": {"e": 1}}}]}
    with pytest.raises(abstats.ConfigError, match=r"metrics\[0\]\.events.*without data.events"):
        ExperimentSpec.from_mapping(aggregates)
    doc = example()
    doc["metrics"][1]["events"] = {"how": "sum", "where": {"event": "purchase"}}
    with pytest.raises(abstats.ConfigError, match=r"metrics\[1\]\.events.*a column to sum"):
        ExperimentSpec.from_mapping(doc)
    doc = example()
    del doc["data"]["events"]["timestamp"]
    with pytest.raises(abstats.ConfigError, match=r"data\.events.*timestamp"):
        ExperimentSpec.from_mapping(doc)


def test_a_cuped_covariate_over_a_pre_window_runs_from_the_spec() -> None:
    # The example's events start on 2026-10-30; exposures from 2026-11-02: the days before are the pre-period.
    doc = example()
    doc["metrics"].append({"kind": "mean", "name": "page_views", "role": "secondary",
                           "events": {"how": "count", "where": {"event": "page_view"}},
                           "covariate": {"start": "2026-10-25", "end": "2026-11-02"}})
    spec = ExperimentSpec.from_mapping(doc, base_dir=EXAMPLE.parent)
    with pytest.warns(abstats.MultiVariantUnitsWarning):
        got = spec.run().to_frame("all")
    metric = MeanMetric("page_views", role="secondary",
                        covariate=abstats.Covariate(start="2026-10-25", end="2026-11-02"))
    with pytest.warns(abstats.MultiVariantUnitsWarning):
        data = from_events(str(EXAMPLE.parent / "events.parquet"), {metric: count(where=_.event == "page_view")},
                           unit="user_id", timestamp="ts", exposure=_.event == "exposure")
    want = abstats.analyze(data, control="control").to_frame("all")
    rows = got[got["metric"] == "page_views"].reset_index(drop=True)
    assert rows["cuped"].all() and (rows["variance_reduction"] > 0).all()
    for column in ("cuped_theta", "variance_reduction", "effect"):
        # DuckDB's parallel sums differ in their last bits between runs; variance_reduction = 1 - ratio
        # is small here, so an absolute 1e-12 as well
        np.testing.assert_allclose(rows[column], want[column], rtol=1e-9, atol=1e-12, err_msg=column)
