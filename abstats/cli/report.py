"""``abstats report``: one self-contained HTML file of an experiment spec's Result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from abstats.cli.output import abstats_errors

HELP = """Score an experiment spec and write one self-contained HTML report.

The file has the verdict, the table, the plots (inline SVG), the reasons and
warnings, and the settings; inline CSS, no script, nothing loaded from the
network: upload it as a CI artifact or link it from a dashboard.

\b
  abstats report examples/checkout/spec.yaml --output report.html

Exit codes: 0 written, 2 bad input or usage (one line on stderr, no file written).
"""


def register(app: typer.Typer) -> None:
    app.command("report", help=HELP)(report)


def report(
    spec_path: str = typer.Argument(..., metavar="SPEC", help="experiment spec (.yaml, .yml, .toml or .json)"),
    output: Annotated[Path, typer.Option("--output", "-o", help="the HTML file to write (atomically)")] = Path(
        "report.html"),
    title: str | None = typer.Option(None, "--title", help="page heading (default: the spec's name)"),
) -> None:
    with abstats_errors():
        # heavy imports here, not at module level: `abstats --help` stays fast
        import matplotlib

        matplotlib.use("Agg")  # a report is written, never shown: no display needed

        from abstats.atomic_file import writable_target
        from abstats.result.report import write_html_report
        from abstats.spec import ExperimentSpec

        writable_target(output, field="--output")  # a bad path fails before the data is read
        spec = ExperimentSpec.from_file(spec_path)
        result = spec.run()
        path = write_html_report(result, output, title=title or spec.name or Path(spec_path).stem, field="--output")
        typer.echo(f"wrote {path}")
