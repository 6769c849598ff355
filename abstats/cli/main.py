"""``abstats`` console script: typer app; each subcommand lives in its own module.

Command modules import numpy, pandas, scipy and pydantic inside their functions, so ``abstats --help``
and ``abstats check --help`` start without them (``benchmarks/bench_cli_startup.py`` measures it).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from abstats.cli import allocate, analyze, check, demo, plan, report, serve
from abstats.cli.output import FLAGS


class _Group(TyperGroup):
    """The root command group, with a ``--help`` flag that defaults to False rather than None.

    Typer coerces an option's value through a pydantic ``TypeAdapter`` unless it is already a bool;
    the root's unset ``--help`` (None) made ``abstats check --help`` import pydantic (about 40 % of its
    start-up) only to pass None through.
    """

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option

app = typer.Typer(
    name="abstats",
    help="A/B-testing statistics: score experiments, check them in CI, plan tests.",
    no_args_is_help=True,
    cls=_Group,
    add_completion=False,
    # plain help text: rich's help renderer (and the markdown parser it loads) doubled `--help` start-up
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from abstats import __version__

        typer.echo(f"abstats {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
    debug: bool = typer.Option(False, "--debug", help="show Python tracebacks instead of one-line errors"),
) -> None:
    """A/B-testing statistics: score experiments, check them in CI, plan tests.

    Exit codes: 0 success (check: every rule holds), 1 a check rule failed, 2 bad input or usage.
    """
    FLAGS.debug = debug


allocate.register(app)
analyze.register(app)
check.register(app)
demo.register(app)
plan.register(app)
report.register(app)
serve.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
