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
    out = runner.invoke(app, ["demo"], env={"COLUMNS": "220"})
    assert out.exit_code == 0, out.output
    for text in ("conversion", "bounce_rate", "revenue_per_visitor", "average_order_value", "ctr", "stop_loser"):
        assert text in out.output


def test_demo_json_is_the_result_schema():
    out = runner.invoke(app, ["demo", "--format", "json"])
    assert out.exit_code == 0
    payload = json.loads(out.output)
    assert payload["schema_version"] == "1.1" and len(payload["comparisons"]) == 10


def test_console_script_is_installed_and_fast_to_import():
    # `import abstats` must not pull in the heavy optional stacks.
    code = (
        "import sys, abstats, abstats.cli.main; "
        "print(sorted(m for m in ('pymc', 'arviz', 'matplotlib', 'pytensor') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
