"""Sequential scoring of comparison sets from the method-neutral contrasts.

* group-sequential: the z of each comparison (pooled z for proportions, Welch's statistic for
  means, delta-method z for ratios) against this look's boundaries; repeated confidence
  intervals at the efficacy boundary;
* mSPRT / confidence sequence: always-valid p-value and interval from effect and variance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from abstats.comparisons import ComparisonSet, family_groups
from abstats.inference.contrast import Contrast, contrast
from abstats.inference.critical import bounds
from abstats.inference.multiple_testing import adjust_defined, family_sizes, interval_alpha
from abstats.inference.relative import log_ratio_interval, log_ratio_se
from abstats.methods.base import Columns, Scores
from abstats.result.assembly import concat_columns, concat_flags
from abstats.result.result import constant
from abstats.sequential.decision import always_valid_decision, group_sequential_decision
from abstats.sequential.msprt import default_mixing_variance, msprt_p_value
from abstats.sequential.settings import AlwaysValidSettings, GroupSequentialSettings
from abstats.vocabulary import Family


@dataclass(frozen=True, eq=False)
class _Rows:
    """Every comparison row of every set: identity columns, contrasts joined, flags, family ids."""

    columns: Columns
    contrast: Contrast
    flags: dict[str, np.ndarray]
    groups: np.ndarray


def _rows(sets: list[ComparisonSet], family: Family) -> _Rows:
    contrasts = [contrast(s.control, s.treatment) for s in sets]
    joined = Contrast(*(np.concatenate([getattr(c, f) for c in contrasts]) for f in
                        ("m_c", "m_t", "v_c", "v_t", "null_variance", "df")))
    flag_parts = []
    for s, c in zip(sets, contrasts, strict=True):
        flag_parts.append({
            "zero_variance": (c.v_c == 0) & (c.v_t == 0),
            "relative_undefined": np.isnan(log_ratio_se(c.m_c, c.v_c, c.m_t, c.v_t)),
            **s.control.approximation_flags(s.treatment),
        })
    columns = concat_columns([dict(s.identity) for s in sets])
    columns.update(
        control_estimate=joined.m_c, treatment_estimate=joined.m_t, effect=joined.effect, se=joined.se,
        rel_effect=joined.rel_effect,
    )
    return _Rows(columns, joined, concat_flags(flag_parts, [len(s) for s in sets]), family_groups(sets, family))


def score_group_sequential(sets: list[ComparisonSet], settings: GroupSequentialSettings) -> Scores:
    """Group-sequential decisions, boundaries and repeated confidence intervals at this look."""
    rows = _rows(sets, settings.family)
    c, columns = rows.contrast, rows.columns
    design = settings.design
    # zero variance in both arms makes z infinite: the difference is certain, so it crosses any boundary
    z = np.clip(c.statistic(pooled=True), -1e12, 1e12)
    m = family_sizes(rows.groups) if settings.correction != "none" else np.ones(len(z), dtype=int)
    hib = np.asarray(columns["higher_is_better"], dtype=bool)
    out = {k: np.empty(len(z), dtype=object if k == "decision" else float)
           for k in ("decision", "efficacy_boundary", "futility_boundary", "alpha_spent", "comparison_alpha")}
    # One design per (family size, direction): Bonferroni alpha / m; rows share its boundaries.
    for size in np.unique(m):
        for better in (True, False):
            sel = (m == size) & (hib == better)
            if not sel.any():
                continue
            d = design if size == 1 else replace(design, alpha=design.alpha / size, looks=None)
            res = group_sequential_decision(z[sel], design=d, look=settings.look,
                                            information_fraction=settings.information_fraction,
                                            higher_is_better=better)
            res["comparison_alpha"] = np.full(int(sel.sum()), d.alpha)
            for key in out:
                out[key][sel] = res[key]
    crit = out["efficacy_boundary"]
    columns["effect_ci_low"], columns["effect_ci_high"] = bounds(c.effect, crit * c.se, design.alternative)
    columns["rel_ci_low"], columns["rel_ci_high"] = log_ratio_interval(c.m_c, c.v_c, c.m_t, c.v_t, crit,
                                                                       design.alternative)
    nan = constant(np.nan, len(z))
    columns.update(
        statistic=z, p_value=nan, p_value_adjusted=nan, look=constant(float(settings.look), len(z)),
        efficacy_boundary=out["efficacy_boundary"], futility_boundary=out["futility_boundary"],
        alpha_spent=out["alpha_spent"], comparison_alpha=out["comparison_alpha"], decision=out["decision"].astype(str),
    )
    decision = columns["decision"]
    rules = np.where(np.isin(decision, ("stop_winner", "stop_loser")), "boundary_crossed",
                     np.where(decision == "stop_futility", "futility_crossed", "boundary_not_crossed"))
    return Scores(columns, rows.flags, rules.astype(object))


def score_always_valid(sets: list[ComparisonSet], settings: AlwaysValidSettings) -> Scores:
    """Always-valid p-values, intervals and decisions (mSPRT or confidence sequence)."""
    rows = _rows(sets, settings.family)
    c, columns = rows.contrast, rows.columns
    var, effect = c.variance, c.effect
    n_total = columns["control_n"] + columns["treatment_n"]
    ok = var > 0  # zero-variance rows carry the zero_variance warning and no always-valid inference
    ci_alpha = interval_alpha(settings.alpha, rows.groups, settings.correction)
    p = np.full(len(effect), np.nan)
    low, high = np.full(len(effect), np.nan), np.full(len(effect), np.nan)
    rel_low, rel_high = np.full(len(effect), np.nan), np.full(len(effect), np.nan)
    if ok.any():
        v, e, n, a = var[ok], effect[ok], n_total[ok], ci_alpha[ok]
        # With tau2 = rho^2 n Var the mSPRT and the confidence sequence are exact duals (Howard et al.
        # 2021; Johari et al. 2022): one p-value, and the interval from the method the user named.
        tau2 = default_mixing_variance(v, n, alpha=settings.alpha, tuning_n=settings.tuning_n)
        p[ok] = msprt_p_value(e, v, tau2, alternative=settings.alternative)
        lo, hi = np.empty(len(e)), np.empty(len(e))
        for level in np.unique(a):  # Bonferroni levels differ by family size: one call per distinct alpha
            idx = a == level
            lo[idx], hi[idx] = settings.interval(e[idx], v[idx], n[idx], tau2[idx], float(level))
        low[ok], high[ok] = lo, hi
        # Relative effect: the sequence's multiplier of the standard error depends only on n, rho^2 and
        # alpha, so the same multiplier on the log-ratio scale (delta method) is its sequence there.
        # One-sided sequences bound one side: the multiplier comes from the finite one.
        with np.errstate(divide="ignore", invalid="ignore"):
            z_equiv = (e - lo) / np.sqrt(v) if settings.alternative == "greater" else (hi - e) / np.sqrt(v)
        rel_low[ok], rel_high[ok] = log_ratio_interval(c.m_c[ok], c.v_c[ok], c.m_t[ok], c.v_t[ok], z_equiv,
                                                       settings.alternative)
    p_adj = adjust_defined(p, rows.groups, settings.correction)
    decision = np.full(len(p), "continue", dtype=object)
    hib = np.asarray(columns["higher_is_better"], dtype=bool)
    for better in (True, False):
        sel = ok & (hib == better)
        if sel.any():
            # the decision reads the bounds only to compare them with 0: the open side of a one-sided
            # sequence stands in as the largest float
            res = always_valid_decision(p_adj[sel], _finite(low[sel]), _finite(high[sel]), alpha=settings.alpha,
                                        higher_is_better=better, effect=effect[sel])
            decision[sel] = res["decision"]
    columns.update(
        p_value=p, p_value_adjusted=p_adj, effect_ci_low=low, effect_ci_high=high,
        rel_ci_low=rel_low, rel_ci_high=rel_high, statistic=c.statistic(), decision=decision.astype(str),
    )
    rules = np.where(~ok, "test_undefined", np.where(decision == "continue", "not_significant", "significant"))
    return Scores(columns, rows.flags, rules.astype(object))


def _finite(bound: np.ndarray) -> np.ndarray:
    """An interval bound with +-inf (the open side of a one-sided interval) as +-the largest float."""
    return np.clip(bound, -np.finfo(float).max, np.finfo(float).max)
