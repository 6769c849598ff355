"""The same events on Spark (Ibis's pyspark backend) give DuckDB's statistics.

Four Spark queries in all (Spark plans each one): segments with every metric kind, daily looks,
a Spark DataFrame passed as is (with the multi-variant warning), and a strict-order funnel.
"""

from __future__ import annotations

import warnings

import pytest
from event_reference import assert_same_stats, shop_metrics
from ibis import _

from abstats import MultiVariantUnitsWarning
from abstats.data import cumulative_from_events, from_events

pytestmark = pytest.mark.spark
EXPOSURE = _.event == "exposure"
ARGS = {"unit": "user_id", "timestamp": "ts", "exposure": EXPOSURE}


@pytest.fixture(scope="module")
def spark_events(spark, events_parquet):
    import ibis

    return ibis.pyspark.connect(spark).read_parquet(events_parquet)


def quietly(call, source, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        return call(source, shop_metrics(), **ARGS, **kw)


def test_spark_equals_duckdb_for_every_metric_kind_per_segment(spark_events, events_parquet):
    assert_same_stats(
        quietly(from_events, spark_events, segment="country"), quietly(from_events, events_parquet, segment="country")
    )


def test_spark_equals_duckdb_at_every_daily_look(spark_events, events_parquet):
    on_spark = quietly(cumulative_from_events, spark_events, grain="day")
    on_duckdb = quietly(cumulative_from_events, events_parquet, grain="day")
    assert [k.period for k in on_spark] == [k.period for k in on_duckdb]
    for a, b in zip(on_spark, on_duckdb, strict=True):
        assert_same_stats(list(a.data), list(b.data))


def test_a_spark_dataframe_is_accepted_as_is_and_warns_about_multi_variant_units(spark, events_parquet):
    frame = spark.read.parquet(events_parquet)
    with pytest.warns(MultiVariantUnitsWarning, match="^6 unit"):
        on_spark = from_events(frame, shop_metrics(), **ARGS)
    assert_same_stats(on_spark, quietly(from_events, events_parquet))


def test_spark_counts_a_strict_order_funnel_as_duckdb_does(spark_events, events_parquet):
    import numpy as np

    from abstats import Funnel
    from abstats.examples.make_events import shop_funnel

    stages = {s.name: s.condition for s in shop_funnel().stages}
    funnel = Funnel(stages, order="strict", window="3 days")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        on_spark = funnel.from_events(spark_events, **ARGS)
        on_duckdb = funnel.from_events(events_parquet, **ARGS)
    assert on_spark.variants == on_duckdb.variants
    assert on_duckdb.counts[:, -1].min() > 0  # every stage reached by someone: the comparison is not vacuous
    np.testing.assert_array_equal(on_spark.counts, on_duckdb.counts)
