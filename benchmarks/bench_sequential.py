"""Group-sequential boundaries (K = 10) and always-valid inference at scale.

No Python peer computes Lan-DeMets boundaries (gsDesign and rpact are R), so the K = 10 rows are read
against the goal. Accuracy: the K = 10 O'Brien-Fleming-type boundary's total alpha is checked against an
independent Monte Carlo of the same design (scipy-free numpy draws). Each design is built anew per call, so
nothing is cached; this file runs in its own process (``run_all.py``), after nothing else.

Run: ``.venv/bin/python benchmarks/bench_sequential.py [--json]``
"""

from __future__ import annotations

import numpy as np
from harness import Row, fmt_ratio, fmt_time, measure, report

from abstats.sequential import GroupSequentialDesign, confidence_sequence, default_mixing_variance, msprt_p_value

GOAL_S = 0.010
K = 10


def monte_carlo_alpha(bounds: np.ndarray, draws: int = 400_000, seed: int = 0) -> float:
    """P_0(|Z_k| >= bound_k at some look) for equally spaced looks, by simulating the score process."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, K + 1) / K
    hit = np.zeros(draws, dtype=bool)
    s = np.zeros(draws)
    for k in range(K):
        s += rng.standard_normal(draws) * np.sqrt(1.0 / K)
        hit |= np.abs(s / np.sqrt(t[k])) >= bounds[k]
    return float(hit.mean())


def main() -> list[Row]:
    rows = []
    designs = {
        "lan_demets_obrien_fleming": {},
        "pocock (classical, root-found constant)": {"kind": "pocock"},
        "lan_demets_pocock + OBF beta-spending futility": {"kind": "lan_demets_pocock",
                                                            "beta_spending": "obrien_fleming"},
    }
    for label, options in designs.items():
        kind = options.get("kind", "lan_demets_obrien_fleming")
        extra = {k: v for k, v in options.items() if k != "kind"}
        t = measure(lambda kind=kind, extra=extra: GroupSequentialDesign(kind, looks=K, **extra).efficacy_boundaries(),
                    runs=9)
        how = "median of 9, new design per call"
        if label.startswith("lan_demets_obrien"):
            bounds = GroupSequentialDesign(kind, looks=K).efficacy_boundaries()
            mc = monte_carlo_alpha(bounds)
            how += f"; total alpha {mc:.4f} by 400k-draw Monte Carlo (target 0.05, MC se 0.0003)"
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
