"""The sequential methods as registry objects: group-sequential, mSPRT, confidence sequence."""

from __future__ import annotations

from abstats.methods.base import Display, Method
from abstats.sequential.reasons import CONFIDENCE_SEQUENCE_RULES, GROUP_SEQUENTIAL_RULES, MSPRT_RULES
from abstats.sequential.scoring import score_always_valid, score_group_sequential
from abstats.sequential.settings import ConfidenceSequenceSettings, GroupSequentialSettings, MsprtSettings

_ESTIMATES = ("control_estimate", "treatment_estimate", "effect", "se", "effect_ci_low", "effect_ci_high",
              "rel_effect", "rel_ci_low", "rel_ci_high", "statistic")

GROUP_SEQUENTIAL = Method(
    name="group_sequential",
    label="group-sequential",
    settings_type=GroupSequentialSettings,
    score=score_group_sequential,
    rules=GROUP_SEQUENTIAL_RULES,
    display=Display(
        interval="ci",
        interval_label="repeated CI",
        probability=None,
        extra=(("statistic", "z", "+.3f"), ("efficacy_boundary", "boundary", ".3f")),
        columns=(*_ESTIMATES, "look", "efficacy_boundary", "futility_boundary", "alpha_spent", "comparison_alpha"),
    ),
    refused={
        "alpha": "the design carries alpha: GroupSequentialDesign(..., alpha=...)",
        "alternative": "the design carries the alternative: GroupSequentialDesign(..., alternative=...)",
    },
)

_ALWAYS_VALID_DISPLAY = Display(
    interval="ci",
    interval_label="always-valid CI",
    probability=("p_value_adjusted", "p (always valid)"),
    columns=(*_ESTIMATES, "p_value", "p_value_adjusted"),
)
_ALWAYS_VALID_REFUSED = {
    "design": "a design belongs to method='group_sequential'",
    "look": "always-valid methods need no look number: look at any time",
}

MSPRT = Method(
    name="msprt",
    label="mSPRT, always valid",
    settings_type=MsprtSettings,
    score=score_always_valid,
    rules=MSPRT_RULES,
    display=_ALWAYS_VALID_DISPLAY,
    refused=_ALWAYS_VALID_REFUSED,
)

CONFIDENCE_SEQUENCE = Method(
    name="confidence_sequence",
    label="confidence sequence, always valid",
    settings_type=ConfidenceSequenceSettings,
    score=score_always_valid,
    rules=CONFIDENCE_SEQUENCE_RULES,
    display=_ALWAYS_VALID_DISPLAY,
    refused=_ALWAYS_VALID_REFUSED,
)
