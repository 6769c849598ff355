"""Independent per-unit values of the shop metrics, computed with pandas/numpy from the raw events.

Nothing here calls abstats: these are the numbers the Ibis/DuckDB/Spark aggregation must reproduce.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from ibis import _

from abstats import BinaryMetric, Cap, MeanMetric, QuantileMetric, RatioMetric
from abstats.data import converted, count, total


def shop_metrics() -> dict:
    purchase = _.event == "purchase"
    return {
        BinaryMetric("conversion"): converted(purchase),
        MeanMetric("revenue_per_visitor"): total("revenue", where=purchase),
        RatioMetric("average_order_value"): (total("revenue", where=purchase), count(where=purchase)),
        RatioMetric("ctr"): (count(where=_.event == "ad_click"), count(where=_.event == "ad_impression")),
        MeanMetric("page_views"): count(where=_.event == "page_view"),
    }


def order_metrics() -> dict:
    """Quantiles (continuous revenue with many zeros; discrete page views with ties) and percentile caps."""
    return {
        QuantileMetric("median_page_views", quantile=0.5): count(where=_.event == "page_view"),
        QuantileMetric("p90_page_views", quantile=0.9): count(where=_.event == "page_view"),
        QuantileMetric("p95_revenue", quantile=0.95): total("revenue", where=(_.event == "purchase")),
        MeanMetric("capped_revenue", cap=Cap(percentile=0.99)): total("revenue", where=(_.event == "purchase")),
        MeanMetric("capped_views", cap=Cap(percentile=0.9)): count(where=_.event == "page_view"),
        MeanMetric("views_upto_5", cap=Cap(upper=5.0)): count(where=_.event == "page_view"),
        RatioMetric("capped_aov", numerator_cap=Cap(percentile=0.95)): (
            total("revenue", where=(_.event == "purchase")), count(where=(_.event == "purchase"))
        ),
    }


def per_unit(
    events: pd.DataFrame,
    *,
    exposure: bool = True,
    until: pd.Timestamp | None = None,
    keep_multi: bool = False,
    segment: str | None = None,
) -> tuple[pd.DataFrame, int]:
    """One row per (user, variant): per-unit metric values; and the number of multi-variant users."""
    ev = events.copy()
    ev["event"] = ev["event"].astype(str)
    ev["variant"] = ev["variant"].astype(str)
    if until is not None:
        ev = ev[ev["ts"] < until]
    if exposure:
        first = ev[ev["event"] == "exposure"].groupby("user_id")["ts"].min().rename("first")
        ev = ev.join(first, on="user_id", how="inner")
        ev = ev[ev["ts"] >= ev["first"]]
    ev = ev.assign(
        purchase=(ev["event"] == "purchase").astype(float),
        click=(ev["event"] == "ad_click").astype(float),
        impression=(ev["event"] == "ad_impression").astype(float),
        view=(ev["event"] == "page_view").astype(float),
        rev=np.where(ev["event"] == "purchase", ev["revenue"].fillna(0.0), 0.0),
    )
    g = ev.groupby(["user_id", "variant"])
    units = pd.DataFrame(
        {
            "conversion": g["purchase"].max(),
            "revenue": g["rev"].sum(),
            "orders": g["purchase"].sum(),
            "clicks": g["click"].sum(),
            "impressions": g["impression"].sum(),
            "page_views": g["view"].sum(),
        }
    ).reset_index()
    if segment is not None:
        seg = ev.sort_values("ts").groupby(["user_id", "variant"])[segment].first().astype(str)
        units = units.join(seg, on=["user_id", "variant"])
    nvar = units.groupby("user_id")["variant"].transform("size")
    multi = int(units.loc[nvar > 1, "user_id"].nunique())
    if not keep_multi:
        units = units[nvar == 1]
    return units.reset_index(drop=True), multi


def expected_stats(units: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group: n, sums, sums of squares and cross products of the per-unit values (numpy)."""
    rows = []
    for key, grp in units.groupby(by, sort=True):
        r = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        r["n"] = len(grp)
        for c in ("conversion", "revenue", "orders", "clicks", "impressions", "page_views"):
            x = grp[c].to_numpy(float)
            r[f"{c}_sum"] = x.sum()
            r[f"{c}_sq"] = (x * x).sum()
        r["rev_orders"] = (grp["revenue"].to_numpy(float) * grp["orders"].to_numpy(float)).sum()
        r["clicks_impr"] = (grp["clicks"].to_numpy(float) * grp["impressions"].to_numpy(float)).sum()
        rows.append(r)
    return pd.DataFrame(rows)


