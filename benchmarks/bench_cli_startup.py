"""Start-up time of the console script: ``abstats --help`` and ``abstats check --help`` against ``python -c pass``.

A CI job calls ``abstats`` once per check, so its start-up is paid every time: the goal is a help screen
within 0.5 s of wall time. Each command runs in 7 fresh processes; the median is reported, with the ratio
to an empty interpreter's start-up and the modules it must not import.

    python benchmarks/bench_cli_startup.py
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time

RUNS = 7
GOAL_SECONDS = 0.5
HEAVY = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "pymc", "pydantic")
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "abstats --help": [sys.executable, "-m", "abstats.cli.main", "--help"],
    "abstats check --help": [sys.executable, "-m", "abstats.cli.main", "check", "--help"],
    "abstats --version": [sys.executable, "-m", "abstats.cli.main", "--version"],
}


def median_wall(argv: list[str], runs: int = RUNS) -> tuple[float, float]:
    """Median wall and CPU (user + system) time of ``runs`` fresh processes (one untimed run first warms
    the file cache). CPU time is what the process itself costs; wall time also counts waiting for a core
    on a shared machine."""
    subprocess.run(argv, capture_output=True, check=True)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def heavy_imports() -> list[str]:
    """Heavy modules loaded while building the typer app and its help text."""
    code = (
        "import sys\nfrom abstats.cli.main import app\nfrom typer.main import get_command\n"
        "get_command(app)\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def main() -> None:
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    baseline, baseline_cpu = median_wall(COMMANDS["python -c pass"])
    print(f"{'command':<24} {'wall s':>7} {'x python':>9} {'cpu s':>7} {'x python':>9}  goal <= {GOAL_SECONDS} s wall")
    for name, argv in COMMANDS.items():
        t, cpu = (baseline, baseline_cpu) if name == "python -c pass" else median_wall(argv)
        verdict = "" if name == "python -c pass" else ("ok" if t <= GOAL_SECONDS else "SLOW")
        print(f"{name:<24} {t:>7.3f} {t / baseline:>9.1f} {cpu:>7.3f} {cpu / baseline_cpu:>9.1f}  {verdict}")
    heavy = heavy_imports()
    print("heavy modules imported by the app:", ", ".join(heavy) if heavy else "none")


if __name__ == "__main__":
    main()
