"""The FastAPI application: endpoints under ``/v1``, error handlers and middleware, built per settings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

import abstats
from abstats.errors import AbstatsError
from abstats.result import SCHEMA_VERSION
from abstats.server.errors import (
    LOG,
    RequestRefused,
    clean_loc,
    error_body,
    internal_error_body,
    json_safe,
    new_error_id,
)
from abstats.server.middleware import BearerAuth, BodyLimit, Metrics, Observe
from abstats.server.models import (
    HTTP_METHODS,
    AllocateResponse,
    AnalyzeResponse,
    CheckResponse,
    CompareRequest,
    CompareResponse,
    ErrorResponse,
    HealthResponse,
    PlanRequest,
    PlanResponse,
    SpecRequest,
)
from abstats.server.responses import OrjsonResponse
from abstats.server.scoring import (
    admitted_specs,
    allocate_specs,
    analyze_specs,
    check_specs,
    parse_fields,
    result_columns,
    run_compare,
    run_plan,
    settings_json,
)
from abstats.server.settings import ServerSettings

_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "body or batch over the server's limits"},
    422: {"model": ErrorResponse, "description": "invalid input: loc names the field path, input the value"},
}
_DESCRIPTION = """\
A/B-testing statistics over HTTP: the same engine, Result JSON and verdicts as the Python API.

