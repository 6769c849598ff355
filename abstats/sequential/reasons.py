"""Reason texts of the sequential rule codes, formatted from a Result row and the recorded settings."""

from __future__ import annotations

import math

from abstats.methods.base import RuleText
from abstats.result.reasons import Row, Settings, direction_text, p_label

_CROSSED = {
    "stop_winner": "crossed the efficacy boundary: winner",
    "stop_loser": "crossed the efficacy boundary in the harmful direction: loser",
    "stop_futility": "crossed the futility boundary: stop for futility",
    "continue": "no boundary crossed: continue",
    "inconclusive": "no boundary crossed at the final look: inconclusive",
}


def _group_sequential(row: Row, settings: Settings) -> str:
    stat = {"two-sided": "|z|", "greater": "z", "less": "-z"}[settings["alternative"]]
    observed = settings.get("observed_information_fraction")
    look = settings["look"]
    if observed is None:
        fraction = settings["information_fractions"][look - 1]
    else:
        fraction = observed[-1] if isinstance(observed, list) else observed
    text = (
        f"group-sequential {settings['design']} ({settings['alternative']}, alpha = {row['comparison_alpha']:g}), "
        f"look {look} of {settings['looks']} at information {fraction:.3f}: "
        f"efficacy if {stat} >= {row['efficacy_boundary']:.3f}"
    )
    if settings.get("futility"):
        kind = "binding" if settings["binding"] else "non-binding"
        text += f", {kind} futility if favourable z <= {row['futility_boundary']:.3f}"
    return f"{text}; alpha spent {row['alpha_spent']:.4g}; z = {row['statistic']:+.3f} {_CROSSED[row['decision']]}"


def _always_valid(label: str) -> RuleText:
    def text(row: Row, settings: Settings) -> str:
        p = row["p_value_adjusted"]
        if math.isnan(p):  # zero variance
            return f"always-valid ({label}): undefined for this row (see warnings): continue"
        compare = "<=" if p <= settings["alpha"] else ">"
        out = (
            f"always-valid {p_label(settings)} ({label}, tuned at n = {settings['tuning_n']:g}) = {p:.3g} {compare} "
            f"alpha = {settings['alpha']:g}, valid at any look"
        )
        if row["decision"] in ("stop_winner", "stop_loser"):
            verdict = "winner" if row["decision"] == "stop_winner" else "loser"
            return f"{out}: {direction_text(row)}: {verdict}"
        return f"{out}: continue"

    return text


GROUP_SEQUENTIAL_RULES: dict[str, RuleText] = dict.fromkeys(
    ("boundary_crossed", "futility_crossed", "boundary_not_crossed"), _group_sequential
)
MSPRT_RULES: dict[str, RuleText] = dict.fromkeys(
    ("significant", "not_significant", "test_undefined"), _always_valid("mSPRT")
)
CONFIDENCE_SEQUENCE_RULES: dict[str, RuleText] = dict.fromkeys(
    ("significant", "not_significant", "test_undefined"), _always_valid("confidence-sequence")
)
