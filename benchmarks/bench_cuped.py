"""CUPED's cost: scoring 100,000 two-arm experiments from aggregates with and without the covariate.

The same experiments, the same metric and abstats' default settings, once with statistics that carry a
pre-period covariate (theta pooled per experiment, adjusted means and variances, the three CUPED
columns) and once without; goal: CUPED adds at most 1.5x. ``compare`` takes paired arrays (mean,
binary and ratio metrics); ``analyze`` reads a long aggregate DataFrame (one row per experiment x
variant) through ``from_aggregates``, covariate columns included. Both variants are timed in
alternation in one process (``side_by_side``), so the ratio of medians is the figure to read.

Run: ``.venv/bin/python benchmarks/bench_cuped.py [--json]``
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from harness import Row, fmt_ratio, fmt_time, report, side_by_side

import abstats
from abstats import Covariate
from abstats.statistics import BinaryStats, MeanStats, RatioStats

N_EXP = 100_000
GOAL = 1.5


def _mean_sums(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Sums of a metric y and covariate x with correlation ~0.7, per experiment (moments drawn, not rows)."""
    n = rng.integers(1_000, 50_000, size=N_EXP).astype(float)
    mx, my = rng.uniform(5, 50, N_EXP), rng.uniform(5, 50, N_EXP)
    sx, sy, rho = rng.uniform(1, 10, N_EXP), rng.uniform(1, 10, N_EXP), rng.uniform(0.3, 0.9, N_EXP)
    return {"n": n, "sum": n * my, "sum_sq": (n - 1) * sy**2 + n * my**2, "pre_sum": n * mx,
            "pre_sum_sq": (n - 1) * sx**2 + n * mx**2, "pre_cross_sum": (n - 1) * rho * sx * sy + n * mx * my}


def _ratio_sums(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Consistent sums of (x, y, u, v), post and pre numerator and denominator: a random PSD covariance each."""
    n = rng.integers(1_000, 50_000, size=N_EXP).astype(float)
    means = rng.uniform(5, 50, size=(N_EXP, 4))
    a = rng.normal(size=(N_EXP, 4, 4)) + 2 * np.eye(4)
    cov = a @ np.swapaxes(a, 1, 2)
    m = (n - 1)[:, None, None] * cov + n[:, None, None] * means[:, :, None] * means[:, None, :]
    s = n[:, None] * means
    x, y, u, v = 0, 1, 2, 3
    return {"n": n, "num_sum": s[:, x], "den_sum": s[:, y], "num_sum_sq": m[:, x, x], "den_sum_sq": m[:, y, y],
            "num_den_sum": m[:, x, y], "pre_num_sum": s[:, u], "pre_den_sum": s[:, v], "pre_num_sum_sq": m[:, u, u],
            "pre_den_sum_sq": m[:, v, v], "pre_num_den_sum": m[:, u, v], "num_pre_num_sum": m[:, x, u],
            "num_pre_den_sum": m[:, x, v], "den_pre_num_sum": m[:, y, u], "den_pre_den_sum": m[:, y, v]}


def _pairs(kind: str, seed: int) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """(control, treatment) statistics with and without the covariate."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        if kind == "mean":
            s = _mean_sums(rng)
            plain = MeanStats.from_arrays(s["n"], s["sum"], s["sum_sq"])
            cuped = MeanStats.from_arrays(s["n"], s["sum"], s["sum_sq"], pre_sum=s["pre_sum"],
                                          pre_sum_sq=s["pre_sum_sq"], pre_cross_sum=s["pre_cross_sum"])
        elif kind == "binary":
            s = _mean_sums(rng)
            conv = np.floor(s["n"] * rng.uniform(0.02, 0.3, N_EXP))
            mx, sx = s["pre_sum"] / s["n"], np.sqrt((s["pre_sum_sq"] - s["pre_sum"] ** 2 / s["n"]) / (s["n"] - 1))
            cross = conv * mx + 0.3 * sx * np.sqrt(conv * (1 - conv / s["n"]))
            plain = BinaryStats.from_arrays(s["n"], conv)
            cuped = BinaryStats.from_arrays(s["n"], conv, pre_sum=s["pre_sum"], pre_sum_sq=s["pre_sum_sq"],
                                            pre_cross_sum=cross)
        else:
            s = _ratio_sums(rng)
            keys = ("n", "num_sum", "den_sum", "num_sum_sq", "den_sum_sq", "num_den_sum")
            plain = RatioStats.from_arrays(*(s[k] for k in keys))
            cuped = RatioStats.from_arrays(*(s[k] for k in keys), **{k: v for k, v in s.items() if k not in keys})
        out.append((plain, cuped))
    (c_plain, c_cuped), (t_plain, t_cuped) = out
    return (c_plain, t_plain), (c_cuped, t_cuped)


METRICS = {"mean": abstats.MeanMetric, "binary": abstats.BinaryMetric, "ratio": abstats.RatioMetric}


def _long_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arms = [_mean_sums(rng) for _ in range(2)]
    frame = {"experiment": np.repeat(np.arange(N_EXP), 2), "variant": np.tile(["control", "treatment"], N_EXP)}
    for key in arms[0]:
        frame[key] = np.column_stack([arms[0][key], arms[1][key]]).ravel()
    return pd.DataFrame(frame)


def _scorer(control: Any, treatment: Any, metric: Any) -> Any:
    return lambda: abstats.compare(control, treatment, metric=metric)


def main() -> list[Row]:
    rows = []
    for kind, metric_class in METRICS.items():
        (c_plain, t_plain), (c_cuped, t_cuped) = _pairs(kind, 7)
        metric = metric_class("m")
        t = side_by_side({"plain": _scorer(c_plain, t_plain, metric), "cuped": _scorer(c_cuped, t_cuped, metric)},
                         runs=9)
        assert abstats.compare(c_cuped, t_cuped, metric=metric)["cuped"].mean() > 0.99
        r = t["cuped"].median / t["plain"].median
        rows.append(Row(
            f"compare, 100k {kind} experiments, CUPED vs none", fmt_time(t["cuped"]),
            f"same without covariate {fmt_time(t['plain'])}", fmt_ratio(r), f"<= {GOAL}x", r <= GOAL,
            "median of 9, alternating in one process, default settings",
        ))
    table = _long_table(8)
    plain_metric, cuped_metric = abstats.MeanMetric("m"), abstats.MeanMetric("m", covariate=Covariate())
    t = side_by_side({
        "plain": lambda: abstats.analyze(table, metric=plain_metric, control="control", experiment="experiment"),
        "cuped": lambda: abstats.analyze(table, metric=cuped_metric, control="control", experiment="experiment"),
    }, runs=5)
    r = t["cuped"].median / t["plain"].median
    rows.append(Row(
        "analyze, long aggregate DataFrame, 100k mean experiments, CUPED vs none", fmt_time(t["cuped"]),
        f"same without covariate {fmt_time(t['plain'])}", fmt_ratio(r), f"<= {GOAL}x", r <= GOAL,
        "median of 5, alternating in one process; from_aggregates reads 3 more columns",
    ))
    return rows


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report(main())
