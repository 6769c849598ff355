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
    return orjson.dumps(content, option=_OPTIONS, default=_fallback)


def _fallback(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        # orjson takes contiguous arrays of numbers and bools only; object, string and broadcast arrays go as lists
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
