"""A Result as JSON text, written column by column.

orjson writes each numeric column straight from its numpy array (NaN and infinity become null) and each
text column's distinct values once. The row orientation then splices those per-cell fragments into one
object per row with a ``%`` template, a chunk of rows at a time, so only one chunk's fragments are alive.
Building a Python dict per row first (as ``to_dict`` does) was most of the time and memory of a large
``to_json``: about 1.5 GB of dicts for 1M rows.

The text is exactly ``orjson.dumps(result.to_dict(orient))`` (a test checks it byte for byte); only how
it is built differs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

if TYPE_CHECKING:
    from abstats.result.result import Result

OPTIONS = orjson.OPT_NON_STR_KEYS
_NUMPY = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
# rows per spliced chunk: bounds the per-cell fragment strings alive at once
_CHUNK = 20_000

# Cells of rows [start, stop) of one column: (values, quoted). The values are JSON fragments, or, when
# quoted, strings that JSON writes as they are between two quotes (no character to escape).
Cells = Callable[[int, int], tuple[Sequence[Any], bool]]
_VERDICT_KEYS = ("experiment", "verdict", "ship", "reason")


def rows_text(result: Result) -> str:
    """``{"schema_version", ..., "verdicts": [{...}], "comparisons": [{...}, ...]}``, one object per row."""
    verdicts = result.verdict_columns()
    verdict_cells = [_values(verdicts[key]) for key in _VERDICT_KEYS]
    verdict_rows = _objects(_VERDICT_KEYS, verdict_cells, len(verdicts["verdict"]))
    names, columns = result.json_columns()
    cells: list[Cells] = [_column(col) for col in columns]
    cells.append(_values(result.reasons))
    cells.append(lambda start, stop: _warnings(result, start, stop))
    comparisons = _objects((*names, "reason", "warnings"), cells, len(result))
    # the head ends with "verdicts":null}; the two spliced arrays replace that tail
    text = _dump({**result.head_dict(), "verdicts": None})
    tail = '"verdicts":null}'
    return f'{text[: -len(tail)]}"verdicts":[{verdict_rows}],"comparisons":[{comparisons}]}}'


def columns_text(result: Result) -> str:
    """``{"schema_version", ..., "verdicts": {...}, "columns": {name: [...]}}``: each column one array.

    Written in parts (head, verdicts, columns), each part's Python objects freed once it is bytes: the
    verdict texts of 1M experiments are not alive while the columns are written and the text is decoded.
    """
    head = orjson.dumps({**result.head_dict(), "verdicts": None}, option=OPTIONS)
    tail = b'"verdicts":null}'
    verdicts = orjson.dumps({k: [json_value(v) for v in vs] for k, vs in result.verdict_columns().items()},
                            option=OPTIONS)
    names, columns = result.json_columns()
    n = len(result)
    out: dict[str, Any] = {name: column_value(col, n, numpy=True) for name, col in zip(names, columns, strict=True)}
    out["reason"] = result.reasons
    # one shared empty list for the rows without warnings: 1M separate empty lists cost 64 MB
    warnings: list[Any] = [[]] * n
    for i, flagged in result.flagged_warnings(0, n).items():
        warnings[i] = flagged
    out["warnings"] = warnings
    body = orjson.dumps(out, option=_NUMPY)
    del out, warnings
    text = b"".join((head[: -len(tail)], b'"verdicts":', verdicts, b',"columns":', body, b"}"))
    del verdicts, body  # the parts go before the decoded copy is made
    return text.decode()


def column_value(col: np.ndarray | None, n: int, *, numpy: bool) -> Any:
    """One column for JSON: null where absent, NaN and infinity as null; numeric arrays kept as numpy
    (orjson writes them directly) when ``numpy``, else Python values."""
    if col is None:
        return [None] * n
    arr = np.asarray(col)
    if arr.ndim == 1 and n and arr.strides == (0,):  # a broadcast constant: convert one value
        return [json_value(arr[0])] * n
    if arr.dtype.kind in "fiub":
        if numpy:
            return np.ascontiguousarray(arr, dtype=np.float64 if arr.dtype.kind == "f" else None)
        if arr.dtype.kind == "f":
            bad = ~np.isfinite(arr)
            if bad.any():
                out = arr.astype(object)
                out[bad] = None
                return out.tolist()
        return arr.tolist()
    return [json_value(v) for v in arr.tolist()]


_JSON_READY = (str, int, bool, type(None))


def json_value(value: Any) -> Any:
    """NaN / infinity become null (strict JSON); numpy scalars become Python scalars."""
    if type(value) in _JSON_READY:  # the common case (labels): nothing to convert
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def _dump(value: Any) -> str:
    return orjson.dumps(value, option=OPTIONS).decode()


def _column(col: np.ndarray | None) -> Cells:
    """Cells of a Result column: numbers through orjson's array writer, other values as :func:`_values`."""
    if col is None:
        return lambda start, stop: (["null"] * (stop - start), False)
    arr = np.asarray(col)
    if arr.ndim == 1 and len(arr) and arr.strides == (0,):  # a broadcast constant: one fragment
        text = _dump(json_value(arr[0]))
        return lambda start, stop: ([text] * (stop - start), False)
    if arr.dtype.kind in "fiub":
        arr = np.ascontiguousarray(arr, dtype=np.float64 if arr.dtype.kind == "f" else None)
        return lambda start, stop: (_split(orjson.dumps(arr[start:stop], option=_NUMPY).decode()), False)
    return lambda start, stop: _cells(arr[start:stop].tolist())


