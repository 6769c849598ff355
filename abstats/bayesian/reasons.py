"""Reason texts of the Bayesian rule codes (expected loss, hierarchical P(beats))."""

from __future__ import annotations

from abstats.methods.base import RuleText
from abstats.result.reasons import Row, Settings


def _expected_loss(row: Row, settings: Settings) -> str:
    relative = settings["threshold_type"] == "relative"
    cutoff = settings["threshold"] * (abs(row["control_estimate"]) if relative else 1.0)
    kind = f"{settings['threshold']:g} x control {row['control_estimate']:.4g}" if relative else "absolute"
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
    pooled = row["experiment"] == settings.get("overall_label", "overall")
    where = "pooled over segments" if pooled else f"segment {row['experiment']}, partially pooled"
    threshold = settings["prob_threshold"]
    verdict = {
        "stop_winner": f">= {threshold:g}: winner",
        "stop_loser": f"<= {1 - threshold:g}: loser",
        "continue": f"between {1 - threshold:g} and {threshold:g}: continue",
    }[row["decision"]]
    return f"hierarchical model ({where}): P(treatment better) = {row['prob_beats_control']:.3f} {verdict}"


EXPECTED_LOSS_RULES: dict[str, RuleText] = {
    "expected_loss_below_threshold": _expected_loss,
    "expected_loss_above_threshold": _expected_loss,
}
HIERARCHICAL_RULES: dict[str, RuleText] = {"posterior_probability": _hierarchical}
