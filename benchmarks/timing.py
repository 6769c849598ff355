"""Timing helpers shared by the benchmarks: best-of-k wall time and peak traced memory."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def best_time(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """Seconds per call: the best of ``repeat`` rounds of ``number`` calls (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def peak_memory_mb(fn: Callable[[], Any]) -> float:
    """Peak memory allocated by Python and numpy while ``fn`` runs, in MiB."""
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def print_table(title: str, rows: list[tuple[str, float, float]], baseline: str) -> None:
    """rows: (name, seconds per experiment, peak MiB or nan); ratios are against ``baseline``."""
    base = {name: sec for name, sec, _ in rows}[baseline]
    print(f"\n{title}")
    print(f"{'implementation':<46} {'us/experiment':>14} {'x ' + baseline:>18} {'peak MiB':>9}")
    for name, sec, mem in rows:
        print(f"{name:<46} {sec * 1e6:>14.3f} {sec / base:>18.2f} {mem:>9.1f}")
