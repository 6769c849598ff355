"""Funnels from raw events through DuckDB: strict order, the window, exposure, simulated stage probabilities."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from ibis import _

import abstats

STAGES = {"visit": _.event == "visit", "cart": _.event == "cart", "buy": _.event == "buy"}
T0 = pd.Timestamp("2026-01-01")


def _rows(unit, variant, *events):
    return [{"user": unit, "variant": variant, "event": e, "ts": T0 + pd.Timedelta(hours=h)} for e, h in events]


def _hand_made() -> pd.DataFrame:
    rows = []
    rows += _rows(1, "A", ("exposure", 0), ("visit", 1), ("cart", 2), ("buy", 3))  # in order: every stage
    rows += _rows(2, "A", ("exposure", 0), ("visit", 1), ("buy", 2), ("cart", 3))  # bought before the cart
    rows += _rows(3, "A", ("exposure", 0), ("visit", 1), ("cart", 200), ("buy", 201))  # cart after the 7-day window
    rows += _rows(4, "A", ("visit", -5), ("cart", -4), ("exposure", 0), ("buy", 1))  # visit, cart before exposure
    rows += _rows(5, "A", ("exposure", 0), ("cart", 1), ("buy", 2))  # never visited
    rows += _rows(6, "B", ("exposure", 0), ("visit", 1), ("cart", 1), ("buy", 5))  # ties count as in order
    rows += _rows(7, "B", ("exposure", 0), ("cart", 1), ("visit", 2), ("cart", 3))  # first cart before first visit
    rows += _rows(8, "B", ("exposure", 0), ("visit", 1))
    rows += _rows(9, "B", ("exposure", 0), ("visit", 100), ("cart", 101), ("buy", 170))  # buy 170 h > 7 days
    return pd.DataFrame(rows)


def _count(frame, order, window=None, exposure=True, timestamp="ts"):
    funnel = abstats.Funnel(STAGES, order=order, window=window)
    return funnel.from_events(frame, unit="user", timestamp=timestamp,
                              exposure=(_.event == "exposure") if exposure else None)


@pytest.mark.parametrize(("order", "window", "expected"), [
    # visits: A units 1, 2, 3 (unit 4 visited only before its exposure, unit 5 never); B units 6, 7, 8, 9.
    # strict, 7 days: A cart 1, 2 (3 too late), buy 1 (2 bought before its cart); B cart 6 (a tie), 9 (7's first
    # cart came before its first visit), buy 6 (9's buy is 170 h after exposure)
    ("strict", "7 days", {"A": [3, 2, 1], "B": [4, 2, 1]}),
    ("strict", None, {"A": [3, 3, 2], "B": [4, 2, 2]}),
    ("reach", "7 days", {"A": [3, 2, 2], "B": [4, 3, 1]}),
    ("reach", None, {"A": [3, 3, 3], "B": [4, 3, 2]}),
])
def test_strict_order_and_window_on_hand_made_events(order, window, expected):
    counts = _count(_hand_made(), order, window)
    assert counts.variants == ("A", "B")
    np.testing.assert_array_equal(counts.counts, [expected["A"], expected["B"]])
    assert counts.order == order
    assert counts.window_seconds == (None if window is None else 7 * 86400)


def test_without_exposure_events_every_event_counts_from_the_first():
    counts = _count(_hand_made(), "reach", None, exposure=False)
    # unit 4 now counts from its first event (the early visit); unit 5 still never visits
    np.testing.assert_array_equal(counts.counts, [[4, 4, 4], [4, 3, 2]])


def test_reach_without_timestamps():
    frame = _hand_made().drop(columns="ts")
    counts = abstats.Funnel(STAGES, order="reach").from_events(frame, unit="user")
    np.testing.assert_array_equal(counts.counts, [[4, 4, 4], [4, 3, 2]])


def _simulate(rng, n, p, out_of_order, late):
    """Units of one arm: reach stage k with conditional probabilities ``p``; times strictly increasing.

    A share ``out_of_order`` of buyers has its buy event moved before its cart event, and a share ``late``
    of all units does everything after the visit more than the window after exposure.
    """
    reach = np.cumprod(rng.random((n, len(p))) < p, axis=1).astype(bool)  # reach[:, k]: stage k+1 reached
    times = np.cumsum(rng.exponential(2.0, (n, 3)), axis=1)  # hours after exposure, increasing
    is_late = rng.random(n) < late
    times[is_late, 1:] += 24 * 30
    swap = reach[:, 1] & (rng.random(n) < out_of_order)
    times[swap, 2] = (times[swap, 0] + times[swap, 1]) / 2  # bought after the visit but before the cart
    return reach, times, is_late, swap


def _events(rng, arms, n, out_of_order, late):
    frames, truth = [], {}
    start = 0
    for arm, p in arms.items():
        reach, times, is_late, swap = _simulate(rng, n, p, out_of_order, late)
        users = np.arange(start, start + n)
        start += n
        parts = [pd.DataFrame({"user": users, "event": "exposure", "hours": 0.0})]
        parts.append(pd.DataFrame({"user": users, "event": "visit", "hours": times[:, 0]}))
        parts.append(pd.DataFrame({"user": users[reach[:, 0]], "event": "cart", "hours": times[reach[:, 0], 1]}))
        parts.append(pd.DataFrame({"user": users[reach[:, 1]], "event": "buy", "hours": times[reach[:, 1], 2]}))
        noise = rng.random(n) < 0.3  # extra page noise and a second visit: must not change any count
        parts.append(pd.DataFrame({"user": users[noise], "event": "visit", "hours": times[noise, 0] + 1.0}))
        frame = pd.concat(parts)
        frame["variant"] = arm
        frames.append(frame)
        truth[arm] = (reach, is_late, swap)
    events = pd.concat(frames, ignore_index=True)
    events["ts"] = (T0 + pd.to_timedelta(events["hours"], unit="h")).dt.round("ms")  # warehouse precision
    return events.sample(frac=1.0, random_state=1).drop(columns="hours"), truth


def _pandas_strict(events: pd.DataFrame, window_hours: float) -> pd.Series:
    """Independent count with pandas: first time per unit and stage, then the strict comparisons."""
    first = events.pivot_table(index=["variant", "user"], columns="event", values="ts", aggfunc="min")
    deadline = first["exposure"] + pd.Timedelta(hours=window_hours)
    ok_visit = first["visit"].notna() & (first["visit"] <= deadline)
    ok_cart = ok_visit & first["cart"].notna() & (first["cart"] <= deadline) & (first["cart"] >= first["visit"])
    ok_buy = ok_cart & first["buy"].notna() & (first["buy"] <= deadline) & (first["buy"] >= first["cart"])
    return pd.DataFrame({"visit": ok_visit, "cart": ok_cart, "buy": ok_buy}).groupby(level="variant").sum()


@pytest.mark.simulation
def test_simulated_stage_probabilities_are_recovered_through_duckdb(tmp_path):
    rng = np.random.default_rng(20261124)
    arms = {"control": (0.30, 0.40), "treatment": (0.33, 0.36)}
    n, out_of_order, late = 20_000, 0.25, 0.10
    events, truth = _events(rng, arms, n, out_of_order, late)
    path = tmp_path / "events.parquet"
    events.to_parquet(path, index=False)
    strict = abstats.Funnel(STAGES, order="strict", window="7 days").from_events(
        str(path), unit="user", timestamp="ts", exposure=_.event == "exposure")
    reach = abstats.Funnel(STAGES, order="reach").from_events(
        str(path), unit="user", timestamp="ts", exposure=_.event == "exposure")
    # exact: the backend's counts equal an independent pandas count of the same rows, and the simulated truth
    np.testing.assert_array_equal(strict.counts, _pandas_strict(events, 7 * 24).loc[list(strict.variants)].to_numpy())
    for i, arm in enumerate(reach.variants):
        reached, is_late, swap = truth[arm]
        np.testing.assert_array_equal(reach.counts[i], [n, reached[:, 0].sum(), reached[:, 1].sum()])
        in_time = ~is_late
        np.testing.assert_array_equal(
            strict.counts[i], [n, (reached[:, 0] & in_time).sum(), (reached[:, 1] & in_time & ~swap).sum()])
    # statistical: the known probabilities, within 4 binomial standard errors (n = 20,000 units per arm;
    # a miss by chance has probability about 6e-5 per rate, 8 rates)
    for i, arm in enumerate(strict.variants):
        p_cart, p_buy = arms[arm]
        truth_reach = np.array([p_cart, p_cart * p_buy])
        truth_strict = (1 - late) * truth_reach * np.array([1.0, 1 - out_of_order])
        pairs = ((reach.from_first()[i, 1:], truth_reach), (strict.from_first()[i, 1:], truth_strict))
        for observed, expected in pairs:
            se = np.sqrt(expected * (1 - expected) / n)
            assert np.all(np.abs(observed - expected) < 4 * se), (arm, observed, expected, se)
    # stage-to-stage conversion: buy | cart is p_buy under reach, p_buy (1 - out_of_order) under strict
    for i, arm in enumerate(reach.variants):
        carts = reach.counts[i, 1]
        se = np.sqrt(arms[arm][1] * (1 - arms[arm][1]) / carts)
        assert abs(reach.stage_conversion()[i, 1] - arms[arm][1]) < 4 * se


def test_revenue_metrics_are_analysed_with_the_stages():
    from abstats.data.events import count, total

    rng = np.random.default_rng(3)
    events, _truth = _events(rng, {"control": (0.3, 0.4), "treatment": (0.35, 0.4)}, 3000, 0.0, 0.0)
    buys = events["event"] == "buy"
    events["revenue"] = np.where(buys, rng.gamma(2.0, 25.0, len(events)), 0.0)
    buy = _.event == "buy"
    metrics = {
        abstats.MeanMetric("revenue_per_visitor", role="secondary"): total("revenue", where=buy),
        abstats.RatioMetric("average_order_value", role="secondary"): (total("revenue", where=buy), count(where=buy)),
    }
    counts = abstats.Funnel(STAGES).from_events(events, unit="user", timestamp="ts", exposure=_.event == "exposure",
                                                metrics=metrics)
    r = counts.analyze(control="control")
    metrics_of = list(r["metric"])
    assert metrics_of == ["cart", "buy", "overall", "revenue_per_visitor", "average_order_value"]
    # independent: numpy on the raw rows
    per_user = events.groupby(["variant", "user"])["revenue"].sum()
    rpv = per_user.groupby(level="variant").mean()
    orders = events[buys].groupby("variant")["revenue"].agg(["sum", "count"])
    row = metrics_of.index("revenue_per_visitor")
    assert r["treatment_estimate"][row] == pytest.approx(rpv["treatment"], rel=1e-12)
    row = metrics_of.index("average_order_value")
    assert r["control_estimate"][row] == pytest.approx(orders.loc["control", "sum"] / orders.loc["control", "count"],
                                                       rel=1e-12)


def test_multi_variant_units_are_excluded_and_reported():
    frame = _hand_made()
    leak = pd.DataFrame(_rows(8, "A", ("visit", 2)))
    with pytest.warns(abstats.MultiVariantUnitsWarning, match="1 unit"):
        counts = _count(pd.concat([frame, leak]), "strict", "7 days")
    np.testing.assert_array_equal(counts.counts[1], [3, 2, 1])  # unit 8 gone from B
    assert counts.multi_variant_units == 1


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"timestamp": None}, abstats.ConfigError, "timestamp = None"),
    ({"unit": "nobody"}, abstats.InputError, "unit = 'nobody', expected a column of the event table"),
    ({"timestamp": "event"}, abstats.InputError, "a timestamp or date column"),
])
def test_bad_event_input(kwargs, error, match):
    args = {"unit": "user", "timestamp": "ts", **kwargs}
    with pytest.raises(error, match=match):
        abstats.Funnel(STAGES).from_events(_hand_made(), **args)


def test_bad_stage_conditions():
    with pytest.raises(abstats.InputError, match="stage 'cart' condition"):
        abstats.Funnel({"visit": _.event == "visit", "cart": _.nothing == 1}).from_events(
            _hand_made(), unit="user", timestamp="ts")
    with pytest.raises(abstats.InputError, match="a boolean column or condition"):
        abstats.Funnel({"visit": _.event == "visit", "cart": _.user}).from_events(
            _hand_made(), unit="user", timestamp="ts")
    with pytest.raises(abstats.ConfigError, match="a condition on events"):
        abstats.Funnel(["visit", "cart"]).from_events(_hand_made(), unit="user", timestamp="ts")


def test_a_single_variant_is_refused():
    frame = _hand_made()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(abstats.InputError, match="at least two variants"):
            _count(frame[frame["variant"] == "A"], "strict")
