"""Pieces of reason texts that several methods share, and the way a rule text formats many rows at once.

Each method owns its rule codes and their texts (``Method.rules``); the Result formats a
row's text only when a user asks for it (``reasons[i]``, ``to_frame``, ``to_dict``, ``str``),
so scoring 100,000 rows pays nothing for it. A rule text written as a :class:`ColumnText`
formats every row of its rule code in one call, column by column (what ``to_json`` of a
million rows needs); called with one row it gives that row's text, from the same code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from abstats.result.deferred import broadcast, is_broadcast, label_codes

Row = Mapping[str, Any]
Settings = Mapping[str, Any]

_CORRECTION_LABEL = {
    "bonferroni": "Bonferroni-adjusted p",
    "holm": "Holm-adjusted p",
    "benjamini_hochberg": "BH-adjusted p",
    "benjamini_yekutieli": "BY-adjusted p",
}


class Rows:
    """Cells of the rows one rule text formats, one array per column, each read once on first use.

    ``size`` is the number of rows; ``rows[name]`` the column's cells of those rows (a numpy array)
    and ``rows.values(name)`` the same as Python values (what ``f"{x:.3g}"`` formats).
    """

    __slots__ = ("_get", "_cells", "size")

    def __init__(self, get: Callable[[str], np.ndarray], size: int) -> None:
        self._get = get
        self._cells: dict[str, np.ndarray] = {}
        self.size = size

    @classmethod
    def of_columns(cls, columns: Mapping[str, np.ndarray], index: np.ndarray) -> Rows:
        """Rows ``index`` of a Result's columns (a broadcast constant stays one: one test's name on 1M rows)."""

        def cells(name: str) -> np.ndarray:
            column = np.asarray(columns[name])
            if is_broadcast(column):
                return broadcast(column, len(index))
            return column[index]

        return cls(cells, len(index))

    @classmethod
    def of_row(cls, row: Row) -> Rows:
        """One row, from a mapping of its cells."""
        return cls(lambda name: np.asarray([row[name]]), 1)

    def __getitem__(self, name: str) -> np.ndarray:
        cells = self._cells.get(name)
        if cells is None:
            cells = self._cells[name] = self._get(name)
        return cells

    def values(self, name: str) -> list[Any]:
        values: list[Any] = self[name].tolist()
        return values


class ColumnText:
    """A rule text that formats many rows in one call (``many``); calling it formats one row.

    ``many(rows, settings)`` returns one text per row of :class:`Rows`, all under the same settings.
    """

    __slots__ = ("many",)

    def __init__(self, many: Callable[[Rows, Settings], list[str]]) -> None:
        self.many = many

    def __call__(self, row: Row, settings: Settings) -> str:
        return self.many(Rows.of_row(row), settings)[0]


def texts(values: np.ndarray | Sequence[Any], spec: str = "") -> list[str]:
    """``f"{value:spec}"`` of each value (numpy values as the Python scalars a row holds)."""
    codes, table = coded_texts(values, spec)
    if codes is None:
        return table
    values_: list[str] = np.asarray(table, dtype=object)[codes].tolist()
    return values_


def coded_texts(values: np.ndarray | Sequence[Any], spec: str = "") -> tuple[np.ndarray | None, list[str]]:
    """:func:`texts` as (codes, table): row i reads ``table[codes[i]]``; each distinct rounded decimal is
    formatted once. ``codes`` is None when every row has its own text (``table`` is then the texts)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f" and values.ndim == 1:
        decimal = _DECIMAL_SPEC.fullmatch(spec)
        if decimal is not None and len(values) >= 64:
            return _rounded_texts(values.astype(np.float64), spec, int(decimal.group(1)), decimal.group(2))
    plain = values.tolist() if isinstance(values, np.ndarray) else values
    return None, list(map(format, plain, repeat(spec)))


