"""The console script: help, the demo table and its JSON, and errors as exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from abstats.cli.main import app

runner = CliRunner()


def test_help_lists_demo():
    out = runner.invoke(app, ["--help"])
    assert out.exit_code == 0 and "demo" in out.output


def test_demo_prints_the_result_table():
    out = runner.invoke(app, ["demo", "--example", "checkout"], env={"COLUMNS": "220"})
    assert out.exit_code == 0, out.output
    for text in ("conversion", "bounce_rate", "revenue_per_visitor", "average_order_value", "ctr", "stop_loser"):
        assert text in out.output


def test_demo_json_is_the_result_schema():
    out = runner.invoke(app, ["demo", "--example", "checkout", "--format", "json"])
    assert out.exit_code == 0
    payload = json.loads(out.output)
    assert payload["schema_version"] == "1.2" and len(payload["comparisons"]) == 10


def test_default_demo_aggregates_a_million_raw_events_with_duckdb(tmp_path_factory):
    cache = tmp_path_factory.getbasetemp() / "abstats-cache"  # generated once per run, like a user's first demo
    out = runner.invoke(app, ["demo"], env={"COLUMNS": "220", "ABSTATS_CACHE_DIR": str(cache)})
    assert out.exit_code == 0, out.output
    rows = int(out.output.split(" events in ")[0].replace(",", ""))
    assert rows >= 1_000_000
    assert "aggregated by DuckDB" in out.output and "seen in more than one variant" in out.output
    for text in ("conversion", "revenue_per_visitor", "average_order_value", "ctr", "one_click vs control"):
        assert text in out.output
    # the funnel of the same events: per-variant stages, then its stage-wise Result naming the bottleneck
    funnel = out.output.split("units per stage (% of the previous stage)")[1]
    table = funnel.split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in table[3:]] == ["visit", "product_view", "add_to_cart", "purchase", "overall"]
    assert max(len(line.rstrip()) for line in table) <= 80  # readable in an 80-column terminal
    overall = funnel.split("\n- overall\n")[1]  # the notes, grouped by metric
    assert "  - one_click vs control:" in overall
    assert "Bottleneck (largest drop-off): control at add_to_cart" in overall


def test_demo_refuses_an_unknown_example():
    out = runner.invoke(app, ["demo", "--example", "nope"])
    assert out.exit_code != 0


def test_console_script_is_installed_and_fast_to_import():
    # `import abstats` must not pull in the heavy optional stacks.
    heavy = "('pymc', 'arviz', 'matplotlib', 'pytensor', 'ibis', 'duckdb')"
    code = f"import sys, abstats, abstats.cli.main; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
