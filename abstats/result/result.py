"""The one Result type every method returns: columnar, one row per metric x treatment-vs-control comparison."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from abstats.result.columns import NAMES
from abstats.result.deferred import DeferredField, ResultColumns, is_broadcast, is_deferred, label_codes
from abstats.result.json_text import OPTIONS, column_value, json_value
from abstats.result.reasons import SHARED_RULES, Rows
from abstats.result.warnings import MESSAGES

if TYPE_CHECKING:
    from abstats.funnel.counts import FunnelCounts
    from abstats.methods.base import Method
    from abstats.result.reason_column import ReasonColumn
    from abstats.result.table import Detail

SCHEMA_VERSION = "1.2"
# "rows": one object per comparison (and per verdict); "columns": one array per column
ORIENTS = ("rows", "columns")


@dataclass(frozen=True, eq=False)
class Result:
    """Scores of many comparisons, held as numpy columns.

    Attributes
    ----------
    method
        ``"frequentist"``, ``"bayesian"``, ... the method that filled the columns.
    settings
        Every setting that changes a number (alpha, alternative, correction, variance choices...).
    columns
        Column name -> array, one element per comparison (see :data:`abstats.result.columns.COLUMNS`);
        columns the method does not produce are absent and read as null.
    rules
        Short code of the decision rule that fired per row; ``reason`` is formatted from it on demand.
    warning_flags
        Warning code -> boolean array of the rows it applies to.

    Examples
    --------
    >>> import abstats
    >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
    ...                     metric=abstats.BinaryMetric("conversion"), control="A")
    >>> round(float(r.p_value[0]), 4), str(r.decision[0])
    (0.0355, 'stop_winner')
    >>> r.effect_interval()[0].round(4)
    array([0.0021])
    """

    method: str
    settings: Mapping[str, Any]
    columns: Mapping[str, np.ndarray]
    # an array, or label codes (abstats.result.deferred.CodedLabels) decoded when first read
    rules: DeferredField = DeferredField()
    warning_flags: Mapping[str, np.ndarray] = field(default_factory=dict)
    # concatenated Results: (settings of each part, part index of each row); None for one call's Result
    _parts: tuple[tuple[Mapping[str, Any], ...], np.ndarray] | None = field(default=None, repr=False)

    schema_version = SCHEMA_VERSION

    def __post_init__(self) -> None:
        # columns a method left for later (decision codes, the fast path's SRM p-value) are built when read
        if not isinstance(self.columns, ResultColumns) and any(is_deferred(v) for v in self.columns.values()):
            object.__setattr__(self, "columns", ResultColumns(self.columns))

    def __len__(self) -> int:
        return len(Result.__dict__["rules"].held(self))  # without decoding label codes

    @classmethod
    def concat(cls, results: Sequence[Result]) -> Result:
        """Rows of several Results of one method, in order (e.g. separate calls per team or metric set).

        Settings that agree are kept as they are; a setting that differs between the Results is
        recorded per row as ``{"per_row": [...]}`` and each row's reason still reads its own value.

        Examples
        --------
        >>> import abstats
        >>> t = {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]}
        >>> a = abstats.analyze(t, metric=abstats.BinaryMetric("cr"), control="A")
        >>> b = abstats.analyze(t, metric=abstats.BinaryMetric("cr"), control="A", alpha=0.01)
        >>> both = abstats.Result.concat([a, b])
        >>> both.decision.tolist(), both.settings["alpha"]
        (['stop_winner', 'inconclusive'], {'per_row': [0.05, 0.01]})
        """
        from abstats.errors import ConfigError

        if not results or not all(isinstance(r, Result) for r in results):
            raise ConfigError("results", results, "a non-empty list of Results")
        methods = {r.method for r in results}
        if len(methods) > 1:
            raise ConfigError("results", sorted(methods), "Results of one method (concatenate per method)")
        parts = [settings for r in results for settings in r._part_settings]
        offsets = np.cumsum([0] + [len(r._part_settings) for r in results[:-1]])
        part_of_row = np.concatenate([r._part_of_row + off for r, off in zip(results, offsets, strict=True)])
        names = list(dict.fromkeys(name for r in results for name in r.columns))
        rows = [len(r) for r in results]
        columns = {name: _concat_column([r.columns.get(name) for r in results], rows) for name in names}
        codes = list(dict.fromkeys(code for r in results for code in r.warning_flags))
        flags = {
            code: np.concatenate([np.asarray(r.warning_flags.get(code, np.zeros(len(r), dtype=bool))) for r in results])
            for code in codes
        }
        merged = _merge_settings(parts, part_of_row)
        return cls(results[0].method, merged, columns, np.concatenate([r.rules for r in results]), flags,
                   _parts=(tuple(parts), part_of_row))

    def label_codes(self, name: str) -> tuple[np.ndarray, tuple[Any, ...]]:
        """Codes per row and the labels they stand for, of a column of few distinct labels (``decision``,
        ``rule``, ``role``...): label codes as held, not turned into strings (see
        :func:`abstats.result.deferred.label_codes`).

        Examples
        --------
        >>> import abstats
        >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
        ...                     metric=abstats.BinaryMetric("conversion"), control="A")
        >>> codes, labels = r.label_codes("decision")
        >>> labels[codes[0]]
        'stop_winner'
        """
        # kept: a to_json reads the decisions and rule codes several times (verdicts, reasons, the text)
        known = self._label_codes.get(name)
        if known is not None:
            return known
        if name == "rule":
            held = Result.__dict__["rules"].held(self)
        elif isinstance(self.columns, ResultColumns) and name in self.columns:
            held = self.columns.raw(name)
        else:
            held = self[name]
        known = self._label_codes[name] = label_codes(held)
        return known

    @cached_property
    def _label_codes(self) -> dict[str, tuple[np.ndarray, tuple[Any, ...]]]:
        return {}

    @property
    def _part_settings(self) -> tuple[Mapping[str, Any], ...]:
        return self._parts[0] if self._parts else (self.settings,)

    @property
    def _part_of_row(self) -> np.ndarray:
        return self._parts[1] if self._parts else np.zeros(len(self), dtype=np.intp)

    def _settings_of(self, i: int) -> Mapping[str, Any]:
        return self._parts[0][self._parts[1][i]] if self._parts else self.settings

    def __getitem__(self, name: str) -> np.ndarray:
        if name == "reason":
            return np.asarray(self.reasons.all(), dtype=object)
        if name == "rule":
            return self.rules
        if name in self.columns:
            return self.columns[name]
        if name in NAMES:
            return np.full(len(self), None, dtype=object)
        raise KeyError(f"{name!r} is not a Result column; columns are: {', '.join(NAMES)}")

    # --- the columns people reach for most -------------------------------------------------
    @property
    def p_value(self) -> np.ndarray:
        return self["p_value"]

    @property
    def p_value_adjusted(self) -> np.ndarray:
        return self["p_value_adjusted"]

    @property
    def effect(self) -> np.ndarray:
        return self["effect"]

    @property
    def rel_effect(self) -> np.ndarray:
        return self["rel_effect"]

    @property
    def decision(self) -> np.ndarray:
        return self["decision"]

    @property
    def method_object(self) -> Method:
        """The registered :class:`~abstats.methods.Method` that produced this Result."""
        from abstats.methods.registry import get_method

        return get_method(self.method)

    def effect_interval(self, scale: str = "absolute") -> tuple[np.ndarray, np.ndarray]:
        """(low, high) arrays of the method's interval of the ``"absolute"`` or ``"relative"`` effect.

        Confidence intervals for frequentist and sequential methods, credible intervals for
        Bayesian ones, at the level the analysis used (``alpha`` / ``ci_level`` in ``settings``).
        """
        if scale not in ("absolute", "relative"):
            raise KeyError(f"scale must be 'absolute' or 'relative', got {scale!r}")
        low, high = self.method_object.display.interval_columns(scale)
        return self[low], self[high]

    def reason(self, i: int) -> str:
        """The decision's reason text of row ``i``: the rule, its statistic and its threshold."""
        return self._rule_texts[str(self.rules[i])](_RowView(self.columns, i), self._settings_of(i))

    @cached_property
    def _rule_texts(self) -> Mapping[str, Any]:
        texts = {**SHARED_RULES, **self.method_object.rules}
        if "funnel" in self.settings:  # a funnel's rows also name its bottleneck (abstats.funnel.reasons)
            from abstats.funnel.reasons import with_funnel_context

            return with_funnel_context(texts)
        return texts

    @cached_property
    def reasons(self) -> ReasonColumn:
        """Every row's reason text, as a sequence: ``reasons[i]`` formats row ``i`` only; iterating it (or
        ``reasons.all()``, ``to_json``, ``to_frame``) formats all rows at once, each rule code's rows in bulk."""
        from abstats.result.reason_column import ReasonColumn

        return ReasonColumn(self)

    def row_views(self, rows: np.ndarray) -> Iterator[Mapping[str, Any]]:
        """Rows ``rows`` (indices), each a mapping of its cells as Python values (a rule text's ``row``)."""
        lists = self._column_lists
        return (_ListRowView(lists, i) for i in np.asarray(rows).tolist())

    def warnings(self, row: int) -> list[dict[str, str]]:
        """Warnings of one row as ``{"code", "message"}`` dicts."""
        return self._warnings_of(row, _RowView(self.columns, row), self.method_object.warnings)

    def _warnings_of(self, row: int, data: Mapping[str, Any], own: Mapping[str, Any]) -> list[dict[str, str]]:
        return [
            {"code": code, "message": (own.get(code) or MESSAGES[code])(data, self._settings_of(row))}
            for code, mask in self.warning_flags.items()
            if mask[row]
        ]

    def rows(self) -> Iterator[dict[str, Any]]:
        """One dict per comparison with every schema column, its reason and its warnings.

        Python values: NaN and values the method does not produce are None; the open side of a
        one-sided interval stays ``-inf`` / ``inf`` (``to_dict`` writes it as JSON null).
        """
        return iter(self._records(keep_infinite=True))

    def _records(self, *, keep_infinite: bool) -> list[dict[str, Any]]:
        # Column by column (one tolist per column) rather than cell by cell: a 1M-row Result
        # converts in seconds instead of minutes.
        n = len(self)
        names, columns = self.json_columns()
        values = [_python_column(col, n, keep_infinite) for col in columns]
        keys = (*names, "reason", "warnings")
        return [dict(zip(keys, row, strict=True))
                for row in zip(*values, self.reasons.all(), self.warning_lists(0, n), strict=True)]

    def json_columns(self) -> tuple[tuple[str, ...], list[np.ndarray | None]]:
        """Names and arrays of the columns a comparison record holds before its reason and warnings
        (None: a column the method does not produce)."""
        names = tuple(name for name in NAMES if name != "reason")
        return names, [self.rules if name == "rule" else self.columns.get(name) for name in names]

    def warning_lists(self, start: int, stop: int) -> list[list[dict[str, str]]]:
        """Warnings of rows ``start`` to ``stop`` (exclusive), one list of ``{"code", "message"}`` per row."""
        out: list[list[dict[str, str]]] = [[] for _ in range(max(stop - start, 0))]
        for i, warnings in self.flagged_warnings(start, stop).items():
            out[i - start] = warnings
        return out

    def flagged_warnings(self, start: int, stop: int) -> dict[int, list[dict[str, str]]]:
        """Row -> its warnings, for the rows from ``start`` to ``stop`` (exclusive) that have any (in no
        particular row order).

        Each warning code's rows are formatted together, per settings part, in one call of a
        :class:`~abstats.result.reasons.ColumnText` message (a plain message is called row by row);
        a row's warnings keep the order of ``warning_flags``.
        """
        own = self.method_object.warnings
        out: dict[int, list[dict[str, str]]] = {}
        part_of_row, part_settings = self._part_of_row, self._part_settings
        for code, mask in self.warning_flags.items():
            rows = np.flatnonzero(np.asarray(mask[start:stop], dtype=bool)) + start
            if not rows.size:
                continue
            message = own.get(code) or MESSAGES[code]
            parts = part_of_row[rows]
            for part in np.unique(parts).tolist():
                members = rows[parts == part] if len(part_settings) > 1 else rows
                for i, text in zip(members.tolist(), self.texts_of_rows(message, members, part_settings[part]),
                                   strict=True):
                    out.setdefault(i, []).append({"code": code, "message": text})
        return out

    def texts_of_rows(self, text: Any, rows: np.ndarray, settings: Mapping[str, Any]) -> list[str]:
        """A rule text or warning message of ``rows`` (indices) under ``settings``: one call of a
        :class:`~abstats.result.reasons.ColumnText` for all of them, else one call per row."""
        many = getattr(text, "many", None)
        if many is not None:
            texts: list[str] = many(Rows.of_columns(self.columns, rows), settings)
            return texts
        return [text(row, settings) for row in self.row_views(rows)]

    @cached_property
    def _column_lists(self) -> _ColumnLists:
        return _ColumnLists(self.columns)

    def verdicts(self) -> list[dict[str, Any]]:
        """One verdict per experiment: ``ship``, ``dont_ship``, ``keep_running`` or ``investigate``.

        The primary metrics decide, any failed guardrail vetoes, an SRM makes it ``investigate``;
        see :mod:`abstats.result.verdicts` for the rules. Each has the experiment, the verdict, the
        treatments that ship and a reason naming which metric did what.
        """
        from abstats.result.verdicts import experiment_verdicts

        return experiment_verdicts(self).records(self)

    # --- serialisation ---------------------------------------------------------------------
    def to_dict(self, orient: str = "rows") -> dict[str, Any]:
        """JSON-ready dict following ``abstats/result/schema/result-<schema_version>.json``.

        Parameters
        ----------
        orient
            ``"rows"`` (default): ``verdicts`` and ``comparisons`` are lists of objects, one per
            experiment / comparison. ``"columns"``: ``verdicts`` and ``columns`` are objects of
            equal-length arrays, one per field (no key repeated per row: smaller and faster).
        """
        _check_orient(orient)
        head = self.head_dict()
        if orient == "columns":
            n = len(self)
            names, columns = self.json_columns()
            out = {name: column_value(col, n, numpy=False) for name, col in zip(names, columns, strict=True)}
            out["reason"] = list(self.reasons)
            out["warnings"] = self.warning_lists(0, n)
            verdicts = {k: [json_value(v) for v in vs] for k, vs in self.verdict_columns().items()}
            return {**head, "verdicts": verdicts, "columns": out}
        return {
            **head,
            "verdicts": [_json_verdict(v) for v in self.verdicts()],
            "comparisons": self._records(keep_infinite=False),
        }

    def head_dict(self) -> dict[str, Any]:
        """The JSON document's first fields: ``schema_version``, ``method`` and ``settings``."""
        return {"schema_version": self.schema_version, "method": self.method,
                "settings": json_value(dict(self.settings))}

    def verdict_columns(self) -> dict[str, list[Any]]:
        """The verdicts as lists ``experiment``, ``verdict``, ``ship`` and ``reason``."""
        from abstats.result.verdicts import experiment_verdicts

        return experiment_verdicts(self).columns(self)

    def to_json(self, *, indent: int | None = None, orient: str = "rows") -> str:
        """Strict JSON (no NaN/Infinity: undefined or unbounded values are null); ``indent=2`` to pretty-print.

        ``orient="columns"`` writes each column as one array (see :meth:`to_dict`); numeric columns go
        from numpy to text without a Python object per cell, the fastest and smallest form for large
        Results. Both orientations follow the same schema.

        Examples
        --------
        >>> import abstats, json
        >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
        ...                     metric=abstats.BinaryMetric("conversion"), control="A")
        >>> json.loads(r.to_json(orient="columns"))["columns"]["p_value"]
        [0.035...]
        """
        import orjson

        from abstats.result.json_text import collector_paused, columns_text, rows_text

        if indent not in (None, 2):
            raise ValueError(f"indent must be None or 2, got {indent!r}")
        _check_orient(orient)
        if indent == 2:  # for people (small Results): the dict, pretty-printed
            return orjson.dumps(self.to_dict(orient), option=OPTIONS | orjson.OPT_INDENT_2).decode()
        with collector_paused():
            return columns_text(self) if orient == "columns" else rows_text(self)

    def to_frame(self, columns: str = "method") -> Any:
        """pandas DataFrame, one row per comparison, with its rule, reason and warning codes.

        Parameters
        ----------
        columns
            ``"method"`` (default): the identity columns and those the method fills;
            ``"all"``: every schema column (null where the method does not produce it).
        """
        import pandas as pd

        if columns not in ("method", "all"):
            from abstats.errors import ConfigError

            raise ConfigError("columns", columns, "'method' or 'all'")
        names = [name for name in NAMES if name != "reason"]
        if columns == "method":
            shown = {*_IDENTITY, *self.method_object.display.columns, "decision", "rule"}
            names = [name for name in names if name in shown or name in self.columns]
        data: dict[str, Any] = {name: self[name] for name in names}
        data["reason"] = self.reasons.all()
        codes = [[c for c, m in self.warning_flags.items() if m[i]] for i in range(len(self))]
        data["warnings"] = codes
        return pd.DataFrame(data)

    # --- display ---------------------------------------------------------------------------
    def summary_frame(self, detail: Detail = "compact") -> Any:
        """Formatted table for people (strings), one row per comparison.

        Parameters
        ----------
        detail
            ``"compact"`` (default): metric, comparison, control and treatment values, the effect and the
            relative effect each with its interval, the p-value or probability, the decision;
            ``"full"``: also sample sizes, role, rule and warning codes; ``"terminal"``: the four columns
            that fit 80 characters.
        """
        from abstats.result.render import summary_frame

        return summary_frame(self, detail)

    def to_text(self, detail: Detail = "compact", max_rows: int = 50) -> str:
        """The table (``detail`` as in :meth:`summary_frame`), the verdicts and the notes, as plain text."""
        from abstats.result.render import render_text

        return render_text(self, max_rows=max_rows, detail=detail)

    def to_html(self, detail: Detail = "compact", max_rows: int = 50) -> str:
        """The notebook rendering (``detail`` as in :meth:`summary_frame`); ``_repr_html_`` is the compact one."""
        from abstats.result.render import render_html

        return render_html(self, max_rows=max_rows, detail=detail)

    def to_html_report(self, path: str | Path, *, title: str | None = None) -> Path:
        """Write one self-contained HTML report: verdict, table, plots (inline SVG), notes and settings.

        Inline CSS, no script and no network reference: the file a CI job uploads as an artifact.
        Written atomically (a reader never sees half a file).

        Parameters
        ----------
        path
            The file to write; its folder must exist.
        title
            Heading of the page (default ``"abstats report"``).

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        OutputError
            The folder is missing or the file cannot be written.

        Examples
        --------
        >>> import abstats, tempfile, pathlib
        >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
        ...                     metric=abstats.BinaryMetric("signup"), control="A")
        >>> page = r.to_html_report(pathlib.Path(tempfile.mkdtemp()) / "report.html")
        >>> "Verdict" in page.read_text()
        True
        """
        from abstats.result.report import write_html_report

        return write_html_report(self, path, title=title)

    def plot(self, kind: str = "relative") -> Any:
        """Forest plot of every comparison's effect and interval, coloured by decision; returns the Figure.

        ``kind="absolute"`` draws one panel per metric (each in its own units). See
        :func:`abstats.result.plot.forest_plot`; matplotlib is imported on use.
        """
        from abstats.result.plot import forest_plot

        return forest_plot(self, kind=kind)

    def plot_posteriors(self, scale: str = "relative") -> Any:
        """Posterior density of each comparison's effect (Bayesian Results); returns the Figure.

        See :func:`abstats.result.posterior_plot.posterior_plot`.
        """
        from abstats.result.posterior_plot import posterior_plot

        return posterior_plot(self, scale=scale)

    def funnel(self) -> FunnelCounts:
        """The funnel counts this Result compared (a Result of :meth:`abstats.FunnelCounts.analyze`)."""
        from abstats.funnel.counts import FunnelCounts

        return FunnelCounts.from_record(self._funnel_record())

    def plot_funnel(self) -> Any:
        """Funnel chart of a funnel Result: per variant, bars of the units at each stage labelled with
        their conversion (matplotlib Figure)."""
        from abstats.funnel.plot import funnel_chart

        return funnel_chart(self)

    def plot_stage_effects(self, kind: str = "absolute") -> Any:
        """Each funnel row's effect with its interval, coloured by decision (matplotlib Figure)."""
        from abstats.funnel.plot import stage_effects

        return stage_effects(self, kind=kind)

    def _funnel_record(self) -> Mapping[str, Any]:
        record = self.settings.get("funnel")
        if not isinstance(record, Mapping):
            from abstats.errors import ConfigError

            raise ConfigError("result", self.method, "a funnel Result (from abstats.Funnel(...).from_counts(...)"
                              ".analyze(...))")
        return record

    def __repr__(self) -> str:
        decisions = dict(zip(*np.unique(np.asarray(self["decision"], dtype=str), return_counts=True), strict=True))
        counts = ", ".join(f"{k}: {v}" for k, v in decisions.items())
        return f"<abstats.Result {self.method_object.label}: {len(self)} comparisons ({counts or 'none'})>"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html()


