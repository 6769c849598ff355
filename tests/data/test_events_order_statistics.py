"""Quantile metrics and percentile caps from raw events: order statistics picked in the backend.

The reference is :func:`abstats.from_units` (numpy's type-7 quantile, ``np.quantile`` for the caps) on
the same per-unit rows, computed independently from the raw events with pandas
(``tests/event_reference.py``). Quantiles are order statistics, not sums: the backend picks the very
same values by exact rank, so they must agree exactly, not to a tolerance.
"""

from __future__ import annotations

import warnings

import ibis
import numpy as np
import pandas as pd
import pytest
from event_reference import assert_same_stats, order_metrics, per_unit
from ibis import _

import abstats
from abstats import BinaryMetric, Cap, MeanMetric, MultiVariantUnitsWarning, QuantileMetric, RatioMetric
from abstats.data import cumulative_from_events, from_events, total
from abstats.statistics.quantile import backend_spacing_ranks, backend_type7_ranks, order_statistic_ranks

EXPOSURE = _.event == "exposure"


def unit_metrics() -> list:
    """The same metrics over the per-unit columns of ``per_unit``."""
    return [
        QuantileMetric("median_page_views", column="page_views", quantile=0.5),
        QuantileMetric("p90_page_views", column="page_views", quantile=0.9),
        QuantileMetric("p95_revenue", column="revenue", quantile=0.95),
        MeanMetric("capped_revenue", column="revenue", cap=Cap(percentile=0.99)),
        MeanMetric("capped_views", column="page_views", cap=Cap(percentile=0.9)),
        MeanMetric("views_upto_5", column="page_views", cap=Cap(upper=5.0)),
        RatioMetric("capped_aov", numerator="revenue", denominator="orders", numerator_cap=Cap(percentile=0.95)),
    ]


def from_rows(units: pd.DataFrame, experiment: str | None = None) -> list:
    """from_units per metric, rows ordered by (experiment, variant) label as from_events orders them."""
    data = [abstats.from_units(units, m, experiment=experiment) for m in unit_metrics()]
    labels = list(zip(map(str, data[0].experiment), map(str, data[0].variant), strict=True))
    order = np.array(sorted(range(len(labels)), key=labels.__getitem__))
    return [abstats.ExperimentData(d.metric, d.experiment[order], d.variant[order], d.stats.take(order)) for d in data]


def quietly(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        return from_events(*args, unit="user_id", timestamp="ts", exposure=EXPOSURE, **kw)


def test_quantiles_and_percentile_caps_equal_from_units_on_the_same_rows(events, events_parquet):
    units, _ = per_unit(events)
    data = quietly(events_parquet, order_metrics())
    reference = from_rows(units)
    assert_same_stats(data, reference)
    for got, want in zip(data[:3], reference[:3], strict=True):
        # exact: the backend picked the same order statistics numpy's sort did
        np.testing.assert_array_equal(got.stats.value, want.stats.value)
        np.testing.assert_array_equal(got.stats.se, want.stats.se)
    # the caps bit: without them the sums differ (the test would not notice a cap silently dropped)
    uncapped = abstats.from_units(units, MeanMetric("revenue")).stats
    assert not np.allclose(uncapped.unit_variance(), np.sort(data[3].stats.unit_variance()))


def test_pooled_cap_is_per_analysed_experiment_with_segments(events, events_parquet):
    units, _ = per_unit(events, segment="device")
    data = quietly(events_parquet, order_metrics(), segment="device")
    units = units.assign(label=[f"device={d}" for d in units["device"]])
    assert_same_stats(data, from_rows(units, experiment="label"))


def test_last_daily_look_of_quantiles_and_caps_is_the_whole_period(events_parquet):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        looks = cumulative_from_events(
            events_parquet, order_metrics(), unit="user_id", timestamp="ts", exposure=EXPOSURE
        )
    assert len(looks) > 3
    assert_same_stats(list(looks[-1].data), quietly(events_parquet, order_metrics()))


def test_backend_ranks_equal_numpy_ranks_bit_for_bit():
    # Every group size up to 5,000 at levels where (n + 1) q -/+ z sqrt(n q (1 - q)) falls near a half:
    # the backend's round-half-to-even and clipping must pick numpy's ranks, or the quantile's se moves.
    n = np.arange(1, 5001, dtype=float)
    table = ibis.memtable(pd.DataFrame({"n": n}))
    con = ibis.duckdb.connect()
    for q in (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99):
        low, high = backend_spacing_ranks(table["n"], q)
        lo7, hi7 = backend_type7_ranks(table["n"], q)
        got = con.execute(table.select(low=low, high=high, lo7=lo7, hi7=hi7))
        want_low, want_high = order_statistic_ranks(n, q)
        np.testing.assert_array_equal(got["low"].to_numpy(), want_low, err_msg=f"q={q}")
        np.testing.assert_array_equal(got["high"].to_numpy(), want_high, err_msg=f"q={q}")
        h = (n - 1.0) * q
        np.testing.assert_array_equal(got["lo7"].to_numpy(), np.floor(h) + 1.0)
        np.testing.assert_array_equal(got["hi7"].to_numpy(), np.minimum(np.floor(h) + 1.0, n - 1.0) + 1.0)


def test_a_cap_threshold_equals_numpy_quantile_exactly():
    # Values whose type-7 interpolation is not exact in binary: the backend must round like numpy.
    rng = np.random.default_rng(11)
    x = rng.lognormal(3.0, 1.5, 2001)
    frame = pd.DataFrame({"u": np.arange(len(x)), "variant": np.where(np.arange(len(x)) % 2, "A", "B"), "x": x})
    for p in (0.5, 0.9, 0.973, 0.99):
        data = from_events(frame, {MeanMetric("x", cap=Cap(percentile=p)): total("x")}, unit="u")
        threshold = np.quantile(x, p)
        capped = np.minimum(x, threshold)
        stats = data[0].stats
        np.testing.assert_allclose(stats.n * stats.shift + stats.sum, [capped[1::2].sum(), capped[0::2].sum()],
                                   rtol=1e-12)
        assert np.max(stats.shift) <= threshold


def test_quantile_needs_two_units_per_arm():
    frame = pd.DataFrame({"u": [1, 2, 3], "variant": ["A", "B", "B"], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(abstats.InputError, match="at least 2 units"):
        from_events(frame, {QuantileMetric("x"): total("x")}, unit="u")


def test_binary_metric_still_refuses_values_other_than_zero_or_one():
    frame = pd.DataFrame({"u": [1, 1, 2, 3], "variant": ["A", "A", "B", "B"], "x": [1, 1, 0, 1]})
    with pytest.raises(abstats.InputError, match="0 or 1 per unit"):
        from_events(frame, {BinaryMetric("x"): total("x")}, unit="u")


def test_the_data_layer_names_no_metric_kind():
    # A metric kind's backend aggregation lives on its class (backend_aggregates, stats_from_backend),
    # so adding a kind needs no edit in abstats/data: no module there may name a kind's class.
    import ast
    from pathlib import Path

    kinds = {"BinaryMetric", "MeanMetric", "RatioMetric", "QuantileMetric", "BinaryStats", "MeanStats",
             "RatioStats", "QuantileStats"}
    for path in sorted(Path(abstats.__file__).parent.joinpath("data").glob("*.py")):
        tree = ast.parse(path.read_text())
        named = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        named |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert not named & kinds, f"{path.name} names {sorted(named & kinds)}"
