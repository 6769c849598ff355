"""``abstats`` console script: typer app; each subcommand lives in its own module."""

from __future__ import annotations

import typer

from abstats.cli import demo, plan, serve

app = typer.Typer(
    name="abstats",
    help="A/B-testing statistics: score experiments, plan tests, decide when to stop.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """A/B-testing statistics: score experiments, plan tests, decide when to stop."""


demo.register(app)
plan.register(app)
serve.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