# columns every Result has, whatever the method
_IDENTITY = ("experiment", "metric", "metric_type", "higher_is_better", "role", "control", "treatment", "control_n",
             "treatment_n", "srm_p_value")


def result_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that ``Result.to_dict()`` follows, for this ``SCHEMA_VERSION``."""
    from importlib.resources import files

    text = files("abstats.result").joinpath(f"schema/result-{SCHEMA_VERSION}.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def constant(value: Any, rows: int) -> np.ndarray:
    """A read-only column repeating one value, without allocating ``rows`` elements."""
    one = np.asarray(value)
    if one.dtype.hasobject:  # no buffer to view
        return np.broadcast_to(one, (rows,))
    # the zero-stride view itself: np.broadcast_to builds an iterator first (5 us; a Result takes a dozen)
    out = np.ndarray((rows,), one.dtype, one, 0, (0,))
    out.flags.writeable = False
    return out


class _RowView(Mapping[str, Any]):
    """Row ``i`` of the columns, read cell by cell on access (a reason reads a handful of cells)."""

    def __init__(self, columns: Mapping[str, np.ndarray], i: int) -> None:
        self._columns = columns
        self._i = i

    def __getitem__(self, name: str) -> Any:
        return self._columns[name].item(self._i)  # a Python scalar (or the object itself), not a numpy one

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


class _ColumnLists:
    """The columns as Python lists, each converted (one ``tolist``) the first time a cell of it is read."""

    def __init__(self, columns: Mapping[str, np.ndarray]) -> None:
        self.columns = columns
        self._lists: dict[str, list[Any]] = {}

    def __getitem__(self, name: str) -> list[Any]:
        values = self._lists.get(name)
        if values is None:
            values = self._lists[name] = self.columns[name].tolist()  # the same Python scalars .item() gives
        return values


class _ListRowView(Mapping[str, Any]):
    """Row ``i`` read from :class:`_ColumnLists`: formatting every row's reason reads cells by list index."""

    __slots__ = ("_lists", "_i")

    def __init__(self, lists: _ColumnLists, i: int) -> None:
        self._lists = lists
        self._i = i

    def __getitem__(self, name: str) -> Any:
        return self._lists[name][self._i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists.columns)

    def __len__(self) -> int:
        return len(self._lists.columns)


