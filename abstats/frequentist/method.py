"""The frequentist fixed-horizon method as one registry object."""

from __future__ import annotations

from abstats.frequentist.reasons import RULES
from abstats.frequentist.scoring import score_frequentist
from abstats.frequentist.settings import FrequentistSettings
from abstats.methods.base import Display, Method

FREQUENTIST = Method(
    name="frequentist",
    label="frequentist, fixed horizon",
    settings_type=FrequentistSettings,
    score=score_frequentist,
    rules=RULES,
    tests_margins=True,
    display=Display(
        interval="ci",
        interval_label="CI",
        probability=("p_value_adjusted", "p adj"),
        columns=(
            "control_estimate", "treatment_estimate", "effect", "se", "effect_ci_low", "effect_ci_high",
            "rel_effect", "rel_ci_low", "rel_ci_high", "test", "statistic", "df", "p_value", "p_value_adjusted",
        ),
    ),
)
