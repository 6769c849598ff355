"""Frequentist scoring of comparison sets: tests, intervals, corrections across families, decisions."""

from __future__ import annotations

from typing import cast

import numpy as np

from abstats.column import Column
from abstats.comparisons import ComparisonSet, family_groups
from abstats.frequentist.decision import fixed_horizon_decision
from abstats.frequentist.engine import score_pairs
from abstats.frequentist.settings import FrequentistSettings
from abstats.inference.multiple_testing import adjust_defined, families_of_one, interval_alpha
from abstats.methods.base import Scores
from abstats.result.assembly import concat_columns, concat_flags
from abstats.result.deferred import CodedLabels
from abstats.result.result import constant
from abstats.vocabulary import SIDAK_CORRECTIONS


def score_frequentist(sets: list[ComparisonSet], settings: FrequentistSettings) -> Scores:
    """Columns, warning flags and rule codes for every row of every set."""
    groups = family_groups(sets, settings.family)
    # Families of one comparison (one treatment per experiment and metric, the usual case): every correction
    # but Sidak's leaves the interval level at alpha exactly (alpha / 1) and every correction leaves p as it
    # is, so the per-row levels, sorts and group-wise maxima are skipped. Sidak's 1 - (1 - alpha)^(1/1) is
    # alpha only up to rounding: it keeps the general path.
    single = (len(sets) == 1 and sets[0].one_per_experiment) or families_of_one(groups)
    ci_alpha = (np.broadcast_to(float(settings.alpha), (len(groups),))
                if single and settings.correction not in SIDAK_CORRECTIONS
                else interval_alpha(settings.alpha, groups, settings.correction))
    parts, flag_parts, decisions, rules, planned_parts = [], [], [], [], []
    offset = 0
    for s in sets:
        own = settings.for_metric(s.metric)
        cols, flags = score_pairs(
            s.control,
            s.treatment,
            own,
            higher_is_better=s.metric.higher_is_better,
            interval_alpha=ci_alpha[offset : offset + len(s)],
        )
        parts.append({**s.identity, **cols})
        flag_parts.append(flags)
        offset += len(s)
    columns = concat_columns(parts)
    columns["p_value_adjusted"] = (columns["p_value"].copy() if single
                                   else adjust_defined(columns["p_value"], groups, settings.correction))
    offset = 0
    for s in sets:
        rows = slice(offset, offset + len(s))
        own = settings.for_metric(s.metric)
        planned = _planned_n(s, own)
        planned_parts.append(constant(np.nan, len(s)) if planned is None
                             else np.broadcast_to(np.asarray(planned, dtype=float), (len(s),)))
        decision, rule = fixed_horizon_decision(
            columns["p_value_adjusted"][rows], columns["effect"][rows], s.metric.higher_is_better,
            columns["control_n"][rows], columns["treatment_n"][rows],
            alpha=own.alpha, planned_n=planned, margin=own.has_margin,
        )
        decisions.append(decision)
        rules.append(rule)
        offset += len(s)
    # one metric (the batch path): its arrays as they are
    # label codes (strings built when the Result's column is read) pass for an array: readers get the
    # strings through __array__
    columns["decision"] = cast(np.ndarray, decisions[0] if len(sets) == 1 else CodedLabels.concat(decisions))
    columns["planned_n"] = planned_parts[0] if len(sets) == 1 else np.concatenate(planned_parts)
    rules_all = rules[0] if len(sets) == 1 else CodedLabels.concat(rules)
    return Scores(columns, concat_flags(flag_parts, [len(s) for s in sets]), rules_all)


def _planned_n(s: ComparisonSet, settings: FrequentistSettings) -> float | np.ndarray | None:
    """The planned units per arm of each row: read per experiment (a Column), or one number, or none."""
    if "planned_n" in s.row_values:
        return s.row_values["planned_n"]
    assert not isinstance(settings.planned_n, Column)  # analyze resolves a Column into row_values
    return settings.planned_n