def raw_sums(stats: Any) -> dict[str, np.ndarray]:
    """The raw sums behind centred statistics (sums of x - shift): what the reference computes from rows.

    sum x = n s + sum d, sum x^2 = sum d^2 + 2 s sum d + n s^2, sum x y = sum dx dy + sy sum dx + sx sum dy + n sx sy.
    """
    n = stats.n
    if stats.kind == "quantile":  # order statistics, not sums: the quantile and its se themselves
        return {"n": n, "value": stats.value, "se": stats.se}
    if hasattr(stats, "conversions"):
        return {"n": n, "conversions": stats.conversions}
    if hasattr(stats, "shift"):
        s = stats.shift
        return {"n": n, "sum": n * s + stats.sum, "sum_sq": stats.sum_sq + 2 * s * stats.sum + n * s * s}
    sx, sy = stats.num_shift, stats.den_shift
    return {
        "n": n,
        "num_sum": n * sx + stats.num_sum,
        "den_sum": n * sy + stats.den_sum,
        "num_sum_sq": stats.num_sum_sq + 2 * sx * stats.num_sum + n * sx * sx,
        "den_sum_sq": stats.den_sum_sq + 2 * sy * stats.den_sum + n * sy * sy,
        "num_den_sum": stats.num_den_sum + sy * stats.num_sum + sx * stats.den_sum + n * sx * sy,
    }


def assert_matches(data: list, expected: pd.DataFrame, rtol: float = 1e-9) -> None:
    """abstats' statistics (ordered by label) against the pandas/numpy reference (same order)."""
    conv, rpv, aov, ctr, views = data
    np.testing.assert_array_equal(conv.stats.n, expected["n"])
    np.testing.assert_array_equal(conv.stats.conversions, expected["conversion_sum"])
    rpv_raw, aov_raw, ctr_raw, views_raw = (raw_sums(d.stats) for d in (rpv, aov, ctr, views))
    np.testing.assert_allclose(rpv_raw["sum"], expected["revenue_sum"], rtol=rtol)
    np.testing.assert_allclose(rpv_raw["sum_sq"], expected["revenue_sq"], rtol=rtol)
    np.testing.assert_allclose(aov_raw["num_sum"], expected["revenue_sum"], rtol=rtol)
    np.testing.assert_allclose(aov_raw["den_sum"], expected["orders_sum"], rtol=rtol)
    np.testing.assert_allclose(aov_raw["den_sum_sq"], expected["orders_sq"], rtol=rtol)
    np.testing.assert_allclose(aov_raw["num_den_sum"], expected["rev_orders"], rtol=rtol)
    np.testing.assert_allclose(ctr_raw["num_sum"], expected["clicks_sum"], rtol=rtol)
    np.testing.assert_allclose(ctr_raw["num_sum_sq"], expected["clicks_sq"], rtol=rtol)
    np.testing.assert_allclose(ctr_raw["num_den_sum"], expected["clicks_impr"], rtol=rtol)
    np.testing.assert_allclose(ctr_raw["den_sum_sq"], expected["impressions_sq"], rtol=rtol)
    np.testing.assert_allclose(views_raw["sum"], expected["page_views_sum"], rtol=rtol)
    np.testing.assert_allclose(views_raw["sum_sq"], expected["page_views_sq"], rtol=rtol)


def assert_same_stats(a: list, b: list, rtol: float = 1e-9) -> None:
    """Two lists of ExperimentData: same labels, counts exact, everything else to rtol."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert (x.metric.name, x.metric.kind) == (y.metric.name, y.metric.kind)
        assert list(map(str, x.experiment)) == list(map(str, y.experiment))
        assert list(map(str, x.variant)) == list(map(str, y.variant))
        # centred sums depend on where each source put its shift: compare what they describe
        np.testing.assert_array_equal(x.stats.n, y.stats.n)
        for field, u in raw_sums(x.stats).items():
            expected = raw_sums(y.stats)[field]
            np.testing.assert_allclose(u, expected, rtol=rtol, atol=0, err_msg=f"{x.metric.name}.{field}")
        np.testing.assert_allclose(x.stats.unit_variance(), y.stats.unit_variance(), rtol=rtol,
                                   err_msg=f"{x.metric.name} variance")
