"""``from_units(df, [m1, m2])``: one ExperimentData per metric, each equal to its own call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abstats


@pytest.fixture
def units() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({
        "variant": rng.choice(["A", "B"], 500),
        "converted": rng.integers(0, 2, 500),
        "revenue": rng.gamma(2.0, 3.0, 500),
        "clicks": rng.poisson(3, 500),
        "views": rng.poisson(10, 500) + 1,
    })


def test_a_list_of_metrics_gives_one_data_per_metric_in_order(units):
    metrics = [abstats.BinaryMetric("converted"), abstats.MeanMetric("revenue"),
               abstats.RatioMetric("ctr", numerator="clicks", denominator="views")]
    many = abstats.from_units(units, metrics)
    assert [d.metric for d in many] == metrics
    for data, metric in zip(many, metrics, strict=True):
        one = abstats.from_units(units, metric)
        np.testing.assert_array_equal(data.stats.estimate(), one.stats.estimate())
        np.testing.assert_array_equal(data.stats.variance_of_estimate(), one.stats.variance_of_estimate())
    result = abstats.analyze(many, control="A")
    assert list(result["metric"]) == ["converted", "revenue", "ctr"]


@pytest.mark.parametrize("bad", [[], ["converted"], [abstats.BinaryMetric("converted"), None]])
def test_a_bad_list_is_a_named_error(units, bad):
    with pytest.raises(abstats.AbstatsError, match="metric"):
        abstats.from_units(units, bad)
