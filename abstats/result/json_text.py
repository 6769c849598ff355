"""A Result as JSON text, written column by column.

orjson writes each numeric column straight from its numpy array (NaN and infinity become null) and each
text column's values in bulk. The row orientation then splices those cells into one object per row: a
column whose cell is the same in every row (a method's unused columns, the metric's name) is written once
into the text between the cells that vary; a column of few distinct values (decisions, rule codes) writes
each distinct value once. For a chunk of rows, every byte string (orjson's text of each column, the
constant texts) is cut into pieces without copying, and one Arrow ``take`` copies the pieces in the order
of the text into one buffer (no Python object per cell). A verdict's reason is spliced the same way from
the reason of the row it quotes. Building a Python dict per row first (as ``to_dict`` does) was most of
the time and memory of a large ``to_json``: about 1.5 GB of dicts for 1M rows.

The text is exactly ``orjson.dumps(result.to_dict(orient))`` (a test checks it byte for byte); only how
it is built differs.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from abstats.result.deferred import is_broadcast
from abstats.result.reasons import CodedTexts

if TYPE_CHECKING:
    from abstats.result.result import Result
    from abstats.result.verdicts import Verdicts

OPTIONS = orjson.OPT_NON_STR_KEYS
_NUMPY = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
# rows per spliced chunk: bounds the per-cell fragment strings alive at once
_CHUNK = 16_384
_COMMA = ord(",")


class _Pieces:
    """The byte strings one chunk of rows is written from, each cut into pieces; a take puts the pieces
    in the order of the text (Arrow's ``take`` copies them into one buffer in C: no Python object per cell).

    ``add`` appends a blob cut at ``bounds`` (``bounds[0] == 0``, ``bounds[-1] == len(blob)``) and returns
    the index of its first piece.
    """

    def __init__(self) -> None:
        self._blobs: list[bytes] = []
        self._bounds: list[np.ndarray] = []
        self._size = 0
        self.count = 0

    def add(self, blob: bytes, bounds: np.ndarray) -> int:
        first = self.count
        self._blobs.append(blob)
        self._bounds.append(bounds[:-1] + self._size)
        self._size += len(blob)
        self.count += len(bounds) - 1
        return first

    def add_texts(self, texts: Sequence[bytes]) -> int:
        """Each text one piece."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        return self.add(b"".join(texts), np.r_[0, np.cumsum(lengths)])

    def text(self, order: np.ndarray, cut: int) -> str:
        """The pieces at ``order`` (indices) one after the other, without the last ``cut`` characters."""
        import pyarrow as pa

        offsets = np.concatenate([*self._bounds, [self._size]])
        # 32-bit offsets when the text fits them (a quarter less time in the take)
        small = self._size < 2**31 and int(np.diff(offsets)[order].sum()) < 2**31
        offsets = offsets.astype(np.int32 if small else np.int64)
        kind = pa.StringArray if small else pa.LargeStringArray
        pieces = kind.from_buffers(self.count, pa.py_buffer(offsets), pa.py_buffer(b"".join(self._blobs)))
        out = pieces.take(pa.array(order))
        ends = np.frombuffer(out.buffers()[1], dtype=offsets.dtype, count=len(out) + 1,
                             offset=offsets.itemsize * out.offset)
        return str(memoryview(out.buffers()[2])[int(ends[0]) : int(ends[-1]) - cut], "utf-8")


@dataclass(frozen=True)
class _Varying:
    """A column whose cells differ between rows: ``cells(pieces, start, stop)`` adds the text of rows
    [start, stop) to ``pieces`` and returns each row's piece. When ``quoted``, a cell is the text between
    the two quotes of a JSON string (the quotes are written around it)."""

    cells: Callable[[_Pieces, int, int], np.ndarray]
    quoted: bool = False


# One part of a record: JSON text that is the same in every row (a str), or a column's varying cells.
_Slot = str | _Varying


def _number_cells(pieces: _Pieces, text: bytes) -> np.ndarray:
    """Pieces of orjson's text of numbers, booleans or nulls, ``[a,b,c]`` (no cell holds a comma)."""
    commas = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == _COMMA)
    m = len(commas) + 1
    # "[" a "," b "," c "]": cell i is piece 1 + 2 i
    bounds = np.empty(2 * m + 2, dtype=np.int64)
    bounds[:2] = 0, 1
    bounds[2 : 2 * m : 2] = commas
    bounds[3 : 2 * m : 2] = commas + 1
    bounds[2 * m :] = len(text) - 1, len(text)
    return pieces.add(text, bounds) + 1 + 2 * np.arange(m)


