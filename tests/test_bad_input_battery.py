"""Every public Python entry point, fed strings, booleans, None, NaN, wrong containers and wrong objects.

Each bad value must raise an ``abstats`` error (a ``ValueError`` subclass naming what was given), never an
AttributeError, a TypeError or a numpy error from deep inside, and never return a silent number. A value is
exempt only where it is a documented valid input (listed per entry point in ``VALID``).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import ibis
import numpy as np
import pytest

import abstats
from abstats import BinaryMetric, MeanMetric, RatioMetric
from abstats.bayesian.settings import BayesianSettings
from abstats.frequentist import FrequentistSettings
from abstats.planning import plan_duration, plan_mde, plan_power, plan_sample_size
from abstats.sequential import GroupSequentialDesign
from abstats.statistics import BinaryStats, MeanStats, RatioStats

BAD: dict[str, Any] = {
    "string": "0.05",
    "bool": True,
    "none": None,
    "nan": math.nan,
    "list": [1, 2],
    "dict": {"a": 1},
    "object": object(),
}
TABLE = {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]}
UNITS = {"variant": ["A", "A", "B", "B"], "revenue": [1.0, 2.0, 2.0, 3.0]}
STATS = BinaryStats.from_arrays([1000], [100])
STAGES = ["visit", "cart", "buy"]
FUNNEL_COUNTS = {"c": [1000, 300, 90], "t": [1000, 320, 110]}
EVENTS = {"user": [1, 1, 2, 2, 3], "variant": ["c", "c", "t", "t", "t"],
          "event": ["visit", "buy", "visit", "cart", "visit"],
          "ts": np.array(["2026-01-01T10", "2026-01-01T11", "2026-01-01T10", "2026-01-01T12", "2026-01-02T09"],
                         dtype="datetime64[us]")}


def _funnel_analyze(**kwargs: Any) -> Any:
    return abstats.Funnel(STAGES).from_counts(FUNNEL_COUNTS).analyze(**kwargs)


def _funnel_from_events(**kwargs: Any) -> Any:
    import pandas as pd

    event = ibis._.event
    funnel = abstats.Funnel({"visit": event == "visit", "cart": event == "cart", "buy": event == "buy"})
    return funnel.from_events(pd.DataFrame(EVENTS), **kwargs)


# entry point -> (callable taking keyword arguments, valid keyword arguments)
ENTRY_POINTS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "analyze": (abstats.analyze, {"data": TABLE, "metric": BinaryMetric("cr"), "control": "A"}),
    "analyze options": (abstats.analyze, {"data": TABLE, "metric": BinaryMetric("cr"), "control": "A", "alpha": 0.05,
                                          "srm_alpha": 0.001, "planned_n": 500, "margin": None}),
    "analyze bayesian": (abstats.analyze, {"data": TABLE, "metric": BinaryMetric("cr"), "control": "A",
                                           "method": "bayesian", "prior_alpha": 1.0, "threshold": 0.01,
                                           "ci_level": 0.95}),
    "analyze msprt": (abstats.analyze, {"data": TABLE, "metric": BinaryMetric("cr"), "control": "A",
                                        "method": "msprt", "tuning_n": 5000}),
    "compare": (abstats.compare, {"control": STATS, "treatment": BinaryStats.from_arrays([1000], [130]),
                                  "metric": BinaryMetric("cr"), "treatment_share": 0.5}),
    "from_aggregates": (abstats.from_aggregates, {"data": TABLE, "metric": BinaryMetric("cr")}),
    "from_units": (abstats.from_units, {"data": UNITS, "metric": MeanMetric("revenue")}),
    "BinaryStats": (BinaryStats.from_arrays, {"n": [10], "conversions": [1]}),
    "MeanStats": (MeanStats.from_arrays, {"n": [3], "sum": [6.0], "sum_sq": [14.0]}),
    "RatioStats": (RatioStats.from_arrays, {"n": [2], "num_sum": [3.0], "den_sum": [10.0], "num_sum_sq": [5.0],
                                             "den_sum_sq": [52.0], "num_den_sum": [16.0]}),
    "BinaryMetric": (BinaryMetric, {"name": "cr", "higher_is_better": True}),
    "MeanMetric": (MeanMetric, {"name": "rev", "column": "revenue"}),
    "RatioMetric": (RatioMetric, {"name": "ctr", "numerator": "clicks", "denominator": "views"}),
    "FrequentistSettings": (FrequentistSettings, {"alpha": 0.05, "correction": "holm", "planned_n": 100}),
    "BayesianSettings": (BayesianSettings, {"prior_alpha": 1.0, "prior_rel_effect_mean": 0.0, "seed": 1}),
    "GroupSequentialDesign": (GroupSequentialDesign, {"kind": "pocock", "looks": 3, "alpha": 0.05,
                                                      "binding": False}),
    "plan_sample_size": (plan_sample_size, {"metric": BinaryMetric("cr"), "baseline": 0.05, "mde": 0.1,
                                            "power": 0.8, "alpha": 0.05}),
    "plan_mde": (plan_mde, {"metric": BinaryMetric("cr"), "baseline": 0.05, "n_per_arm": 10_000}),
    "plan_power": (plan_power, {"metric": MeanMetric("rev"), "sd": 10.0, "mde": 1.0, "mde_type": "absolute",
                                "n_per_arm": 500}),
    "plan_duration": (plan_duration, {"n_total": 10_000, "daily_traffic": 2_000}),
    "Funnel": (abstats.Funnel, {"stages": STAGES, "order": "strict", "window": "7 days"}),
    "Funnel.from_counts": (abstats.Funnel(STAGES).from_counts, {"counts": FUNNEL_COUNTS}),
    "FunnelCounts.analyze": (_funnel_analyze, {"control": "c", "base": "first", "selection_alpha": 0.05,
                                               "srm_alpha": 0.001, "method": "frequentist", "alpha": 0.05}),
    "Funnel.from_events": (_funnel_from_events, {"unit": "user", "timestamp": "ts", "variant": "variant",
                                                 "exposure": ibis._.event == "visit", "metrics": None,
                                                 "connection": None}),
}

# (entry point, argument) -> bad-value names that are valid input there (documented optional arguments)
VALID: dict[tuple[str, str], set[str]] = {
    ("analyze options", "margin"): {"none"},
    ("analyze options", "planned_n"): {"none"},
    ("FrequentistSettings", "planned_n"): {"none"},
    ("BayesianSettings", "seed"): {"none"},
    ("MeanMetric", "column"): {"none", "string"},
    ("RatioMetric", "numerator"): {"none", "string"},
    ("RatioMetric", "denominator"): {"none", "string"},
    ("GroupSequentialDesign", "looks"): {"none"},  # information_fractions would then be needed: error below
    ("GroupSequentialDesign", "binding"): {"bool"},
    ("BinaryMetric", "higher_is_better"): {"bool"},
    ("plan_duration", "n_total"): {"list"},
    ("plan_duration", "daily_traffic"): {"list"},
    ("Funnel", "window"): {"none"},
    ("Funnel", "stages"): {"dict"},  # {name: condition}: a funnel for events (conditions are checked there)
    ("Funnel.from_events", "exposure"): {"none"},
    ("Funnel.from_events", "metrics"): {"none"},
    ("Funnel.from_events", "connection"): {"none"},
    # any non-empty string is a valid name or column
    **{(name, arg): {"string"} for name, args in {
        "BinaryMetric": ("name",), "MeanMetric": ("name",), "RatioMetric": ("name",),
    }.items() for arg in args},
    # a list of numbers is a valid array input of the array-valued arguments
    **{(name, arg): {"list"} for name, args in {
        "BinaryStats": ("n", "conversions"), "MeanStats": ("n", "sum", "sum_sq"),
        "RatioStats": ("n", "num_sum", "den_sum", "num_sum_sq", "den_sum_sq", "num_den_sum"),
        "plan_sample_size": ("baseline", "mde", "power", "alpha"), "plan_mde": ("baseline", "n_per_arm"),
        "plan_power": ("sd", "mde", "n_per_arm"),
    }.items() for arg in args},
}

CASES = [
    pytest.param(entry, arg, kind, id=f"{entry}-{arg}-{kind}")
    for entry, (_, kwargs) in ENTRY_POINTS.items()
    for arg in kwargs
    for kind in BAD
]


@pytest.mark.parametrize(("entry", "arg", "kind"), CASES)
def test_bad_value_is_a_named_abstats_error(entry: str, arg: str, kind: str) -> None:
    call, kwargs = ENTRY_POINTS[entry]
    bad = {**kwargs, arg: BAD[kind]}
    if kind in VALID.get((entry, arg), set()):
        with contextlib.suppress(abstats.AbstatsError):  # a valid type; the combination may still be refused
            call(**bad)
        return
    with pytest.raises(abstats.AbstatsError) as info:
        call(**bad)
    assert isinstance(info.value, ValueError)


def test_the_valid_calls_work() -> None:
    for call, kwargs in ENTRY_POINTS.values():
        call(**kwargs)


def test_unknown_keywords_are_named_errors() -> None:
    for name in ("analyze", "plan_sample_size"):
        call, kwargs = ENTRY_POINTS[name]
        with pytest.raises(abstats.AbstatsError, match="no_such_option"):
            call(**kwargs, no_such_option=1)


def test_zero_row_results_render() -> None:
    empty = BinaryStats.from_arrays([], [])
    r = abstats.compare(empty, empty, metric=BinaryMetric("cr"))
    assert len(r) == 0 and r.verdicts() == [] and r.to_dict()["comparisons"] == []
    assert "abstats Result" in str(r) and r._repr_html_()
    assert np.asarray(r.effect).shape == (0,)


@pytest.mark.parametrize(
    ("column", "labels"),
    [
        ("variant", ["A", None]),
        ("variant", ["A", math.nan]),
        ("experiment", [None, None]),
        ("experiment", [True, True]),
        ("experiment", [np.datetime64("2024-01-01"), np.datetime64("2024-01-01")]),
        ("experiment", [(1, 2), (1, 2)]),
        ("experiment", [1.5, 1.5]),
    ],
)
def test_labels_must_be_strings_or_integers(column: str, labels: list[Any]) -> None:
    table = {"experiment": ["e", "e"], "variant": ["A", "B"], "n": [100, 100], "conversions": [1, 2], column: labels}
    with pytest.raises(abstats.InputError, match=column if column == "experiment" else "variant"):
        abstats.analyze(table, metric=BinaryMetric("cr"), control="A", experiment="experiment")


def test_labels_of_every_accepted_container_reach_the_result() -> None:
    import pandas as pd
    import polars as pl

    base = {"experiment": [7, 7], "variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]}
    for data in (base, pd.DataFrame(base), pl.DataFrame(base), pl.DataFrame(base).lazy()):
        r = abstats.analyze(data, metric=BinaryMetric("cr"), control="A", experiment="experiment")
        assert r["experiment"].tolist() == [7] and r.to_dict()["comparisons"][0]["experiment"] == 7


def test_statistics_built_directly_are_validated_like_from_arrays() -> None:
    with pytest.raises(abstats.InputError, match="conversions"):
        BinaryStats(np.array([10.0]), np.array([20.0]))  # conversions > n: p = NaN and "inconclusive" before
    with pytest.raises(abstats.InputError, match="sum_sq"):
        MeanStats(np.array([3.0]), np.array([6.0]), np.array([1.0]))  # a negative implied variance
    with pytest.raises(abstats.InputError, match="num_den_sum"):
        RatioStats(np.array([2.0]), np.array([3.0]), np.array([10.0]), np.array([5.0]), np.array([52.0]),
                   np.array([160.0]))
    direct = MeanStats(np.array([3.0]), np.array([6.0]), np.array([14.0]))
    assert direct.estimate().tolist() == MeanStats.from_arrays([3], [6.0], [14.0]).estimate().tolist() == [2.0]
