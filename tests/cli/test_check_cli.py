"""`abstats check` and `abstats analyze` through the real console script, in fresh processes.

Each subprocess pays abstats' import time, so each test groups the assertions of one run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = "examples/checkout/spec.yaml"


def test_example_passes_and_writes_the_step_summary(cli, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    out = cli("check", EXAMPLE_SPEC, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    md = out.stdout
    # verdict first, then a compact markdown table
    lines = md.splitlines()
    assert lines[0] == "### ✅ abstats check passed: checkout redesign"
    assert "**ship** (new_checkout)" in lines[2]
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| metric | comparison | effect [95% CI, adj.] | decision |"
    assert table[1] == "|---|---|---|---|"
    assert any(r.startswith("| conversion | new_checkout vs control | +0.64 [") and " pp | stop_winner |" in r
               for r in table[2:])
    assert any(r.startswith("| revenue_per_user (guardrail) |") for r in table)
    assert md.index("ship") < md.index("| metric")
    # appended, not overwritten
    assert summary.read_text() == "# earlier step\n" + md + "\n"


@pytest.mark.parametrize(
    ("case", "rows", "rule"),
    [
        ("guardrail", {"new_checkout": {"revenue_sum": "72000.0"}}, "guardrail"),
        ("srm", {"new_checkout": {"users": "21500", "orders": "1212"}}, "srm"),
        ("no_winner", {"new_checkout": {"orders": "1003"}}, "require_winner"),
    ],
)
def test_a_failing_rule_exits_1_and_names_it(cli, scenario, tmp_path: Path, case, rows, rule) -> None:
    spec = scenario(case, row_changes=rows)
    summary = tmp_path / "summary.md"
    out = cli("check", str(spec), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert out.returncode == 1, (out.stdout, out.stderr)
    failures = out.stderr.splitlines()
    assert failures and all(line.startswith("check failed: ") for line in failures)
    assert any(line.startswith(f"check failed: {rule}: ") for line in failures), failures
    assert out.stdout.startswith("### ❌ abstats check failed: checkout redesign")
    assert f"- `{rule}`: " in out.stdout  # the markdown lists the failures too
    assert summary.read_text() == out.stdout + "\n"
    if rule == "guardrail":
        assert "revenue_per_user (guardrail), new_checkout vs control" in out.stderr
        assert "**dont_ship**" in out.stdout
    if rule == "srm":
        assert "**investigate**" in out.stdout and "SRM p = " in out.stderr


def test_check_json_and_atomic_output(cli, scenario, tmp_path: Path) -> None:
    spec = scenario("guardrail_json", row_changes={"new_checkout": {"revenue_sum": "72000.0"}})
    target = tmp_path / "report.json"
    out = cli("check", str(spec), "--format", "json", "--output", str(target))
    assert out.returncode == 1
    assert out.stdout == ""
    payload = json.loads(target.read_text())
    assert payload["passed"] is False and payload["exit_code"] == 1
    assert [f["rule"] for f in payload["failures"]] == ["guardrail"]
    assert payload["verdicts"][0]["verdict"] == "dont_ship"
    assert payload["result"]["schema_version"] == "1.2"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temp file left behind


BAD_CSV_ROWS = "variant,users,orders,revenue_sum,revenue_sum_sq,bounces\ncontrol,20000,1000,80400,1611000,8100\n"


def _bad_inputs(tmp_path: Path, base_spec: dict, scenario) -> list[tuple[list[str], str, list[str]]]:
    """(argv, what it is, texts the one stderr line must contain: file, field, value)."""
    import yaml

    cases = []
    cases.append((["check", str(tmp_path / "nope.yaml")], "missing spec", ["nope.yaml", "spec", "an existing file"]))

    binary = tmp_path / "binary"
    binary.mkdir()
    (binary / "aggregates.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00")
    (binary / "spec.yaml").write_text(yaml.safe_dump(base_spec))
    cases.append((["check", str(binary / "spec.yaml")], "unreadable data", ["aggregates.csv", "data.path", "UTF-8"]))

    not_csv = tmp_path / "notcsv"
    not_csv.mkdir()
    (not_csv / "aggregates.csv").write_text('{"variant": ["control", "B"], "users": [1, 2]}\n')
    (not_csv / "spec.yaml").write_text(yaml.safe_dump(base_spec))
    cases.append((["check", str(not_csv / "spec.yaml")], "not a CSV", ["aggregates.csv", "data.path", "a CSV file"]))

    missing_col = scenario("missing_column", {"metrics": [{**base_spec["metrics"][0], "conversions_field": "buys"}]})
    cases.append((["check", str(missing_col)], "missing column", ["aggregates.csv", "column = 'buys'", "conversion"]))

    negative = scenario("negative", row_changes={"new_checkout": {"orders": "-5"}})
    cases.append((["check", str(negative)], "negative counts",
                  ["aggregates.csv", "conversion", "new_checkout", "= -5"]))

    kind = scenario("kind", {"metrics": [{**base_spec["metrics"][0], "kind": "median"}]})
    cases.append((["check", str(kind)], "unknown metric kind",
                  ["spec.yaml", "metrics[0].kind = 'median'", "'binary', 'mean', 'ratio'"]))
    cases.append((["analyze", "examples/checkout/aggregates.csv", "--control", "control", "--metric", "median:x"],
                  "unknown metric kind (quick look)", ["--metric", "median:x", "binary, mean, ratio"]))

    typo = scenario("typo", {"metrics": [{**base_spec["metrics"][1], "margn": 0.05}]})
    cases.append((["check", str(typo)], "unknown key", ["spec.yaml", "metrics[0].margn", "did you mean 'margin'"]))

    control = scenario("control", {"control": "ctrl"})
    cases.append((["check", str(control)], "control not a variant", ["spec.yaml", "control = 'ctrl'", "new_checkout"]))
    return cases


def test_bad_input_exits_2_with_one_line(cli, tmp_path: Path, base_spec, scenario) -> None:
    for argv, what, texts in _bad_inputs(tmp_path, base_spec, scenario):
        out = cli(*argv)
        assert out.returncode == 2, (what, out.stdout, out.stderr)
        assert out.stdout == "", what
        lines = out.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (what, out.stderr)
        for text in texts:
            assert text in lines[0], (what, text, lines[0])
        assert "Traceback" not in out.stderr


def test_debug_shows_the_traceback(cli, tmp_path: Path) -> None:
    out = cli("--debug", "check", str(tmp_path / "nope.yaml"))
    assert out.returncode != 0 and "Traceback" in out.stderr and "SpecError" in out.stderr


QUICK = ["examples/checkout/aggregates.csv", "--control", "control",
         "--metric", "binary:conversion:n=users,conversions=orders",
         "--metric", "mean:revenue_per_user:n=users,sum=revenue_sum,sum_sq=revenue_sum_sq,role=guardrail,margin=0.05,"
                     "margin_type=relative",
         "--metric", "binary:bounce_rate:n=users,conversions=bounces,higher_is_better=false"]


def test_quick_look_table_fits_80_columns_when_piped(cli) -> None:
    out = cli("analyze", *QUICK)
    assert out.returncode == 0, out.stderr
    table = out.stdout.split("verdict")[0]
    assert "…" not in out.stdout
    assert max(len(line) for line in table.splitlines()) <= 80
    for text in ("conversion", "revenue_per_user", "bounce_rate", "new_checkout vs control", "stop_winner",
                 "+0.64 [+0.20, +1.08] pp"):
        assert text in table, text


def test_wide_markdown_and_csv_renderings(tmp_path: Path, monkeypatch) -> None:
    # the renderings themselves, in-process (the piped subprocess above covers the console script)
    from typer.testing import CliRunner

    from abstats.cli.main import app

    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    wide = runner.invoke(app, ["analyze", *QUICK, "--wide"], env={"COLUMNS": "80"})
    assert wide.exit_code == 0 and "…" not in wide.output
    assert "20,000" in wide.output and "5.00%" in wide.output  # counts as integers, rates as percentages
    assert "control n" in wide.output and "margin_met" in wide.output and "not_significant" in wide.output

    md_path = tmp_path / "out.md"
    md = runner.invoke(app, ["analyze", *QUICK, "--format", "markdown", "-o", str(md_path)])
    assert md.exit_code == 0 and md.output == ""
    text = md_path.read_text()
    assert text.index("**Verdict") < text.index("| metric |")
    assert "| revenue_per_user (guardrail) | new_checkout vs control |" in text

    csv_out = runner.invoke(app, ["analyze", EXAMPLE_SPEC, "--format", "csv"])
    header = csv_out.output.splitlines()[0].split(",")
    assert csv_out.exit_code == 0 and header[:3] == ["experiment", "metric", "metric_type"]
    assert len(csv_out.output.splitlines()) == 4  # header + three metrics

    demo = runner.invoke(app, ["demo", "--example", "checkout", "--format", "json"])
    assert demo.exit_code == 0 and len(json.loads(demo.output)["comparisons"]) == 10


def test_help_version_and_old_commands(cli) -> None:
    out = cli("--help")
    assert out.returncode == 0
    for command in ("analyze", "check", "demo", "plan"):
        assert command in out.stdout
    check_help = cli("check", "--help")
    assert check_help.returncode == 0
    for text in ("Exit codes", "0  every rule holds", "1  a rule failed", "2  bad input or usage",
                 "GITHUB_STEP_SUMMARY"):
        assert text in check_help.stdout, text
    analyze_help = cli("analyze", "--help")
    assert "KIND:NAME[:FIELDS]" in analyze_help.stdout and "binary:signup" in analyze_help.stdout
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == "abstats 0.1.0"
