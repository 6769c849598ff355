"""Raw events -> strict-order funnel counts: abstats (Ibis on DuckDB) beside one hand-written DuckDB SQL query.

Run alone: ``python benchmarks/bench_funnel.py [--users 100000] [--repeats 5]``. The workload is the bundled
shop example (about 16 events per user): four stages (page view -> product view -> add to cart ->
purchase), strict order, a 7-day window from each user's first exposure, users seen in two variants
dropped. Every run of each engine is a fresh Python process whose libraries are imported before the
clock starts; the clock runs from the parquet file to the per-variant counts. Medians over the repeats;
both engines must return the same counts.

Goal: abstats within 1.3x of the plain SQL query.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from harness import Row, report

GOAL_RATIO = 1.3
ENGINES = ("abstats", "duckdb_sql")

# The same definition written by hand: first exposure per user, first time of each stage at or after it,
# strict order and the window compared per user, multi-variant users dropped, one count per stage.
PLAIN_SQL = """
WITH ev AS (SELECT user_id, variant, ts, event FROM read_parquet('{path}')),
first AS (SELECT user_id, min(ts) AS t0 FROM ev WHERE event = 'exposure' GROUP BY user_id),
units AS (
  SELECT ev.user_id, variant, min(t0) AS t0,
    min(ts) FILTER (WHERE event = 'page_view') AS t1,
    min(ts) FILTER (WHERE event = 'product_view') AS t2,
    min(ts) FILTER (WHERE event = 'add_to_cart') AS t3,
    min(ts) FILTER (WHERE event = 'purchase') AS t4
  FROM ev JOIN first USING (user_id) WHERE ts >= t0 GROUP BY ev.user_id, variant
),
single AS (SELECT * FROM (SELECT *, count(*) OVER (PARTITION BY user_id) AS k FROM units) WHERE k = 1),
flags AS (
  SELECT variant,
    t1 <= t0 + INTERVAL 7 DAY AS s1,
    t1 <= t0 + INTERVAL 7 DAY AND t2 <= t0 + INTERVAL 7 DAY AND t2 >= t1 AS s2,
    t1 <= t0 + INTERVAL 7 DAY AND t2 <= t0 + INTERVAL 7 DAY AND t2 >= t1
      AND t3 <= t0 + INTERVAL 7 DAY AND t3 >= t2 AS s3,
    t1 <= t0 + INTERVAL 7 DAY AND t2 <= t0 + INTERVAL 7 DAY AND t2 >= t1
      AND t3 <= t0 + INTERVAL 7 DAY AND t3 >= t2 AND t4 <= t0 + INTERVAL 7 DAY AND t4 >= t3 AS s4
  FROM single
)
SELECT variant, count(*) FILTER (WHERE s1) AS s1, count(*) FILTER (WHERE s2) AS s2,
  count(*) FILTER (WHERE s3) AS s3, count(*) FILTER (WHERE s4) AS s4
FROM flags GROUP BY variant ORDER BY variant
"""


def run_abstats(path: str) -> list[list[float]]:
    import warnings

    from ibis import _

    import abstats

    funnel = abstats.Funnel({"visit": _.event == "page_view", "product_view": _.event == "product_view",
                             "add_to_cart": _.event == "add_to_cart", "purchase": _.event == "purchase"},
                            order="strict", window="7 days")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", abstats.MultiVariantUnitsWarning)
        counts = funnel.from_events(path, unit="user_id", timestamp="ts", exposure=_.event == "exposure")
    return [[float(x) for x in row] for row in counts.counts]


def run_duckdb_sql(path: str) -> list[list[float]]:
    import duckdb

    table = duckdb.connect().sql(PLAIN_SQL.format(path=path)).fetchall()
    return [[float(x) for x in row[1:]] for row in table]


def child(engine: str, path: str) -> None:
    import importlib

    for name in {"abstats": ["abstats", "abstats.funnel.events", "ibis.backends.duckdb"],
                 "duckdb_sql": ["duckdb"]}[engine]:
        importlib.import_module(name)
    runner = {"abstats": run_abstats, "duckdb_sql": run_duckdb_sql}[engine]
    start = time.perf_counter()
    counts = runner(path)
    print(json.dumps({"seconds": time.perf_counter() - start, "counts": counts}))


def measure(engine: str, path: str, repeats: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, __file__, "--child", engine, path], capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            raise RuntimeError(f"{engine} failed:\n{out.stderr[-2000:]}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {"seconds": statistics.median(r["seconds"] for r in runs), "counts": runs[0]["counts"],
            "runs": [round(r["seconds"], 2) for r in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="JSON lines for run_all.py")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import pyarrow.parquet as pq

    from abstats.examples.make_events import events_example

    path = str(events_example(args.users))
    rows = pq.read_metadata(path).num_rows
    results = {engine: measure(engine, path, args.repeats) for engine in ENGINES}
    # a fast wrong answer is no benchmark: both engines count the same units at every stage
    assert results["abstats"]["counts"] == results["duckdb_sql"]["counts"], results
    ratio = results["abstats"]["seconds"] / results["duckdb_sql"]["seconds"]
    report([Row(
        f"funnel counts, {rows:,} events (4 stages, strict, 7-day window)",
        f"{results['abstats']['seconds']:.2f} s", f"{results['duckdb_sql']['seconds']:.2f} s (DuckDB SQL)",
        f"{ratio:.2f}x", f"<= {GOAL_RATIO}x", ratio <= GOAL_RATIO,
        f"fresh process per run, median of {args.repeats}: abstats {results['abstats']['runs']}, "
        f"SQL {results['duckdb_sql']['runs']}",
    )], ["--json"] if args.json else [])


if __name__ == "__main__":
    main()