def _string_cells(pieces: _Pieces, values: list[str]) -> np.ndarray:
    """Pieces of strings, each the text between its quotes."""
    text = orjson.dumps(values, option=OPTIONS)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    # the text is '["a","b"]' with each string as it is (ASCII, nothing escaped) exactly when it is this long;
    # else each string is written alone
    if len(text) != int(lengths.sum()) + 3 * len(values) + 1:
        return _distinct_cells(pieces, values, quoted=True)
    starts = 2 + np.cumsum(lengths + 3) - (lengths + 3)
    bounds = np.empty(2 * len(values) + 2, dtype=np.int64)
    bounds[0], bounds[-1] = 0, len(text)
    bounds[1:-1:2] = starts
    bounds[2:-1:2] = starts + lengths
    return pieces.add(text, bounds) + 1 + 2 * np.arange(len(values))


def _value_cells(pieces: _Pieces, values: list[Any], *, quoted: bool) -> np.ndarray:
    """Pieces of Python values (strings only, when ``quoted``), with as little work per value as they allow."""
    if quoted:
        return _string_cells(pieces, values)
    if set(map(type, values)) <= _SCALARS:
        return _number_cells(pieces, orjson.dumps(values, option=OPTIONS))
    return _distinct_cells(pieces, values, quoted=False)


def _distinct_cells(pieces: _Pieces, values: Sequence[Any], *, quoted: bool) -> np.ndarray:
    """JSON of each value, each distinct one written once (labels, decisions and codes repeat); lists
    (treatments that ship, mostly none) one by one."""
    memo: dict[Any, int] = {}
    texts: list[bytes] = []
    codes = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        key = (type(v), v) if not isinstance(v, list) else None
        code = memo.get(key) if key is not None else None
        if code is None:
            code = len(texts)
            text = orjson.dumps(json_value(v), option=OPTIONS)
            texts.append(text[1:-1] if quoted else text)
            if key is not None:
                memo[key] = code
        codes[i] = code
    return pieces.add_texts(texts) + codes

