"""Frequentist scoring of paired control / treatment sufficient statistics.

One call scores every comparison row of one metric from its
:class:`~abstats.inference.contrast.Contrast`: the test statistic and p-value (pooled z
for proportions, Welch t for means, delta-method z for ratios), the absolute-effect
interval and the relative-uplift interval, all in one reference distribution per row.
Count data also admit Fisher's exact test, Yates' correction and Newcombe's interval.
"""

from __future__ import annotations

import numpy as np

from abstats.frequentist.proportions import fisher_p_value, newcombe_interval, pooled_z
from abstats.frequentist.settings import FrequentistSettings
from abstats.inference.buffers import reusable
from abstats.inference.contrast import Contrast, contrast
from abstats.inference.critical import normal_p_value, standardise
from abstats.inference.relative import delta_relative_se, log_ratio_se
from abstats.methods.base import Columns
from abstats.result.result import constant
from abstats.statistics.protocol import SufficientStats
from abstats.vocabulary import Alternative


def test_alternative(settings: FrequentistSettings, higher_is_better: bool) -> Alternative:
    """With a margin the test is one-sided in the metric's better direction."""
    if not settings.has_margin:
        return settings.alternative
    return "greater" if higher_is_better else "less"


def null_shift(settings: FrequentistSettings, higher_is_better: bool) -> float:
    """Null value of the effect: 0, or +-margin (absolute), or log(1 +- margin) (relative, log scale),
    or +-margin on the relative scale itself (``relative_interval="delta"``)."""
    if settings.margin is None:
        return 0.0
    better = 1.0 if higher_is_better else -1.0
    signed = better * settings.margin if settings.hypothesis == "superiority" else -better * settings.margin
    if settings.margin_type == "relative" and settings.relative_interval != "delta":
        return float(np.log1p(signed))
    return signed


def score_pairs(
    control: SufficientStats,
    treatment: SufficientStats,
    settings: FrequentistSettings,
    *,
    higher_is_better: bool,
    interval_alpha: np.ndarray,
) -> tuple[Columns, dict[str, np.ndarray]]:
    """Score rows of (control, treatment) statistics of one metric.

    Returns the Result columns and boolean warning flags per row.
    """
    alternative = test_alternative(settings, higher_is_better)
    shift = null_shift(settings, higher_is_better)
    c = contrast(control, treatment)
    if settings.distribution == "normal":
        c = c.with_normal_reference()
    elif settings.distribution == "welch":
        c = c.with_welch_reference(control.n, treatment.n)
    counts = control.counts()
    flags: dict[str, np.ndarray] = {
        "zero_variance": _both_zero(c.v_c, c.v_t),
        **control.approximation_flags(treatment),
    }

    test, statistic, p_value = _test(c, control, treatment, settings, alternative, shift)
    crit = c.critical(interval_alpha, alternative)
    if counts is not None and settings.binary_interval == "newcombe":
        t_counts = treatment.counts()
        assert t_counts is not None  # same kind as control
        ci_low, ci_high = newcombe_interval(counts[0], counts[1], t_counts[0], t_counts[1], interval_alpha, alternative)
    else:
        ci_low, ci_high = c.interval(crit, alternative)
    rel_low, rel_high = c.relative_interval(crit, alternative, settings.relative_interval)
    flags["relative_undefined"] = _undefined(rel_low, rel_high)

    rows = len(c)
    columns: Columns = {
        "control_estimate": c.m_c,
        "treatment_estimate": c.m_t,
        "effect": c.effect,
        "se": c.se,
        "effect_ci_low": ci_low,
        "effect_ci_high": ci_high,
        "rel_effect": c.rel_effect,
        "rel_ci_low": rel_low,
        "rel_ci_high": rel_high,
        "test": constant(test, rows),
        "statistic": statistic,
        "df": np.where(np.isfinite(c.df), c.df, np.nan) if c.uses_t else constant(np.nan, rows),
        "p_value": np.clip(p_value, 0.0, 1.0, out=p_value if reusable(p_value, (rows,)) else None),
    }
    return columns, flags


