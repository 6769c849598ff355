"""A Result's ``reason`` column: one row's text formatted when it is read, all rows in bulk when exported.

Reading ``result.reasons[i]`` formats row ``i`` only. Iterating, comparing or exporting (``to_json``,
``to_frame``) formats every row once, each rule code's rows in one call of its
:class:`~abstats.result.reasons.ColumnText` (a plain rule text, e.g. a user's own method's, is called
row by row), and keeps the texts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from abstats.result.reasons import CodedTexts

if TYPE_CHECKING:
    from abstats.result.result import Result


class ReasonColumn(Sequence[str]):
    """The reason texts of a Result's rows, formatted on demand (see the module docstring)."""

    def __init__(self, result: Result) -> None:
        self._result = result
        self._all: list[str] | None = None

    def __len__(self) -> int:
        return len(self._result)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return self.take(np.arange(len(self))[i])
        if self._all is not None:
            return self._all[i]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"row {i} of {n}")
        return self._result.reason(i % n)

    def __iter__(self) -> Iterator[str]:
        return iter(self.all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self.all() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by value, like the list it stands for

    def __repr__(self) -> str:
        return f"ReasonColumn({self.all()!r})"

    def all(self) -> list[str]:
        """Every row's text, formatted in bulk the first time and kept."""
        if self._all is None:
            self._all = format_reasons(self._result, np.arange(len(self)))
        return self._all

    def take(self, rows: np.ndarray) -> list[str]:
        """The texts of rows ``rows`` (indices), in that order, formatted in bulk unless already kept."""
        if self._all is not None:
            every = self._all
            return [every[i] for i in np.asarray(rows).tolist()]
        return format_reasons(self._result, np.asarray(rows, dtype=np.intp))


def format_reasons(result: Result, rows: np.ndarray) -> list[str]:
    """Reason texts of ``rows``: the rows of each (rule code, settings) group formatted in one call (as
    :class:`~abstats.result.reasons.CodedTexts` when there are several groups or the group's texts are)."""
    if not len(rows):
        return []
    rule_codes, labels = result.label_codes("rule")  # the codes as held: no string compared per row
    code_of_row = np.asarray(rule_codes)[rows].astype(np.intp)
    part_settings = result._part_settings
    group = code_of_row * len(part_settings) + result._part_of_row[rows]
    if len(part_settings) == 1 and (code_of_row == code_of_row[0]).all():  # one rule code: no grouping
        return _format(result, str(labels[code_of_row[0]]), part_settings[0], rows)
    # a stable sort of small integers is a radix sort
    order = np.argsort(group.astype(np.int16) if group.max() < 2**15 else group, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(group[order])) + 1]
    stops = np.r_[starts[1:], len(order)]
    # each group's texts as codes into one table: rows that share a text share its code
    out = np.empty(len(rows), dtype=np.intp)
    table: list[str] = []
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        members = order[start:stop]
        code, part = divmod(int(group[members[0]]), len(part_settings))
        texts = CodedTexts.of(_format(result, str(labels[code]), part_settings[part], rows[members]))
        out[members] = texts.codes + len(table)
        table += texts.table
    return CodedTexts(np.asarray(table, dtype=object)[out].tolist(), out, table)


def _format(result: Result, code: str, settings: Mapping[str, Any], rows: np.ndarray) -> list[str]:
    """Texts of ``rows``, which share rule code ``code`` and ``settings``."""
    return result.texts_of_rows(result._rule_texts[code], rows, settings)
