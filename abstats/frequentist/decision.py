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
    # rows of each case as indices: significant rows are few, so the effect's sign is read on them alone
    significant = np.flatnonzero(p_adjusted < alpha)  # not where p is NaN
    if margin:
        win, lose = significant, None
        win_rule, lose_rule, no_rule = "margin_met", "margin_not_met", "margin_not_met"
    else:
        good = effect[significant] > 0 if higher_is_better else effect[significant] < 0
        win, lose = significant[good], significant[~good]
        win_rule, lose_rule, no_rule = "significant", "significant", "not_significant"
    early = None if planned_n is None else np.flatnonzero(np.minimum(control_n, treatment_n) < planned_n)
    # From the last case to the first, so the first true one wins (as in np.select); a case no row can meet
    # is left out
    cases = [
        (np.flatnonzero(undefined) if undefined.any() else None, "inconclusive", "test_undefined"),
        (lose, "stop_loser", lose_rule),
        (win, "stop_winner", win_rule),
        (early, "continue", "below_planned_n"),
    ]
    decision = _labels(len(effect), "inconclusive", [(rows, label) for rows, label, _ in cases])
    rule = _labels(len(effect), no_rule, [(rows, code) for rows, _, code in cases])
    return decision, rule


def _labels(rows: int, default: str, cases: list[tuple[np.ndarray | None, str]]) -> np.ndarray:
    """An object array of ``default`` with each case's label assigned to its rows (indices), later cases
    over earlier ones.

    Filling a fresh object array and assigning the few other rows costs half of looking labels up by
    integer code (``labels[codes]``) at 1e5 rows, and np.select on strings is several times slower still.
    """
    out = np.empty(rows, dtype=object)
    out[:] = default
    for rows_of_case, label in cases:
        if rows_of_case is not None:
            out[rows_of_case] = label
    return out
