"""A Result as JSON text, written column by column.

orjson writes each numeric column straight from its numpy array (NaN and infinity become null) and each
text column's values in bulk. The row orientation then splices those cells into one object per row: a
column whose cell is the same in every row (a method's unused columns, the metric's name) is written once
into the text between the cells that vary; a column of few distinct texts (decisions, rule codes,
reasons, warnings) is held as codes into its texts, and a run of such columns with the constant text
around them is fused into one column of their combinations, so that a row is fewer, longer pieces. For a
chunk of rows, every byte string (orjson's text of each column, the constant texts, the coded texts) is
cut into pieces without copying, and one Arrow ``take`` copies the pieces in the order of the text (no
Python object per cell), in a worker thread while the next chunk is formatted. The chunks go into one
buffer, decoded into a str once. Building a Python dict per row first (as ``to_dict`` does) was most of
the time and memory of a large ``to_json``: about 1.5 GB of dicts for 1M rows.

The text is exactly ``orjson.dumps(result.to_dict(orient))`` (a test checks it byte for byte); only how
it is built differs.
"""

from __future__ import annotations

import gc
import math
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from abstats.result.deferred import is_broadcast
from abstats.result.reasons import CodedTexts
from abstats.threads import THREADS

if TYPE_CHECKING:
    from abstats.result.result import Result
    from abstats.result.verdicts import Verdicts

OPTIONS = orjson.OPT_NON_STR_KEYS
_NUMPY = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
# rows per chunk at most, and the chunks a section is cut into at least (chunks of 1,024 rows at least)
_CHUNK = 16_384
_CHUNKS = 16


