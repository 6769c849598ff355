"""Start-up time of the console script: ``abstats --help`` and ``abstats check --help`` against ``python -c pass``.

A CI job calls ``abstats`` once per check, so its start-up is paid every time: the goal is a help screen
within 0.5 s of wall time. Each command runs in 7 fresh processes; the median is reported, with the ratio
to an empty interpreter's start-up and the modules it must not import.

    python benchmarks/bench_cli_startup.py
"""

from __future__ import annotations

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


def median_wall(argv: list[str], runs: int = RUNS) -> float:
    """Median wall time of ``runs`` fresh processes (one untimed run first warms the file cache)."""
    subprocess.run(argv, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    baseline = median_wall(COMMANDS["python -c pass"])
    print(f"{'command':<24} {'median s':>9} {'x python':>9}  goal <= {GOAL_SECONDS} s")
    for name, argv in COMMANDS.items():
        t = baseline if name == "python -c pass" else median_wall(argv)
        verdict = "" if name == "python -c pass" else ("ok" if t <= GOAL_SECONDS else "SLOW")
        print(f"{name:<24} {t:>9.3f} {t / baseline:>9.1f}  {verdict}")
    heavy = heavy_imports()
    print("heavy modules imported by the app:", ", ".join(heavy) if heavy else "none")


if __name__ == "__main__":
    main()
