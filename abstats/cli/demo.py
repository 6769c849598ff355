"""``abstats demo``: analyse the bundled three-arm checkout experiment and print the result table."""

from __future__ import annotations

import typer

from abstats.cli.output import abstats_errors, print_result


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Score the bundled checkout example (conversion, bounce rate, revenue per visitor, AOV, CTR)."""
    from abstats.analysis import analyze
    from abstats.examples import checkout

    with abstats_errors():
        table, metrics = checkout()
        result = analyze(table, metric=metrics, control="control")
        if fmt == "json":
            typer.echo(result.to_json(indent=2))
        elif fmt == "table":
            print_result(result)
        else:
            raise typer.BadParameter("--format must be 'table' or 'json'")
