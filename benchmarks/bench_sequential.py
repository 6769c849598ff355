"""Group-sequential boundaries (K = 10) and always-valid inference at scale.

No Python peer computes Lan-DeMets boundaries (gsDesign and rpact are R), so the K = 10 rows are read
against the goal, one row per kind of design users build: spending efficacy only, the classical constants
(root-found over the whole recursion), beta-spending futility (non-binding and binding) and gsDesign's
default one-sided design. Accuracy: every design's type I error, and for futility designs the power at the
solved maximum-information drift, are checked against an independent Monte Carlo of the same design (numpy
draws of the score process, not the recursion). Each design is built anew per call, so nothing is cached;
this file runs in its own process (``run_all.py``), after nothing else.

Run: ``.venv/bin/python benchmarks/bench_sequential.py [--json]``
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from harness import Row, Timing, fmt_ratio, fmt_time, measure, report, summarise

from abstats.sequential import GroupSequentialDesign, confidence_sequence, default_mixing_variance, msprt_p_value

GOAL_S = 0.010
K = 10
DRAWS = 400_000
RUNS = 15

DESIGNS = {
    "lan_demets_obrien_fleming": {"kind": "lan_demets_obrien_fleming"},
    "pocock (classical, root-found constant)": {"kind": "pocock"},
    "obrien_fleming (classical, root-found constant)": {"kind": "obrien_fleming"},
    "lan_demets_pocock + OBF beta-spending futility": {"kind": "lan_demets_pocock", "beta_spending": "obrien_fleming"},
    "lan_demets_pocock + OBF beta-spending futility, binding, one-sided": {
        "kind": "lan_demets_pocock", "beta_spending": "obrien_fleming", "binding": True,
        "alternative": "greater", "alpha": 0.025,
    },
    "gsDesign default: one-sided HSD(-4) + HSD(-2) futility, power 0.9": {
        "kind": "lan_demets_hsd", "rho": -4.0, "beta_spending": "hsd", "beta_rho": -2.0,
        "alternative": "greater", "alpha": 0.025, "power": 0.9,
    },
}


def monte_carlo_crossing(design: GroupSequentialDesign, drift: float, seed: int) -> float:
    """P(the efficacy bound is crossed) for equally spaced looks, simulating the score process with ``drift``.

    Under the null (``drift = 0``) a two-sided design rejects on ``|Z| >= b``; under a drift only the favourable
    side counts. Futility stops the trial when it is binding (type I error) or when computing power.
    """
    rng = np.random.default_rng(seed)
    efficacy, futility = design.efficacy_boundaries(), design.futility_boundaries()
    two_sided = design.alternative == "two-sided"
    obey_futility = design.has_futility and (design.binding or drift != 0.0)
    score = np.zeros(DRAWS)
    running = np.ones(DRAWS, dtype=bool)
    crossed = np.zeros(DRAWS, dtype=bool)
    for k in range(K):
        score += rng.standard_normal(DRAWS) * np.sqrt(1.0 / K) + drift / K
        z = score / np.sqrt((k + 1) / K)
        stat = np.abs(z) if two_sided and drift == 0.0 else z
        hit = running & (stat >= efficacy[k])
        crossed |= hit
        running &= ~hit
        if obey_futility:
            running &= z > (max(futility[k], -efficacy[k]) if two_sided else futility[k])
    return float(crossed.mean())


def accuracy(design: GroupSequentialDesign) -> str:
    """Type I error (and power at the solved drift) by Monte Carlo, with their binomial standard errors."""
    alpha = monte_carlo_crossing(design, 0.0, seed=0)
    se = np.sqrt(alpha * (1 - alpha) / DRAWS)
    text = f"alpha {alpha:.4f} by {DRAWS // 1000}k-draw MC (target {design.alpha}, se {se:.4f})"
    if design.has_futility:
        power = monte_carlo_crossing(design, design.planned.drift, seed=1)
        se = np.sqrt(power * (1 - power) / DRAWS)
        text += f", power at the solved drift {power:.4f} (target {design.power}, se {se:.4f})"
    return text


def wall_and_cpu(fns: dict[str, Callable[[], Any]], runs: int) -> dict[str, tuple[Timing, Timing]]:
    """Wall and CPU time of each callable, called in alternation (a, b, c, a, ...) so load hits each alike.

    On a shared machine the wall time includes waiting for a core; the process CPU time does not, and is
    printed next to it.
    """
    for fn in fns.values():
        fn()
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append(time.process_time() - cpu_start)
            wall[name].append(time.perf_counter() - wall_start)
    return {name: (summarise(wall[name]), summarise(cpu[name])) for name in fns}


def main() -> list[Row]:
    rows = []
    load_before = os.getloadavg()[0]
    timings = wall_and_cpu(
        {
            label: (lambda options=options: GroupSequentialDesign(looks=K, **options).efficacy_boundaries())
            for label, options in DESIGNS.items()
        },
        runs=RUNS,
    )
    load_range = sorted({f"{load_before:.1f}", f"{os.getloadavg()[0]:.1f}"}, key=float)
    load = "load " + "-".join(load_range)
    for label, options in DESIGNS.items():
        t, cpu = timings[label]
        checked = accuracy(GroupSequentialDesign(looks=K, **options))
        how = f"median of {RUNS}, new design per call, designs alternating; CPU {fmt_time(cpu.median)} ({load})"
        how += f"; {checked}"
        rows.append(Row(f"group-sequential boundaries K={K}: {label}", fmt_time(t), "-",
                        f"{fmt_ratio(t.median / GOAL_S)} of goal", "<= 10 ms", t.median <= GOAL_S, how))

    rng = np.random.default_rng(0)
    m = 100_000
    theta = rng.normal(0.0, 0.01, m)
    var = rng.uniform(1e-5, 1e-4, m)
    n = rng.integers(1_000, 1_000_000, m).astype(float)
    tau2 = default_mixing_variance(var, n, alpha=0.05, tuning_n=100_000)
    t = measure(lambda: msprt_p_value(theta, var, tau2), runs=9)
    rows.append(Row("mSPRT always-valid p-values, 100k experiments", fmt_time(t), "-", "-", "-", None,
                    "median of 9, one call"))
    t = measure(lambda: confidence_sequence(theta, var, n, alpha=0.05), runs=9)
    rows.append(Row("asymptotic confidence sequences, 100k experiments", fmt_time(t), "-", "-", "-", None,
                    "median of 9, one call"))
    return rows


if __name__ == "__main__":
    report(main())