# "+.3g", ".4g", ".0f", "+.3f": a precision and a general or fixed-point type, nothing else
_DECIMAL_SPEC = re.compile(r"\+?\.(\d)([gf])")
# a scaled value this close to a rounding tie is formatted alone: scaling by a power of ten in floating
# point errs by a few ulp (< 1e-6 for the magnitudes allowed below), which could round a near tie wrongly
_TIE = 1e-6


def _rounded_texts(x: np.ndarray, spec: str, precision: int, kind: str) -> tuple[np.ndarray, list[str]]:
    """``format(v, spec)`` of each float as (codes, table), formatting each distinct rounded decimal once.

    ``spec`` rounds v to an integer ``m`` times ``10**e`` (``precision`` significant digits for ``g``,
    decimals for ``f``) and writes that decimal: every value with the same (sign, m, e) reads the same,
    so one ``format`` of the decimal itself serves them all (Python's per-value ``format`` was half the
    time of formatting a million reasons). Values near a rounding tie, zeros, non-finite values and
    magnitudes beyond the exact range are formatted one by one (once per distinct value), as ``format``
    would: the text is exactly ``format``'s.
    """
    import pandas as pd

    digits = max(precision, 1) if kind == "g" else precision
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if kind == "g":
            e = np.floor(np.log10(a)) - (digits - 1)
            low, high = 10.0 ** (digits - 1), 10.0**digits
        else:
            e = np.full(len(x), -float(digits))
            low, high = 0.0, 1e9
        scaled = a * 10.0**-e
        frac = scaled - np.floor(scaled)
        exact = (np.isfinite(scaled) & (a > 0) & (scaled >= low) & (scaled < high) & (np.abs(frac - 0.5) > _TIE)
                 & (a < 1e300))
    out = np.empty(len(x), dtype=np.intp)
    m = np.floor(scaled[exact] + 0.5).astype(np.int64)
    exponent = e[exact].astype(np.int64)
    negative = np.signbit(x[exact])
    # (exponent, sign, m) as one integer: m <= 10**9, |exponent| < 400
    key = ((exponent + 400) * 2 + negative) * 10**10 + m
    codes, keys = pd.factorize(key, sort=False)
    decimals = [f"{'-' if (k // 10**10) % 2 else ''}{k % 10**10}e{k // (2 * 10**10) - 400}" for k in keys.tolist()]
    table = [format(float(d), spec) for d in decimals]
    out[exact] = codes
    rest = ~exact
    if rest.any():
        codes, bits = pd.factorize(x[rest].view(np.int64), sort=False)
        out[rest] = codes + len(table)
        table += [format(v, spec) for v in bits.astype(np.int64).view(np.float64).tolist()]
    return out, table


def fill(template: Callable[..., str], *parts: tuple[np.ndarray | None, Sequence[str]]) -> list[str]:
    """``template(*cells)`` of each row, each distinct combination of cells formatted once.

    Each part is one column of cells as (codes, table) (see :func:`coded_texts`; codes None: one cell
    per row, ``table`` itself). Reasons repeat: the p-value of a non-significant row has about a
    thousand texts at three digits, the test and the planned sample a few; a text per distinct
    combination, each row pointing at its own, formats a million rows in a fraction of the time and the
    rows share their strings.
    """
    import pandas as pd

    n = next((len(c) if c is not None else len(t) for c, t in parts), 0)
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    for codes, table in parts:
        size = max(len(table), 1)
        if codes is None or radix > 2**62 // size:  # one cell per row (or too many combinations): row by row
            return [template(*cells) for cells in zip(*(_cells(c, t) for c, t in parts), strict=True)]
        key += codes.astype(np.int64) * radix
        radix *= size
    row_code, keys = pd.factorize(key, sort=False)
    # each part's cell of each distinct combination, a column at a time
    columns = []
    for _, table in parts:
        size = max(len(table), 1)
        columns.append(_cells(keys % size, table))
        keys = keys // size
    made = list(map(template, *columns))
    return CodedTexts(np.asarray(made, dtype=object)[row_code].tolist(), row_code, made)


