"""Frequentist scoring of comparison sets: tests, intervals, corrections across families, decisions."""

from __future__ import annotations

import numpy as np

from abstats.comparisons import ComparisonSet, family_groups
from abstats.frequentist.decision import fixed_horizon_decision
from abstats.frequentist.engine import score_pairs
from abstats.frequentist.multiple_testing import adjust_p_values, interval_alpha
from abstats.frequentist.settings import FrequentistSettings
from abstats.result.assembly import concat_columns, concat_flags


def score_frequentist(
    sets: list[ComparisonSet], settings: FrequentistSettings
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Columns, warning flags and rule codes for every row of every set."""
    groups = family_groups(sets, settings.family)
    ci_alpha = interval_alpha(settings.alpha, groups, settings.correction)
    parts, flag_parts = [], []
    offset = 0
    for s in sets:
        cols, flags = score_pairs(
            s.control,
            s.treatment,
            settings,
            higher_is_better=s.metric.higher_is_better,
            interval_alpha=ci_alpha[offset : offset + len(s)],
        )
        parts.append({**s.identity, **cols})
        flag_parts.append(flags)
        offset += len(s)
    columns = concat_columns(parts)
    columns["p_value_adjusted"] = _adjust(columns["p_value"], groups, settings.correction)
    decision, rules = fixed_horizon_decision(
        columns["p_value_adjusted"],
        columns["effect"],
        np.asarray(columns["higher_is_better"], dtype=bool),
        columns["control_n"],
        columns["treatment_n"],
        settings,
    )
    columns["decision"] = decision
    return columns, concat_flags(flag_parts, [len(s) for s in sets]), rules


def _adjust(p: np.ndarray, groups: np.ndarray, correction: str) -> np.ndarray:
    """Adjust the defined p-values; rows whose test is undefined stay NaN and leave their family."""
    ok = ~np.isnan(p)
    if ok.all():
        return adjust_p_values(p, groups, correction)
    out = np.full(len(p), np.nan)
    out[ok] = adjust_p_values(p[ok], groups[ok], correction)
    return out
