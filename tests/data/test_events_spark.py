"""The same events on Spark (Ibis's pyspark backend) give DuckDB's statistics.

Four Spark queries in all (Spark plans each one): segments with every metric kind, daily looks,
a Spark DataFrame passed as is (with the multi-variant warning), and a strict-order funnel.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from event_reference import assert_same_stats, order_metrics, shop_metrics
from ibis import _

import abstats
from abstats import Covariate, MeanMetric, MultiVariantUnitsWarning
from abstats.data import count, cumulative_from_events, from_events

pytestmark = pytest.mark.spark
EXPOSURE = _.event == "exposure"
ARGS = {"unit": "user_id", "timestamp": "ts", "exposure": EXPOSURE}


@pytest.fixture(scope="module")
def spark_events(spark, events_parquet):
    import ibis

    return ibis.pyspark.connect(spark).read_parquet(events_parquet)


def quietly(call, source, metrics=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        return call(source, shop_metrics() if metrics is None else metrics, **ARGS, **kw)


def test_spark_equals_duckdb_for_every_metric_kind_per_segment(spark_events, events_parquet):
    # Quantiles and percentile caps included: Spark picks the same order statistics by exact rank.
    window = Covariate(start="2026-10-25", end="2026-11-03")  # the metric before the experiment's start, as CUPED's
    metrics = {**shop_metrics(), **order_metrics(),
               MeanMetric("page_views_cuped", covariate=window): count(where=_.event == "page_view")}
    on_spark = quietly(from_events, spark_events, metrics, segment="country")
    on_duckdb = quietly(from_events, events_parquet, metrics, segment="country")
    assert_same_stats(on_spark, on_duckdb)
    for a, b in zip(on_spark, on_duckdb, strict=True):
        if a.stats.kind == "quantile":
            assert (a.stats.value == b.stats.value).all() and (a.stats.se == b.stats.se).all()
    # CUPED's covariate sums (a pre-exposure window, joined per unit): the adjusted analyses agree
    spark_cuped, duckdb_cuped = (abstats.analyze(d[-1], control="control").to_frame("all")
                                 for d in (on_spark, on_duckdb))
    assert spark_cuped["cuped"].all()
    for column in ("effect", "se", "cuped_theta", "variance_reduction"):
        np.testing.assert_allclose(spark_cuped[column], duckdb_cuped[column], rtol=1e-9, err_msg=column)


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
