"""``abstats demo``: analyse a bundled example and print the result table.

``--example events`` (default) aggregates a million-row raw-events parquet (generated on first run,
then cached) through DuckDB in one call; ``--example checkout`` scores the three-arm checkout test
from its per-variant aggregates.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING

import typer

from abstats.cli.output import abstats_errors, print_result, stdout_console

if TYPE_CHECKING:
    from abstats.result import Result


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    fmt: str = typer.Option("table", "--format", help="table or json"),
    example: str = typer.Option("events", "--example", help="events (raw events via DuckDB) or checkout (aggregates)"),
) -> None:
    """Score a bundled example: raw shop events (default) or the checkout aggregates."""
    from abstats.analysis import analyze

    if fmt not in ("table", "json"):
        raise typer.BadParameter("--format must be 'table' or 'json'")
    if example not in ("events", "checkout"):
        raise typer.BadParameter("--example must be 'events' or 'checkout'")
    with abstats_errors():
        if example == "checkout":
            from abstats.examples import checkout

            table, metrics = checkout()
            result = analyze(table, metric=metrics, control="control")
        else:
            result = _events_result(verbose=fmt == "table")
        if fmt == "json":
            typer.echo(result.to_json(indent=2))
        else:
            print_result(result)


def _events_result(verbose: bool) -> Result:
    import pyarrow.parquet as pq
    from ibis import _

    from abstats.analysis import analyze
    from abstats.data.events import from_events
    from abstats.errors import MultiVariantUnitsWarning
    from abstats.examples.make_events import events_example, shop_metrics

    path = events_example()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MultiVariantUnitsWarning)
        data = from_events(str(path), shop_metrics(), unit="user_id", timestamp="ts", exposure=_.event == "exposure")
    seconds = time.perf_counter() - start
    if verbose:  # through rich: wrapped at the terminal's width, whole lines when piped
        console = stdout_console()
        soft = not console.is_terminal
        rows = pq.read_metadata(path).num_rows
        units = int(sum(data[0].stats.n))
        console.print(f"{rows:,} events in {path}", soft_wrap=soft, markup=False)
        console.print(f"-> {units:,} exposed users, aggregated by DuckDB in {seconds:.1f} s", soft_wrap=soft,
                      markup=False)
        for w in caught:
            if issubclass(w.category, MultiVariantUnitsWarning):
                console.print(f"note: {w.message}", soft_wrap=soft, markup=False)
        console.print()
    return analyze(data, control="control")
