"""Raw events -> statistics on DuckDB: checked against pandas/numpy on the same raw rows."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from event_reference import assert_matches, assert_same_stats, expected_stats, per_unit, shop_metrics
from ibis import _
from statsmodels.stats.proportion import proportions_ztest

import abstats
from abstats import MeanMetric, MultiVariantUnitsWarning
from abstats.data import cumulative_from_events, from_events, total

EXPOSURE = _.event == "exposure"


def load(source, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        return from_events(source, shop_metrics(), unit="user_id", timestamp="ts", exposure=EXPOSURE, **kw)


def test_duckdb_over_parquet_matches_pandas_on_the_raw_rows(events, events_parquet):
    units, _ = per_unit(events)
    data = load(events_parquet)
    assert list(data[0].variant) == sorted(units["variant"].unique())
    assert_matches(data, expected_stats(units, ["variant"]))


def test_pandas_frame_and_parquet_agree(events, events_parquet):
    assert_same_stats(load(events), load(events_parquet))


def test_polars_and_arrow_frames_agree(events, events_parquet):
    import polars as pl
    import pyarrow as pa

    reference = load(events_parquet)
    assert_same_stats(load(pa.Table.from_pandas(events, preserve_index=False)), reference)
    assert_same_stats(load(pl.from_pandas(events)), reference)


def test_from_units_on_pandas_per_unit_values_agrees(events, events_parquet):
    units, _ = per_unit(events)
    units = units.assign(conversion=units["conversion"].astype(float))
    metrics = list(shop_metrics())
    per_unit_metrics = [
        metrics[0],
        MeanMetric("revenue_per_visitor", column="revenue"),
        abstats.RatioMetric("average_order_value", numerator="revenue", denominator="orders"),
        abstats.RatioMetric("ctr", numerator="clicks", denominator="impressions"),
        MeanMetric("page_views"),
    ]
    pandas_path = [abstats.from_units(units, m) for m in per_unit_metrics]
    order = np.argsort(pandas_path[0].variant.astype(str), kind="stable")
    pandas_path = [
        abstats.ExperimentData(d.metric, d.experiment[order], d.variant[order], d.stats.take(order))
        for d in pandas_path
    ]
    assert_same_stats(load(events_parquet), pandas_path)


def test_segments_are_experiment_labels_with_their_own_statistics(events, events_parquet):
    units, _ = per_unit(events, segment="country")
    data = load(events_parquet, segment="country")
    expected = expected_stats(units, ["country", "variant"])
    assert list(data[0].experiment) == [f"country={c}" for c in expected["country"]]
    assert list(data[0].variant) == list(expected["variant"])
    assert_matches(data, expected)
    result = abstats.analyze(data, control="control")
    assert set(result.to_frame()["experiment"]) == {f"country={c}" for c in units["country"].unique()}


def test_experiment_column_and_segment_make_one_label(events):
    two = pd.concat([events.assign(exp="exp_a"), events.assign(exp="exp_b", user_id=events["user_id"] + 10**6)])
    data = load(two, experiment="exp", segment="device")
    labels = set(data[0].experiment)
    assert labels == {f"{e} | device={d}" for e in ("exp_a", "exp_b") for d in events["device"].unique()}
    # Both experiments hold the same events: identical statistics per label.
    a = [i for i, label in enumerate(data[1].experiment) if label.startswith("exp_a")]
    b = [i for i, label in enumerate(data[1].experiment) if label.startswith("exp_b")]
    np.testing.assert_allclose(data[1].stats.estimate()[a], data[1].stats.estimate()[b], rtol=1e-12)
    np.testing.assert_allclose(data[1].stats.unit_variance()[a], data[1].stats.unit_variance()[b], rtol=1e-12)


def test_daily_cumulative_looks_match_pandas_and_the_last_is_the_whole_period(events, events_parquet):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        looks = cumulative_from_events(
            events_parquet, shop_metrics(), unit="user_id", timestamp="ts", exposure=EXPOSURE, grain="day"
        )
    days = pd.Index(events["ts"].dt.floor("D").unique()).sort_values()
    first_exposed_day = events.loc[events["event"] == "exposure", "ts"].min().floor("D")
    # Looks start once every arm of every metric has valid statistics (here: a purchase for the AOV ratio).
    defined = [d for d in days if d >= first_exposed_day]
    assert [k.period for k in looks] == defined[len(defined) - len(looks) :]
    assert len(looks) >= len(defined) - 3
    assert [k.look for k in looks] == list(range(1, len(looks) + 1))
    assert np.all(np.diff([k.data[0].stats.n.sum() for k in looks]) >= 0)
    assert_same_stats(list(looks[-1].data), load(events_parquet))
    middle = looks[len(looks) // 2]
    units, _ = per_unit(events, until=middle.period + pd.Timedelta(days=1))
    assert_matches(list(middle.data), expected_stats(units, ["variant"]))


def test_cumulative_with_segments_ends_at_the_segment_statistics(events_parquet):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        looks = cumulative_from_events(
            events_parquet, shop_metrics(), unit="user_id", timestamp="ts", exposure=EXPOSURE, segment="country"
        )
    assert_same_stats(list(looks[-1].data), load(events_parquet, segment="country"))


def test_multi_variant_units_are_counted_warned_and_excluded(events, events_parquet):
    _, multi = per_unit(events)
    assert multi == 6  # the fixture leaks six users into a second variant
    with pytest.warns(MultiVariantUnitsWarning, match=rf"^{multi} unit\(s\) seen in more than one variant: excluded"):
        excluded = from_events(events_parquet, shop_metrics(), unit="user_id", timestamp="ts", exposure=EXPOSURE)
    with pytest.warns(MultiVariantUnitsWarning, match="kept"):
        kept = from_events(
            events_parquet, shop_metrics(), unit="user_id", timestamp="ts", exposure=EXPOSURE, multi_variant="keep"
        )
    units_kept, _ = per_unit(events, keep_multi=True)
    assert_matches(kept, expected_stats(units_kept, ["variant"]))
    # Each excluded unit was counted once in every variant it was seen in.
    extra = units_kept.groupby("user_id")["variant"].transform("size") > 1
    assert kept[0].stats.n.sum() - excluded[0].stats.n.sum() == extra.sum()


def test_no_warning_without_multi_variant_units():
    frame = pd.DataFrame({"u": [1, 2, 3, 4], "variant": ["A", "A", "B", "B"], "x": [1.0, 2.0, 3.0, 5.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = from_events(frame, {MeanMetric("x"): total("x")}, unit="u")
    np.testing.assert_array_equal(data[0].stats.n, [2, 2])


def test_backend_variance_is_centred_for_a_large_mean():
    # Mean 1e9, spread 1: sum(x*x) - sum(x)**2 / n would cancel to noise; var_samp does not.
    rng = np.random.default_rng(3)
    x = 1e9 + rng.normal(0, 1, 4000)
    frame = pd.DataFrame({"u": np.arange(4000), "variant": np.repeat(["A", "B"], 2000), "x": x})
    data = from_events(frame, {MeanMetric("x"): total("x")}, unit="u")
    expected = [np.var(x[:2000], ddof=1), np.var(x[2000:], ddof=1)]
    np.testing.assert_allclose(data[0].stats.unit_variance(), expected, rtol=1e-6)


def test_p_values_match_scipy_on_per_unit_values_from_pandas(events, events_parquet):
    data = load(events_parquet)
    result = abstats.analyze(data, control="control", correction="none").to_frame()
    units, _ = per_unit(events)
    control = units[units["variant"] == "control"]
    for treatment_name in ("one_click", "recommendations"):
        treat = units[units["variant"] == treatment_name]
        rows = result[result["treatment"] == treatment_name].set_index("metric")
        # Binary: pooled two-proportion z-test.
        _, p_bin = proportions_ztest(
            [treat["conversion"].sum(), control["conversion"].sum()], [len(treat), len(control)]
        )
        np.testing.assert_allclose(rows.loc["conversion", "p_value"], p_bin, rtol=1e-8)
        # Mean: Welch's t-test.
        p_mean = scipy.stats.ttest_ind(treat["revenue"], control["revenue"], equal_var=False).pvalue
        np.testing.assert_allclose(rows.loc["revenue_per_visitor", "p_value"], p_mean, rtol=1e-8)

        # Ratio: delta method on per-unit numerators and denominators, normal reference.
        def ratio_var(g: pd.DataFrame, num: str, den: str) -> tuple[float, float]:
            x, y = g[num].to_numpy(float), g[den].to_numpy(float)
            cov = np.cov(x, y, ddof=1)
            mx, my, n = x.mean(), y.mean(), len(x)
            var = (cov[0, 0] / my**2 - 2 * mx * cov[0, 1] / my**3 + mx**2 * cov[1, 1] / my**4) / n
            return x.sum() / y.sum(), var

        for metric, num, den in (("average_order_value", "revenue", "orders"), ("ctr", "clicks", "impressions")):
            r_c, v_c = ratio_var(control, num, den)
            r_t, v_t = ratio_var(treat, num, den)
            p_ratio = 2 * scipy.stats.norm.sf(abs(r_t - r_c) / np.sqrt(v_c + v_t))
            np.testing.assert_allclose(rows.loc[metric, "p_value"], p_ratio, rtol=1e-8)
