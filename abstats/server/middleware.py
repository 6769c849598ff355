"""Plain ASGI middleware: access log and metrics, bearer-token auth, body-size limit.

Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``: no extra task or body copy per
request, and the body limit can count bytes as they arrive, before anything parses them.
Order, outermost first: observe (so refusals are logged and counted), auth (before a body is
read), body limit.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram

from abstats.server.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ACCESS_LOG = logging.getLogger("abstats.server.access")

# Paths open without a token: liveness probes and the API description.
OPEN_PATHS = frozenset({"/v1/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
# Latency buckets in seconds: the service aims at < 0.1 s for a 1,000-experiment batch.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


async def send_json(send: Send, status: int, body: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    """Answer with a JSON body (used before or instead of the app)."""
    payload = orjson.dumps(body)
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": payload})


class Metrics:
    """Request counts and latency histograms per endpoint, in a registry of this app's own (no global state)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "abstats_http_requests", "HTTP requests answered", ["method", "endpoint", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "abstats_http_request_duration_seconds", "Time to answer a request, body read to last byte sent",
            ["method", "endpoint"], buckets=_BUCKETS, registry=self.registry,
        )

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(method, endpoint, str(status)).inc()
        self.latency.labels(method, endpoint).observe(seconds)


class Observe:
    """One JSON access-log line and one metrics observation per request.

    The endpoint label is the matched route's path template; unmatched paths count as
    ``"other"`` so a scan of random URLs cannot grow the metric's label set.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, known_paths: frozenset[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.known_paths = known_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # if the app dies before answering, uvicorn answers 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            seconds = time.perf_counter() - start
            path = scope.get("path", "")
            endpoint = path if path in self.known_paths else "other"
            method = scope.get("method", "")
            self.metrics.observe(method, endpoint, status, seconds)
            ACCESS_LOG.info(orjson.dumps({
                "method": method, "path": path, "status": status, "duration_ms": round(seconds * 1000, 3),
            }).decode())


class BearerAuth:
    """401 unless ``Authorization: Bearer <token>`` matches, compared in constant time (outside :data:`OPEN_PATHS`)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in OPEN_PATHS or self._authorised(scope):
            await self.app(scope, receive, send)
            return
        await send_json(
            send, 401,
            error_body(("header", "authorization"), "a valid bearer token: Authorization: Bearer <token>", None,
                       "unauthorized"),
            [(b"www-authenticate", b"Bearer")],
        )

    def _authorised(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, given = bytes(value).partition(b" ")
                # bytes, not str: compare_digest refuses non-ASCII str, and a header may hold any byte
                return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)
        return False


class BodyLimit:
    """413 for a body over ``max_bytes``: by ``Content-Length`` at once, else by counting the bytes as they arrive.

    The body is read here in full (at most ``max_bytes``) and replayed to the app, so a client
    that lies about or omits ``Content-Length`` is still cut off.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send, declared)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                await self._refuse(send, total)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, size: int) -> None:
        await send_json(send, 413, error_body(
            ("body",), f"a request body of at most {self.max_bytes} bytes (the server's --max-body-mb)", size,
            "body_too_large",
        ))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server (h11/httptools) refuses a malformed length itself
    return None
