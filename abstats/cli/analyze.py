"""``abstats analyze``: score an experiment spec, or a table of aggregates for a quick look."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from abstats.cli.output import abstats_errors, check_format, print_result, write_atomic
from abstats.errors import ConfigError

if TYPE_CHECKING:
    from abstats.result import Result
    from abstats.spec import ExperimentSpec

FORMATS = ("table", "json", "markdown", "csv")
KINDS = ("binary", "mean", "ratio")

HELP = """Score an experiment spec (YAML, TOML or JSON) and print the Result.

Quick look without a spec: give a data file (CSV, JSON or parquet aggregates, one row per
variant) with --control and one --metric per metric, each KIND:NAME[:FIELDS]:

\b
  KIND    binary, mean or ratio
  NAME    the metric's name (and, by default, nothing else)
  FIELDS  comma-separated key=value: aggregate columns (binary: n, conversions;
          mean: n, sum, sum_sq, nonzero; ratio: n, num_sum, den_sum, num_sum_sq,
          den_sum_sq, num_den_sum) or higher_is_better, role, margin, margin_type

\b
  abstats analyze examples/checkout/spec.yaml
  abstats analyze data.csv --control control --metric binary:signup
  abstats analyze data.csv --control A --metric binary:bounce:conversions=bounces,higher_is_better=false
  abstats analyze data.csv --control A --metric mean:revenue:sum=rev,sum_sq=rev_sq,role=guardrail,margin=0.05

Exit codes: 0 printed, 2 bad input or usage (one line on stderr).
"""


def register(app: typer.Typer) -> None:
    app.command("analyze", help=HELP)(analyze)


def analyze(
    source: str = typer.Argument(..., metavar="SPEC_OR_DATA", help="experiment spec, or data file with --metric"),
    metric: Annotated[
        list[str] | None, typer.Option("--metric", "-m", help="KIND:NAME[:FIELDS] (quick look; repeatable)")
    ] = None,
    control: str | None = typer.Option(None, "--control", help="control variant (quick look)"),
    variant: str = typer.Option("variant", "--variant", help="variant column (quick look)"),
    experiment: str | None = typer.Option(None, "--experiment", help="experiment column (quick look)"),
    method: str = typer.Option("frequentist", "--method", help="registered method (quick look)"),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json, markdown or csv"),
    wide: bool = typer.Option(False, "--wide", help="every column, not the compact four"),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here (atomically) instead of stdout")
    ] = None,
) -> None:
    with abstats_errors():
        check_format(fmt, FORMATS)
        spec = quick_spec(source, metric, control, variant, experiment, method) if metric else load_spec(source)
        if control is not None and not metric:
            raise ConfigError("--control", control, "no --control with a spec (the spec names its control)")
        result = spec.run()
        emit(result, fmt, wide=wide, output=output, title=spec.name)


def load_spec(path: str) -> ExperimentSpec:
    from abstats.spec import ExperimentSpec

    return ExperimentSpec.from_file(path)


def quick_spec(
    data: str, metrics: list[str], control: str | None, variant: str, experiment: str | None, method: str
) -> ExperimentSpec:
    """The spec a quick look stands for, validated by the same model (errors name ``--metric``)."""
    from abstats.spec import ExperimentSpec

    if control is None:
        raise ConfigError("--control", None, "the control variant's name for a quick look (--control NAME)")
    doc: dict[str, Any] = {
        "data": {"path": data},
        "control": control,
        "variant": variant,
        "experiment": experiment,
        "method": method,
        "metrics": [parse_metric(text) for text in metrics],
    }
    return ExperimentSpec.from_mapping(doc, source="command line")


def parse_metric(text: str) -> dict[str, Any]:
    """``KIND:NAME[:FIELDS]`` as a spec metric entry; aggregate keys get their ``_field`` suffix.

    Examples
    --------
    >>> parse_metric("binary:bounce:conversions=bounces,higher_is_better=false")
    {'kind': 'binary', 'name': 'bounce', 'conversions_field': 'bounces', 'higher_is_better': 'false'}
    """
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[1]:
        raise ConfigError("--metric", text, "KIND:NAME[:FIELDS], e.g. binary:signup or mean:revenue:sum=rev")
    kind, name = parts[0], parts[1]
    if kind not in KINDS:
        raise ConfigError("--metric", text, f"a metric kind first: one of {', '.join(KINDS)} (got {kind!r})")
    entry: dict[str, Any] = {"kind": kind, "name": name}
    settings = ("higher_is_better", "role", "margin", "margin_type")
    for pair in (parts[2].split(",") if len(parts) == 3 and parts[2] else []):
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise ConfigError("--metric", text, f"FIELDS as key=value pairs (got {pair!r})")
        entry[key if key in settings else f"{key}_field"] = value
    return entry


def emit(result: Result, fmt: str, *, wide: bool, output: Path | None, title: str | None) -> None:
    """The Result in ``fmt`` on stdout, or written atomically to ``output``."""
    if fmt == "table":
        if output is None:
            print_result(result, wide=wide)
            return
        from io import StringIO

        from rich.console import Console

        buffer = StringIO()
        print_result(result, Console(file=buffer, width=200, highlight=False, force_terminal=False), wide=wide)
        text = buffer.getvalue()
    elif fmt == "json":
        text = result.to_json(indent=2) + "\n"
    elif fmt == "markdown":
        from abstats.cli.tables import result_markdown

        text = result_markdown(result, wide=wide, title=title)
    else:
        text = result.to_frame().to_csv(index=False)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text)
