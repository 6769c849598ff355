"""P(beats) and expected loss for 100,000 two-arm binary experiments in one call, side by side with peers.

* abstats: ``beats_and_losses`` (exact 1-D quadrature, vectorised over all rows);
* a 100,000-draw Monte Carlo numpy baseline (Beta draws per arm, vectorised
  within a chunk of experiments);
* bayesian-testing's ``eval_bernoulli_agg`` (Monte Carlo, its default 20,000
  draws, with the Beta(1, 1) prior passed explicitly since its default is
  Beta(0.5, 0.5)), one call per experiment.

The two Monte Carlo peers would need 1e10 draws for all 100,000 experiments, so
they run on the first ``MC_SUBSET`` experiments and are reported per experiment
(the table's time ratios are per experiment). Errors: abstats against Evan
Miller's exact sum in 40-digit mpmath on ``EXACT_SUBSET`` rows; the Monte Carlo
peers against abstats (validated to <= 1e-10 that way) on their subset.

Run: ``.venv/bin/python benchmarks/bench_bayesian.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

import mpmath as mp
import numpy as np
from timing import best_time, print_table

from abstats.bayesian.beta_binomial import beats_and_losses

N_EXP = 100_000
MC_DRAWS = 100_000
MC_SUBSET = 500
BT_SUBSET = 500
EXACT_SUBSET = 40
CHUNK = 25


def make_data(seed: int = 3):
    rng = np.random.default_rng(seed)
    n = rng.integers(1_000, 100_000, size=(N_EXP, 2))
    base = rng.uniform(0.01, 0.2, N_EXP)
    lift = rng.normal(0.0, 0.05, N_EXP)
    x = np.column_stack([rng.binomial(n[:, 0], base), rng.binomial(n[:, 1], np.clip(base * (1 + lift), 0, 1))])
    # Beta(1, 1) prior: control a, b, treatment a, b.
    return 1.0 + x[:, 0], 1.0 + n[:, 0] - x[:, 0], 1.0 + x[:, 1], 1.0 + n[:, 1] - x[:, 1], n, x


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
    """P(T > C) and E[max(C - T, 0)] by Evan Miller's finite sum (40-digit mpmath), as in the tests."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bayesian"))
    import bayes_reference as ref

    with mp.workdps(40):
        return float(ref.prob_t_beats(a_t, b_t, a_c, b_c)), float(ref.expected_losses(a_t, b_t, a_c, b_c)[0])


def main() -> None:
    a_c, b_c, a_t, b_t, n, x = make_data()
    out = {}
    t_abstats = best_time(lambda: out.setdefault("abstats", beats_and_losses(a_t, b_t, a_c, b_c)), repeat=2)
    prob, loss_t, loss_c = out["abstats"]

    ref_rows = np.arange(EXACT_SUBSET)
    refs = np.array([exact_reference(a_t[i], b_t[i], a_c[i], b_c[i]) for i in ref_rows])
    err_exact = max(np.abs(prob[ref_rows] - refs[:, 0]).max(), np.abs(loss_t[ref_rows] - refs[:, 1]).max())

    sl = slice(0, MC_SUBSET)
    t_mc = best_time(lambda: out.__setitem__("mc", monte_carlo(a_c[sl], b_c[sl], a_t[sl], b_t[sl])), repeat=1)
    mc = out["mc"]
    t_bt = best_time(lambda: out.__setitem__("bt", bayesian_testing_loop(n, x, BT_SUBSET)), repeat=1)
    bt = out["bt"]

    def max_err(other, rows):
        return max(np.abs(o - e[:rows]).max() for o, e in zip(other, (prob, loss_t, loss_c), strict=True))

    print(f"{N_EXP:,} two-arm binary experiments, Beta(1, 1) prior, n per arm 1,000-100,000, rates 1%-20%")
    print_table(
        "P(beats) + both expected losses, time per experiment",
        [
            ("abstats (exact, all rows, one call)", t_abstats / N_EXP, float("nan")),
            (f"numpy MC {MC_DRAWS:,} draws ({MC_SUBSET} rows)", t_mc / MC_SUBSET, float("nan")),
            (f"bayesian-testing 20k draws ({BT_SUBSET} rows)", t_bt / BT_SUBSET, float("nan")),
        ],
        baseline="abstats (exact, all rows, one call)",
    )
    print(f"\nabstats total wall time for {N_EXP:,} experiments: {t_abstats:.2f} s")
    print("maximum absolute error (P(beats) and expected losses):")
    print(f"  abstats vs 40-digit mpmath exact sum ({EXACT_SUBSET} rows): {err_exact:.1e}")
    print(f"  numpy Monte Carlo vs exact ({MC_SUBSET} rows):            {max_err(mc, MC_SUBSET):.1e}")
    print(f"  bayesian-testing vs exact ({BT_SUBSET} rows):             {max_err(bt, BT_SUBSET):.1e}")


if __name__ == "__main__":
    main()
