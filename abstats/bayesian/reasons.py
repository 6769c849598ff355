"""Reason texts of the Bayesian rule codes (expected loss, hierarchical P(beats))."""

from __future__ import annotations

import numpy as np

from abstats.methods.base import RuleText
from abstats.result.reasons import ColumnText, Row, Rows, Settings, texts


def _expected_loss(rows: Rows, settings: Settings) -> list[str]:
    threshold = settings["threshold"]
    control = rows["control_estimate"]
    if settings["threshold_type"] == "relative":
        cutoffs = texts(threshold * np.abs(control), ".3g")
        kinds = [f"{threshold:g} x control {c}" for c in texts(control, ".4g")]
    else:
        cutoffs, kinds = [format(threshold * 1.0, ".3g")] * rows.size, ["absolute"] * rows.size
    required = settings.get("prob_threshold")
    tail = "" if required is None else f" (required >= {required:g} to stop)"
    return [
        f"expected loss of shipping treatment {t}, of keeping control {c}; threshold of caring {cutoff} ({kind}); "
        f"P(treatment better) = {p}{tail}: {_VERDICT[decision]}"
        for t, c, cutoff, kind, p, decision in zip(
            texts(rows["expected_loss_treatment"], ".3g"), texts(rows["expected_loss_control"], ".3g"), cutoffs,
            kinds, texts(rows["prob_beats_control"], ".3f"), rows.values("decision"), strict=True)
    ]


_VERDICT = {
    "stop_winner": "ship treatment: its expected loss is below the threshold: winner",
    "stop_loser": "keep control: its expected loss is below the threshold: loser",
    "continue": "neither arm's expected loss is below the threshold: continue",
}


def _hierarchical(row: Row, settings: Settings) -> str:
    pooled = row["experiment"] == settings.get("overall_label", "overall")
    where = "pooled over segments" if pooled else f"segment {row['experiment']}, partially pooled"
    threshold = settings["prob_threshold"]
    verdict = {
        "stop_winner": f">= {threshold:g}: winner",
        "stop_loser": f"<= {1 - threshold:g}: loser",
        "continue": f"between {1 - threshold:g} and {threshold:g}: continue",
    }[row["decision"]]
    return f"hierarchical model ({where}): P(treatment better) = {row['prob_beats_control']:.3f} {verdict}"


EXPECTED_LOSS_RULES: dict[str, RuleText] = dict.fromkeys(
    ("expected_loss_below_threshold", "expected_loss_above_threshold"), ColumnText(_expected_loss)
)
HIERARCHICAL_RULES: dict[str, RuleText] = {"posterior_probability": _hierarchical}
