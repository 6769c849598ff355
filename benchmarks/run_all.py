"""Run every benchmark in one process and print their tables (``make bench``)."""

from __future__ import annotations

import bench_bayesian
import bench_frequentist
import bench_planning
import bench_sequential

if __name__ == "__main__":
    for module in (bench_frequentist, bench_bayesian, bench_planning, bench_sequential):
        print(f"\n=== {module.__name__} ===")
        module.main()
