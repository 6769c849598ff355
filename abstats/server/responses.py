"""JSON responses serialised by orjson: numpy arrays and scalars written directly, NaN and infinity as null."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from starlette.responses import JSONResponse

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class OrjsonResponse(JSONResponse):
    """``application/json`` rendered by orjson (strict JSON: orjson writes NaN and +-inf as null)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def dumps(content: Any) -> bytes:
    """orjson bytes of ``content``; objects orjson does not know are written as their ``str``."""
    try:
        return orjson.dumps(content, option=_OPTIONS, default=_fallback)
    except TypeError:
        # orjson refuses integers beyond 64 bits (a label or count a client sent): write those as strings
        return orjson.dumps(_small_ints(content), option=_OPTIONS, default=_fallback)


_INT64 = 2**63


def _small_ints(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        return str(value)
    if isinstance(value, dict):
        return {k: _small_ints(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_small_ints(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        return [_small_ints(v) for v in value.tolist()]
    return value


def _fallback(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        # orjson takes contiguous arrays of numbers and bools only; object, string and broadcast arrays go as lists
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