def _both_zero(v_c: np.ndarray, v_t: np.ndarray) -> np.ndarray:
    """Rows where both variances are 0; when one arm's smallest variance is positive (fmin skips NaN, which
    is not 0 either) no row is, and the three boolean passes are skipped."""
    if v_c.size and (np.fmin.reduce(v_c, axis=None) > 0 or np.fmin.reduce(v_t, axis=None) > 0):
        return np.zeros(len(v_c), dtype=bool)
    return (v_c == 0) & (v_t == 0)


def _undefined(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Rows whose relative interval is undefined: isnan(low + high).

    rel is NaN only where the control is 0, which makes both bounds NaN too; a sum of an unbounded side
    (-inf or inf) and a finite bound is not NaN, so one isnan covers every case. When each bound's sum over
    the rows is finite, no bound is NaN or infinite and no row is undefined: two reductions instead of a
    fresh float column and a pass over it.
    """
    if low.size and np.isfinite(np.add.reduce(low, axis=None)) and np.isfinite(np.add.reduce(high, axis=None)):
        return np.zeros(len(low), dtype=bool)
    return np.isnan(low + high)


def _test(
    c: Contrast,
    control: SufficientStats,
    treatment: SufficientStats,
    settings: FrequentistSettings,
    alternative: Alternative,
    shift: float,
) -> tuple[str, np.ndarray, np.ndarray]:
    """(test name, statistic, p-value) of every row."""
    counts, t_counts = control.counts(), treatment.counts()
    if settings.relative_interval == "delta":
        return _delta_relative_test(c, shift, alternative)
    if settings.has_margin and settings.margin_type == "relative":
        return _log_ratio_test(c, shift, alternative)
    if counts is not None and t_counts is not None:
        if settings.binary_test == "fisher":
            p = fisher_p_value(counts[0], counts[1], t_counts[0], t_counts[1], alternative)
            return "fisher_exact", np.full(len(p), np.nan), p
        if not settings.has_margin:
            if settings.continuity_correction:
                z = pooled_z(counts[0], counts[1], t_counts[0], t_counts[1], continuity=True, diff=c.effect)
                return "z_pooled_yates", z, normal_p_value(z, alternative)
            z = c.statistic(pooled=True)
            return "z_pooled", z, normal_p_value(z, alternative)
    statistic = c.statistic(shift)
    return _test_name(control, c), statistic, c.p_value(statistic, alternative)


def _test_name(control: SufficientStats, c: Contrast) -> str:
    if c.uses_t:
        return "welch_t"
    return {"ratio": "delta_method_z"}.get(control.kind, "z_unpooled")


def _log_ratio_test(c: Contrast, shift: float, alternative: Alternative) -> tuple[str, np.ndarray, np.ndarray]:
    """Test of log(m_t / m_c) against log(1 +- margin) (relative margins), in the contrast's distribution."""
    se = log_ratio_se(c.m_c, c.v_c, c.m_t, c.v_t)
    ok = np.isfinite(se)
    log_ratio = np.log(np.where(ok, c.m_t, 1.0)) - np.log(np.where(ok, c.m_c, 1.0))
    stat = np.where(ok, standardise(log_ratio - shift, np.where(ok, se, 1.0)), np.nan)
    p = np.where(ok, c.p_value(np.where(ok, stat, 0.0), alternative), np.nan)
    return ("t_log_ratio" if c.uses_t else "z_log_ratio"), stat, p


def _delta_relative_test(c: Contrast, shift: float, alternative: Alternative) -> tuple[str, np.ndarray, np.ndarray]:
    """GrowthBook's relative test: z = (m_t / m_c - 1 - shift) / se_delta; undefined (NaN) where m_c = 0."""
    se = delta_relative_se(c.m_c, c.v_c, c.m_t, c.v_t)
    ok = np.isfinite(se)
    stat = np.where(ok, standardise(np.where(ok, c.rel_effect, 0.0) - shift, np.where(ok, se, 1.0)), np.nan)
    p = np.where(ok, c.p_value(np.where(ok, stat, 0.0), alternative), np.nan)
    return ("t_delta_relative" if c.uses_t else "z_delta_relative"), stat, p
