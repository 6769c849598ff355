"""Printing Results on the terminal (rich) and turning abstats errors into exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table

from abstats.errors import AbstatsError
from abstats.result import Result

# Exit code for invalid input or settings (usage errors are typer's 2 as well).
EXIT_BAD_INPUT = 2


@contextmanager
def abstats_errors() -> Iterator[None]:
    """Print an abstats error as one line on stderr and exit non-zero, with no traceback."""
    try:
        yield
    except AbstatsError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def print_result(result: Result, console: Console | None = None) -> None:
    console = console or Console()
    frame = result.summary_frame()
    table = Table(title=_title(result), show_lines=False)
    for col in frame.columns:
        left = col in ("metric", "comparison", "decision", "warnings")
        table.add_column(str(col), justify="left" if left else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*(_style(col, str(v)) for col, v in zip(frame.columns, row, strict=True)))
    console.print(table)
    for i in range(len(result)):
        console.print(f"[bold]{result['metric'][i]}[/], {result['treatment'][i]}: {result.reason(i)}", highlight=False)
        for w in result.warnings(i):
            console.print(f"  [yellow]warning[/] [{w['code']}] {w['message']}", highlight=False)


def _title(result: Result) -> str:
    s = result.settings
    parts = ["abstats", result.method_object.label]
    parts += [f"{key}={s[key]}" for key in ("alpha", "ci_level", "alternative", "correction") if key in s]
    return " · ".join(parts)


def _style(column: str, value: str) -> str:
    if column != "decision":
        return value
    colour = {"stop_winner": "green", "stop_loser": "red", "continue": "cyan"}.get(value, "yellow")
    return f"[{colour}]{value}[/]"
