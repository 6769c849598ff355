"""Bayesian scoring of 100,000 two-arm binary experiments: the full Result, beside Monte Carlo peers.

* abstats: ``abstats.compare(..., method="bayesian")`` with default settings, timed in full (exact P(beats)
  and expected losses, equal-tailed credible intervals of both arms, the difference and the uplift,
  decisions, SRM, warnings) on the first ``FULL_SUBSET`` rows and scaled up to 100,000 (labelled so: it costs
  milliseconds per row); its core ``beats_and_losses`` (P(beats) + both losses) is timed on all 100,000 rows;
* a numpy Monte Carlo (100,000 Beta draws per arm) and bayesian-testing's ``eval_bernoulli_agg`` (its
  default 20,000 draws, Beta(1, 1) prior passed explicitly) compute P(beats) + both losses only, one chunk
  or one experiment at a time: they are timed on a subset and scaled up to 100,000 (labelled so).

Accuracy of every implementation is measured against Evan Miller's exact finite sum in 40-digit mpmath
on the first ``EXACT_SUBSET`` experiments, never against abstats.

Run: ``.venv/bin/python benchmarks/bench_bayesian.py [--json]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import mpmath as mp
import numpy as np
from harness import Row, fmt_ratio, fmt_time, measure, report

import abstats
from abstats.bayesian.beta_binomial import beats_and_losses
from abstats.statistics import BinaryStats

N_EXP = 100_000
FULL_SUBSET = 2_000  # the full Result costs milliseconds per row (root-found credible intervals): timed on a subset
MC_DRAWS = 100_000
MC_SUBSET = 200
BT_SUBSET = 200
EXACT_SUBSET = 30
CHUNK = 25


def make_data(seed: int = 3):
    rng = np.random.default_rng(seed)
    n = rng.integers(1_000, 100_000, size=(N_EXP, 2))
    base = rng.uniform(0.01, 0.2, N_EXP)
    lift = rng.normal(0.0, 0.05, N_EXP)
    x = np.column_stack([rng.binomial(n[:, 0], base), rng.binomial(n[:, 1], np.clip(base * (1 + lift), 0, 1))])
    return n, x


def monte_carlo(a_c, b_c, a_t, b_t, draws=MC_DRAWS, seed=0):
    rng = np.random.default_rng(seed)
    prob, loss_t, loss_c = (np.empty(a_c.size) for _ in range(3))
    for s in range(0, a_c.size, CHUNK):
        sl = slice(s, s + CHUNK)
        c = rng.beta(a_c[sl, None], b_c[sl, None], size=(len(a_c[sl]), draws))
        t = rng.beta(a_t[sl, None], b_t[sl, None], size=(len(a_t[sl]), draws))
        prob[sl] = (t > c).mean(axis=1)
        loss_t[sl] = np.maximum(c - t, 0).mean(axis=1)
        loss_c[sl] = np.maximum(t - c, 0).mean(axis=1)
    return prob, loss_t, loss_c


def bayesian_testing_loop(n, x, rows):
    from bayesian_testing.metrics import eval_bernoulli_agg

    prob, loss_t, loss_c = (np.empty(rows) for _ in range(3))
    for i in range(rows):  # the package scores one experiment per call
        pbbs, loss, _ = eval_bernoulli_agg(n[i].tolist(), x[i].tolist(), [1, 1], [1, 1], seed=i)
        prob[i], loss_c[i], loss_t[i] = pbbs[1], loss[0], loss[1]
    return prob, loss_t, loss_c


def exact_reference(a_t, b_t, a_c, b_c):
    """P(T > C), E[max(C - T, 0)], E[max(T - C, 0)] by Evan Miller's finite sum in 40-digit mpmath."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bayesian"))
    import bayes_reference as ref

    with mp.workdps(40):
        losses = ref.expected_losses(a_t, b_t, a_c, b_c)
        return float(ref.prob_t_beats(a_t, b_t, a_c, b_c)), float(losses[0]), float(losses[1])


