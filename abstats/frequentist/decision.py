"""Fixed-horizon decisions: a verdict only once the planned sample is reached."""

from __future__ import annotations

import numpy as np

from abstats.result.deferred import CodedLabels


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
) -> tuple[CodedLabels, CodedLabels]:
    """Decision and rule code per row of one metric (as label codes, strings built when read).

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
    decision = _codes(len(effect), "inconclusive", [(rows, label) for rows, label, _ in cases])
    rule = _codes(len(effect), no_rule, [(rows, code) for rows, _, code in cases])
    return decision, rule


def _codes(rows: int, default: str, cases: list[tuple[np.ndarray | None, str]]) -> CodedLabels:
    """``default`` in every row and each case's label in its rows (indices), later cases over earlier ones,
    as int8 codes: the strings are looked up only when the column is read (an object array of 1e5
    pointers costs as much as a p-value column)."""
    labels = list(dict.fromkeys([default, *(label for _, label in cases)]))
    codes = np.zeros(rows, dtype=np.int8)  # the default, labels[0]
    for rows_of_case, label in cases:
        if rows_of_case is not None:
            codes[rows_of_case] = labels.index(label)
    return CodedLabels(codes, labels)
