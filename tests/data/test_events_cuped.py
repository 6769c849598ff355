"""CUPED covariate sums from raw events, in the same query: checked against from_units on the same rows.

The per-unit rows (metric values and pre-period covariates) are computed independently with pandas
from the raw events (``tests/event_reference.py`` plus a pre-window reduction here); ``from_units``
then centres them in numpy. The backend's ``var_samp``/``covar_samp`` must give the same centred sums
to 1e-9 relative.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from event_reference import per_unit, raw_sums
from ibis import _

import abstats
from abstats import BinaryMetric, Covariate, MeanMetric, MultiVariantUnitsWarning, RatioMetric
from abstats.data import converted, count, from_events, total

PURCHASE = _.event == "purchase"
EXPOSURE = _.event == "exposure"
WINDOW = ("2026-10-01", "2026-10-26")  # three weeks before the example's events, which start on 2026-10-30


def pre_sums(stats) -> dict[str, np.ndarray]:
    """The raw covariate sums behind centred ones (sums of u - shift): what the rows would give."""
    n = stats.n
    if hasattr(stats, "pre_sum"):
        s, total_ = stats.pre_shift, stats.pre_sum
        return {"pre_sum": n * s + total_, "pre_sum_sq": stats.pre_sum_sq + 2 * s * total_ + n * s * s}
    su, sv = stats.pre_num_shift, stats.pre_den_shift
    return {"pre_num_sum": n * su + stats.pre_num_sum, "pre_den_sum": n * sv + stats.pre_den_sum,
            "pre_num_sum_sq": stats.pre_num_sum_sq + 2 * su * stats.pre_num_sum + n * su * su}


def assert_same(a: list, b: list) -> None:
    for x, y in zip(a, b, strict=True):
        assert list(map(str, x.variant)) == list(map(str, y.variant))
        np.testing.assert_array_equal(x.stats.n, y.stats.n)
        for field, value in {**raw_sums(x.stats), **pre_sums(x.stats)}.items():
            want = {**raw_sums(y.stats), **pre_sums(y.stats)}[field]
            np.testing.assert_allclose(value, want, rtol=1e-9, err_msg=f"{x.metric.name}.{field}")
        # the adjusted analysis itself: theta, the variance reduction and the effect agree
        got = abstats.analyze(x, control="control").to_frame("all")
        ref = abstats.analyze(y, control="control").to_frame("all")
        for column in ("effect", "se", "cuped_theta", "variance_reduction"):
            np.testing.assert_allclose(got[column], ref[column], rtol=1e-8, err_msg=f"{x.metric.name}.{column}")
        assert got["cuped"].all()


def sort_like_events(data: list) -> list:
    order = np.argsort(data[0].variant.astype(str), kind="stable")
    return [abstats.ExperimentData(d.metric, d.experiment[order], d.variant[order], d.stats.take(order))
            for d in data]


def test_column_covariates_match_from_units(events):
    units, _ = per_unit(events)
    rng = np.random.default_rng(5)
    # a per-unit pre-period value carried on every event of the unit (as if joined from a pre-period table),
    # correlated with the unit's revenue so that the adjustment matters
    pre = units.set_index("user_id")["revenue"] * 0.5 + rng.gamma(2.0, 3.0, len(units))
    pre_orders = units.set_index("user_id")["orders"] + rng.poisson(1.0, len(units))
    frame = events.assign(pre_revenue=events["user_id"].map(pre).fillna(0.0),
                          pre_orders=events["user_id"].map(pre_orders).fillna(0.0))
    units = units.assign(pre_revenue=units["user_id"].map(pre), pre_orders=units["user_id"].map(pre_orders),
                         conversion=units["conversion"].astype(float))
    cov = Covariate(column="pre_revenue")
    metrics = {
        BinaryMetric("conversion", covariate=cov): converted(PURCHASE),
        MeanMetric("revenue", covariate=cov): total("revenue", where=PURCHASE),
        RatioMetric("aov", covariate=Covariate(column="pre_revenue", denominator="pre_orders")): (
            total("revenue", where=PURCHASE), count(where=PURCHASE)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        data = from_events(frame, metrics, unit="user_id", timestamp="ts", exposure=EXPOSURE)
    reference = sort_like_events([
        abstats.from_units(units, BinaryMetric("conversion", covariate=cov)),
        abstats.from_units(units, MeanMetric("revenue", covariate=cov)),
        abstats.from_units(units, RatioMetric("aov", numerator="revenue", denominator="orders",
                                              covariate=Covariate(column="pre_revenue", denominator="pre_orders"))),
    ])
    assert_same(data, reference)


def test_the_metric_over_a_pre_exposure_window_matches_from_units(events):
    # The pre-period: a thinned copy of every unit's events three weeks earlier, before any assignment
    # (no variant, no exposure). The window's events give the covariate; the events from each unit's
    # first exposure on give the metric, as without a covariate.
    rng = np.random.default_rng(9)
    before = events[(events["event"] != "exposure") & (rng.random(len(events)) < 0.7)]
    before = before.assign(ts=before["ts"] - pd.Timedelta(days=21), variant=None)
    ev = pd.concat([events, before], ignore_index=True)
    units, _ = per_unit(events)
    window = before[(before["ts"] >= pd.Timestamp(WINDOW[0])) & (before["ts"] < pd.Timestamp(WINDOW[1]))]
    assert len(window) == len(before)  # the window holds the whole pre-period and nothing after it
    purchase = window["event"] == "purchase"
    per_user = pd.DataFrame({
        "pre_revenue": np.where(purchase, window["revenue"].fillna(0.0), 0.0),
        "pre_orders": purchase.astype(float), "user_id": window["user_id"],
    }).groupby("user_id").sum()
    units = units.join(per_user, on="user_id").fillna({"pre_revenue": 0.0, "pre_orders": 0.0})
    assert units["pre_revenue"].gt(0).sum() > 50  # the window holds enough purchases to matter
    in_window = Covariate(start=WINDOW[0], end=WINDOW[1])
    metrics = {
        MeanMetric("revenue", covariate=in_window): total("revenue", where=PURCHASE),
        RatioMetric("aov", covariate=in_window): (total("revenue", where=PURCHASE), count(where=PURCHASE)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MultiVariantUnitsWarning)
        data = from_events(ev, metrics, unit="user_id", timestamp="ts", exposure=EXPOSURE)
    reference = sort_like_events([
        abstats.from_units(units, MeanMetric("revenue", covariate=Covariate(column="pre_revenue"))),
        abstats.from_units(units, RatioMetric("aov", numerator="revenue", denominator="orders",
                                              covariate=Covariate(column="pre_revenue", denominator="pre_orders"))),
    ])
    assert_same(data, reference)


def test_covariate_inputs_are_checked(events):
    with pytest.raises(abstats.InputError, match="covariate.column = 'pre_x'"):
        from_events(events, {MeanMetric("r", covariate=Covariate(column="pre_x")): total("revenue")}, unit="user_id")
    with pytest.raises(abstats.ConfigError, match="timestamp"):
        from_events(events, {MeanMetric("r", covariate=Covariate(start="2026-01-01", end="2026-01-02")):
                             total("revenue")}, unit="user_id")
    with pytest.raises(abstats.ConfigError, match="covariate.denominator"):
        from_events(events, {RatioMetric("r", covariate=Covariate(column="revenue")): (total("revenue"), count())},
                    unit="user_id")
