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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from abstats.result.json_text import is_broadcast

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
    ship: list[list[Any]]
    _status: np.ndarray
    _row: np.ndarray

    def records(self, result: Result) -> list[dict[str, Any]]:
        """``{"experiment", "verdict", "ship", "reason"}`` per experiment (reasons formatted here)."""
        columns = self.columns(result)
        keys = tuple(columns)
        return [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def columns(self, result: Result) -> dict[str, list[Any]]:
        """The records as four lists: ``experiment``, ``verdict``, ``ship`` and ``reason``."""
        lead, row, tail = self.reason_parts(result)
        explained = result.reasons.take(row[row >= 0])  # only the rows that explain a verdict, all at once
        quoted = iter(explained)
        texts = [f"{head}{next(quoted) if r >= 0 else ''}{end}"
                 for head, r, end in zip(lead, row.tolist(), tail, strict=True)]
        return {"experiment": self.experiment, "verdict": self.verdict, "ship": self.ship, "reason": texts}

    def reason_parts(self, result: Result) -> tuple[list[str], np.ndarray, list[str]]:
        """Each verdict's reason as three parts: ``lead + reason of row + tail`` (row -1: no row's reason).

        A verdict quotes the reason of the row that explains it between a head naming that row's metric
        and a tail naming the verdict; a ship (or a verdict without a primary metric) is its lead alone.
        ``to_json`` splices the row's reason text it writes anyway instead of building each verdict's text.
        """
        row, status = self._row, self._status
        any_primary = "primary" in _values(result["role"])
        primary = np.asarray(_is_primary(result, row), dtype=bool)
        no_primary = (status == _NO_WINNER) & ~primary & (not any_primary)
        alone = (status == _SHIP) | no_primary
        lead = _heads(result, row)
        if alone.any():
            lead = list(lead)
            for j in np.flatnonzero(alone).tolist():
                lead[j] = _NO_PRIMARY_TEXT if no_primary[j] else _SHIP_TEXT.format(", ".join(map(str, self.ship[j])))
        quoted = np.where(alone, -1, row)
        tail: list[str] = _TAILS[np.where(alone, _SHIP, status)].tolist()
        return lead, quoted, tail


def experiment_verdicts(result: Result) -> Verdicts:
    """Roll every row of ``result`` up to one verdict per experiment (vectorised over rows)."""
    n = len(result)
    decision = np.asarray(result["decision"], dtype=object)
    rule = np.asarray(result.rules, dtype=object)
    role = _objects(result["role"])
    primary, guardrail = role == "primary", role == "guardrail"
    deciding = primary | guardrail
    row_status = np.full(n, _NO_WINNER)
    won = primary & (decision == "stop_winner")
    # a row's own status; the pair's is its most severe row, so one inconclusive primary blocks a ship
    row_status[won] = _SHIP
    row_status[deciding & (decision == "continue")] = _RUNNING
    row_status[primary & (decision == "stop_loser")] = _LOSER
    row_status[guardrail & ((decision == "stop_loser") | (rule == "margin_not_met"))] = _GUARDRAIL
    row_status[decision == "investigate"] = _INVESTIGATE
    passing_guardrail = guardrail & (row_status == _NO_WINNER)
    row_status[passing_guardrail | (role == "secondary")] = _SHIP  # neutral: never blocks, never ships alone

    # labels factorized as they are held (an int64 column hashes without a Python int per row)
    exp_code, experiments = pd.factorize(_labels(result["experiment"]), sort=False)
    treatment_code, treatments = _factorize(result["treatment"])
    pair_code, pair_keys = pd.factorize(exp_code.astype(np.int64) * max(len(treatments), 1) + treatment_code,
                                        sort=False)
    n_pairs = len(pair_keys)
    # most severe row per pair; a pair ships only if it has a primary and all its primaries won
    order = np.lexsort((row_status, pair_code))
    first = np.r_[0, np.flatnonzero(np.diff(pair_code[order])) + 1] if n else np.zeros(0, dtype=np.intp)
    worst_row = order[first]
    status = row_status[worst_row]
    has_primary = np.bincount(pair_code, weights=primary, minlength=n_pairs) > 0
    status = np.where((status == _SHIP) & ~has_primary, _NO_WINNER, status)
    pair_exp = exp_code[worst_row]
    pair_treatment = _objects(result["treatment"])[worst_row]

    # roll pairs up to experiments: investigate first, then ship, keep_running, dont_ship
    rank = np.choose(status, [0, 3, 3, 2, 3, 1])
    order = np.lexsort((rank, pair_exp))
    first = np.r_[0, np.flatnonzero(np.diff(pair_exp[order])) + 1] if n_pairs else np.zeros(0, dtype=np.intp)
    best_pair = order[first]
    exp_status = status[best_pair]
    ship: list[list[Any]] = [[] for _ in range(len(experiments))]
    shipping = status == _SHIP
    for e, t in zip(pair_exp[shipping].tolist(), pair_treatment[shipping].tolist(), strict=True):
        ship[e].append(_plain(t))
    return Verdicts(
        experiment=_plain_list(experiments.tolist()),
        verdict=_VERDICT_LABELS[exp_status].tolist(),
        ship=ship,
        _status=exp_status,
        _row=worst_row[best_pair],
    )


_SHIP_TEXT = "every primary metric of {} won and no guardrail failed: ship"
_NO_PRIMARY_TEXT = "no primary metric declared: nothing decides a launch: dont_ship"
_VERDICT_TEXT = {
    _INVESTIGATE: "investigate", _GUARDRAIL: "guardrail failed: dont_ship", _LOSER: "primary lost: dont_ship",
    _RUNNING: "keep_running", _NO_WINNER: "no primary win: dont_ship",
}


_TAILS = np.array([f" -> {_VERDICT_TEXT[status]}" if status in _VERDICT_TEXT else "" for status in range(6)],
                  dtype=object)


def _heads(result: Result, rows: np.ndarray) -> list[str]:
    """``"{metric} ({role}), {treatment} vs {control}: "`` of each row, written once when all rows share it."""
    if not len(rows):
        return []
    columns = [result[name] for name in ("metric", "role", "treatment", "control")]
    if all(_constant(c) for c in columns):
        metric, role, treatment, control = (np.asarray(c)[:1].tolist()[0] for c in columns)
        return [f"{metric} ({role}), {treatment} vs {control}: "] * len(rows)
    return [f"{metric} ({role}), {treatment} vs {control}: "
            for metric, role, treatment, control in zip(*(_take(c, rows) for c in columns), strict=True)]


def _is_primary(result: Result, rows: np.ndarray) -> list[bool]:
    """Whether each row's metric is primary (a row without a winner reads differently when none is)."""
    role = np.asarray(result["role"])
    if len(rows) and _constant(role):
        return [role[:1].tolist()[0] == "primary"] * len(rows)
    return (role[rows] == "primary").tolist()


def _constant(column: np.ndarray) -> bool:
    """A broadcast constant (zero stride) or a column of one distinct value."""
    arr = np.asarray(column)
    if not len(arr) or is_broadcast(arr):
        return True
    first = arr[:1].tolist()[0]
    return bool(np.all(arr == first))


_VERDICT_LABELS = np.array(_VERDICT, dtype=object)


def _objects(column: np.ndarray) -> np.ndarray:
    """The column as objects; a broadcast constant (one treatment's name on 1M rows) stays a zero-stride view."""
    arr = np.asarray(column)
    if is_broadcast(arr):
        return np.broadcast_to(arr[:1].astype(object), arr.shape)
    return arr if arr.dtype == object else arr.astype(object)


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


def _values(column: np.ndarray) -> list[Any]:
    """A column as a Python list; a broadcast constant (one metric's name on 1M rows) converts one value."""
    arr = np.asarray(column)
    if is_broadcast(arr):
        return [arr[:1].tolist()[0]] * len(arr)
    return arr.tolist()


def _plain_list(values: list[Any]) -> list[Any]:
    """The values as Python scalars (numpy scalars converted), the list itself when there is none."""
    if any(issubclass(kind, np.generic) for kind in set(map(type, values))):
        return [_plain(v) for v in values]
    return values


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
