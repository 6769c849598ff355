"""Benchmark of abstats.sequential: boundary computation per design, always-valid inference at scale.

Run: ``.venv/bin/python benchmarks/bench_sequential.py``. Prints one line per measurement
(best of ``repeat`` wall-clock timings, so start-up noise is excluded).
"""

from __future__ import annotations

import numpy as np
from timing import best_time

from abstats.sequential import (
    GroupSequentialDesign,
    confidence_sequence,
    default_mixing_variance,
    msprt_p_value,
)


def bench_boundaries() -> None:
    designs = {
        "lan_demets_obrien_fleming": {},
        "pocock (classical)": {"kind": "pocock"},
        "lan_demets_pocock + futility": {"kind": "lan_demets_pocock", "beta_spending": "obrien_fleming"},
    }
    print("boundary computation (new design each call, so nothing is cached)")
    print(f"{'design':34s} " + " ".join(f"K={k:<6d}" for k in range(2, 11)))
    for label, options in designs.items():
        kind = options.get("kind", "lan_demets_obrien_fleming")
        extra = {key: v for key, v in options.items() if key != "kind"}
        row = []
        for k in range(2, 11):
            seconds = best_time(
                lambda k=k, kind=kind, extra=extra: GroupSequentialDesign(kind, looks=k, **extra).efficacy_boundaries()
            )
            row.append(f"{seconds * 1e3:6.1f}ms")
        print(f"{label:34s} " + " ".join(row))
    seconds = best_time(lambda: GroupSequentialDesign("lan_demets_obrien_fleming", looks=5).inflation_factor(0.8))
    print(f"inflation_factor, LD O'Brien-Fleming K=5: {seconds * 1e3:.1f} ms")


def bench_always_valid(n_experiments: int = 100_000) -> None:
    rng = np.random.default_rng(0)
    theta = rng.normal(0.0, 0.01, n_experiments)
    var = rng.uniform(1e-5, 1e-4, n_experiments)
    n = rng.integers(1_000, 1_000_000, n_experiments).astype(float)
    tau2 = default_mixing_variance(var, n, alpha=0.05, tuning_n=100_000)
    seconds = best_time(lambda: msprt_p_value(theta, var, tau2))
    print(f"mSPRT always-valid p-values, {n_experiments:,} experiments in one call: {seconds * 1e3:.1f} ms")
    seconds = best_time(lambda: confidence_sequence(theta, var, n, alpha=0.05))
    print(f"asymptotic confidence sequences, {n_experiments:,} experiments in one call: {seconds * 1e3:.1f} ms")
    looks = 50
    theta_path = rng.normal(0.0, 0.01, (n_experiments // 10, looks))
    var_path = np.broadcast_to(var[: n_experiments // 10, None], theta_path.shape)
    tau_path = np.broadcast_to(tau2[: n_experiments // 10, None], theta_path.shape)
    seconds = best_time(lambda: msprt_p_value(theta_path, var_path, tau_path, look_axis=1))
    size = f"{n_experiments // 10:,} experiments x {looks} looks"
    print(f"mSPRT running-minimum p-values, {size}: {seconds * 1e3:.1f} ms")


def main() -> None:
    bench_boundaries()
    bench_always_valid()


if __name__ == "__main__":
    main()
