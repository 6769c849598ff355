"""``abstats serve``: the HTTP/JSON service under uvicorn, on loopback unless told otherwise."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from abstats.cli.output import abstats_errors
from abstats.server.settings import (
    DEFAULT_MAX_BATCH,
    DEFAULT_MAX_BODY_MB,
    DEFAULT_MAX_ROWS,
    SETTINGS_ENV,
    TOKEN_ENV,
    ServerSettings,
)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on (loopback by default: nothing is exposed)"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
    token: str | None = typer.Option(
        None, help=f"bearer token required by every endpoint but health and the docs (or ${TOKEN_ENV})",
        show_default=False,
    ),
    max_body_mb: float = typer.Option(DEFAULT_MAX_BODY_MB, "--max-body-mb", help="largest request body (413 above)"),
    max_batch: int = typer.Option(DEFAULT_MAX_BATCH, "--max-batch", help="most specs per /v1/analyze (413 above)"),
    max_rows: int = typer.Option(DEFAULT_MAX_ROWS, "--max-rows", help="most rows per /v1/compare (413 above)"),
    allow_data: Annotated[list[Path] | None, typer.Option(
        "--allow-data", help="directory whose files specs may name as data.path (repeatable; default: none)"
    )] = None,
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error"),
) -> None:
    """Serve the HTTP/JSON API (/v1/analyze, /v1/compare, /v1/plan, /v1/check, /v1/health, /metrics, /docs).

    Example: abstats serve --port 8000 --token "$(openssl rand -hex 16)" --allow-data ./data
    """
    import os

    with abstats_errors():
        settings = ServerSettings.from_cli(
            host=host, port=port, workers=workers, token=token, max_body_mb=max_body_mb, max_batch=max_batch,
            max_rows=max_rows, allow_data=allow_data or [],
        )
    import uvicorn

    _access_log(log_level)
    # uvicorn's own access log is off: the app writes one JSON line per request (abstats.server.access)
    if settings.workers == 1:
        from abstats.server import create_app

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, access_log=False,
                    log_level=log_level, timeout_graceful_shutdown=10)
        return
    # each worker process builds its own app from the settings passed in the environment
    os.environ[SETTINGS_ENV] = settings.to_env()
    uvicorn.run("abstats.server.app:create_app_from_env", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, access_log=False, log_level=log_level, timeout_graceful_shutdown=10)


def _access_log(level: str) -> None:
    """JSON access lines on stdout, one per request; errors of the app on stderr."""
    access = logging.getLogger("abstats.server.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False
    errors = logging.getLogger("abstats.server")
    if not any(isinstance(h, logging.StreamHandler) for h in errors.handlers):
        errors.addHandler(logging.StreamHandler(sys.stderr))
    errors.setLevel(level.upper() if level.upper() in ("DEBUG", "INFO", "WARNING", "ERROR") else "INFO")
