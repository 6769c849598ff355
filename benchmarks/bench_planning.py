"""The planner on 10,000 distinct random cells against statsmodels' closed form and its root-finder.

Each cell has its own baseline rate, relative MDE, alpha and power (drawn at random, so no two cells share a
solve and nothing can be broadcast from a small grid). Both sides use the arcsine effect size (Cohen's h,
statsmodels ``proportion_effectsize``) with equal arms, two-sided:

* statsmodels' closed form: the ``NormalIndPower`` effect-size formula
  n = (1 + 1/ratio) ((z_{1-alpha/2} + z_{power}) / h)^2, vectorised in numpy over the same cells;
* statsmodels' root-finder: ``NormalIndPower().solve_power`` one cell per call (it also counts the far
  tail, which moves small n by up to ~1e-4 relative), timed on a subset and scaled up.

Run: ``.venv/bin/python benchmarks/bench_planning.py [--json]``
"""

from __future__ import annotations

import warnings

import numpy as np
from harness import Row, fmt_ratio, fmt_time, measure, report, side_by_side
from scipy import special

from abstats import BinaryMetric
from abstats.planning import plan_sample_size

CELLS = 10_000
LOOP_SUBSET = 200


def make_cells(seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "baseline": rng.uniform(0.01, 0.5, CELLS),
        "mde": rng.uniform(0.02, 0.3, CELLS),
        "alpha": rng.uniform(0.01, 0.1, CELLS),
        "power": rng.uniform(0.7, 0.95, CELLS),
    }


def closed_form(cells: dict[str, np.ndarray]) -> np.ndarray:
    """statsmodels NormalIndPower's effect-size formula with proportion_effectsize, ratio 1."""
    p1 = cells["baseline"] * (1 + cells["mde"])
    h = 2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(cells["baseline"]))
    z = -special.ndtri(cells["alpha"] / 2) - special.ndtri(1 - cells["power"])
    return 2.0 * (z / h) ** 2


def root_finder(cells: dict[str, np.ndarray], rows: int) -> np.ndarray:
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    solver = NormalIndPower()
    b, m, a, p = (cells[k][:rows] for k in ("baseline", "mde", "alpha", "power"))
    return np.array([
        solver.solve_power(proportion_effectsize(b[i] * (1 + m[i]), b[i]), alpha=a[i], power=p[i], ratio=1.0)
        for i in range(rows)
    ])


def main() -> list[Row]:
    cells = make_cells()
    metric = BinaryMetric("conversion")

    def run_abstats():
        return plan_sample_size(metric, variance="arcsine", baseline=cells["baseline"], mde=cells["mde"],
                                alpha=cells["alpha"], power=cells["power"])

    ours = run_abstats().n_per_arm
    np.testing.assert_allclose(ours, closed_form(cells), rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # solve_power also counts the far rejection tail, which abstats' plan_sample_size ignores (as R's
        # power.prop.test does by default): that moves small n by up to ~1e-4 relative
        root_diff = float(np.max(np.abs(ours[:50] / root_finder(cells, 50) - 1)))
        assert root_diff < 1e-3, root_diff
        t = side_by_side({"abstats": run_abstats, "closed": lambda: closed_form(cells)}, runs=15, number=3)
        scale = CELLS / LOOP_SUBSET
        t_root = measure(lambda: root_finder(cells, LOOP_SUBSET), runs=3, warmup=0).scaled(scale)
    r = t["abstats"].median / t["closed"].median
    r_root = t_root.median / t["abstats"].median
    return [
        Row("plan_sample_size, 10k distinct random cells (arcsine)", fmt_time(t["abstats"]),
            f"statsmodels closed form in numpy {fmt_time(t['closed'])}", fmt_ratio(r), "-", None,
            "median of 15 x 3, alternating in one process; agree to 1e-9; abstats also validates and builds the plan"),
        Row("plan_sample_size vs statsmodels solve_power loop", fmt_time(t["abstats"]),
            f"solve_power {fmt_time(t_root.median)}", f"{fmt_ratio(r_root)} faster", "-", None,
            f"root-finder: {LOOP_SUBSET} cells timed (median of 3), scaled x{scale:.0f}; "
            f"max rel diff {root_diff:.1e} (far tail)"),
    ]


if __name__ == "__main__":
    report(main())
