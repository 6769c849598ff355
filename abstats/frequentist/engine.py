"""Frequentist scoring of paired control / treatment sufficient statistics.

One call scores every comparison row of one metric: the test statistic and
p-value (pooled z for proportions, Welch t for means, delta-method z for ratios),
the absolute-effect interval and the relative-uplift interval.
"""

from __future__ import annotations

import numpy as np

from abstats.frequentist.intervals import (
    Alternative,
    bounds,
    normal_critical,
    normal_p_value,
    standardise,
    t_critical,
    t_p_value,
)
from abstats.frequentist.proportions import fisher_p_value, newcombe_interval, pooled_z
from abstats.frequentist.relative import (
    fieller_interval,
    log_ratio_interval,
    log_ratio_se,
    relative_effect,
)
from abstats.frequentist.settings import FrequentistSettings
from abstats.frequentist.welch import welch_df
from abstats.result.result import constant
from abstats.statistics import BinaryStats, MeanStats, SufficientStats

# Below this many conversions or non-conversions in an arm the normal approximation
# of a proportion is unreliable (the usual n p >= 10 rule).
MIN_CONVERSIONS_FOR_NORMAL = 10

Columns = dict[str, np.ndarray]


def test_alternative(settings: FrequentistSettings, higher_is_better: bool) -> Alternative:
    """With a margin the test is one-sided in the metric's better direction."""
    if not settings.has_margin:
        return settings.alternative
    return "greater" if higher_is_better else "less"


def null_shift(settings: FrequentistSettings, higher_is_better: bool) -> float:
    """Null value of the effect: 0, or +-margin (absolute), or log(1 +- margin) (relative, log scale)."""
    if not settings.has_margin:
        return 0.0
    better = 1.0 if higher_is_better else -1.0
    signed = better * settings.margin if settings.hypothesis == "superiority" else -better * settings.margin
    return float(np.log1p(signed)) if settings.margin_type == "relative" else signed


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
    relative_margin = settings.has_margin and settings.margin_type == "relative"

    m_c, m_t = control.estimate(), treatment.estimate()
    v_c, v_t = control.variance_of_estimate(), treatment.variance_of_estimate()
    effect = m_t - m_c
    se = np.sqrt(v_c + v_t)
    df = constant(np.nan, len(effect))
    flags: dict[str, np.ndarray] = {"zero_variance": (v_c == 0) & (v_t == 0)}

    if isinstance(control, BinaryStats):
        assert isinstance(treatment, BinaryStats)
        test, statistic, p_value = _binary_test(control, treatment, settings, alternative, effect, se, shift)
        crit = normal_critical(interval_alpha, alternative)
        if settings.binary_interval == "newcombe":
            ci_low, ci_high = newcombe_interval(
                control.conversions, control.n, treatment.conversions, treatment.n, interval_alpha, alternative
            )
        else:
            ci_low, ci_high = bounds(effect, crit * se, alternative)
        few_c = np.minimum(control.conversions, control.n - control.conversions)
        few_t = np.minimum(treatment.conversions, treatment.n - treatment.conversions)
        flags["few_conversions"] = np.minimum(few_c, few_t) < MIN_CONVERSIONS_FOR_NORMAL
    elif isinstance(control, MeanStats):
        df = welch_df(v_c, control.n, v_t, treatment.n)
        if relative_margin:
            test, statistic, p_value = _log_ratio_test(m_c, v_c, m_t, v_t, shift, alternative)
        else:
            test = "welch_t"
            statistic = standardise(effect - shift, se)
            p_value = t_p_value(statistic, df, alternative)
        crit = normal_critical(interval_alpha, alternative)
        ci_low, ci_high = bounds(effect, t_critical(interval_alpha, df, alternative) * se, alternative)
    else:
        if relative_margin:
            test, statistic, p_value = _log_ratio_test(m_c, v_c, m_t, v_t, shift, alternative)
        else:
            test = "delta_method_z"
            statistic = standardise(effect - shift, se)
            p_value = normal_p_value(statistic, alternative)
        crit = normal_critical(interval_alpha, alternative)
        ci_low, ci_high = bounds(effect, crit * se, alternative)

    rel = relative_effect(m_c, m_t)
    interval = fieller_interval if settings.relative_interval == "fieller" else log_ratio_interval
    rel_low, rel_high = interval(m_c, v_c, m_t, v_t, crit, alternative)
    # rel is NaN only where the control is 0, which makes both bounds NaN too; a sum of an
    # unbounded side (-inf or inf) and a finite bound is not NaN, so one isnan covers every case
    flags["relative_undefined"] = np.isnan(rel_low + rel_high)

    columns: Columns = {
        "control_estimate": m_c,
        "treatment_estimate": m_t,
        "effect": effect,
        "effect_ci_low": ci_low,
        "effect_ci_high": ci_high,
        "rel_effect": rel,
        "rel_ci_low": rel_low,
        "rel_ci_high": rel_high,
        "test": constant(test, len(effect)),
        "statistic": statistic,
        "df": df,
        "p_value": np.clip(p_value, 0.0, 1.0),
    }
    return columns, flags


def _binary_test(
    control: BinaryStats,
    treatment: BinaryStats,
    settings: FrequentistSettings,
    alternative: Alternative,
    effect: np.ndarray,
    se_unpooled: np.ndarray,
    shift: float,
) -> tuple[str, np.ndarray, np.ndarray]:
    if settings.binary_test == "fisher":
        p = fisher_p_value(control.conversions, control.n, treatment.conversions, treatment.n, alternative)
        return "fisher_exact", np.full(len(p), np.nan), p
    if not settings.has_margin:
        z = pooled_z(
            control.conversions, control.n, treatment.conversions, treatment.n,
            continuity=settings.continuity_correction, diff=effect,
        )
        return ("z_pooled_yates" if settings.continuity_correction else "z_pooled"), z, normal_p_value(z, alternative)
    if settings.margin_type == "relative":
        return _log_ratio_test(
            control.estimate(), control.variance_of_estimate(),
            treatment.estimate(), treatment.variance_of_estimate(), shift, alternative,
        )
    z = standardise(effect - shift, se_unpooled)
    return "z_unpooled", z, normal_p_value(z, alternative)


def _log_ratio_test(
    m_c: np.ndarray, v_c: np.ndarray, m_t: np.ndarray, v_t: np.ndarray, shift: float, alternative: Alternative
) -> tuple[str, np.ndarray, np.ndarray]:
    """z-test of log(m_t / m_c) against log(1 +- margin) (relative margins)."""
    se = log_ratio_se(m_c, v_c, m_t, v_t)
    ok = np.isfinite(se)
    log_ratio = np.log(np.where(ok, m_t, 1.0)) - np.log(np.where(ok, m_c, 1.0))
    z = np.where(ok, standardise(log_ratio - shift, np.where(ok, se, 1.0)), np.nan)
    p = np.where(ok, normal_p_value(np.where(ok, z, 0.0), alternative), np.nan)
    return "z_log_ratio", z, p
