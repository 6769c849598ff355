"""Raw events in parquet -> finished Result: abstats (Ibis on DuckDB) beside one plain DuckDB SQL query and pandas.

Run alone: ``python benchmarks/bench_data_layer.py`` (10 million event rows; ``--large`` adds 50 million,
whose file takes a minute or two to generate the first time). Every run of every engine is a fresh
Python process (nothing cached in memory); each reports the wall time from opening the file to the
finished Result and its own peak RSS (``resource.getrusage``, which includes DuckDB's in-process
memory). The table shows medians over ``--repeats`` runs and the ratios against the plain SQL query.

Goals: abstats within 1.3x of the plain DuckDB query; peak RSS below 1 GiB at 50 million rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROWS_PER_USER = 15.8  # the example's average events per user
GOAL_RATIO = 1.3
GOAL_RSS_MIB = 1024.0
ENGINES = ("abstats", "duckdb_sql", "pandas")

# The same two-level aggregation as abstats.from_events with the example's metrics: events at or after
# the first exposure, one row per user x variant, users seen in two variants dropped, then per variant
# the count, sums and centred second moments.
PLAIN_SQL = """
WITH ev AS (SELECT user_id, variant, ts, event, revenue FROM read_parquet('{path}')),
first AS (SELECT user_id, min(ts) AS first_ts FROM ev WHERE event = 'exposure' GROUP BY user_id),
exposed AS (SELECT ev.* FROM ev JOIN first USING (user_id) WHERE ev.ts >= first.first_ts),
units AS (
  SELECT user_id, variant,
    max(CASE WHEN event = 'purchase' THEN 1 ELSE 0 END) AS converted,
    sum(CASE WHEN event = 'purchase' THEN coalesce(revenue, 0) ELSE 0 END) AS revenue,
    sum(CASE WHEN event = 'purchase' THEN 1 ELSE 0 END) AS orders,
    sum(CASE WHEN event = 'ad_click' THEN 1 ELSE 0 END) AS clicks,
    sum(CASE WHEN event = 'ad_impression' THEN 1 ELSE 0 END) AS impressions
  FROM exposed GROUP BY user_id, variant
),
single AS (SELECT * FROM (SELECT *, count(*) OVER (PARTITION BY user_id) AS k FROM units) WHERE k = 1)
SELECT variant, count(*) AS n, sum(converted) AS conversions,
  sum(revenue) AS rev_sum, var_samp(revenue) AS rev_var,
  sum(orders) AS ord_sum, var_samp(orders) AS ord_var, covar_samp(revenue, orders) AS rev_ord_cov,
  sum(clicks) AS clk_sum, var_samp(clicks) AS clk_var,
  sum(impressions) AS imp_sum, var_samp(impressions) AS imp_var, covar_samp(clicks, impressions) AS clk_imp_cov
