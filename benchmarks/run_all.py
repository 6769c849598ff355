"""Run every ``benchmarks/bench_*.py`` in its own fresh process and print one table (``make bench``).

Each file prints its rows as JSON lines with ``--json`` (see ``harness.py``); a file that fails is reported
in the table, not hidden, and the others still run. New ``bench_*.py`` files join the table by existing.

Run: ``.venv/bin/python benchmarks/run_all.py [bench_name ...]`` (names filter, e.g. ``frequentist``).
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from harness import Row, print_table

HERE = Path(__file__).resolve().parent


def run_file(path: Path) -> list[Row]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(path), "--json"], capture_output=True, text=True, cwd=HERE)
    took = time.perf_counter() - start
    print(f"{path.name}: {took:.0f} s, exit {proc.returncode}", file=sys.stderr, flush=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [Row(path.stem, "FAILED", tail[:200], "-", "-", False, f"exit {proc.returncode}")]
    rows = []
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            rows.append(Row(**json.loads(line)))
    return rows


def main(argv: list[str]) -> None:
    files = sorted(HERE.glob("bench_*.py"))
    if argv:
        files = [f for f in files if any(a in f.stem for a in argv)]
    rows = [row for path in files for row in run_file(path)]
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Python {platform.python_version()}, "
          f"{platform.machine()}; each bench_*.py in its own fresh process")
    print_table(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
