"""The server's settings: one frozen value, checked once, handed to :func:`abstats.server.create_app`."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from abstats.errors import ConfigError

DEFAULT_MAX_BODY_MB = 10.0
DEFAULT_MAX_BATCH = 10_000
DEFAULT_MAX_ROWS = 1_000_000
# Environment variable that carries the settings to uvicorn's worker processes (each builds its own app).
SETTINGS_ENV = "ABSTATS_SERVER_SETTINGS"
TOKEN_ENV = "ABSTATS_TOKEN"


@dataclass(frozen=True)
class ServerSettings:
    """What one running abstats service allows.

    Parameters
    ----------
    host, port
        Where uvicorn listens; loopback by default, so nothing is exposed unless asked.
    workers
        uvicorn worker processes (each scores requests independently).
    token
        Bearer token every scoring endpoint and ``/metrics`` require (``None``: no authentication).
        ``/v1/health``, ``/openapi.json`` and the docs stay open.
    max_body_bytes
        Largest request body accepted; a larger one is answered 413 before it is parsed.
    max_batch
        Most experiments in one ``/v1/analyze`` request (more: 413).
    max_rows
        Most rows (two-arm experiments) in one ``/v1/compare`` request (more: 413).
    allow_data
        Directories whose files a request may reference as data; empty (the default) refuses
        every file reference. Stored resolved (absolute, symlinks followed).

    Examples
    --------
    >>> ServerSettings(token="s3cret").max_body_bytes
    10485760
    >>> ServerSettings(port=0)
    Traceback (most recent call last):
    abstats.errors.ConfigError: port = 0, expected a whole number from 1 to 65535
    """

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    token: str | None = field(default=None, repr=False)
    max_body_bytes: int = int(DEFAULT_MAX_BODY_MB * 1024 * 1024)
    max_batch: int = DEFAULT_MAX_BATCH
    max_rows: int = DEFAULT_MAX_ROWS
    allow_data: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.host, str) or not self.host:
            raise ConfigError("host", self.host, "a host name or address")
        _check_whole("port", self.port, 1, 65_535)
        _check_whole("workers", self.workers, 1, 64)
        _check_whole("max_body_bytes", self.max_body_bytes, 1, 2**40)
        _check_whole("max_batch", self.max_batch, 1, 10**9)
        _check_whole("max_rows", self.max_rows, 1, 10**9)
        if self.token is not None and (not isinstance(self.token, str) or not self.token.strip()):
            raise ConfigError("token", "<hidden>", "a non-empty string (or no token)")
        resolved = []
        for entry in self.allow_data:
            path = Path(entry).expanduser().resolve()
            if not path.is_dir():
                raise ConfigError("allow_data", str(entry), "an existing directory")
            resolved.append(path)
        object.__setattr__(self, "allow_data", tuple(resolved))

    @classmethod
    def from_cli(
        cls,
        *,
        host: str,
        port: int,
        workers: int,
        token: str | None,
        max_body_mb: float,
        max_batch: int,
        max_rows: int,
        allow_data: list[Path],
    ) -> ServerSettings:
        """Settings from the ``abstats serve`` options; ``token`` falls back to ``$ABSTATS_TOKEN``."""
        if not max_body_mb > 0:
            raise ConfigError("max_body_mb", max_body_mb, "a size in MB > 0")
        return cls(
            host=host,
            port=port,
            workers=workers,
            token=token or os.environ.get(TOKEN_ENV) or None,
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            max_batch=max_batch,
            max_rows=max_rows,
            allow_data=tuple(allow_data),
        )

    def to_env(self) -> str:
        """These settings as JSON, for :meth:`from_env` in a uvicorn worker process."""
        values: dict[str, Any] = asdict(self)
        values["allow_data"] = [str(p) for p in self.allow_data]
        return json.dumps(values)

    @classmethod
    def from_env(cls) -> ServerSettings:
        """The settings :meth:`to_env` wrote to ``$ABSTATS_SERVER_SETTINGS`` (defaults when unset)."""
        text = os.environ.get(SETTINGS_ENV)
        if not text:
            return cls()
        values = json.loads(text)
        values["allow_data"] = tuple(Path(p) for p in values.get("allow_data", ()))
        return cls(**values)


def _check_whole(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, value, f"a whole number from {low} to {high}")
