"""Decisions a product can act on: roles, verdicts, the SRM gate, per-experiment settings, rule codes."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
from scipy import stats

import abstats
from abstats import BinaryMetric, Column, MeanMetric

SCHEMA = abstats.result.result_schema()
CR = BinaryMetric("cr")


def _two_metrics(n=(10_000, 10_000), conversions=(500, 620), revenue=((5000.0, 60_000.0), (5000.0, 60_000.0))):
    (sum_c, sq_c), (sum_t, sq_t) = revenue
    return {"variant": ["A", "B"], "n": list(n), "conversions": list(conversions),
            "sum": [sum_c, sum_t], "sum_sq": [sq_c, sq_t]}


def test_srm_gates_every_comparison_and_the_verdict():
    # a 52/48 split of 200,000 units: chi-square p ~ 1.5e-77, with a clearly significant primary
    table = _two_metrics(n=(104_000, 96_000), conversions=(5_200, 6_000))
    r = abstats.analyze(table, metric=[CR, MeanMetric("rev")], control="A")
    expected_p = stats.chisquare([104_000, 96_000]).pvalue
    assert r["srm_p_value"][0] == pytest.approx(expected_p, rel=1e-9)
    assert r.decision.tolist() == ["investigate", "investigate"] and r.rules.tolist() == ["srm", "srm"]
    [verdict] = r.verdicts()
    assert verdict["verdict"] == "investigate" and "sample-ratio mismatch" in verdict["reason"]
    assert "104000 control vs 96000 treatment" in r.reasons[0]
    warned = abstats.analyze(table, metric=[CR, MeanMetric("rev")], control="A", on_srm="warn")
    assert warned.decision[0] == "stop_winner" and warned.warning_flags["srm"].all()
    jsonschema.validate(json.loads(r.to_json()), SCHEMA)


def test_a_harmed_guardrail_vetoes_a_winning_primary():
    # revenue drops by 0.2 per user (sd ~2.4, se ~0.034) against a guardrail margin of 0.1: harmed beyond it
    table = _two_metrics(revenue=((10_000.0, 70_000.0), (8_000.0, 60_000.0)))
    guard = MeanMetric("rev", role="guardrail", margin=0.1)
    r = abstats.analyze(table, metric=[CR, guard], control="A")
    assert r.decision.tolist() == ["stop_winner", "inconclusive"]
    assert r.rules.tolist() == ["significant", "margin_not_met"]
    [verdict] = r.verdicts()
    assert verdict["verdict"] == "dont_ship" and verdict["ship"] == []
    assert "rev (guardrail)" in verdict["reason"] and "guardrail margin 0.1" in verdict["reason"]
    # the same guardrail within its margin lets the primary ship
    safe = abstats.analyze(_two_metrics(), metric=[CR, guard], control="A")
    assert safe.rules.tolist() == ["significant", "margin_met"]
    assert safe.verdicts()[0]["verdict"] == "ship" and safe.verdicts()[0]["ship"] == ["B"]
    assert safe.settings["metrics"]["rev"] == {"kind": "mean", "higher_is_better": True, "role": "guardrail",
                                               "margin": 0.1, "margin_type": "absolute"}


def test_secondary_metrics_never_decide_and_primaries_must_all_win():
    lost_secondary = abstats.analyze(_two_metrics(conversions=(620, 500)), metric=[MeanMetric("rev"),
                                     BinaryMetric("cr", role="secondary")], control="A")
    assert lost_secondary.verdicts()[0]["verdict"] == "dont_ship"  # rev is flat: no primary win
    both = abstats.analyze(_two_metrics(), metric=[CR, MeanMetric("rev")], control="A")
    assert both.decision.tolist() == ["stop_winner", "inconclusive"]
    assert both.verdicts()[0]["verdict"] == "dont_ship"
    running = abstats.analyze(_two_metrics(), metric=CR, control="A", planned_n=50_000)
    assert running.rules.tolist() == ["below_planned_n"] and running.verdicts()[0]["verdict"] == "keep_running"


def test_a_batch_with_per_experiment_controls_and_plans_equals_one_at_a_time():
    table = {
        "experiment": ["e1", "e1", "e2", "e2", "e2", "e3", "e3"],
        "variant": ["ctrl", "B", "A", "B", "C", "base", "x"],
        "control": ["ctrl", "ctrl", "A", "A", "A", "base", "base"],
        "planned": [5_000, 5_000, 20_000, 20_000, 20_000, 1_000, 1_000],
        "n": [10_000, 10_000, 10_000, 10_000, 10_000, 3_000, 3_100],
        "conversions": [500, 600, 400, 430, 470, 300, 280],
    }
    batch = abstats.analyze(table, metric=CR, control=Column("control"), experiment="experiment",
                            planned_n=Column("planned"))
    singles = []
    for e in ("e1", "e2", "e3"):
        rows = [i for i, x in enumerate(table["experiment"]) if x == e]
        sub = {k: [v[i] for i in rows] for k, v in table.items()}
        singles.append(abstats.analyze(sub, metric=CR, control=sub["control"][0], experiment="experiment",
                                       planned_n=sub["planned"][0]))
    one_at_a_time = abstats.Result.concat(singles)
    assert batch["control"].tolist() == ["ctrl", "A", "A", "base"]
    for column in ("effect", "p_value", "p_value_adjusted", "effect_ci_low", "rel_ci_high", "srm_p_value"):
        np.testing.assert_allclose(batch[column], one_at_a_time[column], rtol=1e-12)
    assert batch.decision.tolist() == one_at_a_time.decision.tolist() == [
        "stop_winner", "continue", "continue", "inconclusive"]
    assert batch.reasons == one_at_a_time.reasons
    assert [v["verdict"] for v in batch.verdicts()] == ["ship", "keep_running", "dont_ship"]
    assert one_at_a_time.settings["planned_n"] == {"per_row": [5000.0, 20000.0, 20000.0, 1000.0]}
    jsonschema.validate(json.loads(one_at_a_time.to_json()), SCHEMA)


def test_per_experiment_expected_split_feeds_the_srm_check():
    table = {"experiment": ["e1", "e1", "e2", "e2"], "variant": ["A", "B", "A", "B"],
             "share": [0.8, 0.2, 0.5, 0.5], "n": [8_000, 2_000, 5_000, 5_000], "conversions": [400, 100, 250, 250]}
    r = abstats.analyze(table, metric=CR, control="A", experiment="experiment", expected_split=Column("share"))
    assert r["srm_p_value"][0] == pytest.approx(1.0) and r["srm_p_value"][1] == pytest.approx(1.0)
    assert r.settings["expected_split"] == "column 'share'"


@pytest.mark.parametrize(
    ("build", "named"),
    [
        (lambda: BinaryMetric("cr", role="guard"), "role"),
        (lambda: MeanMetric("rev", role="guardrail"), "margin"),
        (lambda: BinaryMetric("cr", margin=0.01), "margin"),
        (lambda: BinaryMetric("cr", role="guardrail", margin="0.01"), "margin"),
        (lambda: abstats.analyze({"experiment": ["e1", "e1"], "variant": ["A", "B"], "control": ["Z", "Z"],
                                  "n": [10, 10], "conversions": [1, 2]}, metric=CR, control=Column("control"),
                                 experiment="experiment"), "control"),
        (lambda: abstats.analyze({"experiment": ["e1", "e1"], "variant": ["A", "B"], "control": ["A", "B"],
                                  "n": [10, 10], "conversions": [1, 2]}, metric=CR, control=Column("control"),
                                 experiment="experiment"), "one control per experiment"),
        (lambda: abstats.analyze(_two_metrics(), metric=CR, control="A", on_srm="ignore"), "on_srm"),
        (lambda: abstats.analyze({"variant": ["A", "B"], "n": [10, 10], "conversions": [1, 2]}, metric=CR,
                                 control=Column("missing_column")), "missing_column"),
    ],
)
def test_bad_roles_margins_and_columns_are_named_errors(build, named):
    with pytest.raises(abstats.AbstatsError, match=named):
        build()


def test_rule_codes_are_machine_readable_and_in_the_schema():
    r = abstats.analyze(_two_metrics(), metric=[CR, MeanMetric("rev")], control="A")
    payload = r.to_dict()
    assert [c["rule"] for c in payload["comparisons"]] == ["significant", "not_significant"]
    enum = SCHEMA["properties"]["comparisons"]["items"]["properties"]["rule"]["enum"]
    assert {"significant", "not_significant", "below_planned_n", "boundary_crossed", "expected_loss_below_threshold",
            "srm", "margin_not_met"} <= set(enum)


def test_prob_best_for_every_arm_including_the_control():
    table = {"variant": ["A", "B", "C"], "n": [5_000] * 3, "conversions": [250, 270, 240]}
    r = abstats.analyze(table, metric=CR, control="A", method="bayesian")
    assert r["prob_best"].sum() + r["control_prob_best"][0] == pytest.approx(1.0, abs=1e-9)
    assert r["control_prob_best"][0] == r["control_prob_best"][1]
    # independent check by Monte Carlo on the Beta(1 + x, 1 + n - x) posteriors (SE ~ 0.0016 at 1e5 draws)
    rng = np.random.default_rng(5)
    draws = np.column_stack([rng.beta(1 + x, 1 + 5_000 - x, 100_000) for x in (250, 270, 240)])
    control_best = np.mean(draws.argmax(axis=1) == 0)
    assert r["control_prob_best"][0] == pytest.approx(control_best, abs=0.007)


def test_concat_refuses_mixed_methods():
    t = {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]}
    a = abstats.analyze(t, metric=CR, control="A")
    b = abstats.analyze(t, metric=CR, control="A", method="bayesian")
    with pytest.raises(abstats.ConfigError, match="one method"):
        abstats.Result.concat([a, b])


def test_guardrails_need_a_method_that_tests_margins():
    guard = MeanMetric("rev", role="guardrail", margin=0.1)
    with pytest.raises(abstats.ConfigError, match="tests non-inferiority margins"):
        abstats.analyze(_two_metrics(), metric=[CR, guard], control="A", method="bayesian")


def test_exact_srm_through_analyze_and_compare_agrees_with_scipy():
    table = _two_metrics(n=(10_300, 9_700), conversions=(500, 560))
    r = abstats.analyze(table, metric=CR, control="A", srm_test="exact", on_srm="warn")
    assert r["srm_p_value"][0] == pytest.approx(stats.binomtest(9_700, 20_000, 0.5).pvalue, rel=1e-10)
    assert r.settings["srm_test"] == "exact"
    from abstats.statistics import BinaryStats

    c = BinaryStats.from_arrays([10_300, 5_000], [500, 250])
    t = BinaryStats.from_arrays([9_700, 5_050], [560, 260])
    pairs = abstats.compare(c, t, metric=CR, srm_test="exact", on_srm="warn")
    expected = [stats.binomtest(k, k + n, 0.5).pvalue for k, n in ((9_700, 10_300), (5_050, 5_000))]
    np.testing.assert_allclose(pairs["srm_p_value"], expected, rtol=1e-10)


def test_srm_of_an_experiment_without_units_is_defined():
    from abstats.inference.srm import srm_test

    chi2, p = srm_test(np.zeros(3), np.zeros(3, dtype=int), np.ones(3))
    assert chi2.tolist() == [0.0] and p.tolist() == [1.0]


def test_caps_and_quantiles_are_recorded_with_the_metric():
    units = {"variant": ["A"] * 4 + ["B"] * 4, "revenue": [1.0, 2.0, 50.0, 3.0, 2.0, 2.5, 3.0, 90.0]}
    capped = abstats.MeanMetric("revenue", cap=abstats.Cap(percentile=0.9))
    r = abstats.analyze([abstats.from_units(units, capped)], control="A")
    assert r.settings["metrics"]["revenue"]["cap"] == abstats.Cap(percentile=0.9).describe()


@pytest.mark.parametrize("metric", [CR, MeanMetric("rev")])
def test_a_zero_traffic_arm_triggers_srm_and_the_other_arms_are_still_scored(metric):
    table = {"variant": ["A", "B", "C"], "n": [10_000, 0, 10_000], "conversions": [500, 0, 560],
             "sum": [5_000.0, 0.0, 5_600.0], "sum_sq": [60_000.0, 0.0, 62_000.0]}
    gated = abstats.analyze(table, metric=metric, control="A")
    assert gated.decision.tolist() == ["investigate", "investigate"] and gated.verdicts()[0]["verdict"] == "investigate"
    assert gated["srm_p_value"][0] == pytest.approx(stats.chisquare([10_000, 0, 10_000]).pvalue, abs=1e-300)
    kept = abstats.analyze(table, metric=metric, control="A", on_srm="warn")
    assert kept.rules[0] == "no_traffic" and "received no units" in kept.reasons[0]
    alone = abstats.analyze({k: [v[0], v[2]] for k, v in table.items()}, metric=metric, control="A", on_srm="warn")
    for column in ("effect", "p_value", "effect_ci_low", "effect_ci_high"):
        assert kept[column][1] == pytest.approx(alone[column][0], rel=1e-12)
        assert np.isnan(kept[column][0])
    jsonschema.validate(json.loads(kept.to_json()), SCHEMA)


def test_no_traffic_rows_must_have_empty_aggregates():
    with pytest.raises(abstats.InputError, match="no traffic"):
        abstats.analyze({"variant": ["A", "B"], "n": [100, 0], "conversions": [5, 3]}, metric=CR, control="A")
