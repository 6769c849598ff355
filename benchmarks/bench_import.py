"""Time of ``import abstats`` in a fresh interpreter, beside ``import numpy`` (which abstats needs anyway).

Each sample is a new ``python -c`` process; the interpreter's own start-up (``python -c pass``) is measured
alongside and subtracted from both, and the three commands are run in alternation so load hits them alike.

Run: ``.venv/bin/python benchmarks/bench_import.py [--json]``
"""

from __future__ import annotations

import subprocess
import sys
import time

from harness import Row, fmt_ratio, fmt_time, report, summarise

GOAL_S = 0.3
RUNS = 11


def _once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> list[Row]:
    codes = {
        "bare": "pass",
        "numpy": "import numpy",
        "abstats": "import abstats",
        # first use loads the analysis stack; its floor is importing what that stack needs
        "first_use": "import abstats; abstats.analyze",
        "deps": "import numpy, pandas, scipy.special",
    }
    for code in codes.values():
        _once(code)  # warm the file cache
    samples: dict[str, list[float]] = {name: [] for name in codes}
    for _ in range(RUNS):
        for name, code in codes.items():
            samples[name].append(_once(code))
    bare = summarise(samples["bare"]).median
    ours = summarise([s - bare for s in samples["abstats"]])
    numpy = summarise([s - bare for s in samples["numpy"]])
    first = summarise([s - bare for s in samples["first_use"]])
    deps = summarise([s - bare for s in samples["deps"]])
    return [Row(
        "import abstats (fresh process)", fmt_time(ours), f"import numpy {fmt_time(numpy)}",
        fmt_ratio(ours.median / numpy.median), "<= 0.3 s", ours.median <= GOAL_S,
        f"median of {RUNS} fresh processes each, alternating; interpreter start-up ({fmt_time(bare)}) subtracted; "
        "public names load on first use",
    ), Row(
        "import abstats + first use (abstats.analyze)", fmt_time(first), f"import numpy, pandas, scipy.special "
        f"{fmt_time(deps)}", fmt_ratio(first.median / deps.median), "-", None,
        f"median of {RUNS} fresh processes each, alternating; start-up subtracted",
    )]


if __name__ == "__main__":
    report(main())
