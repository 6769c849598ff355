"""Score 100,000 two-arm binary experiments in one call, side by side with peers.

abstats runs twice: ``abstats.compare`` on paired arrays (the batch path) and
``abstats.analyze`` on a labelled long table (pairs rows by experiment and
variant name first). Both also run the SRM check, warnings and decisions.

Peers: a plain vectorised numpy baseline computing the same outputs (pooled z,
p-value, Wald interval, log-ratio relative interval), statsmodels
``proportions_ztest`` in a Python loop, and gbstats' two-sided t-test in a loop
(loops run on a subset and are reported per experiment).

Run: ``.venv/bin/python benchmarks/bench_frequentist.py``
"""

from __future__ import annotations

import numpy as np
from scipy import special
from timing import best_time, peak_memory_mb, print_table

import abstats
from abstats.statistics import BinaryStats

N_EXP = 100_000
LOOP_SUBSET = 2_000


def make_data(seed: int = 1):
    rng = np.random.default_rng(seed)
    n = rng.integers(1_000, 100_000, size=(N_EXP, 2))
    x = rng.binomial(n, 0.05)
    return n, x


def numpy_baseline(n: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, ...]:
    n_c, n_t, x_c, x_t = n[:, 0], n[:, 1], x[:, 0], x[:, 1]
    p_c, p_t = x_c / n_c, x_t / n_t
    pooled = (x_c + x_t) / (n_c + n_t)
    z = (p_t - p_c) / np.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_t))
    p = 2 * special.ndtr(-np.abs(z))
    se = np.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t)
    q = -special.ndtri(0.025)
    se_log = np.sqrt((1 - p_c) / (n_c * p_c) + (1 - p_t) / (n_t * p_t))
    log_ratio = np.log(p_t / p_c)
    rel_low, rel_high = np.expm1(log_ratio - q * se_log), np.expm1(log_ratio + q * se_log)
    return z, p, p_t - p_c - q * se, p_t - p_c + q * se, rel_low, rel_high


def main() -> None:
    n, x = make_data()
    table = {
        "experiment": np.repeat(np.arange(N_EXP), 2),
        "variant": np.tile(np.array(["control", "treatment"], dtype=object), N_EXP),
        "n": n.ravel(),
        "conversions": x.ravel(),
    }
    metric = abstats.BinaryMetric("conversion")
    control = BinaryStats.from_arrays(n[:, 0], x[:, 0])
    treatment = BinaryStats.from_arrays(n[:, 1], x[:, 1])

    def run_analyze():
        return abstats.analyze(table, metric=metric, control="control", experiment="experiment", correction="none")

    def run_compare():
        return abstats.compare(control, treatment, metric=metric, correction="none")

    # agreement before timing: the same numbers from every implementation
    ours = run_analyze()
    base = numpy_baseline(n, x)
    assert np.allclose(ours["statistic"], base[0], rtol=1e-10)
    assert np.allclose(ours.p_value, base[1], rtol=1e-9, atol=1e-300)
    assert np.allclose(ours["rel_ci_low"], base[4], rtol=1e-9)
    assert np.array_equal(run_compare().p_value, ours.p_value)

    from statsmodels.stats.proportion import proportions_ztest

    def run_statsmodels():
        for i in range(LOOP_SUBSET):
            proportions_ztest([x[i, 1], x[i, 0]], [n[i, 1], n[i, 0]])

    rows = [
        ("numpy baseline (vectorised)", best_time(lambda: numpy_baseline(n, x), repeat=7, number=10) / N_EXP,
         peak_memory_mb(lambda: numpy_baseline(n, x))),
        ("abstats.compare (paired arrays: batch path)", best_time(run_compare, repeat=7, number=10) / N_EXP,
         peak_memory_mb(run_compare)),
        ("abstats.analyze (labels, SRM, decisions)", best_time(run_analyze, repeat=3) / N_EXP,
         peak_memory_mb(run_analyze)),
        (f"statsmodels proportions_ztest loop ({LOOP_SUBSET})", best_time(run_statsmodels, repeat=1) / LOOP_SUBSET,
         float("nan")),
    ]
    try:
        from gbstats.frequentist.tests import TwoSidedTTest
        from gbstats.models.statistics import ProportionStatistic

        def run_gbstats():
            for i in range(LOOP_SUBSET):
                TwoSidedTTest(ProportionStatistic(n=int(n[i, 0]), sum=int(x[i, 0])),
                              ProportionStatistic(n=int(n[i, 1]), sum=int(x[i, 1]))).compute_result()

        rows.append((f"gbstats TwoSidedTTest loop ({LOOP_SUBSET})", best_time(run_gbstats, repeat=1) / LOOP_SUBSET,
                     float("nan")))
    except ImportError as exc:  # reported, not hidden
        print(f"gbstats not available: {exc}")
    print_table(f"{N_EXP:,} two-arm binary experiments, one call", rows, baseline="numpy baseline (vectorised)")
    core = rows[1][1] / rows[0][1]
    full = rows[2][1] / rows[0][1]
    print(
        f"\nabstats.compare / numpy baseline = {core:.2f}x (target <= 3x); "
        f"full analyze / numpy baseline = {full:.2f}x"
    )


if __name__ == "__main__":
    main()
