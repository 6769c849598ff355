"""Reading spec files (YAML, TOML, JSON) and aggregate tables (CSV, JSON, parquet; wide or long).

Every failure is one :class:`~abstats.spec.errors.SpecError` that names the file: a CI log line
must say which file to fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from abstats.spec.errors import SpecError

SPEC_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
DATA_FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}


def read_text(path: str | Path, field: str) -> str:
    """The file's text, or one error naming the file: missing, a folder, unreadable, not UTF-8."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(field, str(path), "an existing file", source=str(path)) from None
    except IsADirectoryError:
        raise SpecError(field, str(path), "a file, not a folder", source=str(path)) from None
    except PermissionError:
        raise SpecError(field, str(path), "a readable file (permission denied)", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise SpecError(field, f"byte {exc.start}", "UTF-8 text", source=str(path)) from None
    except OSError as exc:
        raise SpecError(field, str(path), f"a readable file ({exc.strerror})", source=str(path)) from None


def read_spec_file(path: str | Path) -> Any:
    """The parsed document of a spec file, by its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in SPEC_SUFFIXES:
        raise SpecError("spec", str(path), "a .yaml, .yml, .toml or .json spec file", source=str(path))
    text = read_text(path, "spec")
    try:
        if suffix == ".toml":
            import tomllib

            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
        import yaml

        return yaml.safe_load(text)
    except Exception as exc:  # each parser has its own error class; all mean "not valid <format>"
        where = _first_line(str(exc))
        raise SpecError("spec", where, f"valid {suffix.lstrip('.').upper()}", source=str(path)) from None


def read_table(path: Path, fmt: str | None) -> Any:
    """A pandas DataFrame of the aggregate file at ``path`` (format by ``fmt`` or the suffix)."""
    import pandas as pd

    source = str(path)
    fmt = fmt or DATA_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SpecError("data.format", path.suffix or source, "csv, json or parquet (or a .csv/.json/.parquet file)",
                        source=source)
    if fmt == "parquet":
        if not path.is_file():
            read_text(path, "data.path")  # the same missing / folder errors as the text formats
        try:
            return pd.read_parquet(path)
        except ImportError:
            raise SpecError("data.format", "parquet", "pyarrow installed (pip install pyarrow) to read parquet",
                            source=source) from None
        except Exception as exc:  # pyarrow's error classes: not a parquet file, truncated...
            raise SpecError("data.path", _first_line(str(exc)), "a parquet file", source=source) from None
    text = read_text(path, "data.path")
    if fmt == "json":
        return _json_table(text, source)
    return _csv_table(text, source)


def _csv_table(text: str, source: str) -> Any:
    import io

    import pandas as pd

    if text.lstrip()[:1] in ("{", "["):  # JSON (or YAML flow) in a .csv file reads as junk columns
        raise SpecError("data.path", text.lstrip()[:1], "a CSV file with a header row (this looks like JSON: "
                        "name it .json or set data.format: json)", source=source)
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SpecError("data.path", _first_line(str(exc)), "a CSV file with a header row", source=source) from None
    if frame.shape[1] < 2:  # a JSON or text file read as CSV gives one column of junk
        raise SpecError("data.path", _first_line(text)[:60], "a CSV file: comma-separated columns with a header row",
                        source=source)
    return frame


def _json_table(text: str, source: str) -> Any:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError("data.path", f"line {exc.lineno}", f"valid JSON ({exc.msg})", source=source) from None
    return table_from_records(doc, "data.path", source)


def table_from_records(doc: Any, field: str, source: str | None) -> Any:
    """A DataFrame from records (list of row objects) or columns (object of equal-length lists)."""
    import pandas as pd
    if isinstance(doc, list) and all(isinstance(row, dict) for row in doc) and doc:
        return pd.DataFrame.from_records(doc)
    if isinstance(doc, dict) and doc and all(isinstance(v, list) for v in doc.values()):
        lengths = {len(v) for v in doc.values()}
        if len(lengths) != 1:
            raise SpecError(field, sorted(lengths), "columns of equal length", source=source)
        return pd.DataFrame(doc)
    raise SpecError(field, type(doc).__name__, "records (a list of row objects) or columns (an object of lists)",
                    source=source)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
