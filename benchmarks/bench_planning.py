"""Planner speed: 100,000 cells in one vectorised call vs statsmodels ``solve_power`` in a loop.

Run: ``.venv/bin/python benchmarks/bench_planning.py`` (about 10 s on a 2-core machine).
The loop covers a subset of the same cells (statsmodels solves one cell per call) and the
per-cell times are compared. Both use the arcsine effect size (statsmodels
``NormalIndPower`` + ``proportion_effectsize``), so the numbers are also checked to agree.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize
from timing import best_time

from abstats import BinaryMetric
from abstats.planning import plan_mde, plan_power, plan_sample_size

METRIC = BinaryMetric("conversion")

LOOP_CELLS = 300


def main() -> None:
    baselines = np.linspace(0.01, 0.5, 100)
    mdes = np.linspace(0.02, 0.3, 100)
    powers = np.linspace(0.7, 0.95, 10)
    grid = {"baseline": baselines[:, None, None], "mde": mdes[None, :, None], "power": powers[None, None, :]}
    cells = baselines.size * mdes.size * powers.size
    print(f"grid: {baselines.size} baselines x {mdes.size} relative MDEs x {powers.size} powers = {cells:,} cells")

    rows = []
    for label, call in [
        ("n, arcsine", lambda: plan_sample_size(METRIC, variance="arcsine", **grid)),
        ("n, pooled_null (R power.prop.test)", lambda: plan_sample_size(METRIC, **grid)),
        (
            "power at n, pooled_null",
            lambda: plan_power(
                METRIC, n_per_arm=10_000, baseline=grid["baseline"], mde=grid["mde"] + 0 * grid["power"]
            ),
        ),
        (
            "mde at n, pooled_null (64 bisection steps)",
            lambda: plan_mde(
                METRIC,
                n_per_arm=10_000,
                **{k: v for k, v in grid.items() if k != "mde"} | {"power": grid["power"] + 0 * grid["mde"]},
            ),
        ),
    ]:
        seconds = best_time(repeat=3, fn=call)
        rows.append((label, seconds))
        print(f"abstats {label:45s} {seconds * 1e3:9.1f} ms for {cells:,} cells = {seconds / cells * 1e9:8.0f} ns/cell")

    plan = plan_sample_size(METRIC, variance="arcsine", **grid)
    flat_b, flat_m, flat_p = (np.broadcast_to(v, plan.n_per_arm.shape).ravel() for v in grid.values())
    pick = np.random.default_rng(0).choice(cells, LOOP_CELLS, replace=False)
    solver = NormalIndPower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        ref = np.array(
            [
                solver.solve_power(
                    proportion_effectsize(flat_b[i] * (1 + flat_m[i]), flat_b[i]),
                    alpha=0.05,
                    power=flat_p[i],
                    ratio=1.0,
                )
                for i in pick
            ]
        )
        loop_seconds = time.perf_counter() - start
    per_cell_loop = loop_seconds / LOOP_CELLS
    per_cell_abstats = rows[0][1] / cells
    ours = plan.n_per_arm.ravel()[pick]
    print(
        f"statsmodels NormalIndPower.solve_power loop over {LOOP_CELLS} of the same cells: {loop_seconds:.2f} s"
        f" = {per_cell_loop * 1e6:.0f} us/cell"
    )
    print(f"per-cell ratio (statsmodels loop / abstats vectorised, arcsine): {per_cell_loop / per_cell_abstats:,.0f}x")
    print(f"projected statsmodels time for all {cells:,} cells: {per_cell_loop * cells:.0f} s")
    print(f"max relative difference abstats vs statsmodels on the loop cells: {np.max(np.abs(ours / ref - 1)):.2e}")


if __name__ == "__main__":
    main()
