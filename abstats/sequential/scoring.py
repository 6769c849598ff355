"""Sequential scoring of comparison sets: the same effect and variance arrays, sequential inference.

* group-sequential: z of the fixed-horizon test (pooled z, Welch, delta method) against this
  look's boundaries; repeated confidence intervals at the efficacy boundary;
* mSPRT / confidence sequence: always-valid p-value and interval from effect and variance.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from abstats.comparisons import ComparisonSet, family_groups
from abstats.frequentist.engine import score_pairs
from abstats.frequentist.intervals import bounds, standardise
from abstats.frequentist.multiple_testing import adjust_p_values, family_sizes, interval_alpha
from abstats.frequentist.relative import log_ratio_interval
from abstats.frequentist.settings import FrequentistSettings
from abstats.result.assembly import concat_columns, concat_flags
from abstats.result.result import constant
from abstats.sequential.confidence_sequences import confidence_sequence
from abstats.sequential.decision import always_valid_decision, group_sequential_decision
from abstats.sequential.msprt import default_mixing_variance, msprt_confidence_interval, msprt_p_value
from abstats.sequential.settings import SequentialSettings

Columns = dict[str, np.ndarray]


def score_sequential(
    sets: list[ComparisonSet], settings: SequentialSettings
) -> tuple[Columns, dict[str, np.ndarray], np.ndarray]:
    """Columns, warning flags and rule codes for every row of every set."""
    groups = family_groups(sets, settings.family)
    alternative = settings.alternative
    # The fixed-horizon engine supplies estimates, the test's z and the warning flags.
    base = FrequentistSettings(alpha=settings.alpha, alternative=alternative, correction="none")
    parts, flag_parts = [], []
    offset = 0
    for s in sets:
        rows = slice(offset, offset + len(s))
        cols, flags = score_pairs(s.control, s.treatment, base, higher_is_better=s.metric.higher_is_better,
                                  interval_alpha=np.full(len(s), settings.alpha))
        parts.append({**s.identity, **cols, "_var": s.control.variance_of_estimate() + s.treatment.variance_of_estimate(),
                      "_var_c": s.control.variance_of_estimate(), "_var_t": s.treatment.variance_of_estimate(),
                      "_group": groups[rows]})
        flag_parts.append(flags)
        offset += len(s)
    columns = concat_columns(parts)
    flags = concat_flags(flag_parts, [len(s) for s in sets])
    if settings.method == "group_sequential":
        _group_sequential(columns, settings)
    else:
        _always_valid(columns, settings)
    for key in ("_var", "_var_c", "_var_t", "_group"):
        columns.pop(key)
    rules = np.full(len(columns["effect"]), settings.method)
    return columns, flags, rules


def _group_sequential(columns: Columns, settings: SequentialSettings) -> None:
    design = settings.design
    assert design is not None and settings.look is not None
    # zero variance in both arms makes z infinite: the difference is certain, so it crosses any boundary
    z = np.clip(columns["statistic"], -1e12, 1e12)
    m = family_sizes(columns["_group"]) if settings.correction != "none" else np.ones(len(z), dtype=int)
    hib = np.asarray(columns["higher_is_better"], dtype=bool)
    out = {k: np.empty(len(z), dtype=object if k in ("decision", "rule") else float)
           for k in ("decision", "efficacy_boundary", "futility_boundary", "alpha_spent", "rule")}
    # One design per (family size, direction): Bonferroni alpha / m; rows share its boundaries.
    for size in np.unique(m):
        for better in (True, False):
            rows = (m == size) & (hib == better)
            if not rows.any():
                continue
            d = design if size == 1 else replace(design, alpha=design.alpha / size, looks=None)
            res = group_sequential_decision(z[rows], design=d, look=settings.look,
                                            information_fraction=settings.information_fraction,
                                            higher_is_better=better)
            for key in out:
                out[key][rows] = res[key]
    se = np.sqrt(columns["_var"])
    crit = out["efficacy_boundary"]
    columns["effect_ci_low"], columns["effect_ci_high"] = bounds(columns["effect"], crit * se, design.alternative)
    columns["rel_ci_low"], columns["rel_ci_high"] = log_ratio_interval(
        columns["control_estimate"], columns["_var_c"], columns["treatment_estimate"], columns["_var_t"],
        crit, design.alternative,
    )
    nan = np.full(len(z), np.nan)
    columns.update(
        p_value=nan, p_value_adjusted=nan, look=constant(float(settings.look), len(z)),
        efficacy_boundary=out["efficacy_boundary"], futility_boundary=out["futility_boundary"],
        alpha_spent=out["alpha_spent"], decision=out["decision"].astype(str), _rule_text=out["rule"],
    )


def _always_valid(columns: Columns, settings: SequentialSettings) -> None:
    var = columns["_var"]
    effect = columns["effect"]
    n_total = columns["control_n"] + columns["treatment_n"]
    ok = var > 0  # zero-variance rows carry the zero_variance warning and no always-valid inference
    ci_alpha = interval_alpha(settings.alpha, columns["_group"], settings.correction)
    p = np.full(len(effect), np.nan)
    low, high = np.full(len(effect), np.nan), np.full(len(effect), np.nan)
    rel_low, rel_high = np.full(len(effect), np.nan), np.full(len(effect), np.nan)
    if ok.any():
        v, e, n, a = var[ok], effect[ok], n_total[ok], ci_alpha[ok]
        # With tau2 = rho^2 n Var the mSPRT and the confidence sequence are exact duals (Howard et al.
        # 2021; Johari et al. 2022): one p-value, and the interval from the method the user named.
        tau2 = default_mixing_variance(v, n, alpha=settings.alpha, tuning_n=settings.tuning_n)
        p[ok] = msprt_p_value(e, v, tau2)
        if settings.method == "msprt":
            lo, hi = _per_alpha(lambda alpha, idx: msprt_confidence_interval(e[idx], v[idx], tau2[idx], alpha=alpha), a)
        else:
            lo, hi = _per_alpha(
                lambda alpha, idx: confidence_sequence(e[idx], v[idx], n[idx], alpha=alpha, tuning_n=settings.tuning_n),
                a,
            )
        low[ok], high[ok] = lo, hi
        # Relative effect: the sequence's multiplier of the standard error depends only on n, rho^2 and
        # alpha, so the same multiplier on the log-ratio scale (delta method) is its sequence there.
        with np.errstate(divide="ignore", invalid="ignore"):
            z_equiv = (hi - e) / np.sqrt(v)
        rl, rh = log_ratio_interval(columns["control_estimate"][ok], columns["_var_c"][ok],
                                    columns["treatment_estimate"][ok], columns["_var_t"][ok], z_equiv, "two-sided")
        rel_low[ok], rel_high[ok] = rl, rh
    p_adj = np.full(len(p), np.nan)
    p_adj[ok] = adjust_p_values(p[ok], columns["_group"][ok], settings.correction)
    decision = np.full(len(p), "continue", dtype=object)
    hib = np.asarray(columns["higher_is_better"], dtype=bool)
    for better in (True, False):
        rows = ok & (hib == better)
        if rows.any():
            res = always_valid_decision(p_adj[rows], low[rows], high[rows], alpha=settings.alpha,
                                        higher_is_better=better, effect=effect[rows])
            decision[rows] = res["decision"]
    columns.update(
        p_value=p, p_value_adjusted=p_adj, effect_ci_low=low, effect_ci_high=high,
        rel_ci_low=rel_low, rel_ci_high=rel_high, statistic=standardise(effect, np.sqrt(var)),
        decision=decision.astype(str),
    )


def _per_alpha(interval, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate an interval function once per distinct alpha (Bonferroni levels differ by family size)."""
    low, high = np.empty(len(alpha)), np.empty(len(alpha))
    for a in np.unique(alpha):
        idx = alpha == a
        lo, hi = interval(float(a), idx)
        low[idx], high[idx] = lo, hi
    return low, high