* `POST /v1/analyze`: experiment specs (one, or a batch) -> Result JSON with verdicts per spec.
* `POST /v1/compare`: many two-arm experiments as columns or records -> columnar scores (`fields=` for fewer columns).
* `POST /v1/plan`: sample size, MDE or power of a planned test.
* `POST /v1/check`: the spec's CI rules -> pass / fail with reasons.
* `POST /v1/allocate`: experiment specs -> bandit traffic weights per arm (the spec's `allocation` section).

Refusals are JSON `{"detail": [{"loc", "msg", "input", "type"}]}`: 401 without the bearer token (when the
server has one), 403 for a data file outside the server's allow-list, 413 for a body over `--max-body-mb` or a
batch over `--max-batch` / `--max-rows`, 422 for invalid input (`loc` is the path of the field).
"""


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """A new application for ``settings`` (defaults: loopback, no token, 10 MB bodies, 10,000 per batch).

    Everything the app needs (settings, metrics registry) lives on this app object: two apps in
    one process share nothing.

    Parameters
    ----------
    settings
        What the server allows; see :class:`~abstats.server.ServerSettings`.

    Returns
    -------
    FastAPI
        An ASGI application; ``uvicorn.run(app)`` serves it, ``fastapi.testclient.TestClient(app)`` calls it.

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> client = TestClient(create_app())
    >>> client.get("/v1/health").json()["status"]
    'ok'
    """
    settings = settings or ServerSettings()
    secured = [Depends(HTTPBearer(auto_error=False, description="the server's --token"))] if settings.token else []
    app = FastAPI(
        title="abstats",
        version=abstats.__version__,
        description=_DESCRIPTION,
        default_response_class=OrjsonResponse,
    )
    app.state.settings = settings
    metrics = Metrics()
    app.state.metrics = metrics

    @app.get("/v1/health", response_model=HealthResponse, tags=["service"])
    def health() -> OrjsonResponse:
        """Liveness: the version, the Result schema version and the methods this server runs (no token needed)."""
        return OrjsonResponse({
            "status": "ok", "version": abstats.__version__, "schema_version": SCHEMA_VERSION,
            "methods": list(HTTP_METHODS),
        })

    spec_errors = {**_ERRORS, 403: {"model": ErrorResponse, "description": "a data file outside --allow-data"}}

    @app.post("/v1/analyze", response_model=AnalyzeResponse, responses=spec_errors, dependencies=secured,
              tags=["scoring"])
    def analyze_endpoint(request: SpecRequest) -> OrjsonResponse:
        """Score one experiment spec, or a batch ``{experiments: [...]}``: the Result JSON of each, with verdicts.

        A spec's data is inline (``data.aggregates``: columns or records) or a file (``data.path``) inside a
        directory the server was started with (``--allow-data``).
        """
        items = admitted_specs(request, settings.max_batch, settings.allow_data)
        with scoring():
            return OrjsonResponse(analyze_specs(items))

    @app.post("/v1/check", response_model=CheckResponse, responses=spec_errors, dependencies=secured,
              tags=["scoring"])
    def check_endpoint(request: SpecRequest) -> OrjsonResponse:
        """The spec's CI rules (``abstats check``): pass / fail per spec with the failing rules' reasons."""
        items = admitted_specs(request, settings.max_batch, settings.allow_data)
        with scoring():
            return OrjsonResponse(check_specs(items))

    @app.post("/v1/allocate", response_model=AllocateResponse, responses=spec_errors, dependencies=secured,
              tags=["scoring"])
    def allocate_endpoint(request: SpecRequest) -> OrjsonResponse:
        """Bandit traffic weights per arm for one spec or a batch (``abstats allocate``): P(best) from the exact
        posteriors, Thompson or top-two Thompson in expectation, the spec's ``allocation`` floor and control share."""
        items = admitted_specs(request, settings.max_batch, settings.allow_data)
        with scoring():
            return OrjsonResponse(allocate_specs(items))

    @app.post("/v1/compare", response_model=CompareResponse, responses=_ERRORS, dependencies=secured,
              tags=["scoring"])
    def compare_endpoint(
        request: CompareRequest,
        fields: Annotated[str | None, Query(
            max_length=2000,
            description="comma-separated Result columns to return (default: all, with reason and warnings); "
            "e.g. experiment,effect,p_value,decision",
        )] = None,
    ) -> OrjsonResponse:
        """Score many two-arm experiments at once (``abstats.compare``): columns or records in, columns out."""
        names = parse_fields(fields)
        with scoring():
            result = run_compare(request, settings.max_rows)
            body = {
                "schema_version": result.schema_version, "method": result.method, "rows": len(result),
                "settings": settings_json(result), "columns": result_columns(result, names),
            }
        return OrjsonResponse(body)

    @app.post("/v1/plan", response_model=PlanResponse, responses=_ERRORS, dependencies=secured, tags=["planning"])
    def plan_endpoint(request: PlanRequest) -> OrjsonResponse:
        """Sample size per arm (``mde`` given), MDE (``n_per_arm`` given) or power (both given) of a test."""
        with scoring():
            return OrjsonResponse(run_plan(request))

    @app.get("/metrics", tags=["service"], response_class=Response, dependencies=secured,
             responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}})
    def prometheus() -> Response:
        """Request counts and latency histograms per endpoint, in Prometheus' text format."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    _add_error_handlers(app, {"/v1/analyze": SpecRequest, "/v1/check": SpecRequest,
                              "/v1/allocate": SpecRequest, "/v1/compare": CompareRequest,
                              "/v1/plan": PlanRequest})
    known = frozenset(route.path for route in app.routes if hasattr(route, "path"))
    # Starlette wraps in reverse order of adding: the last added is outermost.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.token:
        app.add_middleware(BearerAuth, token=settings.token)
    app.add_middleware(Observe, metrics=metrics, known_paths=known)
    return app


def create_app_from_env() -> FastAPI:
    """:func:`create_app` with the settings ``abstats serve`` put in ``$ABSTATS_SERVER_SETTINGS`` (uvicorn workers)."""
    return create_app(ServerSettings.from_env())


@contextmanager
def scoring() -> Iterator[None]:
    """Library errors as located 422s; anything else (a bug) as a JSON 500 with an error id that is logged."""
    try:
        yield
    except RequestRefused:
        raise
    except AbstatsError as exc:  # not located by the endpoint: the whole body
        raise RequestRefused(422, ("body",), str(exc), getattr(exc, "value", None),
                             "abstats." + type(exc).__name__) from None
    except Exception as exc:
        raise ScoringFailure() from exc


class ScoringFailure(Exception):
    """An unexpected error while scoring: answered 500 with an id, logged with its traceback."""

    def __init__(self) -> None:
        super().__init__("unexpected error while scoring")
        self.error_id = new_error_id()


def _add_error_handlers(app: FastAPI, bodies: dict[str, Any]) -> None:
    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestRefused)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return OrjsonResponse(exc.body(), status_code=exc.status, headers=headers)

    async def invalid(request: Request, exc: Exception) -> Response:
        # pydantic's errors, located in the document (no union steps) and with JSON-safe inputs (NaN would
        # break strict JSON)
        assert isinstance(exc, RequestValidationError)
        model = bodies.get(request.url.path)
        detail = []
        for e in exc.errors():
            loc = list(e.get("loc", ()))
            if model is not None and loc[:1] == ["body"]:
                loc = ["body", *clean_loc(model, loc[1:])]
            detail.append({"loc": loc, "msg": str(e.get("msg", "")), "input": json_safe(e.get("input")),
                           "type": str(e.get("type", "value_error"))})
        return OrjsonResponse({"detail": detail}, status_code=422)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:
            # FastAPI's "error parsing the body" (e.g. bytes that are not UTF-8): bad input, so 422 like the rest
            body = error_body(("body",), "a JSON document (UTF-8)", None, "json_invalid")
            return OrjsonResponse(body, status_code=422)
        body = error_body((), str(exc.detail), None, "http_error")
        return OrjsonResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    async def failed(request: Request, exc: Exception) -> Response:
        error_id = exc.error_id if isinstance(exc, ScoringFailure) else new_error_id()
        cause = exc.__cause__ or exc
        LOG.error("error %s on %s %s", error_id, request.method, request.url.path,
                  exc_info=(type(cause), cause, cause.__traceback__))
        return OrjsonResponse(internal_error_body(error_id), status_code=500)

    handlers: dict[type[Exception], Callable[[Request, Exception], Any]] = {
        RequestRefused: refused,
        RequestValidationError: invalid,
        StarletteHTTPException: http_error,
        ScoringFailure: failed,
        Exception: failed,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)


logging.getLogger("abstats.server").addHandler(logging.NullHandler())