def _json_verdict(verdict: dict[str, Any]) -> dict[str, Any]:
    """A verdict record as strict JSON values: its verdict and reason are strings already, so only the
    labels need converting (``json_value`` over the whole list took seconds at 100k experiments)."""
    out = dict(verdict)
    out["experiment"] = json_value(verdict["experiment"])
    out["ship"] = [json_value(t) for t in verdict["ship"]]
    return out


def _check_orient(orient: str) -> None:
    if orient not in ORIENTS:
        from abstats.errors import ConfigError

        raise ConfigError("orient", orient, "'rows' or 'columns'")


def _concat_column(parts: list[np.ndarray | None], rows: list[int]) -> np.ndarray:
    """One column over several Results; a Result without it contributes NaN (numbers) or None."""
    present = [p for p in parts if p is not None]
    numeric = all(np.asarray(p).dtype.kind in "fiub" for p in present)
    filled = [
        np.asarray(p) if p is not None else (np.full(n, np.nan) if numeric else np.full(n, None, dtype=object))
        for p, n in zip(parts, rows, strict=True)
    ]
    if not numeric:
        filled = [f.astype(object) for f in filled]
    return np.concatenate(filled)


def _merge_settings(parts: list[Mapping[str, Any]], part_of_row: np.ndarray) -> dict[str, Any]:
    """Settings that agree across parts as they are; the others per row."""
    keys = list(dict.fromkeys(k for p in parts for k in p))
    merged: dict[str, Any] = {}
    for key in keys:
        values = [p.get(key) for p in parts]
        if all(v == values[0] for v in values[1:]):
            merged[key] = values[0]
        else:
            merged[key] = {"per_row": [values[i] for i in part_of_row.tolist()]}
    return merged


def _python_column(arr: np.ndarray | None, n: int, keep_infinite: bool) -> list[Any]:
    """A column as Python values: NaN (and, for JSON, +-inf) as None, numpy scalars as Python scalars."""
    if not keep_infinite:
        values: list[Any] = column_value(arr, n, numpy=False)
        return values
    if arr is None:
        return [None] * n
    arr = np.asarray(arr)
    if is_broadcast(arr):  # a broadcast constant: convert one value
        return [_python_scalar(arr[0])] * n
    if arr.dtype.kind == "f":
        bad = np.isnan(arr)
        if not bad.any():
            return arr.tolist()
        out = arr.astype(object)
        out[bad] = None
        return out.tolist()
    if arr.dtype.kind in "biuU":
        return arr.tolist()
    return [_python_scalar(v) for v in arr.tolist()]


def _python_scalar(value: Any) -> Any:
    """NaN becomes None (undefined); infinities are kept (an unbounded side)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
