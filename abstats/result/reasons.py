"""Human-readable ``reason`` for each decision: the rule, its statistic and its threshold.

Methods return a short ``rule`` code per row; the text is only formatted when a
user asks for it (``to_frame``, ``to_dict``, ``str``), so scoring 100,000 rows
pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Row = Mapping[str, Any]
Settings = Mapping[str, Any]

_CORRECTION_LABEL = {
    "bonferroni": "Bonferroni-adjusted p",
    "holm": "Holm-adjusted p",
    "benjamini_hochberg": "BH-adjusted p",
    "benjamini_yekutieli": "BY-adjusted p",
}


def _p_label(row: Row, settings: Settings) -> str:
    correction = settings.get("correction", "none")
    if correction == "none":
        return "p"
    return _CORRECTION_LABEL.get(correction, "adjusted p")


def _direction(row: Row) -> str:
    side = "higher" if row["effect"] > 0 else "lower"
    better = "higher" if row["higher_is_better"] else "lower"
    return f"treatment is {side} than control ({row['effect']:+.4g}) and {better} is better"


def _significant(row: Row, settings: Settings) -> str:
    verdict = "winner" if row["decision"] == "stop_winner" else "loser"
    return (
        f"{_p_label(row, settings)} = {row['p_value_adjusted']:.3g} < alpha = {settings['alpha']:g} "
        f"({row['test']}, {settings['alternative'] if not settings.get('margin') else 'one-sided'}): "
        f"{_direction(row)}: {verdict}"
    )


def _margin_met(row: Row, settings: Settings) -> str:
    unit = "" if settings["margin_type"] == "absolute" else " (relative)"
    claim = "not worse than" if settings["hypothesis"] == "non_inferiority" else "better than"
    return (
        f"{_p_label(row, settings)} = {row['p_value_adjusted']:.3g} < alpha = {settings['alpha']:g} "
        f"({row['test']}): treatment is {claim} control by the margin {settings['margin']:g}{unit}"
    )


def _not_significant(row: Row, settings: Settings) -> str:
    where = "at the planned sample" if settings.get("planned_n") else "(no planned_n given: read as final)"
    return (
        f"{_p_label(row, settings)} = {row['p_value_adjusted']:.3g} >= alpha = {settings['alpha']:g} "
        f"({row['test']}) {where}: no significant difference"
    )


def _planned_n_not_reached(row: Row, settings: Settings) -> str:
    n = min(row["control_n"], row["treatment_n"])
    return (
        f"fixed-horizon test: {n:.0f} of the planned {settings['planned_n']:.0f} units per arm; "
        "no verdict before the planned sample (use a sequential method to look early)"
    )


def _test_undefined(row: Row, settings: Settings) -> str:
    return "the test is undefined for this row (see warnings): no verdict"


_VERDICT = {
    "stop_winner": "winner",
    "stop_loser": "loser",
    "stop_futility": "stop for futility",
    "continue": "continue",
    "inconclusive": "final look reached without crossing: inconclusive",
}


_CROSSED = {
    "stop_winner": "crossed the efficacy boundary: winner",
    "stop_loser": "crossed the efficacy boundary in the harmful direction: loser",
    "stop_futility": "crossed the futility boundary: stop for futility",
    "continue": "no boundary crossed: continue",
    "inconclusive": "no boundary crossed at the final look: inconclusive",
}


def _group_sequential(row: Row, settings: Settings) -> str:
    return f"{row['_rule_text']}; z = {row['statistic']:+.3f} {_CROSSED[row['decision']]}"


def _always_valid(row: Row, settings: Settings) -> str:
    label = "mSPRT" if settings["method"] == "msprt" else "confidence-sequence"
    p = row["p_value_adjusted"]
    if p != p:  # NaN: zero variance
        return f"always-valid ({label}): undefined for this row (see warnings): continue"
    compare = "<=" if p <= settings["alpha"] else ">"
    text = (
        f"always-valid {_p_label(row, settings)} ({label}, tuned at n = {settings['tuning_n']:g}) = {p:.3g} {compare} "
        f"alpha = {settings['alpha']:g}, valid at any look"
    )
    if row["decision"] in ("stop_winner", "stop_loser"):
        return f"{text}: {_direction(row)}: {_VERDICT[row['decision']]}"
    return f"{text}: continue"


def _expected_loss(row: Row, settings: Settings) -> str:
    cutoff = row["_threshold"]
    kind = (
        f"{settings['threshold']:g} x control {row['control_estimate']:.4g}"
        if settings["threshold_type"] == "relative"
        else "absolute"
    )
    losses = (
        f"expected loss of shipping treatment {row['expected_loss_treatment']:.3g}, "
        f"of keeping control {row['expected_loss_control']:.3g}; threshold of caring {cutoff:.3g} ({kind})"
    )
    prob = f"P(treatment better) = {row['prob_beats_control']:.3f}"
    if settings.get("prob_threshold") is not None:
        prob += f" (required >= {settings['prob_threshold']:g} to stop)"
    verdict = {
        "stop_winner": "ship treatment: its expected loss is below the threshold: winner",
        "stop_loser": "keep control: its expected loss is below the threshold: loser",
        "continue": "neither arm's expected loss is below the threshold: continue",
    }[row["decision"]]
    return f"{losses}; {prob}: {verdict}"


def _hierarchical(row: Row, settings: Settings) -> str:
    where = "pooled over segments" if row["experiment"] == "overall" else f"segment {row['experiment']}, partially pooled"
    threshold = settings["prob_threshold"]
    verdict = {
        "stop_winner": f">= {threshold:g}: winner",
        "stop_loser": f"<= {1 - threshold:g}: loser",
        "continue": f"between {1 - threshold:g} and {threshold:g}: continue",
    }[row["decision"]]
    return f"hierarchical model ({where}): P(treatment better) = {row['prob_beats_control']:.3f} {verdict}"


FORMATTERS: dict[str, Callable[[Row, Settings], str]] = {
    "significant": _significant,
    "margin_met": _margin_met,
    "not_significant": _not_significant,
    "planned_n_not_reached": _planned_n_not_reached,
    "test_undefined": _test_undefined,
    "group_sequential": _group_sequential,
    "msprt": _always_valid,
    "confidence_sequence": _always_valid,
    "expected_loss_treatment<threshold": _expected_loss,
    "expected_loss_treatment<threshold&prob_beats>=threshold": _expected_loss,
    "expected_loss_control<threshold": _expected_loss,
    "expected_loss_control<threshold&prob_loses>=threshold": _expected_loss,
    "none": _expected_loss,
    "hierarchical": _hierarchical,
}


def reason_text(rule: str, row: Row, settings: Settings) -> str:
    return FORMATTERS[rule](row, settings)