FROM single GROUP BY variant ORDER BY variant
"""


def aggregate_metrics() -> Any:
    from abstats import BinaryMetric, MeanMetric, RatioMetric

    return [
        BinaryMetric("conversion"),
        MeanMetric("revenue_per_visitor", sum_field="rev_sum", sum_sq_field="rev_sq"),
        RatioMetric(
            "average_order_value",
            num_sum_field="rev_sum",
            den_sum_field="ord_sum",
            num_sum_sq_field="rev_sq",
            den_sum_sq_field="ord_sq",
            num_den_sum_field="rev_ord",
        ),
        RatioMetric(
            "ctr",
            num_sum_field="clk_sum",
            den_sum_field="imp_sum",
            num_sum_sq_field="clk_sq",
            den_sum_sq_field="imp_sq",
            num_den_sum_field="clk_imp",
        ),
    ]


def result_from_moments(table: Any) -> Any:
    """Per-variant moments (pandas) -> the aggregate columns abstats reads -> Result."""
    import abstats

    n = table["n"].astype(float)
    for var, total in (("rev", "rev_sum"), ("ord", "ord_sum"), ("clk", "clk_sum"), ("imp", "imp_sum")):
        table[f"{var}_sq"] = table[f"{var}_var"] * (n - 1) + table[total] ** 2 / n
    table["rev_ord"] = table["rev_ord_cov"] * (n - 1) + table["rev_sum"] * table["ord_sum"] / n
    table["clk_imp"] = table["clk_imp_cov"] * (n - 1) + table["clk_sum"] * table["imp_sum"] / n
    return abstats.analyze(table, metric=aggregate_metrics(), control="control")


def run_abstats(path: str) -> Any:
    import warnings

    from ibis import _

    import abstats
    from abstats.examples.make_events import shop_metrics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", abstats.MultiVariantUnitsWarning)
        data = abstats.from_events(path, shop_metrics(), unit="user_id", timestamp="ts", exposure=_.event == "exposure")
    return abstats.analyze(data, control="control")


def run_duckdb_sql(path: str) -> Any:
    import duckdb

    table = duckdb.connect().sql(PLAIN_SQL.format(path=path)).df()
    return result_from_moments(table)


def run_pandas(path: str) -> Any:
    import numpy as np
    import pandas as pd

    ev = pd.read_parquet(path, columns=["user_id", "variant", "ts", "event", "revenue"])
    event = ev["event"].astype(str)
    first = ev.loc[event == "exposure"].groupby("user_id")["ts"].min().rename("first_ts")
    ev = ev.join(first, on="user_id", how="inner")
    keep = (ev["ts"] >= ev["first_ts"]).to_numpy()
    ev, event = ev.loc[keep], event.loc[keep]
    purchase = (event == "purchase").to_numpy()
    per_event = pd.DataFrame(
        {
            "user_id": ev["user_id"].to_numpy(),
            "variant": ev["variant"].astype(str).to_numpy(),
            "converted": purchase.astype(np.int64),
            "revenue": np.where(purchase, ev["revenue"].fillna(0.0).to_numpy(), 0.0),
            "orders": purchase.astype(np.int64),
            "clicks": (event == "ad_click").to_numpy().astype(np.int64),
            "impressions": (event == "ad_impression").to_numpy().astype(np.int64),
        }
    )
    units = per_event.groupby(["user_id", "variant"], sort=False).agg(
        converted=("converted", "max"),
        revenue=("revenue", "sum"),
        orders=("orders", "sum"),
        clicks=("clicks", "sum"),
        impressions=("impressions", "sum"),
    )
    units = units.reset_index()
    units = units[units.groupby("user_id")["variant"].transform("size") == 1]
    rows = []
    for variant, g in units.groupby("variant"):
        cov_ro = np.cov(g["revenue"], g["orders"], ddof=1)
        cov_ci = np.cov(g["clicks"], g["impressions"], ddof=1)
        rows.append(
            {
                "variant": variant,
                "n": len(g),
                "conversions": g["converted"].sum(),
                "rev_sum": g["revenue"].sum(),
                "rev_var": cov_ro[0, 0],
                "ord_sum": g["orders"].sum(),
                "ord_var": cov_ro[1, 1],
                "rev_ord_cov": cov_ro[0, 1],
                "clk_sum": g["clicks"].sum(),
                "clk_var": cov_ci[0, 0],
                "imp_sum": g["impressions"].sum(),
                "imp_var": cov_ci[1, 1],
                "clk_imp_cov": cov_ci[0, 1],
            }
        )
    return result_from_moments(pd.DataFrame(rows))


def child(engine: str, path: str) -> None:
    """One measured run in this (fresh) process: imports first, then the clock from file to Result."""
    import importlib

    runner = {"abstats": run_abstats, "duckdb_sql": run_duckdb_sql, "pandas": run_pandas}[engine]
    # Imports are not what is measured: each engine's libraries are loaded before the clock starts.
    modules = {
        "abstats": ["abstats", "abstats.data.events", "ibis.backends.duckdb", "abstats.examples.make_events"],
        "duckdb_sql": ["abstats", "duckdb"],
        "pandas": ["abstats", "pandas", "pyarrow.parquet"],
    }[engine]
    for name in modules:
        importlib.import_module(name)

    start = time.perf_counter()
    result = runner(path)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    p_values = [float(p) for p in result.to_frame()["p_value"]]
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak_mib, "p_values": p_values}))


def measure(engine: str, path: Path, repeats: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, __file__, "--child", engine, str(path)], capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            raise RuntimeError(f"{engine} failed:\n{out.stderr[-2000:]}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
        "p_values": runs[0]["p_values"],
        "runs": [round(r["seconds"], 2) for r in runs],
    }


def events_file(data_dir: Path, rows: int) -> Path:
    from abstats.examples.make_events import write_events

    users = int(rows / ROWS_PER_USER)
    path = data_dir / f"events-{users}.parquet"
    if not path.exists():
        start = time.perf_counter()
        write_events(path, users=users)
        print(f"generated {path} in {time.perf_counter() - start:.0f} s", flush=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=10e6, help="event rows of the standard run (default 10M)")
    parser.add_argument("--large", action="store_true", help="also run 50M rows (generated once, then cached)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=str(Path(__file__).parent / "results" / "data"))
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="comma-separated subset (duckdb_sql is the reference)"
    )
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    import pyarrow.parquet as pq

    sizes = [int(args.rows)] + ([50_000_000] if args.large else [])
    lines = []
    for size in sizes:
        path = events_file(Path(args.data_dir), size)
        rows = pq.read_metadata(path).num_rows
        engines = [e for e in ENGINES if e in args.engines.split(",") or e == "duckdb_sql"]
        results = {}
        for engine in engines:
            results[engine] = measure(engine, path, args.repeats)
            print(f"{rows:,} rows, {engine}: {results[engine]}", flush=True)
        # The engines must reach the same Result: a fast wrong answer is no benchmark.
        for engine in engines:
            for a, b in zip(results[engine]["p_values"], results["duckdb_sql"]["p_values"], strict=True):
                assert abs(a - b) <= 1e-9 * max(abs(b), 1e-300), (engine, a, b)
        base = results["duckdb_sql"]["seconds"]
        for engine in engines:
            r = results[engine]
            ratio = r["seconds"] / base
            goal = f"<= {GOAL_RATIO}x {'ok' if ratio <= GOAL_RATIO else 'MISSED'}" if engine == "abstats" else ""
            rss_goal = ""
            if engine == "abstats" and size >= 50_000_000:
                rss_goal = f"< {GOAL_RSS_MIB:.0f} {'ok' if r['peak_rss_mib'] < GOAL_RSS_MIB else 'MISSED'}"
            lines.append(
                f"{rows:>12,}  {engine:<11} {r['seconds']:>8.2f}  {ratio:>6.2f}x  {goal:<14} "
                f"{r['peak_rss_mib']:>9.0f}  {rss_goal:<12} {r['runs']}"
            )
    print(f"\nraw events (parquet) -> Result; medians of {args.repeats} runs, each in a fresh process")
    print(
        f"{'event rows':>12}  {'engine':<11} {'seconds':>8}  {'vs SQL':>7}  {'goal':<14} {'peak MiB':>9}  "
        f"{'RSS goal':<12} runs (s)"
    )
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
