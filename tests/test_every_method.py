"""Every method, any valid input: a strict, schema-valid Result whose nulls are explained."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import abstats
from abstats.sequential import GroupSequentialDesign

SCHEMA = abstats.result.result_schema()
DESIGN = GroupSequentialDesign("lan_demets_obrien_fleming", looks=3)
OPTIONS = {
    "frequentist": {},
    "bayesian": {},
    "msprt": {},
    "confidence_sequence": {},
    "group_sequential": {"design": DESIGN, "look": 2},
}


@st.composite
def binary_table(draw):
    arms = draw(st.integers(2, 4))
    n = [draw(st.integers(1, 50_000)) for _ in range(arms)]
    x = [draw(st.integers(0, k)) for k in n]
    return {"variant": [f"v{i}" for i in range(arms)], "n": n, "conversions": x}


@settings(max_examples=60, deadline=None)
@given(binary_table(), st.sampled_from(sorted(OPTIONS)), st.booleans())
def test_binary_results_are_strict_and_explained(table, method, higher_is_better):
    r = abstats.analyze(table, metric=abstats.BinaryMetric("m", higher_is_better=higher_is_better), control="v0",
                        method=method, **OPTIONS[method])
    payload = json.loads(r.to_json())
    jsonschema.validate(payload, SCHEMA)
    for row in payload["comparisons"]:
        for key in ("p_value", "p_value_adjusted", "prob_beats_control", "prob_best"):
            if row[key] is not None:
                assert 0.0 <= row[key] <= 1.0, key
        codes = {w["code"] for w in row["warnings"]}
        if row["rel_effect"] is None:
            assert "relative_undefined" in codes
        assert row["reason"]


@settings(max_examples=40, deadline=None)
# Zero, or realistic scales: subnormal means (below 1e-300) are not data anyone measures.
@given(
    st.integers(2, 5_000),
    st.one_of(st.just(0.0), st.floats(1e-6, 1e4)),
    st.one_of(st.just(0.0), st.floats(1e-6, 1e3)),
    st.sampled_from(sorted(OPTIONS)),
)
def test_mean_results_are_strict(n, mean, sd, method):
    sums = [mean * n, (mean + sd / 10) * n]
    sum_sq = [s * s / n + (n - 1) * sd * sd for s in sums]
    table = {"variant": ["A", "B"], "n": [n, n], "sum": sums, "sum_sq": sum_sq}
    r = abstats.analyze(table, metric=abstats.MeanMetric("rpv"), control="A", method=method, **OPTIONS[method])
    jsonschema.validate(json.loads(r.to_json()), SCHEMA)
    assert np.all(np.isfinite(r.effect))
