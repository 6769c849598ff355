"""The HTTP/JSON service: ``abstats serve``, or ``create_app(settings)`` for any ASGI server.

Needs the ``server`` extra (``pip install abstats[server]``: FastAPI, uvicorn, prometheus-client).
``create_app`` is imported on first use, so ``abstats --help`` does not load FastAPI.

>>> from abstats.server import ServerSettings, create_app
>>> app = create_app(ServerSettings(max_batch=1000))
>>> app.title
'abstats'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from abstats.server.settings import ServerSettings

if TYPE_CHECKING:
    from abstats.server.app import create_app

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from abstats.server.app import create_app

        return create_app
    raise AttributeError(f"module 'abstats.server' has no attribute {name!r}")
