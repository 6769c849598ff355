"""``abstats check``: the experiment's verdict and the spec's rules as an exit code a CI job can trust."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from abstats.cli.output import EXIT_RULE_FAILED, abstats_errors, check_format, write_atomic

if TYPE_CHECKING:
    from abstats.result import Result
    from abstats.spec import CheckOutcome, ExperimentSpec

FORMATS = ("markdown", "json", "table")

HELP = """Check an experiment spec's rules: exit 0 when every rule holds, 1 when one fails.

Rules (the spec's `rules:`): require_winner (a treatment won every primary metric),
fail_on_guardrail (no guardrail harmed; default on), fail_on_srm (no sample-ratio
mismatch; default on), min_sample (units in every compared arm).

Prints a markdown summary (verdict first, then the table) on stdout, or JSON with
--format json, and appends the markdown to the file named by $GITHUB_STEP_SUMMARY
when that variable is set.

\b
Exit codes:
  0  every rule holds
  1  a rule failed (each failing rule and its reason on stderr)
  2  bad input or usage: missing or invalid spec or data (one line on stderr,
     nothing on stdout)

\b
  abstats check examples/checkout/spec.yaml
  abstats check spec.yaml --format json --output check.json
"""


def register(app: typer.Typer) -> None:
    app.command("check", help=HELP)(check)


def check(
    spec_path: str = typer.Argument(..., metavar="SPEC", help="experiment spec (.yaml, .yml, .toml or .json)"),
    fmt: str = typer.Option("markdown", "--format", "-f", help="markdown, json or table"),
    wide: bool = typer.Option(False, "--wide", help="every column in the table"),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write the report here (atomically)")
    ] = None,
) -> None:
    with abstats_errors():
        check_format(fmt, FORMATS)
        from abstats.spec import ExperimentSpec, check_rules

        spec = ExperimentSpec.from_file(spec_path)
        result = spec.run()
        outcome = check_rules(result, spec)
        markdown = check_markdown(spec, result, outcome, wide=wide)
        if fmt == "json":
            text = json.dumps({**outcome.to_dict(), "spec": spec_path, "result": result.to_dict()}, indent=2) + "\n"
        elif fmt == "markdown":
            text = markdown
        else:
            text = _table_text(result, outcome, wide)
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_atomic(output, text)
        _append_step_summary(markdown)
    for rule, reason in outcome.failures:
        sys.stderr.write(f"check failed: {rule}: {reason}\n")
    if not outcome.passed:
        raise typer.Exit(EXIT_RULE_FAILED)


def check_markdown(spec: ExperimentSpec, result: Result, outcome: CheckOutcome, *, wide: bool = False) -> str:
    """Verdict first (passed or failed, each experiment's verdict), then the compact table and the failures."""
    from abstats.cli.tables import detail_of, markdown_table
    from abstats.result.table import result_rows

    name = spec.name or (Path(spec.source).stem if spec.source else "experiment")
    status = "passed" if outcome.passed else "failed"
    mark = "✅" if outcome.passed else "❌"
    several = len(outcome.verdicts) > 1
    lines = [f"### {mark} abstats check {status}: {name}", ""]
    for v in outcome.verdicts:
        ship = f" ({', '.join(map(str, v['ship']))})" if v["ship"] else ""
        where = f"{v['experiment']}: " if several else ""
        lines.append(f"- {where}**{v['verdict']}**{ship}: {v['reason']}")
    lines.append("")
    headers, rows = result_rows(result, detail_of(wide))
    lines += [markdown_table(headers, rows), ""]
    if outcome.failures:
        lines.append("**Failed rules**")
        lines.append("")
        lines += [f"- `{rule}`: {reason}" for rule, reason in outcome.failures]
        lines.append("")
    return "\n".join(lines)


def _table_text(result: Result, outcome: CheckOutcome, wide: bool) -> str:
    from io import StringIO

    from rich.console import Console

    from abstats.cli.output import print_result

    buffer = StringIO()
    console = Console(file=buffer, highlight=False, force_terminal=False, width=_width())
    print_result(result, console, wide=wide)
    console.print(f"check {'passed' if outcome.passed else 'failed'}", highlight=False)
    return buffer.getvalue()


def _width() -> int:
    try:
        return max(40, int(os.environ.get("COLUMNS", "80")))
    except ValueError:
        return 80


def _append_step_summary(markdown: str) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` (GitHub Actions shows it on the run's page)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as f:
            f.write(markdown + "\n")
    except OSError as exc:  # the summary is a courtesy: the exit code still carries the check
        sys.stderr.write(f"warning: could not append to GITHUB_STEP_SUMMARY {target}: {exc.strerror}\n")