def _values(values: Sequence[Any]) -> Cells:
    return lambda start, stop: _cells(values[start:stop])


def _cells(values: Sequence[Any]) -> tuple[Sequence[Any], bool]:
    """Fragments of Python values, with as little work per value as the column allows."""
    kinds = set(map(type, values))
    if kinds <= _SCALARS:
        # numbers, booleans and null hold no comma, so orjson's text of the list splits into its cells
        return _split(orjson.dumps(values, option=OPTIONS).decode()), False
    if kinds == {str}:
        text = orjson.dumps(values, option=OPTIONS).decode()
        # nothing escaped (the text is every string between quotes, commas and brackets): the strings
        # themselves go between quotes in the template
        if len(text) == sum(map(len, values)) + 3 * len(values) + 1:
            return values, True
    if kinds == {list}:  # treatments that ship: mostly none
        return [_dump(json_value(v)) if v else "[]" for v in values], False
    return _distinct(values), False


_SCALARS = {int, float, bool, type(None)}


def _split(array_text: str) -> list[str]:
    return array_text[1:-1].split(",") if len(array_text) > 2 else []


def _warnings(result: Result, start: int, stop: int) -> tuple[list[str], bool]:
    out = ["[]"] * (stop - start)
    for i, warnings in result.flagged_warnings(start, stop).items():
        out[i - start] = _dump(warnings)
    return out, False


def _distinct(values: Sequence[Any]) -> list[str]:
    """JSON of each value, each distinct one written once (labels, decisions and codes repeat)."""
    memo: dict[Any, str] = {}
    out = []
    for v in values:
        key = (type(v), v)
        text = memo.get(key)
        if text is None:
            text = memo[key] = _dump(json_value(v))
        out.append(text)
    return out


def _objects(keys: Sequence[str], cells: Sequence[Cells], n: int) -> str:
    """Comma-joined JSON objects: row ``i`` holds cell ``i`` of each column, under its key."""
    chunks = []
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        parts = [cell(start, stop) for cell in cells]
        slots = ('"%s"' if quoted else "%s" for _, quoted in parts)
        template = "{" + ",".join(f"{_dump(k)}:{slot}" for k, slot in zip(keys, slots, strict=True)) + "}"
        values = [v for v, _ in parts]
        chunks.append(",".join([template % row for row in zip(*values, strict=True)]))
    return ",".join(chunks)


__all__ = ["OPTIONS", "column_value", "columns_text", "json_value", "rows_text"]
