"""``abstats demo``: analyse a bundled example and print the result table.

``--example events`` (default) aggregates a million-row raw-events parquet (generated on first run,
then cached) through DuckDB in one call, then analyses its funnel (visit -> product view -> add to
cart -> purchase) stage by stage (table format; ``--format json`` prints the metrics' Result only);
``--example checkout`` scores the three-arm checkout test
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
            if example == "events":
                _print_funnel()


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


def _print_funnel() -> None:
    """The example's funnel per variant (units, share of the previous stage), then its stage-wise Result."""
    from dataclasses import replace

    import abstats
    from abstats.cli.output import stdout_console
    from abstats.examples.make_events import events_example, shop_funnel, shop_metrics
    from abstats.funnel.events import funnel_counts_from_events
    from abstats.result.terminal import print_table

    # revenue at the end of the funnel, reported beside the stages; the overall conversion decides
    metrics = {replace(m, role="secondary"): how for m, how in shop_metrics().items()
               if m.name in ("revenue_per_visitor", "average_order_value")}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", abstats.MultiVariantUnitsWarning)  # reported with the metrics above
        counts = funnel_counts_from_events(shop_funnel(), str(events_example()), unit="user_id", timestamp="ts",
                                           variant="variant", exposure=_exposure(), metrics=metrics, connection=None)
    seconds = time.perf_counter() - start
    console = stdout_console()
    console.print()
    console.print(f"[bold]Funnel[/] (stages reached after exposure, in any order; DuckDB, {seconds:.1f} s)")
    conversion = counts.stage_conversion()
    rows = []
    for k, stage in enumerate(counts.stages):
        cells = [f"{counts.counts[i, k]:,.0f}" + (f" ({conversion[i, k - 1]:.1%})" if k else "")
                 for i in range(len(counts.variants))]
        rows.append([stage, *cells])
    rows.append(["overall", *(f"{x:.2%}" for x in counts.overall())])
    print_table(console, ["stage", *map(str, counts.variants)], rows,
                title="units per stage (% of the previous stage)")
    console.print()
    print_result(counts.analyze(control="control"), console)


def _exposure() -> object:
    from ibis import _

    return _.event == "exposure"
