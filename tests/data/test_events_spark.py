"""The same events on Spark (Ibis's pyspark backend) give DuckDB's statistics."""

from __future__ import annotations

import warnings

import pytest
from event_reference import assert_same_stats, shop_metrics
from ibis import _

from abstats import MultiVariantUnitsWarning
from abstats.data import cumulative_from_events, from_events

pytestmark = pytest.mark.spark
EXPOSURE = _.event == "exposure"


@pytest.fixture(scope="module")
def spark_events(spark, events_parquet):
    import ibis

    return ibis.pyspark.connect(spark).read_parquet(events_parquet)


def both(call, spark_table, parquet, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        args = {"unit": "user_id", "timestamp": "ts", "exposure": EXPOSURE, **kw}
        return call(spark_table, shop_metrics(), **args), call(parquet, shop_metrics(), **args)


def test_spark_equals_duckdb_for_every_metric_kind(spark_events, events_parquet):
    on_spark, on_duckdb = both(from_events, spark_events, events_parquet)
    assert_same_stats(on_spark, on_duckdb)


def test_spark_equals_duckdb_per_segment(spark_events, events_parquet):
    on_spark, on_duckdb = both(from_events, spark_events, events_parquet, segment="country")
    assert_same_stats(on_spark, on_duckdb)


def test_spark_equals_duckdb_at_every_daily_look(spark_events, events_parquet):
    on_spark, on_duckdb = both(cumulative_from_events, spark_events, events_parquet, grain="day")
    assert [k.period for k in on_spark] == [k.period for k in on_duckdb]
    for a, b in zip(on_spark, on_duckdb, strict=True):
        assert_same_stats(list(a.data), list(b.data))


def test_a_spark_dataframe_is_accepted_as_is(spark, events_parquet):
    frame = spark.read.parquet(events_parquet)
    on_spark, on_duckdb = both(from_events, frame, events_parquet)
    assert_same_stats(on_spark, on_duckdb)


def test_multi_variant_warning_on_spark(spark_events):
    with pytest.warns(MultiVariantUnitsWarning, match="^6 unit"):
        from_events(spark_events, shop_metrics(), unit="user_id", timestamp="ts", exposure=EXPOSURE)
