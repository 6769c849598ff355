"""``abstats allocate``: the next traffic weights of a bandit experiment spec."""

from __future__ import annotations

import typer

from abstats.cli.output import abstats_errors, check_format

FORMATS = ("table", "json", "csv")

HELP = """Recommend traffic weights per arm for a bandit experiment spec (YAML, TOML or JSON).

Weights are the arms' exact posterior P(best) (Thompson sampling in expectation) or the
top-two Thompson allocation, with the spec's `allocation` floor and control share; each
experiment's weights sum to exactly 1.

\b
  abstats allocate spec.yaml
  abstats allocate spec.yaml --format json

Exit codes: 0 printed, 2 bad input or usage (one line on stderr).
"""


def register(app: typer.Typer) -> None:
    app.command("allocate", help=HELP)(allocate)


def allocate(
    source: str = typer.Argument(..., metavar="SPEC", help="experiment spec with an optional allocation section"),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv"),
) -> None:
    with abstats_errors():
        check_format(fmt, FORMATS)
        from abstats.spec import ExperimentSpec

        allocation = ExperimentSpec.from_file(source).allocate()
        if fmt == "json":
            import orjson

            typer.echo(orjson.dumps({"settings": allocation.settings, "arms": allocation.to_records()},
                                    option=orjson.OPT_INDENT_2).decode())
        elif fmt == "csv":
            typer.echo(allocation.to_frame().to_csv(index=False), nl=False)
        else:
            from abstats.cli.output import stdout_console
            from abstats.result.terminal import print_table

            rows = [[str(r["experiment"]), str(r["variant"]) + (" (control)" if r["is_control"] else ""),
                     f"{r['prob_best']:.4f}", f"{r['weight']:.4f}"] for r in allocation.to_records()]
            title = f"abstats allocate · {allocation.settings['rule']} · floor={allocation.settings['floor']:g}"
            print_table(stdout_console(), ["experiment", "arm", "P(best)", "weight"], rows, title=title)
