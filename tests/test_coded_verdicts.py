"""Verdicts, reasons and ``to_json`` read decisions, rule codes and reasons by their codes: the same
verdicts as a straightforward per-row reading of the strings, the same texts as one f-string per row."""

from __future__ import annotations

import dataclasses

import numpy as np
import orjson
import pytest

import abstats
from abstats.result.deferred import CodedLabels, label_codes
from abstats.result.reasons import CodedTexts, coded_texts, fill, texts
from abstats.result.verdicts import experiment_verdicts
from abstats.statistics import BinaryStats

_RANK = {"investigate": 0, "dont_ship_guardrail": 1, "dont_ship_loser": 2, "keep_running": 3, "no_winner": 4, "ship": 5}


def _reference_verdicts(experiment, treatment, role, decision, rule):
    """The module docstring's rules, one row and one pair at a time (no codes, no sorting tricks)."""
    pairs: dict = {}
    for e, t, ro, d, ru in zip(experiment, treatment, role, decision, rule, strict=True):
        pairs.setdefault(e, {}).setdefault(t, []).append((ro, d, ru))
    out = {}
    for e, by_treatment in pairs.items():
        statuses = {}
        for t, rows in by_treatment.items():
            if any(d == "investigate" and ro != "secondary" for ro, d, _ in rows):
                status = "investigate"
            elif any(ro == "guardrail" and (d == "stop_loser" or ru == "margin_not_met") for ro, d, ru in rows):
                status = "dont_ship_guardrail"
            elif any(ro == "primary" and d == "stop_loser" for ro, d, _ in rows):
                status = "dont_ship_loser"
            elif any(ro in ("primary", "guardrail") and d == "continue" for ro, d, _ in rows):
                status = "keep_running"
            elif (any(ro == "primary" for ro, _, _ in rows)
                  and all(d == "stop_winner" for ro, d, _ in rows if ro == "primary")):
                status = "ship"
            else:
                status = "no_winner"
            statuses[t] = status
        best = min(statuses.values(), key=lambda s: (0, 3, 3, 2, 3, 1)[_RANK[s]])
        verdict = {"investigate": "investigate", "ship": "ship", "keep_running": "keep_running"}.get(best, "dont_ship")
        out[e] = (verdict, [t for t, s in statuses.items() if s == "ship"])
    return out


@pytest.mark.parametrize("seed", range(6))
def test_verdicts_from_codes_equal_a_row_by_row_reading_of_the_strings(seed):
    rng = np.random.default_rng(seed)
    n = 400
    base = abstats.compare(BinaryStats.from_arrays(np.full(n, 1000), np.full(n, 100)),
                           BinaryStats.from_arrays(np.full(n, 1000), np.full(n, 120)),
                           metric=abstats.BinaryMetric("cr"))
    experiment = rng.integers(0, 60, n)
    if seed % 2:  # sorted runs (read without hashing) and shuffled labels (factorized)
        experiment = np.sort(experiment)
    treatment = rng.choice(np.array(["B", "C", "D"], dtype=object), n)
    role = rng.choice(np.array(["primary", "guardrail", "secondary"], dtype=object), n, p=[0.5, 0.3, 0.2])
    decisions = ("stop_winner", "stop_loser", "inconclusive", "continue", "investigate")
    decision_codes = rng.choice(5, n, p=[0.4, 0.1, 0.3, 0.1, 0.1]).astype(np.int8)
    rules = ("significant", "margin_not_met", "not_significant", "below_planned_n")
    rule_codes = rng.integers(0, 4, n).astype(np.int8)
    columns = {**{k: base.columns[k] for k in base.columns if k not in ("decision",)},
               "experiment": experiment, "treatment": treatment, "role": role}
    coded = dataclasses.replace(base, columns={**columns, "decision": CodedLabels(decision_codes.copy(), decisions)},
                                rules=CodedLabels(rule_codes.copy(), rules))
    as_strings = np.array(decisions, dtype=object)[decision_codes]
    strings = dataclasses.replace(base, columns={**columns, "decision": as_strings},
                                  rules=np.array(rules, dtype=object)[rule_codes])
    expected = _reference_verdicts(experiment.tolist(), treatment.tolist(), role.tolist(),
                                   strings["decision"].tolist(), strings.rules.tolist())
    for result in (coded, strings):
        v = experiment_verdicts(result)
        got = {e: (verdict, ship) for e, verdict, ship in zip(v.experiment, v.verdict, v.ship, strict=True)}
        assert got == expected


def test_label_codes_of_an_object_column_equal_factorizing_it():
    values = np.array(["b", "a", None, "b", 3, "a", None], dtype=object)
    codes, labels = label_codes(values)
    assert labels == ("b", "a", None, 3) and [labels[c] for c in codes] == values.tolist()
    many = np.array([f"label {i % 40}" for i in range(200)], dtype=object)  # more labels than compared one by one
    codes, labels = label_codes(many)
    assert [labels[c] for c in codes] == many.tolist() and len(labels) == 40
    with_nan = np.array(["x", float("nan"), "x"], dtype=object)
    codes, labels = label_codes(with_nan)
    assert labels[codes[0]] == "x" == labels[codes[2]] and codes[1] != codes[0]


def test_fill_formats_each_distinct_combination_as_one_f_string_per_row_would():
    rng = np.random.default_rng(3)
    p = rng.choice([0.5, 0.12345, 1e-7, float("nan"), 0.0, 0.99999], 500) * rng.choice([1, 1.0000001], 500)
    tests = np.array(["z_pooled", "welch_t"], dtype=object)[rng.integers(0, 2, 500)]
    out = fill(lambda a, b: f"p = {a} ({b})", coded_texts(p, ".3g"), label_codes(tests))
    assert out == [f"p = {x:.3g} ({t})" for x, t in zip(p.tolist(), tests.tolist(), strict=True)]
    assert isinstance(out, CodedTexts) and [out.table[c] for c in out.codes] == list(out)
    assert texts(p, ".3g") == [f"{x:.3g}" for x in p.tolist()]


@pytest.mark.parametrize("orient", ["rows", "columns"])
def test_concatenated_k_arm_and_guardrail_results_with_different_label_tables(orient):
    table = {"experiment": ["e1"] * 3 + ["e2"] * 3, "variant": ["A", "B", "C"] * 2,
             "n": [1000, 1000, 1000, 5000, 5000, 5000], "conversions": [100, 160, 60, 500, 520, 500],
             "sum": [1000.0, 1100.0, 700.0, 5000.0, 4000.0, 5100.0],
             "sum_sq": [3000.0, 3400.0, 2000.0, 15000.0, 12000.0, 15500.0]}
    metrics = [abstats.BinaryMetric("cr"), abstats.MeanMetric("rev", role="guardrail", margin=0.05)]
    a = abstats.analyze(table, metric=metrics, control="A", experiment="experiment")
    b = abstats.analyze(table, metric=metrics[:1], control="A", experiment="experiment", planned_n=10_000)
    both = abstats.Result.concat([a, b, a])
    text = both.to_json(orient=orient)
    assert text == orjson.dumps(both.to_dict(orient), option=orjson.OPT_NON_STR_KEYS).decode()
    assert {v["verdict"] for v in both.verdicts()} <= {"ship", "dont_ship", "keep_running", "investigate"}
