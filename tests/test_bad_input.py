"""Bad input raises an abstats error naming the metric, variant, field and value; zero variance does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abstats
from abstats import AbstatsError, BinaryMetric, InputError, MeanMetric, RatioMetric


def _binary(n, conversions, variants=("A", "B"), control="A", **options):
    table = {"variant": list(variants), "n": n, "conversions": conversions}
    return abstats.analyze(table, metric=BinaryMetric("signup"), control=control, **options)


@pytest.mark.parametrize(
    ("n", "conversions", "field", "value", "variant"),
    [
        ([100, -5], [1, 0], "n", -5, "B"),
        ([100, 100], [-1, 2], "conversions", -1, "A"),
        ([100, 100], [1, 120], "conversions", 120, "B"),
        ([0, 100], [1, 2], "conversions", 1, "A"),  # n = 0 is a variant with no traffic: nothing converted
        ([100, float("nan")], [1, 2], "n", "nan", "B"),
        ([100, 100], [1, float("inf")], "conversions", "inf", "B"),
        ([100.5, 100], [1, 2], "n", 100.5, "A"),
    ],
)
def test_binary_bad_values_name_metric_variant_field_value(n, conversions, field, value, variant):
    with pytest.raises(InputError) as info:
        _binary(n, conversions)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, AbstatsError)
    assert (err.metric, err.variant, err.field) == ("signup", variant, field)
    message = str(err)
    for part in ("signup", repr(variant), field, str(value)):
        assert part in message


def test_unknown_control_lists_variants():
    with pytest.raises(InputError, match="control = 'Z'.*'A', 'B'"):
        _binary([100, 100], [1, 2], control="Z")


def test_single_variant():
    with pytest.raises(InputError, match="at least two variants"):
        _binary([100], [1], variants=("A",))


def test_control_missing_in_one_experiment():
    table = {
        "experiment": ["e1", "e1", "e2", "e2"], "variant": ["A", "B", "B", "C"], "n": [10] * 4, "conversions": [1] * 4
    }
    with pytest.raises(InputError, match="experiment 'e2'"):
        abstats.analyze(table, metric=BinaryMetric("m"), control="A", experiment="experiment")


def test_duplicate_variant():
    with pytest.raises(InputError, match="each variant once"):
        _binary([100, 100, 100], [1, 2, 3], variants=("A", "B", "B"))


def test_duplicate_variant_in_a_wide_experiment_among_pairs():
    """Only experiments of three or more rows are searched for repeated treatments: the row is still named."""
    table = {
        "experiment": ["e1", "e1", "e2", "e2", "e2", "e3", "e3"],
        "variant": ["A", "B", "A", "C", "C", "B", "A"],
        "n": [10] * 7, "conversions": [1] * 7,
    }
    with pytest.raises(InputError, match="each variant once") as info:
        abstats.analyze(table, metric=BinaryMetric("m"), control="A", experiment="experiment")
    assert info.value.experiment == "e2" and info.value.value == "C"
    table["variant"][4] = "D"  # now valid: e2 has two distinct treatments
    r = abstats.analyze(table, metric=BinaryMetric("m"), control="A", experiment="experiment")
    assert r["treatment"].tolist() == ["B", "C", "D", "B"]


def test_mismatched_lengths():
    with pytest.raises(InputError, match="conversions"):
        _binary([100, 100], [1, 2, 3])
    with pytest.raises(InputError, match="same length"):
        abstats.statistics.BinaryStats.from_arrays([10, 10], [1, 2, 3])


def test_sum_sq_inconsistent_with_sum_and_n():
    # 10 units summing to 100 need sum_sq >= 1000
    table = {"variant": ["A", "B"], "n": [10, 10], "sum": [100.0, 100.0], "sum_sq": [1200.0, 900.0]}
    with pytest.raises(InputError) as info:
        abstats.analyze(table, metric=MeanMetric("revenue"), control="A")
    assert info.value.field == "sum_sq" and info.value.variant == "B" and info.value.value == 900
    assert "revenue" in str(info.value)


def test_ratio_with_zero_denominator_and_impossible_cross_product():
    base = {"variant": ["A", "B"], "n": [10, 10], "num_sum": [5.0, 6.0], "den_sum": [50.0, 0.0],
            "num_sum_sq": [5.0, 6.0], "den_sum_sq": [300.0, 0.0], "num_den_sum": [30.0, 0.0]}
    with pytest.raises(InputError, match="den_sum"):
        abstats.analyze(base, metric=RatioMetric("ctr"), control="A")
    bad_cross = {**base, "den_sum": [50.0, 60.0], "den_sum_sq": [300.0, 400.0], "num_den_sum": [30.0, 500.0]}
    with pytest.raises(InputError, match="num_den_sum"):
        abstats.analyze(bad_cross, metric=RatioMetric("ctr"), control="A")


def test_missing_column_names_the_column():
    with pytest.raises(InputError, match="column = 'bounces'"):
        abstats.analyze({"variant": ["A", "B"], "n": [1, 2], "conversions": [0, 1]},
                        metric=BinaryMetric("bounce", conversions_field="bounces"), control="A")


@pytest.mark.parametrize(
    ("option", "value"),
    [("alpha", 0.0), ("alpha", 1.5), ("alternative", "bigger"), ("correction", "tukey"), ("margin", -0.1),
     ("binary_interval", "exact"), ("hypothesis", "non_inferiority"), ("planned_n", 0), ("no_such_option", 1)],
)
def test_bad_settings_are_config_errors(option, value):
    with pytest.raises(abstats.ConfigError) as info:
        _binary([100, 100], [10, 12], **{option: value})
    assert info.value.field in (option, "margin")


def test_bad_expected_split():
    with pytest.raises(abstats.ConfigError, match="missing 'B'"):
        _binary([100, 100], [10, 12], expected_split={"A": 0.5})


def test_zero_variance_is_a_defined_result_with_a_warning():
    r = _binary([500, 500], [0, 0])
    assert r.effect[0] == 0 and r.p_value[0] == 1.0 and r.decision[0] == "inconclusive"
    codes = {w["code"] for w in r.warnings(0)}
    assert {"zero_variance", "relative_undefined", "few_conversions"} <= codes
    payload = r.to_dict()["comparisons"][0]
    assert payload["rel_effect"] is None and payload["p_value"] == 1.0


def test_polars_and_pandas_inputs_agree():
    import polars as pl

    data = {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]}
    a = abstats.analyze(pd.DataFrame(data), metric=BinaryMetric("m"), control="A")
    b = abstats.analyze(pl.DataFrame(data), metric=BinaryMetric("m"), control="A")
    c = abstats.analyze({"variant": np.array(["A", "B"]), "n": np.array([1000, 1000]), "conversions": (100, 130)},
                        metric=BinaryMetric("m"), control="A")
    assert a.p_value[0] == b.p_value[0] == c.p_value[0]


def test_from_units_matches_from_aggregates():
    rng = np.random.default_rng(3)
    units = pd.DataFrame({"variant": rng.choice(["A", "B"], 5000), "revenue": rng.exponential(2.0, 5000)})
    from_units = abstats.analyze(abstats.from_units(units, MeanMetric("revenue")), control="A")
    agg = units.assign(sq=units.revenue**2).groupby("variant").agg(n=("revenue", "size"), sum=("revenue", "sum"),
                                                                   sum_sq=("sq", "sum")).reset_index()
    from_agg = abstats.analyze(agg, metric=MeanMetric("revenue"), control="A")
    assert from_units.p_value[0] == pytest.approx(from_agg.p_value[0], rel=1e-10)


def test_from_units_rejects_non_binary_values():
    with pytest.raises(InputError, match="0 or 1"):
        abstats.from_units({"variant": ["A", "B"], "signup": [0, 2]}, BinaryMetric("signup"))


@pytest.mark.parametrize("method", ["frequentist", "bayesian", "msprt", "confidence_sequence", "group_sequential"])
@pytest.mark.parametrize(
    "table",
    [
        {"variant": ["A", "B"], "n": [500, 500], "conversions": [0, 0]},
        {"variant": ["A", "B"], "n": [500, 500], "conversions": [500, 500]},
        {"variant": ["A", "B"], "n": [10, 10], "sum": [20.0, 30.0], "sum_sq": [40.0, 90.0]},
    ],
    ids=["no_conversions", "all_converted", "constant_means"],
)
def test_degenerate_data_gives_a_defined_result_in_every_method(method, table):
    import json

    from abstats.sequential import GroupSequentialDesign

    metric = BinaryMetric("m") if "conversions" in table else MeanMetric("r")
    options = {"design": GroupSequentialDesign("pocock", looks=2), "look": 1} if method == "group_sequential" else {}
    r = abstats.analyze(table, metric=metric, control="A", method=method, **options)
    payload = json.loads(r.to_json())["comparisons"][0]  # strict JSON: no NaN slips through
    assert payload["decision"] in ("stop_winner", "stop_loser", "inconclusive", "continue")
    assert payload["reason"]
    if method != "bayesian" or metric.kind != "binary":
        assert "zero_variance" in [w["code"] for w in payload["warnings"]]
