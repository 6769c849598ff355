"""The HTTP/JSON service: ``abstats serve``, or ``create_app(settings)`` for any ASGI server.

Needs the ``server`` extra (``pip install abstats[server]``: FastAPI, uvicorn, prometheus-client).

>>> from abstats.server import ServerSettings, create_app
>>> app = create_app(ServerSettings(max_batch=1000))
>>> app.title
'abstats'
"""

from abstats.server.app import create_app
from abstats.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
