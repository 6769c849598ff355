"""Bayesian scoring of two-arm binary experiments: the full Result at 100,000 and 1,000,000, beside Monte Carlo peers.

* abstats: ``abstats.compare(..., method="bayesian")`` with default settings, timed in full on all rows
  (P(beats) and both expected losses, equal-tailed credible intervals of both arms, the difference and the
  uplift, decisions, SRM, warnings): median of 3 at 100,000, one run at 1,000,000; its core
  ``beats_and_losses`` (P(beats) + both losses) on its own, median of 5;
* a numpy Monte Carlo (100,000 Beta draws per arm) and bayesian-testing's ``eval_bernoulli_agg`` (its
  default 20,000 draws, Beta(1, 1) prior passed explicitly) compute P(beats) + both losses only, one chunk
  or one experiment at a time: they are timed on a subset and scaled up to 100,000 (labelled so).

Accuracy against independent references, never against abstats, on the first ``EXACT_SUBSET`` experiments
of the 100,000-row Result: P(beats) and both losses against Evan Miller's exact finite sums in 50-digit
mpmath; every credible bound as the error of the exact CDF at it against its tail probability (arm bounds:
the negative-binomial sum of the Beta CDF in 50-digit mpmath; difference and uplift bounds: scipy quad of
the exact CDF integral, good to ~1e-12).

Run: ``.venv/bin/python benchmarks/bench_bayesian.py [--json]``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import mpmath as mp
import numpy as np
from harness import Row, fmt_ratio, fmt_time, measure, report

import abstats
from abstats.bayesian.beta_binomial import beats_and_losses
from abstats.statistics import BinaryStats

N_EXP = 100_000
N_LARGE = 1_000_000
MC_DRAWS = 100_000
MC_SUBSET = 200
BT_SUBSET = 200
EXACT_SUBSET = 30
CHUNK = 25
TAIL = 0.025  # default ci_level 0.95


def make_data(seed: int = 3, rows: int = N_EXP):
    rng = np.random.default_rng(seed)
    n = rng.integers(1_000, 100_000, size=(rows, 2))
    base = rng.uniform(0.01, 0.2, rows)
    lift = rng.normal(0.0, 0.05, rows)
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


def _reference():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bayesian"))
    import bayes_reference

    return bayes_reference


def exact_reference(a_t, b_t, a_c, b_c):
    """P(T > C), E[max(C - T, 0)], E[max(T - C, 0)] by Evan Miller's finite sum in 50-digit mpmath."""
    ref = _reference()
    with mp.workdps(50):
        losses = ref.expected_losses(a_t, b_t, a_c, b_c, dps=50)
        return float(ref.prob_t_beats(a_t, b_t, a_c, b_c, dps=50)), float(losses[0]), float(losses[1])


def bound_cdf_errors(result, rows, a_t, b_t, a_c, b_c) -> dict[str, float]:
    """Max |CDF(bound) - tail| over ``rows`` for the arm bounds and for the difference and uplift bounds."""
    ref = _reference()
    arm, contrast = 0.0, 0.0
    for i in rows:
        for (a, b), name in (((a_c[i], b_c[i]), "control"), ((a_t[i], b_t[i]), "treatment")):
            for side, tail in (("low", TAIL), ("high", 1.0 - TAIL)):
                cdf = float(ref.beta_cdf_whole_a(int(a), b, result[f"{name}_cred_{side}"][i], dps=50))
                arm = max(arm, abs(cdf - tail))
        args = (a_t[i], b_t[i], a_c[i], b_c[i])
        for key, cdf_of in (("effect", ref.difference_cdf), ("rel", ref.relative_cdf)):
            for side, tail in (("low", TAIL), ("high", 1.0 - TAIL)):
                contrast = max(contrast, abs(cdf_of(result[f"{key}_cred_{side}"][i], *args) - tail))
    return {"arm": arm, "contrast": contrast}


