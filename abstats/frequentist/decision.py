"""Fixed-horizon decisions: a verdict only once the planned sample is reached."""

from __future__ import annotations

import numpy as np


def fixed_horizon_decision(
    p_adjusted: np.ndarray,
    effect: np.ndarray,
    higher_is_better: bool,
    control_n: np.ndarray,
    treatment_n: np.ndarray,
    *,
    alpha: float,
    planned_n: float | np.ndarray | None,
    margin: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Decision and rule code per row of one metric.

    * ``continue`` while either arm is below ``planned_n`` (a number, or one per row; reading a
      fixed-horizon p-value early inflates false positives, so no verdict is given);
    * ``stop_winner`` / ``stop_loser`` when the adjusted p-value is below alpha, by the
      sign of the effect and the metric's direction; with a margin, rejecting H0
      means the treatment met the margin, so ``stop_winner``;
    * ``inconclusive`` otherwise.
    """
    undefined = np.isnan(p_adjusted)
    significant = p_adjusted < alpha  # False where p is NaN
    if margin:
        win, lose = significant, None
        win_rule, lose_rule, no_rule = "margin_met", "margin_not_met", "margin_not_met"
    else:
        good = effect > 0 if higher_is_better else effect < 0
        win, lose = significant & good, significant > good  # significant and not good
        win_rule, lose_rule, no_rule = "significant", "significant", "not_significant"
    # Small integer codes, then the labels looked up in object arrays (copies pointers): np.select on
    # strings is several times slower at 1e5 rows. The codes are assigned by mask from the last case to
    # the first, so the first true condition wins as in np.select; a case no row meets costs no pass.
    case = np.full(len(effect), 4, dtype=np.intp)
    if undefined.any():
        case[undefined] = 3
    if lose is not None:
        case[lose] = 2
    case[win] = 1
    if planned_n is not None:
        case[np.minimum(control_n, treatment_n) < planned_n] = 0
    labels = ["continue", "stop_winner", "stop_loser", "inconclusive", "inconclusive"]
    rules = ["below_planned_n", win_rule, lose_rule, "test_undefined", no_rule]
    decision = np.array(labels, dtype=object)[case]
    rule = np.array(rules, dtype=object)[case]
    return decision, rule
