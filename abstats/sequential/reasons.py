"""Reason texts of the sequential rule codes, formatted from a Result row and the recorded settings."""

from __future__ import annotations

import numpy as np

from abstats.methods.base import RuleText
from abstats.result.reasons import ColumnText, Rows, Settings, choose, direction_texts, p_label, texts

_CROSSED = {
    "stop_winner": "crossed the efficacy boundary: winner",
    "stop_loser": "crossed the efficacy boundary in the harmful direction: loser",
    "stop_futility": "crossed the futility boundary: stop for futility",
    "continue": "no boundary crossed: continue",
    "inconclusive": "no boundary crossed at the final look: inconclusive",
}


def _group_sequential(rows: Rows, settings: Settings) -> list[str]:
    stat = {"two-sided": "|z|", "greater": "z", "less": "-z"}[settings["alternative"]]
    observed = settings.get("observed_information_fraction")
    look = settings["look"]
    if observed is None:
        fraction = settings["information_fractions"][look - 1]
    else:
        fraction = observed[-1] if isinstance(observed, list) else observed
    head = f"group-sequential {settings['design']} ({settings['alternative']}, alpha = "
    at = f"), look {look} of {settings['looks']} at information {fraction:.3f}: efficacy if {stat} >= "
    if settings.get("futility"):
        kind = "binding" if settings["binding"] else "non-binding"
        futility = [f", {kind} futility if favourable z <= {f}" for f in texts(rows["futility_boundary"], ".3f")]
    else:
        futility = [""] * rows.size
    return [
        f"{head}{alpha}{at}{efficacy}{futile}; alpha spent {spent}; z = {z} {_CROSSED[decision]}"
        for alpha, efficacy, futile, spent, z, decision in zip(
            texts(rows["comparison_alpha"], "g"), texts(rows["efficacy_boundary"], ".3f"), futility,
            texts(rows["alpha_spent"], ".4g"), texts(rows["statistic"], "+.3f"), rows.values("decision"), strict=True)
    ]


def _always_valid(label: str) -> RuleText:
    def many(rows: Rows, settings: Settings) -> list[str]:
        p = rows["p_value_adjusted"]
        undefined = np.isnan(p)  # zero variance
        if undefined.all():
            return [f"always-valid ({label}): undefined for this row (see warnings): continue"] * rows.size
        alpha = settings["alpha"]
        head = f"always-valid {p_label(settings)} ({label}, tuned at n = {settings['tuning_n']:g}) = "
        tail = f" alpha = {alpha:g}, valid at any look"
        out = []
        for text, compare, direction, decision, nan in zip(
                texts(p, ".3g"), choose(p <= alpha, "<=", ">"), direction_texts(rows), rows.values("decision"),
                undefined.tolist(), strict=True):
            if nan:
                out.append(f"always-valid ({label}): undefined for this row (see warnings): continue")
            elif decision in ("stop_winner", "stop_loser"):
                verdict = "winner" if decision == "stop_winner" else "loser"
                out.append(f"{head}{text} {compare}{tail}: {direction}: {verdict}")
            else:
                out.append(f"{head}{text} {compare}{tail}: continue")
        return out

    return ColumnText(many)


GROUP_SEQUENTIAL_RULES: dict[str, RuleText] = dict.fromkeys(
    ("boundary_crossed", "futility_crossed", "boundary_not_crossed"), ColumnText(_group_sequential)
)
MSPRT_RULES: dict[str, RuleText] = dict.fromkeys(
    ("significant", "not_significant", "test_undefined"), _always_valid("mSPRT")
)
CONFIDENCE_SEQUENCE_RULES: dict[str, RuleText] = dict.fromkeys(
    ("significant", "not_significant", "test_undefined"), _always_valid("confidence-sequence")
)
