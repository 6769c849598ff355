"""Error bodies: every refusal is JSON ``{"detail": [{"loc", "msg", "input", "type"}]}``, as pydantic's 422s are.

Library errors (:class:`abstats.AbstatsError`) name a field, not a place in the request, so the
endpoint that catches one says where the field sits (:func:`located`); anything unexpected is a
500 with an error id that is also in the log, never a traceback in the body.
"""

from __future__ import annotations

import logging
import math
import types
import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag

from abstats.errors import AbstatsError, InputError

LOG = logging.getLogger("abstats.server")

Loc = tuple[str | int, ...]


class RequestRefused(Exception):
    """A request the server answers with ``status`` and one error entry (raised by endpoints and middleware).

    Parameters
    ----------
    status
        HTTP status: 401, 403, 413 or 422.
    loc
        Where in the request the problem is (``("body", "options", "alpha")``).
    msg
        What is wrong and what would be accepted.
    value
        The offending value (echoed back as ``input``).
    kind
        Machine-readable error type.
    """

    def __init__(self, status: int, loc: Loc, msg: str, value: Any = None, kind: str = "value_error") -> None:
        super().__init__(msg)
        self.status = status
        self.loc = loc
        self.msg = msg
        self.value = value
        self.kind = kind

    def body(self) -> dict[str, Any]:
        return error_body(self.loc, self.msg, self.value, self.kind)


def error_body(loc: Sequence[str | int], msg: str, value: Any, kind: str) -> dict[str, Any]:
    """The one-entry ``{"detail": [...]}`` body of a refusal."""
    return {"detail": [{"loc": list(loc), "msg": msg, "input": json_safe(value), "type": kind}]}


def located(exc: AbstatsError, prefix: Loc, fields: Mapping[str, Loc] | None = None) -> RequestRefused:
    """A 422 for a library error, at ``prefix`` + the place its field has in the request.

    ``fields`` maps a library field name (``"alpha"``, ``"conversions"``) to its path below
    ``prefix``; a field not in it is placed directly under ``prefix``.
    """
    if isinstance(exc, InputError):
        field, value, msg = exc.field, exc.value, f"{exc.field} = {exc.value!r}, expected {exc.expected}"
        where = (fields or {}).get(field, (field,))
        return RequestRefused(422, (*prefix, *where), msg, value, "abstats." + type(exc).__name__)
    return RequestRefused(422, prefix, str(exc), None, "abstats." + type(exc).__name__)


def new_error_id() -> str:
    return uuid.uuid4().hex[:16]


def internal_error_body(error_id: str) -> dict[str, Any]:
    return {
        "detail": [
            {
                "loc": [],
                "msg": f"internal error {error_id}: the server logged it; please report the id",
                "input": None,
                "type": "internal_error",
            }
        ],
        "error_id": error_id,
    }


def json_safe(value: Any) -> Any:
    """``value`` made strict-JSON-safe for an error body: NaN/inf as strings, numpy scalars as Python, cut short."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "..."
    if isinstance(value, (list, tuple)):
        # an echoed array is a hint, not a copy of the request
        return [json_safe(v) for v in list(value)[:20]]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in list(value.items())[:20]}
    return json_safe(repr(value))


def clean_loc(model: Any, loc: Sequence[str | int]) -> list[str | int]:
    """pydantic's ``loc`` inside ``model`` without the union steps, so it is the path in the document.

    pydantic names the union member it tried (``data.records.0``, ``metrics.0.binary.margin``,
    ``control.name``); those are steps of validation, not keys of the request, and are dropped.

    Examples
    --------
    >>> from abstats.server.models import CompareRequest
    >>> clean_loc(CompareRequest, ["data", "records", 0, "control_n"])
    ['data', 0, 'control_n']
    """
    out: list[str | int] = []
    current: Any = model
    for step in loc:
        current = _unwrap(current)
        members = _members(current)
        if members and isinstance(step, str):
            # at a union pydantic's next step is always the member's name or tag
            current = next((m for m in members if _is_named(m, step)), None)
            continue
        out.append(step)
        current = _child(current, step)
    return out


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``| None``."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    members = _members(tp)
    if len(members) == 1:
        return _unwrap(members[0])
    return tp


def _members(tp: Any) -> list[Any]:
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if a is not type(None)]
    return []


def _is_named(member: Any, step: str) -> bool:
    if get_origin(member) is Annotated and any(isinstance(m, Tag) and m.tag == step for m in member.__metadata__):
        return True
    inner = _unwrap(member)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        kind = inner.model_fields.get("kind")
        return step == inner.__name__ or (kind is not None and step in get_args(kind.annotation))
    return step == getattr(inner, "__name__", None) or step.replace(" ", "") == str(inner).replace(" ", "")


def _child(tp: Any, step: str | int) -> Any:
    if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(step, str):
        field = tp.model_fields.get(step)
        return None if field is None else field.annotation
    args = get_args(tp)
    if get_origin(tp) is list and isinstance(step, int) and args:
        return args[0]
    if get_origin(tp) is dict and len(args) == 2:
        return args[1]
    return None