def main() -> list[Row]:
    n, x = make_data()
    a_c, b_c = 1.0 + x[:, 0], 1.0 + n[:, 0] - x[:, 0]
    a_t, b_t = 1.0 + x[:, 1], 1.0 + n[:, 1] - x[:, 1]
    metric = abstats.BinaryMetric("conversion")

    def full(n, x):
        control, treatment = BinaryStats.from_arrays(n[:, 0], x[:, 0]), BinaryStats.from_arrays(n[:, 1], x[:, 1])
        return lambda: abstats.compare(control, treatment, metric=metric, method="bayesian")

    cpu = time.process_time()
    result = full(n, x)()
    cpu = time.process_time() - cpu  # both threads' CPU: the figure least moved by other load
    t_full = measure(full(n, x), runs=3, warmup=0)
    t_core = measure(lambda: beats_and_losses(a_t, b_t, a_c, b_c), runs=5)
    n_large, x_large = make_data(seed=4, rows=N_LARGE)
    t_large = measure(full(n_large, x_large), runs=1, warmup=0)
    del n_large, x_large
    sl = slice(0, MC_SUBSET)
    t_mc = measure(lambda: monte_carlo(a_c[sl], b_c[sl], a_t[sl], b_t[sl]), runs=3, warmup=0)
    t_bt = measure(lambda: bayesian_testing_loop(n, x, BT_SUBSET), runs=3, warmup=0)
    mc = monte_carlo(a_c[sl], b_c[sl], a_t[sl], b_t[sl])
    bt = bayesian_testing_loop(n, x, BT_SUBSET)

    rows = np.arange(EXACT_SUBSET)
    exact = np.array([exact_reference(a_t[i], b_t[i], a_c[i], b_c[i]) for i in rows])
    ours = np.column_stack([result["prob_beats_control"][rows], result["expected_loss_treatment"][rows],
                            result["expected_loss_control"][rows]])
    bounds = bound_cdf_errors(result, rows, a_t, b_t, a_c, b_c)

    def err(values) -> float:
        return float(np.abs(np.column_stack([v[rows] for v in values]) - exact).max())

    e_ours = float(np.abs(ours - exact).max())
    t_mc_full, t_bt_full = t_mc.scaled(N_EXP / MC_SUBSET), t_bt.scaled(N_EXP / BT_SUBSET)
    how_err = f"max abs error of P(beats) and both losses vs 50-digit mpmath (Miller sums) on {EXACT_SUBSET} rows"
    full_how = "abstats: compare(..., method='bayesian'), defaults, all rows"
    return [
        Row("Bayesian full Result, 100k binary (compare, default)", fmt_time(t_full),
            f"numpy MC {MC_DRAWS // 1000}k draws {fmt_time(t_mc_full.median)}",
            f"{fmt_ratio(t_mc_full.median / t_full.median)} faster", "<= 3 s", t_full.median <= 3.0,
            f"{full_how}, median of 3 (CPU {cpu:.2f} s on 2 threads); MC: P(beats)+losses only, "
            f"{MC_SUBSET} rows (median of 3) scaled x{N_EXP // MC_SUBSET}"),
        Row("Bayesian full Result, 1M binary (compare, default)", fmt_time(t_large), "-", "-", "<= 30 s",
            t_large.median <= 30.0, f"{full_how}, one run"),
        Row("Bayesian full Result vs bayesian-testing", fmt_time(t_full.median),
            f"bayesian-testing 20k draws {fmt_time(t_bt_full.median)}",
            f"{fmt_ratio(t_bt_full.median / t_full.median)} faster", "-", None,
            f"bayesian-testing: P(beats)+losses only, {BT_SUBSET} rows (median of 3) scaled x{N_EXP // BT_SUBSET}"),
        Row("Bayesian core: P(beats) + both losses, 100k", fmt_time(t_core),
            f"numpy MC {fmt_time(t_mc_full.median)}", f"{fmt_ratio(t_mc_full.median / t_core.median)} faster",
            "-", None, "median of 5, beats_and_losses alone (part of the full Result above)"),
        Row("Bayesian accuracy (P(beats), losses)", f"{e_ours:.1e}",
            f"numpy MC {err(mc):.1e}; bayesian-testing {err(bt):.1e}", "-", "<= 1e-9", e_ours <= 1e-9, how_err),
        Row("Bayesian accuracy (credible bounds, in CDF)",
            f"arms {bounds['arm']:.1e}; T-C, T/C {bounds['contrast']:.1e}", "-", "-", "<= 1e-8",
            max(bounds.values()) <= 1e-8,
            f"max |CDF(bound) - tail| on {EXACT_SUBSET} rows: arms vs 50-digit mpmath, difference/uplift vs "
            "scipy quad of the exact CDF"),
    ]


if __name__ == "__main__":
    report(main())
