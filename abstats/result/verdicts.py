"""Experiment-level verdicts: what a product or a CI job should do with each experiment.

Per experiment x treatment, from its rows' roles and decisions (first match wins):

1. ``investigate``: a row was gated by a sample-ratio mismatch (the assignment may be broken);
2. ``dont_ship``: a guardrail failed (non-inferiority within its margin not shown at the final
   sample, or the method called it a loser) or a primary metric lost;
3. ``keep_running``: a primary or guardrail metric has not reached its planned sample or boundary;
4. ``ship``: every primary metric won and no guardrail failed;
5. ``dont_ship``: otherwise (no significant improvement of the primary metrics; or none declared).

The experiment's verdict is ``investigate`` if any treatment's is, else ``ship`` if some treatment
ships (they are named), else ``keep_running`` if any treatment's is, else ``dont_ship``.
Secondary metrics are reported and never decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from abstats.result.deferred import broadcast, is_broadcast, label_codes
from abstats.result.reasons import CodedTexts, fill

if TYPE_CHECKING:
    from abstats.result.result import Result

# per experiment x treatment status, in order of precedence (lower wins when rolling up)
_INVESTIGATE, _GUARDRAIL, _LOSER, _RUNNING, _NO_WINNER, _SHIP = range(6)
_VERDICT = ("investigate", "dont_ship", "dont_ship", "keep_running", "dont_ship", "ship")


@dataclass(frozen=True, eq=False)
class Verdicts:
    """One verdict per experiment, with the row that explains it.

    Attributes
    ----------
    experiment
        Experiment labels, in order of first appearance.
    verdict
        ``ship``, ``dont_ship``, ``keep_running`` or ``investigate``.
    ship
        Treatments that ship (empty unless the verdict is ``ship``).
    """

    experiment: list[Any]
    verdict: list[str]
    _status: np.ndarray
    _row: np.ndarray
    # the pairs that ship: their experiment (index) and treatment
    _ship_experiment: np.ndarray
    _ship_treatment: list[Any]

    def verdict_codes(self) -> tuple[np.ndarray, list[str]]:
        """The verdicts as (codes, labels): verdict i is ``labels[codes[i]]``."""
        return self._status, list(_VERDICT)

    @cached_property
    def ship(self) -> list[list[Any]]:
        """Treatments that ship, per experiment (empty unless the verdict is ``ship``)."""
        ship: list[list[Any]] = [[] for _ in range(len(self.experiment))]
        for e, treatments in self._shipping.items():
            ship[e] = treatments
        return ship

    @cached_property
    def _shipping(self) -> dict[int, list[Any]]:
        """Experiment (index) -> its treatments that ship, for the experiments where any does."""
        ship: dict[int, list[Any]] = {}
        for e, t in zip(self._ship_experiment.tolist(), self._ship_treatment, strict=True):
            ship.setdefault(e, []).append(t)
        return ship

    def ship_texts(self) -> dict[int, str]:
        """Experiment (index) -> JSON text of its treatments that ship, for the experiments where any does
        (the others' is ``[]``): no list per experiment."""
        import orjson

        from abstats.result.json_text import OPTIONS, json_value

        made: dict[tuple[Any, ...], str] = {}  # mostly the same one or two treatments: each text made once
        out = {}
        for e, ts in self._shipping.items():
            key = (*map(type, ts), *ts)  # 1 and True are equal but write differently
            text = made.get(key)
            if text is None:
                text = made[key] = orjson.dumps(json_value(ts), option=OPTIONS).decode()
            out[e] = text
        return out

    def records(self, result: Result) -> list[dict[str, Any]]:
        """``{"experiment", "verdict", "ship", "reason"}`` per experiment (reasons formatted here)."""
        columns = self.columns(result)
        keys = tuple(columns)
        return [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def columns(self, result: Result) -> dict[str, list[Any]]:
        """The records as four lists: ``experiment``, ``verdict``, ``ship`` and ``reason``."""
        return {"experiment": self.experiment, "verdict": self.verdict, "ship": self.ship,
                "reason": self.reasons(result)}

    def reasons(self, result: Result) -> list[str]:
        """Each verdict's reason text (see :meth:`reason_parts`), each distinct text made once."""
        lead_code, leads, row, tail_code = self.reason_codes(result)
        if len(row) and 2 * len(row) >= len(result):  # most rows explain a verdict: format all (and keep them)
            every = CodedTexts.of(result.reasons.all())
            codes, table = np.where(row >= 0, every.codes[row], len(every.table)), [*every.table, ""]
        else:
            table = [*result.reasons.take(row[row >= 0]), ""]  # only the rows that explain a verdict
            codes = np.full(len(row), len(table) - 1)
            codes[row >= 0] = np.arange(len(table) - 1)
        return fill(lambda head, text, end: f"{head}{text}{end}", (lead_code, leads), (codes, table),
                    (tail_code, _TAILS.tolist()))

    def reason_parts(self, result: Result) -> tuple[list[str], np.ndarray, list[str]]:
        """Each verdict's reason as three parts: ``lead + reason of row + tail`` (row -1: no row's reason).

        A verdict quotes the reason of the row that explains it between a head naming that row's metric
        and a tail naming the verdict; a ship (or a verdict without a primary metric) is its lead alone.
        ``to_json`` splices the row's reason text it writes anyway instead of building each verdict's text.
        """
        lead_code, leads, row, tail_code = self.reason_codes(result)
        return np.asarray(leads, dtype=object)[lead_code].tolist(), row, _TAILS[tail_code].tolist()

    def reason_codes(self, result: Result) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        """:meth:`reason_parts` as codes: (lead code, lead texts, row, tail code into the tails of a status)."""
        row, status = self._row, self._status
        primary_rows = _primary_rows(result)
        any_primary = bool(primary_rows.any())
        primary = primary_rows[row]
        no_primary = (status == _NO_WINNER) & ~primary & (not any_primary)
        alone = (status == _SHIP) | no_primary
        lead_code, leads = _heads(result, row)
        if alone.any():
            made = {text: i for i, text in enumerate(leads)}
            for j in np.flatnonzero(alone).tolist():
                text = (_NO_PRIMARY_TEXT if no_primary[j]
                        else _SHIP_TEXT.format(", ".join(map(str, self._shipping[j]))))
                lead_code[j] = made.setdefault(text, len(made))
            leads = list(made)
        return lead_code, leads, np.where(alone, -1, row), np.where(alone, _SHIP, status)


def experiment_verdicts(result: Result) -> Verdicts:
    """Roll every row of ``result`` up to one verdict per experiment (vectorised over rows)."""
    role_code, roles = result.label_codes("role")
    decision_code, decisions = result.label_codes("decision")
    rule_code, rules = result.label_codes("rule")
    # a row's own status from its (role, decision, rule) labels: each combination of the few labels decided
    # once, each row's looked up by its codes (decisions and rules are held as codes: no string per row)
    table = np.array([[[_row_status(role, decision, rule) for rule in rules] for decision in decisions]
                      for role in roles], dtype=np.int8).reshape(len(roles), len(decisions), len(rules))
    row_status = table[role_code, decision_code, rule_code]
    primary = _primary_rows(result)

    exp_code, experiments = _first_seen(result["experiment"])
    treatment_code, treatments = _factorize(result["treatment"])
    if len(treatments) <= 1:  # one treatment (two-arm experiments): a pair is its experiment
        pair_code, n_pairs = exp_code, len(experiments)
    else:
        pair_code, pair_keys = pd.factorize(exp_code.astype(np.int64) * len(treatments) + treatment_code, sort=False)
        n_pairs = len(pair_keys)
    # the pair's status is its most severe row, so one inconclusive primary blocks a ship
    worst_row = _first_of_each(pair_code, row_status, n_pairs)
    status = row_status[worst_row].astype(np.intp)
    # a pair ships only if it has a primary (and all its primaries won)
    if is_broadcast(primary):
        if not primary[0]:
            status = np.where(status == _SHIP, _NO_WINNER, status)
    else:
        has_primary_pair = np.bincount(pair_code, weights=primary, minlength=n_pairs) > 0
        status = np.where((status == _SHIP) & ~has_primary_pair, _NO_WINNER, status)
    pair_exp = exp_code[worst_row]

    # roll pairs up to experiments: investigate first, then ship, keep_running, dont_ship
    rank = np.array([0, 3, 3, 2, 3, 1], dtype=np.int8)[status]
    best_pair = _first_of_each(pair_exp, rank, len(experiments))
    shipping = np.flatnonzero(status == _SHIP)
    return Verdicts(
        experiment=_plain_list(experiments.tolist()),
        verdict=_VERDICT_LABELS[status[best_pair]].tolist(),
        _status=status[best_pair],
        _row=worst_row[best_pair],
        _ship_experiment=pair_exp[shipping],
        _ship_treatment=_plain_list(np.asarray(treatments, dtype=object)[treatment_code[worst_row[shipping]]].tolist()),
    )


def _row_status(role: Any, decision: Any, rule: Any) -> int:
    """The status of a row of this role, decision and rule code (see the module docstring)."""
    if role == "secondary":  # neutral: never blocks, never ships alone
        return _SHIP
    if decision == "investigate":
        return _INVESTIGATE
    if role == "guardrail":
        if decision == "stop_loser" or rule == "margin_not_met":
            return _GUARDRAIL
        return _RUNNING if decision == "continue" else _SHIP  # a passing guardrail is neutral
    if role == "primary":
        return {"stop_loser": _LOSER, "continue": _RUNNING, "stop_winner": _SHIP}.get(decision, _NO_WINNER)
    return _NO_WINNER


def _primary_rows(result: Result) -> np.ndarray:
    """Whether each row's metric is primary; a zero-stride view when every row has the same role."""
    role_code, roles = result.label_codes("role")
    is_primary = np.array([role == "primary" for role in roles], dtype=bool)
    if is_broadcast(role_code):
        return broadcast(is_primary, len(role_code))
    return is_primary[role_code] if len(roles) else np.zeros(len(role_code), dtype=bool)


def _first_of_each(group: np.ndarray, key: np.ndarray, groups: int) -> np.ndarray:
    """The row of each group (codes 0 to ``groups``) with the smallest ``key`` (the first such row)."""
    if groups == len(group):  # one row per group (two-arm experiments, one metric): no sort
        rows = np.empty(groups, dtype=np.intp)
        rows[group] = np.arange(groups)
        return rows
    order = np.lexsort((key, group))
    first = np.r_[0, np.flatnonzero(np.diff(group[order])) + 1] if len(group) else np.zeros(0, dtype=np.intp)
    return order[first]


def _first_seen(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct labels in order of first appearance; integer labels in sorted runs (experiments
    written one after the other) read off without hashing."""
    arr = np.asarray(column)
    if arr.dtype.kind in "iu" and len(arr) > 1 and not is_broadcast(arr) and bool((arr[1:] >= arr[:-1]).all()):
        new = np.empty(len(arr), dtype=bool)
        new[0] = True
        np.not_equal(arr[1:], arr[:-1], out=new[1:])
        return np.cumsum(new) - 1, arr[new]
    return _factorize(arr)


_SHIP_TEXT = "every primary metric of {} won and no guardrail failed: ship"
_NO_PRIMARY_TEXT = "no primary metric declared: nothing decides a launch: dont_ship"
_VERDICT_TEXT = {
    _INVESTIGATE: "investigate", _GUARDRAIL: "guardrail failed: dont_ship", _LOSER: "primary lost: dont_ship",
    _RUNNING: "keep_running", _NO_WINNER: "no primary win: dont_ship",
}


_TAILS = np.array([f" -> {_VERDICT_TEXT[status]}" if status in _VERDICT_TEXT else "" for status in range(6)],
                  dtype=object)


def _heads(result: Result, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``"{metric} ({role}), {treatment} vs {control}: "`` of each row as (codes, texts): written once when
    all rows share it."""
    if not len(rows):
        return np.zeros(0, dtype=np.intp), []
    columns = [result[name] for name in ("metric", "role", "treatment", "control")]
    if all(_constant(c) for c in columns):
        metric, role, treatment, control = (np.asarray(c)[:1].tolist()[0] for c in columns)
        return np.zeros(len(rows), dtype=np.intp), [f"{metric} ({role}), {treatment} vs {control}: "]
    heads = [f"{metric} ({role}), {treatment} vs {control}: "
             for metric, role, treatment, control in zip(*(_take(c, rows) for c in columns), strict=True)]
    codes, texts = label_codes(np.asarray(heads, dtype=object))
    return codes.astype(np.intp), list(texts)


def _constant(column: np.ndarray) -> bool:
    """A broadcast constant (zero stride) or a column of one distinct value."""
    arr = np.asarray(column)
    if not len(arr) or is_broadcast(arr):
        return True
    first = arr[:1].tolist()[0]
    return bool(np.all(arr == first))


_VERDICT_LABELS = np.array(_VERDICT, dtype=object)


def _factorize(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct labels; a broadcast constant is one label without hashing every row."""
    arr = np.asarray(column)
    if is_broadcast(arr):
        return np.zeros(len(arr), dtype=np.intp), _labels(arr[:1])
    codes, uniques = pd.factorize(_labels(arr), sort=False)
    return codes, uniques


def _labels(column: np.ndarray) -> np.ndarray:
    """Labels to factorize: integer and object columns as they are, others as objects."""
    arr = np.asarray(column)
    return arr if arr.dtype.kind in "iuO" else arr.astype(object)


def _take(column: np.ndarray, rows: np.ndarray) -> list[Any]:
    """The column's values at ``rows``, as Python values."""
    values: list[Any] = np.asarray(column)[rows].tolist()
    return values


def _plain_list(values: list[Any]) -> list[Any]:
    """The values as Python scalars (numpy scalars converted), the list itself when there is none."""
    if any(issubclass(kind, np.generic) for kind in set(map(type, values))):
        return [_plain(v) for v in values]
    return values


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