def main() -> list[Row]:
    n, x = make_data()
    a_c, b_c = 1.0 + x[:, 0], 1.0 + n[:, 0] - x[:, 0]
    a_t, b_t = 1.0 + x[:, 1], 1.0 + n[:, 1] - x[:, 1]
    control, treatment = BinaryStats.from_arrays(n[:, 0], x[:, 0]), BinaryStats.from_arrays(n[:, 1], x[:, 1])
    metric = abstats.BinaryMetric("conversion")

    def full(rows: slice = slice(None)):
        return abstats.compare(control.take(np.arange(N_EXP)[rows]), treatment.take(np.arange(N_EXP)[rows]),
                               metric=metric, method="bayesian")

    first = slice(0, FULL_SUBSET)
    result = full(first)
    t_full = measure(lambda: full(first), runs=3, warmup=0).scaled(N_EXP / FULL_SUBSET)
    t_core = measure(lambda: beats_and_losses(a_t, b_t, a_c, b_c), runs=5)
    sl = slice(0, MC_SUBSET)
    t_mc = measure(lambda: monte_carlo(a_c[sl], b_c[sl], a_t[sl], b_t[sl]), runs=3, warmup=0)
    t_bt = measure(lambda: bayesian_testing_loop(n, x, BT_SUBSET), runs=3, warmup=0)
    mc = monte_carlo(a_c[sl], b_c[sl], a_t[sl], b_t[sl])
    bt = bayesian_testing_loop(n, x, BT_SUBSET)

    rows = np.arange(EXACT_SUBSET)
    exact = np.array([exact_reference(a_t[i], b_t[i], a_c[i], b_c[i]) for i in rows])
    ours = np.column_stack([result["prob_beats_control"][rows], result["expected_loss_treatment"][rows],
                            result["expected_loss_control"][rows]])

    def err(values) -> float:
        return float(np.abs(np.column_stack([v[rows] for v in values]) - exact).max())

    e_ours = float(np.abs(ours - exact).max())
    t_mc_full, t_bt_full = t_mc.scaled(N_EXP / MC_SUBSET), t_bt.scaled(N_EXP / BT_SUBSET)
    how_err = f"max abs error of P(beats) and both losses vs 40-digit mpmath on {EXACT_SUBSET} rows"
    return [
        Row("Bayesian full Result, 100k binary (compare, default)", f"{fmt_time(t_full.median)} (scaled)",
            f"numpy MC {MC_DRAWS // 1000}k draws {fmt_time(t_mc_full.median)}",
            f"{fmt_ratio(t_mc_full.median / t_full.median)} faster", "-", None,
            f"abstats: full Result on {FULL_SUBSET:,} rows (median of 3) scaled x{N_EXP // FULL_SUBSET}; "
            f"MC: P(beats)+losses only, {MC_SUBSET} rows (median of 3) scaled x{N_EXP // MC_SUBSET}"),
        Row("Bayesian full Result vs bayesian-testing", f"{fmt_time(t_full.median)} (scaled)",
            f"bayesian-testing 20k draws {fmt_time(t_bt_full.median)}",
            f"{fmt_ratio(t_bt_full.median / t_full.median)} faster", "-", None,
            f"bayesian-testing: P(beats)+losses only, {BT_SUBSET} rows (median of 3) scaled x{N_EXP // BT_SUBSET}"),
        Row("Bayesian core: P(beats) + both losses, 100k", fmt_time(t_core),
            f"numpy MC {fmt_time(t_mc_full.median)}", f"{fmt_ratio(t_mc_full.median / t_core.median)} faster",
            "-", None, "median of 5, beats_and_losses alone (part of the full Result above)"),
        Row("Bayesian accuracy (P(beats), losses)", f"{e_ours:.1e}",
            f"numpy MC {err(mc):.1e}; bayesian-testing {err(bt):.1e}", "-", "-", None, how_err),
    ]


if __name__ == "__main__":
    report(main())
