"""Bandit allocation of 100,000 experiments x 4 arms in one call, beside a Monte Carlo Thompson sampler.

* abstats: ``abstats.bandit.allocate(table, ...)`` with default settings (Thompson in expectation:
  weights = exact P(best) by quadrature of the Beta posteriors), on the whole 400,000-row aggregate
  table in one call (reading the table, pairing, P(best), the floor-free grid rounding); plus the
  top-two rule with a 1 % floor, the same call with options;
* peer: the usual way of getting Thompson weights, a numpy Monte Carlo sampler (10,000 posterior draws
  per arm and experiment, vectorised over chunks of experiments, share of draws each arm wins). It is
  timed on a subset of experiments and scaled up (labelled so): all 100,000 would need 4e9 Beta draws.

Error of the sampler: max and mean absolute difference of its weights from the exact weights over the
subset, next to its expected size (the binomial standard error sqrt(w (1 - w) / 10,000), at most 0.005).
The exact weights are checked against an independent Monte Carlo in ``tests/bandit/test_allocate.py``.

Slow: the k-arm Beta quadrature of the Bayesian module dominates (about 2 ms per 4-arm experiment on
one core), so each 100k call takes minutes and is timed once (labelled "one run").

Run: ``.venv/bin/python benchmarks/bench_bandit.py [--json]``
"""

from __future__ import annotations

import numpy as np
from harness import Row, fmt_ratio, fmt_time, measure, report

import abstats

N_EXP = 100_000
ARMS = 4
MC_DRAWS = 10_000
MC_SUBSET = 200
CHUNK = 25


def make_table(seed: int = 18) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = rng.integers(500, 20_000, size=(N_EXP, ARMS))
    base = rng.uniform(0.02, 0.2, size=(N_EXP, 1))
    rate = np.clip(base * (1 + rng.normal(0.0, 0.05, size=(N_EXP, ARMS))), 0.0, 1.0)
    return {
        "experiment": np.repeat(np.arange(N_EXP), ARMS),
        "variant": np.tile(np.array([f"v{i}" for i in range(ARMS)], dtype=object), N_EXP),
        "n": n.ravel(),
        "conversions": rng.binomial(n, rate).ravel(),
    }


def monte_carlo_thompson(alpha: np.ndarray, beta: np.ndarray, draws: int = MC_DRAWS, seed: int = 0) -> np.ndarray:
    """Share of posterior draws in which each arm is best, (e, k) in, (e, k) out."""
    rng = np.random.default_rng(seed)
    e, k = alpha.shape
    out = np.empty((e, k))
    for s in range(0, e, CHUNK):
        a, b = alpha[s:s + CHUNK], beta[s:s + CHUNK]
        theta = rng.beta(a[:, None, :], b[:, None, :], size=(len(a), draws, k))
        wins = theta.argmax(axis=2)
        out[s:s + CHUNK] = (wins[:, :, None] == np.arange(k)).mean(axis=1)
    return out


def main() -> list[Row]:
    table = make_table()
    metric = abstats.BinaryMetric("conversion")

    kept = []

    def exact():
        kept.append(abstats.bandit.allocate(table, metric=metric, control="v0", experiment="experiment"))

    def top_two():
        return abstats.bandit.allocate(table, metric=metric, control="v0", experiment="experiment",
                                       rule="top_two", floor=0.01)

    t_exact = measure(exact, runs=1, warmup=0)  # one run: a call takes minutes on 2 cores
    allocation = kept[-1]
    t_top = measure(top_two, runs=1, warmup=0)
    x = table["conversions"].reshape(N_EXP, ARMS).astype(float)
    n = table["n"].reshape(N_EXP, ARMS).astype(float)
    sub = slice(0, MC_SUBSET)
    alpha, beta = 1.0 + x[sub], 1.0 + n[sub] - x[sub]
    t_mc = measure(lambda: monte_carlo_thompson(alpha, beta), runs=3, warmup=0).scaled(N_EXP / MC_SUBSET)
    mc = monte_carlo_thompson(alpha, beta)
    w = allocation.weight.reshape(N_EXP, ARMS)[sub]
    err = np.abs(mc - w)
    se = np.sqrt(w * (1 - w) / MC_DRAWS)
    sums = allocation.weight.reshape(N_EXP, ARMS).sum(axis=1)
    return [
        Row(f"bandit allocate, {N_EXP // 1000}k experiments x {ARMS} arms (Thompson, default)",
            fmt_time(t_exact), f"numpy MC Thompson {MC_DRAWS // 1000}k draws {fmt_time(t_mc.median)} (scaled)",
            f"{fmt_ratio(t_mc.median / t_exact.median)} faster", "-", None,
            f"abstats: one call on the 400k-row table (one run); MC: {MC_SUBSET} experiments "
            f"(median of 3) scaled x{N_EXP // MC_SUBSET}"),
        Row(f"bandit allocate, top-two + 1% floor, {N_EXP // 1000}k x {ARMS}", fmt_time(t_top), "-", "-", "-", None,
            "one call (one run)"),
        Row("bandit weights: MC sampler error vs exact", f"sums == 1: {int((sums == 1.0).sum()):,}/{N_EXP:,}",
            f"MC max {err.max():.1e}, mean {err.mean():.1e}", "-", "-", None,
            f"|MC - exact| over {MC_SUBSET} x {ARMS} weights; expected MC SE up to {se.max():.1e} "
            f"(mean {se.mean():.1e})"),
    ]


if __name__ == "__main__":
    report(main())