@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the text is built, then back as it was.

    Formatting 1M rows allocates millions of lists and tuples, none in a reference cycle; each 700
    allocations the collector would scan the young objects and now and then every object alive (the
    Result's own lists included): a third of the time of a large ``to_json``.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rows_text(result: Result) -> str:
    """``{"schema_version", ..., "verdicts": [{...}], "comparisons": [{...}, ...]}``, one object per row."""
    from abstats.result.verdicts import experiment_verdicts

    reasons = result.reasons.all()  # every row's text in bulk; the verdicts then splice the ones they quote
    verdicts = experiment_verdicts(result)
    names, columns = result.json_columns()
    fields: list[tuple[str, list[_Slot]]] = [
        (name, [_label_slot(result, name) if name in _CODED else _column_slot(col)])
        for name, col in zip(names, columns, strict=True)
    ]
    reason_texts = CodedTexts.of(reasons)
    fields.append(("reason", [_texts_slot(reason_texts.codes, reason_texts.table)]))
    fields.append(("warnings", [_warnings_slot(result)]))
    verdict_texts = CodedTexts.of(verdicts.reasons(result))
    verdict_fields = [
        ("experiment", [_list_slot(verdicts.experiment, repeats=False)]),
        ("verdict", [_texts_slot(*verdicts.verdict_codes())]),
        ("ship", [_ship_slot(verdicts)]),
        ("reason", [_texts_slot(verdict_texts.codes, verdict_texts.table)]),
    ]
    # the head ends with "verdicts":null}; the two spliced arrays replace that tail
    head = _dump({**result.head_dict(), "verdicts": None})
    tail = '"verdicts":null}'
    return "".join([
        head[: -len(tail)], '"verdicts":[', *_joined(_record(verdict_fields), len(verdicts.verdict)),
        '],"comparisons":[', *_joined(_record(fields), len(result)), "]}",
    ])


def columns_text(result: Result) -> str:
    """``{"schema_version", ..., "verdicts": {...}, "columns": {name: [...]}}``: each column one array.

    One orjson call writes the whole document (numeric columns straight from numpy), then one decode.
    """
    from abstats.result.verdicts import experiment_verdicts

    reasons = result.reasons.all()
    verdicts = experiment_verdicts(result)
    # plain Python values already: labels were checked str or int and converted (verdicts._plain_list)
    verdict_columns: dict[str, Any] = {"experiment": verdicts.experiment, "verdict": verdicts.verdict,
                                       "ship": _fragment([_ship_slot(verdicts)], len(verdicts.verdict))}
    # each verdict's reason spliced from the row reason it quotes, not built as a Python string
    # each verdict's text built whole (the row reasons are formatted already): orjson writes a list of
    # strings faster than the texts can be spliced
    verdict_columns["reason"] = verdicts.reasons(result)
    names, columns = result.json_columns()
    n = len(result)
    out: dict[str, Any] = {name: column_value(col, n, numpy=True) for name, col in zip(names, columns, strict=True)}
    out["reason"] = reasons
    # one shared empty list for the rows without warnings: 1M separate empty lists cost 64 MB
    warnings: list[Any] = [[]] * n
    for i, flagged in result.flagged_warnings(0, n).items():
        warnings[i] = flagged
    out["warnings"] = warnings
    text = orjson.dumps({**result.head_dict(), "verdicts": verdict_columns, "columns": out}, option=_NUMPY)
    del out, warnings, verdict_columns  # before the decoded copy is made
    return text.decode()


def _fragment(parts: list[_Slot], n: int) -> orjson.Fragment:
    """A JSON array of ``n`` values, each written from ``parts`` (see :func:`_joined`), as an orjson fragment."""
    return orjson.Fragment("".join(["[", *_joined([*parts, ","], n), "]"]))


def _ship_slot(verdicts: Verdicts) -> _Slot:
    """The treatments that ship of each experiment: ``[]`` but where one does."""
    texts = verdicts.ship_texts()
    if not texts:
        return "[]"
    rows = np.fromiter(texts, dtype=np.int64, count=len(texts))
    order = np.argsort(rows)
    rows, values = rows[order], [texts[e] for e in rows[order].tolist()]

    def cells(start: int, stop: int) -> dict[int, str]:
        lo, hi = np.searchsorted(rows, [start, stop]).tolist()
        return dict(zip(rows[lo:hi].tolist(), values[lo:hi], strict=True))

    return _sparse_slot(cells, "[]")


# columns of a few labels, held as label codes: written from the codes
_CODED = ("decision", "rule")


def _label_slot(result: Result, name: str) -> _Slot:
    """A column of labels written from its codes (each label's text once); other labels as a column."""
    codes, labels = result.label_codes(name)
    if not all(type(label) is str for label in labels):
        return _column_slot(result[name])
    return _texts_slot(codes, list(labels))


def _texts_slot(codes: np.ndarray, table: list[str]) -> _Slot:
    """Strings read by their codes (row i reads ``table[codes[i]]``) as a quoted slot: each chunk writes
    the distinct texts of its rows once."""
    if not len(codes):
        return _Varying(lambda pieces, start, stop: np.zeros(0, dtype=np.int64), quoted=True)
    if len(table) == 1 or (codes == codes[0]).all():
        return _dump(table[int(codes[0])])
    escaped: dict[int, bytes] = {}

    def cells(pieces: _Pieces, start: int, stop: int) -> np.ndarray:
        used, row_of = np.unique(codes[start:stop], return_inverse=True)
        inner = []
        for k in used.tolist():
            text = escaped.get(k)
            if text is None:
                text = escaped[k] = orjson.dumps(table[k], option=OPTIONS)[1:-1]
            inner.append(text)
        return pieces.add_texts(inner) + row_of

    return _Varying(cells, quoted=True)


def _record(fields: Sequence[tuple[str, list[_Slot]]]) -> list[_Slot]:
    """The parts of one JSON object per row, ``{"key":value,...},``: a value of several slots is a string
    written from each slot's quoted text."""
    parts: list[_Slot] = []
    for i, (key, slots) in enumerate(fields):
        parts.append(("{" if not i else ",") + _dump(key) + ":")
        if len(slots) > 1:
            parts += ['"', *slots, '"']
        elif isinstance(slots[0], _Varying) and slots[0].quoted:
            parts += ['"', slots[0], '"']
        else:
            parts.append(slots[0])
    parts.append("},")
    return parts


def _joined(parts: Sequence[_Slot], n: int) -> list[str]:
    """Rows 0 to n of ``parts`` one after the other, without the comma that ends the last row: chunks of text.

    A row is its parts in order: the texts between two varying columns (keys, constant cells, quotes) are
    the same in every row; each chunk of rows is put together by one Arrow take over its pieces.
    """
    merged: list[_Slot] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if not n:
        return []
    constants = [part.encode() for part in merged if isinstance(part, str)]
    if len(constants) == len(merged):  # every row the same text
        return [(b"".join(constants) * n)[:-1].decode()]
    chunks = []
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        pieces = _Pieces()
        first = pieces.add_texts(constants)
        order = np.empty((stop - start, len(merged)), dtype=np.int32)  # a chunk has far fewer pieces
        for j, part in enumerate(merged):
            if isinstance(part, str):
                order[:, j] = first
                first += 1
            else:
                order[:, j] = part.cells(pieces, start, stop)
        chunks.append(pieces.text(order.ravel(), cut=1 if stop == n else 0))
    return chunks

def column_value(col: np.ndarray | None, n: int, *, numpy: bool) -> Any:
    """One column for JSON: null where absent, NaN and infinity as null; numeric arrays kept as numpy
    (orjson writes them directly) when ``numpy``, else Python values."""
    if col is None:
        return [None] * n
    arr = np.asarray(col)
    if is_broadcast(arr):  # a broadcast constant: convert one value
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
    return json_values(arr.tolist())


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


def json_values(values: list[Any]) -> list[Any]:
    """:func:`json_value` of each value; the list itself when every value is JSON-ready already."""
    kinds = set(map(type, values))
    if kinds <= _READY_TYPES:
        return values
    if kinds == {list}:  # treatments that ship: mostly none
        return [json_value(v) if v else v for v in values]
    return [json_value(v) for v in values]


_READY_TYPES = set(_JSON_READY)


def _dump(value: Any) -> str:
    return orjson.dumps(value, option=OPTIONS).decode()


def _column_slot(col: np.ndarray | None) -> _Slot:
    """A Result column as a slot: numbers through orjson's array writer, other values as :func:`_list_slot`."""
    if col is None:
        return "null"
    arr = np.asarray(col)
    if is_broadcast(arr):  # a broadcast constant
        return _dump(json_value(arr[0]))
    if arr.dtype.kind not in "fiub":
        return _list_slot(arr.tolist())
    arr = np.ascontiguousarray(arr, dtype=np.float64 if arr.dtype.kind == "f" else None)
    if len(arr) and _constant(arr):
        return _dump(json_value(arr[0]))
    return _Varying(lambda pieces, start, stop: _number_cells(pieces, orjson.dumps(arr[start:stop], option=_NUMPY)))


def _constant(arr: np.ndarray) -> bool:
    """Whether every element writes the same JSON: the same bits (0.0 and -0.0 differ), or all null."""
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).any():
            return True
        bits = arr.view(np.int64)
        return bool((bits == bits[0]).all())
    return bool((arr == arr[0]).all())


