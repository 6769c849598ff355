"""Reason texts of the frequentist rule codes: the rule, its statistic and its threshold.

Each text formats all rows of its rule code at once (:class:`~abstats.result.reasons.ColumnText`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.methods.base import RuleText
from abstats.result.reasons import (
    ColumnText,
    Rows,
    Settings,
    choose,
    coded_choice,
    coded_labels,
    coded_texts,
    direction_texts,
    fill,
    p_label,
    texts,
    undefined_text,
)


def _p_against_alpha(rows: Rows, settings: Settings, compare: str) -> tuple[str, list[str], str, list[str]]:
    """``Holm-adjusted p = ``, each row's p, `` < alpha = 0.05 (``, each row's test: the four pieces of
    ``Holm-adjusted p = 0.0123 < alpha = 0.05 (z_pooled`` (one f-string per row joins them with the rest)."""
    head, alpha = f"{p_label(settings)} = ", f" {compare} alpha = {settings['alpha']:g} ("
    return head, texts(rows["p_value_adjusted"], ".3g"), alpha, rows.values("test")


def _significant(rows: Rows, settings: Settings) -> list[str]:
    head, ps, alpha, tests = _p_against_alpha(rows, settings, "<")
    sided = f", {settings['alternative'] if not settings.get('margin') else 'one-sided'}): "
    verdicts = choose(rows["decision"] == "stop_winner", "winner", "loser")
    return [f"{head}{p}{alpha}{test}{sided}{direction}: {verdict}"
            for p, test, direction, verdict in zip(ps, tests, direction_texts(rows), verdicts, strict=True)]


def _margin(role: Any, metric: Any, settings: Settings) -> tuple[str, str]:
    """(claim, margin text) of a margin test: a guardrail's own margin, or the settings' one."""
    if role == "guardrail":
        own = settings["metrics"][metric]
        unit = "" if own["margin_type"] == "absolute" else " (relative)"
        return "not worse than", f"the guardrail margin {own['margin']:g}{unit}"
    unit = "" if settings["margin_type"] == "absolute" else " (relative)"
    claim = "not worse than" if settings["hypothesis"] == "non_inferiority" else "better than"
    return claim, f"the margin {settings['margin']:g}{unit}"


def _claims(rows: Rows, settings: Settings) -> list[str]:
    """``{claim} control by {margin}`` per row, each (role, metric) pair's text made once."""
    made: dict[tuple[Any, Any], str] = {}
    out = []
    for key in zip(rows.values("role"), rows.values("metric"), strict=True):
        text = made.get(key)
        if text is None:
            claim, margin = _margin(*key, settings)
            text = made[key] = f"{claim} control by {margin}"
        out.append(text)
    return out


def _margin_met(rows: Rows, settings: Settings) -> list[str]:
    head, ps, alpha, tests = _p_against_alpha(rows, settings, "<")
    return [f"{head}{p}{alpha}{test}): treatment is {claim}"
            for p, test, claim in zip(ps, tests, _claims(rows, settings), strict=True)]


def _margin_not_met(rows: Rows, settings: Settings) -> list[str]:
    head, ps, alpha, tests = _p_against_alpha(rows, settings, ">=")
    return [f"{head}{p}{alpha}{test}) {where}: not shown that treatment is {claim}"
            for p, test, where, claim in zip(ps, tests, _where(rows), _claims(rows, settings), strict=True)]


def _where(rows: Rows) -> list[str]:
    return choose(np.isnan(rows["planned_n"]), "(no planned_n given: read as final)", "at the planned sample")


def _not_significant(rows: Rows, settings: Settings) -> list[str]:
    # most rows of a large batch: each distinct (p, test, planned sample) text made once
    head, alpha = f"{p_label(settings)} = ", f" >= alpha = {settings['alpha']:g} ("
    where = coded_choice(np.isnan(rows["planned_n"]), "(no planned_n given: read as final)", "at the planned sample")
    return fill(lambda p, test, where: f"{head}{p}{alpha}{test}) {where}: no significant difference",
                coded_texts(rows["p_value_adjusted"], ".3g"), coded_labels(rows["test"]), where)


def _below_planned_n(rows: Rows, settings: Settings) -> list[str]:
    control, treatment = rows["control_n"], rows["treatment_n"]
    smaller = np.where(treatment < control, treatment, control)  # min(control, treatment), as Python's min picks
    return [f"fixed-horizon test: {n} of the planned {planned} units per arm; "
            "no verdict before the planned sample (use a sequential method to look early)"
            for n, planned in zip(texts(smaller, ".0f"), texts(rows["planned_n"], ".0f"), strict=True)]


RULES: dict[str, RuleText] = {
    "significant": ColumnText(_significant),
    "margin_met": ColumnText(_margin_met),
    "margin_not_met": ColumnText(_margin_not_met),
    "not_significant": ColumnText(_not_significant),
    "below_planned_n": ColumnText(_below_planned_n),
    "test_undefined": undefined_text,
}
