"""Reason texts of the frequentist rule codes: the rule, its statistic and its threshold."""

from __future__ import annotations

import math

from abstats.methods.base import RuleText
from abstats.result.reasons import Row, Settings, direction_text, p_label, undefined_text


def _significant(row: Row, settings: Settings) -> str:
    verdict = "winner" if row["decision"] == "stop_winner" else "loser"
    return (
        f"{p_label(settings)} = {row['p_value_adjusted']:.3g} < alpha = {settings['alpha']:g} "
        f"({row['test']}, {settings['alternative'] if not settings.get('margin') else 'one-sided'}): "
        f"{direction_text(row)}: {verdict}"
    )


def _margin(row: Row, settings: Settings) -> tuple[str, str]:
    """(claim, margin text) of a margin test: a guardrail's own margin, or the settings' one."""
    if row["role"] == "guardrail":
        metric = settings["metrics"][row["metric"]]
        unit = "" if metric["margin_type"] == "absolute" else " (relative)"
        return "not worse than", f"the guardrail margin {metric['margin']:g}{unit}"
    unit = "" if settings["margin_type"] == "absolute" else " (relative)"
    claim = "not worse than" if settings["hypothesis"] == "non_inferiority" else "better than"
    return claim, f"the margin {settings['margin']:g}{unit}"


def _margin_met(row: Row, settings: Settings) -> str:
    claim, margin = _margin(row, settings)
    return (
        f"{p_label(settings)} = {row['p_value_adjusted']:.3g} < alpha = {settings['alpha']:g} "
        f"({row['test']}): treatment is {claim} control by {margin}"
    )


def _margin_not_met(row: Row, settings: Settings) -> str:
    claim, margin = _margin(row, settings)
    where = _where(row)
    return (
        f"{p_label(settings)} = {row['p_value_adjusted']:.3g} >= alpha = {settings['alpha']:g} "
        f"({row['test']}) {where}: not shown that treatment is {claim} control by {margin}"
    )


def _where(row: Row) -> str:
    return "(no planned_n given: read as final)" if math.isnan(row["planned_n"]) else "at the planned sample"


def _not_significant(row: Row, settings: Settings) -> str:
    where = _where(row)
    return (
        f"{p_label(settings)} = {row['p_value_adjusted']:.3g} >= alpha = {settings['alpha']:g} "
        f"({row['test']}) {where}: no significant difference"
    )


def _below_planned_n(row: Row, settings: Settings) -> str:
    n = min(row["control_n"], row["treatment_n"])
    return (
        f"fixed-horizon test: {n:.0f} of the planned {row['planned_n']:.0f} units per arm; "
        "no verdict before the planned sample (use a sequential method to look early)"
    )


RULES: dict[str, RuleText] = {
    "significant": _significant,
    "margin_met": _margin_met,
    "margin_not_met": _margin_not_met,
    "not_significant": _not_significant,
    "below_planned_n": _below_planned_n,
    "test_undefined": undefined_text,
}