def _chunk_rows(n: int) -> int:
    """Rows per chunk for a section of n rows: what one chunk holds stays small beside the whole text,
    and the worker starts early (at 100k rows, 16 chunks ran as fast as 8 and faster than 32 or 64)."""
    return min(_CHUNK, max(n // _CHUNKS, 1024))


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

    def text(self, order: np.ndarray, cut: int = 0) -> memoryview:
        """Row after row, each row's pieces in order (``order[j, i]``: the index of row i's piece j), as
        UTF-8 bytes without the last ``cut``."""
        import pyarrow as pa

        order = order.T.ravel()
        offsets = np.concatenate([*self._bounds, [self._size]])
        # 32-bit offsets when the text fits them (a quarter less time in the take)
        small = self._size < 2**31 and int(np.diff(offsets)[order].sum()) < 2**31
        offsets = offsets.astype(np.int32 if small else np.int64)
        kind = pa.StringArray if small else pa.LargeStringArray
        pieces = kind.from_buffers(self.count, pa.py_buffer(offsets), pa.py_buffer(b"".join(self._blobs)))
        out = pieces.take(pa.array(order))
        ends = np.frombuffer(out.buffers()[1], dtype=offsets.dtype, count=len(out) + 1,
                             offset=offsets.itemsize * out.offset)
        return memoryview(out.buffers()[2])[int(ends[0]) : int(ends[-1]) - cut]


# texts the caller may put before it copies the oldest: at 100k rows on a 2-core VM losing about a fifth of
# its CPU time to its host, 2 took 0.60 s against 0.67 s for 1 and 0.60 s for 3 (medians of 15, alternating);
# each one ahead holds a chunk's pieces (2.4x the JSON's size in memory at 1, 2.6x at 2, 2.7x at 3)
_AHEAD = 2


class _TextBuffer:
    """UTF-8 bytes written one after the other into one numpy buffer, decoded into a str once at the end.

    A str made by joining decoded chunks writes every byte into fresh memory twice (each chunk's str,
    then the joined one). Here the bytes go once into a numpy buffer, and numpy asks the kernel for
    transparent huge pages on large arrays, so first writes into it cost about a third (1.5 GB measured:
    0.33 s against 1.02 s in 4 KiB pages); only the final decode writes into fresh small pages.

    With a ``worker`` (one thread), each text is made there (a chunk's Arrow take, which releases the
    GIL) while the caller formats the next chunks of rows with orjson (which holds it); the caller copies
    the texts into the buffer in the order they were put, ``_AHEAD`` behind, so that the worker's thread
    being held up for a moment (another process on its core) does not stop the caller at once.
    """

    def __init__(self, worker: ThreadPoolExecutor | None = None) -> None:
        self._buffer = np.empty(1 << 16, dtype=np.uint8)
        self._size = 0
        self._worker = worker
        self._waiting: deque[tuple[Future[bytes | memoryview], Callable[[], bytes | memoryview], float]] = deque()

    def write(self, data: bytes) -> None:
        self.put(lambda: data)

    def put(self, make: Callable[[], bytes | memoryview], *, room: float = 1.0) -> None:
        """Append ``make()`` after everything put before it; ``room`` > 1 first makes room for ``room``
        times its length (the rest of a section, sized from its first chunk)."""
        if self._worker is None:
            self._append(make(), room)
            return
        self._waiting.append((self._worker.submit(make), make, room))
        while len(self._waiting) > _AHEAD:
            self._append_next()

    def _append_next(self) -> None:
        made, make, room = self._waiting.popleft()
        # a text the worker has not started (its thread held up) is made here rather than waited for
        self._append(make() if made.cancel() else made.result(), room)  # result() re-raises the worker's error

    def _append(self, data: bytes | memoryview, room: float) -> None:
        view = np.frombuffer(data, dtype=np.uint8)
        need = self._size + max(len(view), int(room * len(view)))
        if need > len(self._buffer):
            # pages not written to are never allocated: a generous size costs nothing until used
            grown = np.empty(max(need, len(self._buffer) * 3 // 2), dtype=np.uint8)
            grown[: self._size] = self._buffer[: self._size]
            self._buffer = grown
        self._buffer[self._size : self._size + len(view)] = view
        self._size += len(view)

    def text(self) -> str:
        while self._waiting:
            self._append_next()
        return str(self._buffer.data[: self._size], "utf-8")


@dataclass(frozen=True)
class _Varying:
    """A column whose cells differ between rows: ``cells(pieces, start, stop)`` adds the text of rows
    [start, stop) to ``pieces`` and returns each row's piece. When ``quoted``, a cell is the text between
    the two quotes of a JSON string (the quotes are written around it)."""

    cells: Callable[[_Pieces, int, int], np.ndarray]
    quoted: bool = False


@dataclass(frozen=True, eq=False)
class _Coded:
    """A column of few distinct texts: row i writes ``texts[codes[i]]`` (each a whole JSON value).

    A run of these and the constant texts between them is fused into one (:func:`_fused`): one piece per
    row for the take, where each column and each text between would be one.
    """

    codes: np.ndarray
    texts: list[bytes]

    def __post_init__(self) -> None:
        # label codes come as int8: as indices here, where they are added to and multiplied
        object.__setattr__(self, "codes", np.asarray(self.codes, dtype=np.intp))

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))

    @cached_property
    def _whole(self) -> tuple[bytes, np.ndarray] | None:
        """The texts as one blob and its bounds, when small enough to go whole into every chunk."""
        if int(self.lengths.sum()) > _WHOLE_TABLE:
            return None
        return b"".join(self.texts), np.r_[0, np.cumsum(self.lengths)]

    def cells(self, pieces: _Pieces, start: int, stop: int) -> np.ndarray:
        codes = self.codes[start:stop]
        if self._whole is not None:
            return pieces.add(*self._whole) + codes
        used = np.zeros(len(self.texts), dtype=bool)  # only the texts this chunk uses
        used[codes] = True
        rank = np.cumsum(used) - 1
        return pieces.add_texts([self.texts[k] for k in np.flatnonzero(used).tolist()]) + rank[codes]


# bytes of a coded column's texts written into every chunk whole (beyond: only the texts a chunk uses)
_WHOLE_TABLE = 1 << 20
# two coded columns with at most this many combinations are fused without counting the ones that occur
_FUSED_TEXTS = 1024


# One part of a record: JSON text that is the same in every row (a str), or a column's cells.
_Slot = str | _Varying | _Coded


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


def _plain_strings(values: list[str]) -> tuple[bytes, np.ndarray, np.ndarray] | None:
    """orjson's text of a list of strings, where each string's opening quote is and the strings' lengths;
    None unless every string is written as it is (ASCII, nothing escaped)."""
    text = orjson.dumps(values, option=OPTIONS)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    # the text is '["a","b"]' with each string as it is exactly when it is this long
    if not values or len(text) != int(lengths.sum()) + 3 * len(values) + 1:
        return None
    return text, 1 + np.cumsum(lengths + 3) - (lengths + 3), lengths


def _string_cells(pieces: _Pieces, values: list[str]) -> np.ndarray:
    """Pieces of strings, each the text between its quotes."""
    plain = _plain_strings(values)
    if plain is None:
        return _distinct_cells(pieces, values, quoted=True)
    text, quotes, lengths = plain
    bounds = np.empty(2 * len(values) + 2, dtype=np.int64)
    bounds[0], bounds[-1] = 0, len(text)
    bounds[1:-1:2] = quotes + 1
    bounds[2:-1:2] = quotes + 1 + lengths
    return pieces.add(text, bounds) + 1 + 2 * np.arange(len(values))


def _json_strings(values: list[str]) -> list[bytes]:
    """orjson's text of each string, quotes included (one orjson call for them all where it can)."""
    plain = _plain_strings(values)
    if plain is None:
        return [_json_bytes(value) for value in values]
    text, quotes, lengths = plain
    return [text[q : q + k + 2] for q, k in zip(quotes.tolist(), lengths.tolist(), strict=True)]


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
            text = _json_bytes(json_value(v))
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
    fields: list[tuple[str, _Slot]] = [
        (name, _label_slot(result, name) if name in _CODED else _column_slot(col))
        for name, col in zip(names, columns, strict=True)
    ]
    reason_texts = CodedTexts.of(reasons)
    fields.append(("reason", _texts_slot(reason_texts.codes, reason_texts.table)))
    fields.append(("warnings", _warnings_slot(result)))
    verdict_texts = CodedTexts.of(verdicts.reasons(result))
    verdict_fields = [
        ("experiment", _list_slot(verdicts.experiment, repeats=False)),
        ("verdict", _texts_slot(*verdicts.verdict_codes())),
        ("ship", _ship_slot(verdicts)),
        ("reason", _texts_slot(verdict_texts.codes, verdict_texts.table)),
    ]
    # the head ends with "verdicts":null}; the two spliced arrays replace that tail
    head = _dump({**result.head_dict(), "verdicts": None})
    tail = '"verdicts":null}'
    # a worker thread puts each chunk of rows together while the next one is formatted
    several_chunks = len(result) > _chunk_rows(len(result))
    with ThreadPoolExecutor(max_workers=1) if THREADS > 1 and several_chunks else nullcontext() as worker:
        text = _TextBuffer(worker)
        text.write(f'{head[: -len(tail)]}"verdicts":['.encode())
        _write_rows(text, _record(verdict_fields), len(verdicts.verdict))
        text.write(b'],"comparisons":[')
        _write_rows(text, _record(fields), len(result))
        text.write(b"]}")
        return text.text()


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
    """A JSON array of ``n`` values, each written from ``parts`` (see :func:`_write_rows`), as an orjson fragment."""
    text = _TextBuffer()
    text.write(b"[")
    _write_rows(text, [*parts, ","], n)
    text.write(b"]")
    return orjson.Fragment(text.text())


def _ship_slot(verdicts: Verdicts) -> _Slot:
    """The treatments that ship of each experiment: ``[]`` but where one does."""
    texts = verdicts.ship_texts()
    return _sparse_slot(len(verdicts.verdict), texts, "[]") if texts else "[]"


# columns of a few labels, held as label codes: written from the codes
_CODED = ("decision", "rule")


def _label_slot(result: Result, name: str) -> _Slot:
    """A column of labels written from its codes (each label's text once); other labels as a column."""
    codes, labels = result.label_codes(name)
    if not all(type(label) is str for label in labels):
        return _column_slot(result[name])
    return _texts_slot(codes, list(labels))


def _texts_slot(codes: np.ndarray, table: list[str]) -> _Slot:
    """Strings read by their codes (row i reads ``table[codes[i]]``): each text written once."""
    if not len(codes):
        return ""  # no rows: nothing is written
    if len(table) == 1 or (codes == codes[0]).all():
        return _dump(table[int(codes[0])])
    return _Coded(codes, _json_strings(table))


def _record(fields: Sequence[tuple[str, _Slot]]) -> list[_Slot]:
    """The parts of one JSON object per row, ``{"key":value,...},``."""
    parts: list[_Slot] = []
    for i, (key, slot) in enumerate(fields):
        parts.append(("{" if not i else ",") + _dump(key) + ":")
        parts += ['"', slot, '"'] if isinstance(slot, _Varying) and slot.quoted else [slot]
    parts.append("},")
    return parts


def _fused(parts: Sequence[_Slot]) -> list[_Slot]:
    """``parts`` with each run of constant texts as one, and each run of constant texts and coded
    columns as one coded column while its texts stay short (see :class:`_Coded`)."""
    out: list[_Slot] = []
    for part in parts:
        before = out[-1] if out else None
        joined: _Slot | None = None
        if isinstance(before, str) and isinstance(part, str):
            joined = before + part
        elif isinstance(before, _Coded) and isinstance(part, str):
            joined = _around(before, after=part.encode())
        elif isinstance(before, str) and isinstance(part, _Coded):
            joined = _around(part, before=before.encode())
        elif isinstance(before, _Coded) and isinstance(part, _Coded):
            joined = _combined(before, part)
        if joined is not None:
            out[-1] = joined
        elif part != "":
            out.append(part)
    return out


def _around(coded: _Coded, *, before: bytes = b"", after: bytes = b"") -> _Coded | None:
    """A coded column with a constant text before or after each of its texts; None when they would be
    too long to go whole into every chunk (the take would then gain less than building them costs)."""
    if int(coded.lengths.sum()) + (len(before) + len(after)) * len(coded.texts) > _WHOLE_TABLE:
        return None
    return _Coded(coded.codes, [before + text + after for text in coded.texts])


def _combined(a: _Coded, b: _Coded) -> _Coded | None:
    """Two coded columns, one after the other, as one coded column of their combinations; None when its
    texts would be too long to go whole into every chunk."""
    import pandas as pd

    size = len(b.texts)
    if len(a.texts) * size <= _FUSED_TEXTS:  # every combination
        codes, pairs = a.codes * size + b.codes, np.arange(len(a.texts) * size)
    else:
        codes, pairs = pd.factorize(a.codes * size + b.codes, sort=False)
    left, right = pairs // size, pairs % size
    if int(a.lengths[left].sum() + b.lengths[right].sum()) > _WHOLE_TABLE:
        return None
    return _Coded(codes, [a.texts[i] + b.texts[j] for i, j in zip(left.tolist(), right.tolist(), strict=True)])


def _write_rows(text: _TextBuffer, parts: Sequence[_Slot], n: int) -> None:
    """Rows 0 to n of ``parts`` one after the other, without the comma that ends the last row, into ``text``.

    A row is its parts in order: the texts between two varying columns (keys, constant cells, quotes) are
    the same in every row; each chunk of rows is put together by one Arrow take over its pieces.
    """
    merged = _fused(parts)
    if not n:
        return
    constants = [part.encode() for part in merged if isinstance(part, str)]
    if len(constants) == len(merged):  # every row the same text
        text.write((b"".join(constants) * n)[:-1])
        return
    rows = _chunk_rows(n)
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        pieces = _Pieces()
        first = pieces.add_texts(constants)
        order = np.empty((len(merged), stop - start), dtype=np.int32)  # a chunk has far fewer pieces
        for j, part in enumerate(merged):
            if isinstance(part, str):
                order[j] = first
                first += 1
            else:
                order[j] = part.cells(pieces, start, stop)
        # room for the section from its first chunk's size
        text.put(partial(pieces.text, order, cut=int(stop == n)), room=1.125 * n / stop if not start else 1.0)


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


def _json_bytes(value: Any) -> bytes:
    """orjson's text of ``value`` in bytes of its own length: orjson's own bytes keep 4 KiB for a short
    text, so a table of 50,000 of them would hold 200 MB."""
    return bytes(memoryview(orjson.dumps(value, option=OPTIONS)))


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
        return _strings_slot(values, repeats=repeats)
    # one exact type (1, 1.0 and True are equal but write differently; floats are left out: 0.0 == -0.0)
    if (len(kinds) == 1 and kinds <= _READY_TYPES and values[0] == values[-1]
            and values.count(values[0]) == len(values)):
        return _dump(values[0])
    if kinds == {list}:  # treatments that ship: mostly none
        return _sparse_slot(len(values), {i: _dump(json_value(v)) for i, v in enumerate(values) if v}, "[]")
    return _Varying(lambda pieces, start, stop: _value_cells(pieces, values[start:stop], quoted=False))


def _strings_slot(values: list[str], *, repeats: bool = True) -> _Slot:
    """Strings as a slot; with ``repeats`` the distinct strings are written once and each row points at its own."""
    if values and values[0] == values[-1] and values.count(values[0]) == len(values):
        return _dump(values[0])
    if repeats:
        import pandas as pd

        codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=False)
        if len(uniques) <= max(64, len(values) // 16):
            return _Coded(codes, _json_strings(uniques.tolist()))
    return _Varying(lambda pieces, start, stop: _string_cells(pieces, values[start:stop]), quoted=True)


_SCALARS = {int, float, bool, type(None)}


def _sparse_slot(n: int, texts: dict[int, str], usual: str) -> _Slot:
    """A column whose text is ``usual`` but in the rows of ``texts`` (row -> its text)."""
    table = {usual: 0}
    codes = np.zeros(n, dtype=np.intp)
    if texts:
        rows = np.fromiter(texts, dtype=np.intp, count=len(texts))
        codes[rows] = [table.setdefault(text, len(table)) for text in texts.values()]
    return _Coded(codes, [text.encode() for text in table])


def _warnings_slot(result: Result) -> _Slot:
    if not any(np.asarray(mask, dtype=bool).any() for mask in result.warning_flags.values()):
        return "[]"
    return _sparse_slot(len(result), {i: _dump(w) for i, w in result.flagged_warnings(0, len(result)).items()},
                        "[]")


__all__ = ["OPTIONS", "collector_paused", "column_value", "columns_text", "json_value", "json_values", "rows_text"]