class CodedTexts(list[str]):
    """Texts (a list) that also say which rows share a text: row i reads ``table[codes[i]]``.

    :func:`fill` returns them, so a reader that writes each distinct text once (``to_json``, the verdict
    reasons) need not hash a million strings to find the repeats.
    """

    def __init__(self, texts: list[str], codes: np.ndarray, table: list[str]) -> None:
        super().__init__(texts)
        self.codes = codes
        self.table = table

    @classmethod
    def of(cls, texts: list[str]) -> CodedTexts:
        """``texts`` as coded texts: their codes if they have some, else each row its own text."""
        if isinstance(texts, CodedTexts):
            return texts
        return cls(texts, np.arange(len(texts)), texts)


def _cells(codes: np.ndarray | None, table: Sequence[str]) -> Sequence[str]:
    return table if codes is None else np.asarray([*table], dtype=object)[codes].tolist()


def coded_choice(condition: np.ndarray, yes: str, no: str) -> tuple[np.ndarray, list[str]]:
    """:func:`choose` as (codes, table)."""
    return np.where(np.asarray(condition, dtype=bool), 0, 1), [yes, no]


def coded_labels(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Labels (a column of few distinct strings) as (codes, table) of their ``str``."""
    codes, labels = label_codes(values)
    return codes, [str(label) for label in labels]


def choose(condition: np.ndarray, yes: str, no: str) -> list[str]:
    """``yes`` where ``condition`` holds (its truth value, as ``if`` reads it), else ``no``."""
    return [yes if c else no for c in np.asarray(condition).tolist()]


def p_label(settings: Settings) -> str:
    """``p`` or the name of the adjusted p-value under the recorded correction."""
    correction = settings.get("correction", "none")
    if correction == "none":
        return "p"
    return _CORRECTION_LABEL.get(correction, "adjusted p")


def direction_texts(rows: Rows) -> list[str]:
    """Which way the treatment moved and which way is better, per row."""
    effect = rows["effect"]
    sides = choose(effect > 0, "higher", "lower")
    betters = choose(rows["higher_is_better"], "higher", "lower")
    return [f"treatment is {side} than control ({e}) and {better} is better"
            for side, e, better in zip(sides, texts(effect, "+.4g"), betters, strict=True)]


def _undefined(rows: Rows, settings: Settings) -> list[str]:
    return ["the test is undefined for this row (see warnings): no verdict"] * rows.size


undefined_text = ColumnText(_undefined)


def _srm(rows: Rows, settings: Settings) -> list[str]:
    head = f"sample-ratio mismatch: {_srm_test_label(settings)} p = "
    threshold = f" < srm_alpha = {settings['srm_alpha']:g} ("
    tail = (f" treatment units against the planned split {settings.get('expected_split', 'equal')}): the assignment "
            "may be broken, so no statistical verdict: investigate")
    return [f"{head}{p}{threshold}{c} control vs {t}{tail}"
            for p, c, t in zip(texts(rows["srm_p_value"], ".3g"), texts(rows["control_n"], ".0f"),
                               texts(rows["treatment_n"], ".0f"), strict=True)]


def _no_traffic(rows: Rows, settings: Settings) -> list[str]:
    return [f"the {arm} received no units (n = 0): there is nothing to compare and the assignment is broken "
            "(see the SRM check): investigate" for arm in choose(rows["control_n"] == 0, "control", "treatment")]


# Rules any method's rows can carry: the analysis applies them after the method has scored.
SHARED_RULES: dict[str, Callable[[Row, Settings], str]] = {"srm": ColumnText(_srm),
                                                    "no_traffic": ColumnText(_no_traffic)}


def _srm_test_label(settings: Settings) -> str:
    return "exact-test" if settings.get("srm_test") == "exact" else "chi-square"
