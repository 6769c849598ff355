"""Where raw events live: turn a path, an in-memory frame or a warehouse table into an Ibis table.

Paths and in-memory frames run on an embedded DuckDB (no server); an Ibis table bound to any other
backend (Spark, Postgres, BigQuery, Snowflake, ClickHouse...) stays on that backend, and so does
everything computed from it.
"""

from __future__ import annotations

import glob
import itertools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from abstats.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")
_REMOTE_PREFIXES = ("s3://", "s3a://", "gs://", "gcs://", "az://", "abfss://", "http://", "https://", "hf://")
_view_ids = itertools.count()
#: DuckDB memory cap of the connection abstats opens itself; beyond it DuckDB spills to a temporary
#: directory. Measured (benchmarks/bench_data_layer.py): 50 million event rows peak at about 0.77 GiB
#: resident for the whole Python process with it, 0.93 GiB without, in the same time.
DEFAULT_MEMORY_LIMIT = "600MB"


@dataclass(frozen=True, eq=False)
class EventTable:
    """An Ibis table of events and the backend that executes queries over it."""

    table: ir.Table
    backend: BaseBackend

    def execute(self, expr: ir.Table) -> Any:
        """Run ``expr`` on the table's backend and return a (small) pandas DataFrame."""
        return self.backend.execute(expr)


def event_table(source: Any, connection: BaseBackend | None = None) -> EventTable:
    """Open ``source`` as an Ibis table without reading its rows into Python.

    Parameters
    ----------
    source
        A parquet or CSV path, directory of parquet files or glob (``"lake/events/*.parquet"``,
        ``s3://...`` when the DuckDB ``httpfs`` extension can reach it); a pandas, polars or
        pyarrow table; an Ibis table on any backend; or a Spark DataFrame.
    connection
        DuckDB (or other Ibis) connection that reads paths and frames; default:
        :func:`default_connection`. Pass ``ibis.duckdb.connect(threads=4, memory_limit="8GB")`` to size it.

    Examples
    --------
    >>> import pandas as pd
    >>> events = event_table(pd.DataFrame({"user_id": [1, 2], "variant": ["A", "B"]}))
    >>> events.table.columns
    ('user_id', 'variant')
    """
    if isinstance(source, ir.Table):
        return EventTable(source, _backend_of(source, connection))
    if isinstance(source, (str, os.PathLike)):
        con = connection or default_connection()
        return EventTable(_read_path(con, os.fspath(source)), con)
    module = type(source).__module__.split(".")[0]
    if module == "pyspark":
        return _spark_table(source)
    if module in ("pandas", "polars", "pyarrow"):
        con = connection or default_connection()
        # A memtable is registered with the backend at execution: DuckDB scans the frame in place.
        return EventTable(ibis.memtable(source), con)
    raise InputError(
        "events",
        type(source).__name__,
        "a parquet/CSV path or glob, a pandas/polars/pyarrow table, an Ibis table or a Spark DataFrame",
    )


def default_connection() -> BaseBackend:
    """The in-memory DuckDB that reads paths and frames when no connection is given.

    Sized so that aggregating tens of millions of events stays within about 1 GiB for the whole process:
    ``memory_limit`` :data:`DEFAULT_MEMORY_LIMIT` (DuckDB spills hash tables beyond it to a temporary
    directory of this process, removed when the connection closes), and ``preserve_insertion_order``
    off (abstats sorts the few result rows itself, so DuckDB need not buffer rows to keep their order).

    Examples
    --------
    >>> con = default_connection()
    >>> con.raw_sql("SELECT current_setting('preserve_insertion_order')").fetchone()
    (False,)
    """
    spill = os.path.join(tempfile.gettempdir(), f"abstats-duckdb-{os.getpid()}")
    return ibis.duckdb.connect(
        memory_limit=DEFAULT_MEMORY_LIMIT, preserve_insertion_order=False, temp_directory=spill
    )


def _backend_of(table: ir.Table, connection: BaseBackend | None) -> BaseBackend:
    if connection is not None:
        return connection
    try:
        return table._find_backend(use_default=True)
    except Exception:  # an unbound table (ibis.table(schema)) has no backend to run on
        raise InputError("events", "an unbound Ibis table", "a table from a connection (con.table(...))") from None


def _read_path(con: BaseBackend, path: str) -> ir.Table:
    remote = path.startswith(_REMOTE_PREFIXES)
    lower = path.lower()
    is_glob = any(ch in path for ch in "*?[")
    if not remote:
        if is_glob:
            if not glob.glob(path, recursive=True):
                raise InputError("path", path, "a glob that matches at least one parquet or CSV file")
        elif not Path(path).exists():
            raise InputError("path", path, "an existing parquet or CSV file, directory of parquet files, or glob")
        elif Path(path).is_dir():
            parquet = glob.glob(os.path.join(path, "**", "*.parquet"), recursive=True)
            if not parquet:
                raise InputError("path", path, "a directory holding *.parquet files (a parquet lake)")
            path = os.path.join(path, "**", "*.parquet")
            lower = path.lower()
    try:
        if lower.endswith(PARQUET_SUFFIXES):
            return con.read_parquet(path)
        if lower.endswith(CSV_SUFFIXES):
            return con.read_csv(path)
    except Exception as exc:  # the backend's own error type differs per backend
        kind = "parquet" if lower.endswith(PARQUET_SUFFIXES) else "CSV"
        raise InputError("path", path, f"a readable {kind} file ({_first_line(exc)})") from None
    raise InputError("path", path, "a file ending in " + ", ".join(PARQUET_SUFFIXES + CSV_SUFFIXES))


def _spark_table(frame: Any) -> EventTable:
    """A Spark DataFrame becomes a temporary view that Ibis's pyspark backend queries in Spark."""
    con = ibis.pyspark.connect(frame.sparkSession)
    name = f"abstats_events_{os.getpid()}_{next(_view_ids)}"
    frame.createOrReplaceTempView(name)
    return EventTable(con.table(name), con)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
