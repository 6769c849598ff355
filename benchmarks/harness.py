"""The shared benchmark harness: medians and IQRs of repeated runs, peak RSS, one ``Row`` per workload.

Every ``bench_*.py`` builds a list of :class:`Row` and hands it to :func:`report`, which prints a table
when the file is run alone and JSON lines with ``--json`` (what ``run_all.py`` reads; it runs each file in
its own fresh process, so no benchmark inherits another's heap, caches or imports).

Rules the rows follow: abstats with its default settings; peers and baselines computing the same outputs
(or labelled with what they compute); medians for everyone; a loop timed on a subset and scaled up says so
in ``how``. On a loaded machine absolute times drift, so :func:`side_by_side` times two callables in
alternation and the ratio of their medians is the figure to read.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Seconds per call: median and inter-quartile range over ``runs`` runs."""

    median: float
    iqr: float
    runs: int

    def scaled(self, factor: float) -> Timing:
        """The same timing multiplied by ``factor`` (a loop timed on a subset, scaled to the full size)."""
        return Timing(self.median * factor, self.iqr * factor, self.runs)


@dataclass(frozen=True)
class Row:
    """One line of the benchmark table.

    ``abstats`` and ``peer`` are human-readable measurements (``"29.1 ms"``); ``ratio`` is abstats over the
    peer or baseline (or the measured value over the goal when there is no peer); ``met`` compares ``value``
    with ``limit`` (the goal in the same unit) and is None when the row has no goal.
    """

    workload: str
    abstats: str
    peer: str
    ratio: str
    goal: str
    met: bool | None
    how: str


def _quartiles(samples: list[float]) -> tuple[float, float, float]:
    s = sorted(samples)

    def q(p: float) -> float:
        pos = p * (len(s) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    return q(0.25), q(0.5), q(0.75)


def summarise(samples: list[float]) -> Timing:
    q1, med, q3 = _quartiles(samples)
    return Timing(med, q3 - q1, len(samples))


def measure(fn: Callable[[], Any], runs: int = 7, number: int = 1, warmup: int = 1) -> Timing:
    """Median and IQR of ``runs`` timings of ``number`` calls each, per call, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return summarise(samples)


def side_by_side(fns: dict[str, Callable[[], Any]], runs: int = 11, number: int = 1) -> dict[str, Timing]:
    """Time several callables in alternation (a, b, a, b, ...), so background load hits each alike."""
    for fn in fns.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: summarise(s) for name, s in samples.items()}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """Resident set size now, in MiB (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return peak_rss_mb()


def fmt_time(t: Timing | float) -> str:
    """``12.3 ms +- 0.4`` (median, IQR) or a bare time."""
    median, iqr = (t.median, t.iqr) if isinstance(t, Timing) else (t, None)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if median >= scale or unit == "ns":
            text = f"{median / scale:.3g} {unit}"
            return text if iqr is None else f"{text} (IQR {iqr / scale:.2g})"
    raise AssertionError("unreachable")


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 100 else f"{value:,.0f}x"


def report(rows: list[Row], argv: list[str] | None = None) -> None:
    """Print the rows: JSON lines with ``--json`` (for ``run_all.py``), else a readable table."""
    argv = sys.argv[1:] if argv is None else argv
    if "--json" in argv:
        for row in rows:
            print(json.dumps(asdict(row)), flush=True)
        return
    print_table(rows)


HEADER = ("workload", "abstats", "peer or baseline", "ratio", "goal", "met?", "how measured")


def met_text(met: bool | None) -> str:
    return "-" if met is None else "yes" if met else "NO"


def print_table(rows: list[Row]) -> None:
    """A Markdown table (pastes into the README as it is)."""
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for r in rows:
        cells = (r.workload, r.abstats, r.peer, r.ratio, r.goal, met_text(r.met), r.how)
        print("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