def _list_slot(values: list[Any], *, repeats: bool = True) -> _Slot:
    """A column of Python values as a slot; ``repeats``: few distinct values expected (labels, decisions)."""
    kinds = set(map(type, values))
    if kinds == {str}:
        inner = _inner_slot(values, repeats=repeats)
        return f'"{inner}"' if isinstance(inner, str) else inner
    # one exact type (1, 1.0 and True are equal but write differently; floats are left out: 0.0 == -0.0)
    if (len(kinds) == 1 and kinds <= _READY_TYPES and values[0] == values[-1]
            and values.count(values[0]) == len(values)):
        return _dump(values[0])
    if kinds == {list}:  # treatments that ship: mostly none
        return _sparse_slot(lambda start, stop: {i: _dump(json_value(v)) for i, v in
                                                 enumerate(values[start:stop], start) if v}, "[]")
    return _Varying(lambda pieces, start, stop: _value_cells(pieces, values[start:stop], quoted=False))


def _inner_slot(values: list[str], *, repeats: bool = True) -> _Slot:
    """Strings as a quoted slot: the text between the quotes of each (a str when all are the same).

    With ``repeats`` the distinct strings are written once and each row points at its own."""
    if values and values[0] == values[-1] and values.count(values[0]) == len(values):
        return _dump(values[0])[1:-1]
    if repeats:
        import pandas as pd

        codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=False)
        if len(uniques) <= max(64, len(values) // 16):
            texts = [orjson.dumps(u, option=OPTIONS)[1:-1] for u in uniques.tolist()]
            return _Varying(lambda pieces, start, stop: pieces.add_texts(texts) + codes[start:stop], quoted=True)
    return _Varying(lambda pieces, start, stop: _string_cells(pieces, values[start:stop]), quoted=True)


_SCALARS = {int, float, bool, type(None)}


def _sparse_slot(cells: Callable[[int, int], dict[int, str]], usual: str) -> _Slot:
    """A column whose cells are ``usual`` but in a few rows: ``cells(start, stop)`` gives those rows' text."""

    def pieces_of(pieces: _Pieces, start: int, stop: int) -> np.ndarray:
        others = cells(start, stop)
        first = pieces.add_texts([usual.encode(), *(text.encode() for text in others.values())])
        out = np.full(stop - start, first, dtype=np.int64)
        out[np.fromiter(others, dtype=np.int64, count=len(others)) - start] = first + 1 + np.arange(len(others))
        return out

    return _Varying(pieces_of)


def _warnings_slot(result: Result) -> _Slot:
    if not any(np.asarray(mask, dtype=bool).any() for mask in result.warning_flags.values()):
        return "[]"
    return _sparse_slot(lambda start, stop: {i: _dump(w) for i, w in result.flagged_warnings(start, stop).items()},
                        "[]")


__all__ = ["OPTIONS", "collector_paused", "column_value", "columns_text", "json_value", "json_values", "rows_text"]
