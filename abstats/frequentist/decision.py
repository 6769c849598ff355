"""Fixed-horizon decisions: a verdict only once the planned sample is reached."""

from __future__ import annotations

import numpy as np

from abstats.frequentist.settings import FrequentistSettings


def fixed_horizon_decision(
    p_adjusted: np.ndarray,
    effect: np.ndarray,
    higher_is_better: np.ndarray,
    control_n: np.ndarray,
    treatment_n: np.ndarray,
    settings: FrequentistSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Decision and rule code per row.

    * ``continue`` while either arm is below ``planned_n`` (reading a fixed-horizon
      p-value early inflates false positives, so no verdict is given);
    * ``stop_winner`` / ``stop_loser`` when the adjusted p-value is below alpha, by the
      sign of the effect and the metric's direction; with a margin, rejecting H0
      means the treatment met the margin, so ``stop_winner``;
    * ``inconclusive`` otherwise.
    """
    undefined = np.isnan(p_adjusted)
    significant = ~undefined & (p_adjusted < settings.alpha)
    good = np.where(higher_is_better, effect > 0, effect < 0)
    early = np.zeros(len(effect), dtype=bool)
    if settings.planned_n is not None:
        early = np.minimum(control_n, treatment_n) < settings.planned_n
    if settings.has_margin:
        win, lose = significant, np.zeros_like(significant)
        win_rule = "margin_met"
    else:
        win, lose = significant & good, significant & ~good
        win_rule = "significant"
    # Select small integer codes, then look the labels up in object arrays (copies pointers):
    # np.select on strings is several times slower at 1e5 rows.
    case = np.select([early, win, lose, undefined], [0, 1, 2, 3], default=4)
    labels = ["continue", "stop_winner", "stop_loser", "inconclusive", "inconclusive"]
    rules = ["planned_n_not_reached", win_rule, "significant", "test_undefined", "not_significant"]
    decision = np.array(labels, dtype=object)[case]
    rule = np.array(rules, dtype=object)[case]
    return decision, rule
