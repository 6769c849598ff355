"""``Result.to_json`` of 100k and 1M rows (default ``compare`` of binary experiments), time and memory.

Both orientations are measured: ``orient="rows"`` (the default: one object per comparison) and
``orient="columns"`` (one array per column). Each size and orientation runs in its own child process
(``--child N ORIENT``): it builds the Result, notes its resident set,
then serialises; the growth of the peak resident set (``ru_maxrss``) over that starting point is the
memory to_json needed, reported as a multiple of the JSON's size. The baseline is pandas
``DataFrame.to_json(orient="records")`` of the same rows with their reasons and warning codes already
formatted (so it only serialises), timed in alternation with abstats in the same child. Every abstats run
serialises a fresh copy of the Result, so it formats the reason texts as a first ``to_json`` does.

Run: ``.venv/bin/python benchmarks/bench_result_json.py [--json]``
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
from harness import Row, Timing, current_rss_mb, fmt_ratio, fmt_time, peak_rss_mb, report, side_by_side

GOALS = {100_000: 0.5, 1_000_000: 5.0}
MEMORY_GOAL = 3.0


def child(rows: int, orient: str) -> dict[str, float]:
    import abstats
    from abstats.statistics import BinaryStats

    rng = np.random.default_rng(2)
    total = rng.integers(2_000, 200_000, size=rows)
    n_t = rng.binomial(total, 0.5)  # a 50/50 split: the SRM gate fires about as often as srm_alpha says
    n = np.column_stack([total - n_t, n_t])
    x = rng.binomial(n, 0.05)
    result = abstats.compare(BinaryStats.from_arrays(n[:, 0], x[:, 0]), BinaryStats.from_arrays(n[:, 1], x[:, 1]),
                             metric=abstats.BinaryMetric("conversion"))
    before = current_rss_mb()
    text = result.to_json(orient=orient)
    extra = max(peak_rss_mb() - before, 0.0)
    size = len(text.encode()) / 2**20
    del text
    frame = result.to_frame()
    runs = 5 if rows <= 100_000 else 3
    # each run on a fresh copy of the Result, so every run formats the reasons afresh (a Result keeps the
    # texts it formatted: timing the same object again would time a second, cheaper call)
    t = side_by_side({"abstats": lambda: dataclasses.replace(result).to_json(orient=orient),
                      "pandas": lambda: frame.to_json(orient="records")}, runs=runs)
    return {"abstats": t["abstats"].median, "abstats_iqr": t["abstats"].iqr, "pandas": t["pandas"].median,
            "runs": runs, "memory_mb": extra, "json_mb": size}


def main() -> list[Row]:
    out = []
    for rows, goal in GOALS.items():
        for orient in ("rows", "columns"):
            proc = subprocess.run([sys.executable, __file__, "--child", str(rows), orient], check=True,
                                  capture_output=True, text=True)
            m = json.loads(proc.stdout.strip().splitlines()[-1])
            t = Timing(m["abstats"], m["abstats_iqr"], int(m["runs"]))
            mem_ratio = m["memory_mb"] / m["json_mb"]
            label = f"{rows // 1000}k" if rows < 1_000_000 else f"{rows // 1_000_000}M"
            out.append(Row(
                f"Result.to_json(orient={orient!r}), {label} rows", fmt_time(t),
                f"pandas to_json of the same rows {fmt_time(m['pandas'])}",
                fmt_ratio(m["abstats"] / m["pandas"]), f"<= {goal:g} s", t.median <= goal,
                f"median of {t.runs}, alternating in a fresh child, each run on a fresh copy of the Result (reasons "
                "formatted in the run); pandas (orient='records') gets reasons pre-formatted",
            ))
            out.append(Row(
                f"Result.to_json(orient={orient!r}), {label} rows: memory", f"{m['memory_mb']:.0f} MiB",
                f"JSON size {m['json_mb']:.0f} MiB", f"{mem_ratio:.2f}x", f"<= {MEMORY_GOAL:g}x JSON size",
                mem_ratio <= MEMORY_GOAL, "peak RSS growth (getrusage) over the RSS before the first to_json",
            ))
    return out


if __name__ == "__main__":
    if "--child" in sys.argv:
        at = sys.argv.index("--child")
        print(json.dumps(child(int(sys.argv[at + 1]), sys.argv[at + 2])))
    else:
        report(main())
