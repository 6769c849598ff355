"""Expected-loss stopping rule: ship the arm whose expected loss is below the threshold of caring.

Rules, evaluated per row (threshold = ``threshold``, or ``threshold * |control_estimate|``
when ``threshold_type="relative"``):

* ``stop_winner`` (ship treatment): expected_loss_treatment < threshold, and, if
  ``prob_threshold`` is given, prob_beats_control >= prob_threshold;
* ``stop_loser`` (keep control): expected_loss_control < threshold, and, if
  ``prob_threshold`` is given, 1 - prob_beats_control >= prob_threshold;
* otherwise ``continue``.

Ties: "below" is strict, so a loss equal to the threshold does not stop. When
both arms qualify (they are equivalent within the threshold of caring) the arm
with the smaller expected loss wins; on exactly equal losses control is kept,
since shipping a change that is no better is not free.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.checks import check_choice, check_finite_array, check_open_unit, check_positive
from abstats.errors import ConfigError, InputError

STOP_WINNER = "stop_winner"
STOP_LOSER = "stop_loser"
CONTINUE = "continue"
THRESHOLD_TYPES = ("absolute", "relative")


def expected_loss_decision(
    expected_loss_treatment: Any,
    expected_loss_control: Any,
    prob_beats_control: Any,
    *,
    threshold: float,
    threshold_type: str = "absolute",
    control_estimate: Any = None,
    prob_threshold: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decision codes and the name of the rule that fired, one per row.

    Examples
    --------
    >>> codes, rules = expected_loss_decision([1e-5, 0.02, 0.01], [0.03, 1e-5, 0.01], [0.98, 0.03, 0.5], threshold=1e-4)
    >>> codes.tolist()
    ['stop_winner', 'stop_loser', 'continue']
    >>> rules.tolist()
    ['expected_loss_treatment<threshold', 'expected_loss_control<threshold', 'none']
    """
    check_choice("threshold_type", threshold_type, THRESHOLD_TYPES)
    check_positive("threshold", threshold)
    loss_t = check_finite_array("expected_loss_treatment", expected_loss_treatment, ndmin=1)
    loss_c = check_finite_array("expected_loss_control", expected_loss_control, ndmin=1)
    prob = check_finite_array("prob_beats_control", prob_beats_control, ndmin=1)
    sizes = {loss_t.size, loss_c.size, prob.size}
    if len(sizes - {1}) > 1:
        raise InputError("array lengths", sorted(sizes), "one common length")
    cutoff = np.asarray(float(threshold))
    if threshold_type == "relative":
        if control_estimate is None:
            raise ConfigError("control_estimate", None, "the control rate or mean when threshold_type='relative'")
        cutoff = float(threshold) * np.abs(check_finite_array("control_estimate", control_estimate, ndmin=1))
    loss_t, loss_c, prob, cutoff = np.broadcast_arrays(loss_t, loss_c, prob, cutoff)

    winner = loss_t < cutoff
    loser = loss_c < cutoff
    suffix = ""
    if prob_threshold is not None:
        p_min = check_open_unit("prob_threshold", prob_threshold)
        winner &= prob >= p_min
        loser &= (1.0 - prob) >= p_min
        suffix = "&prob_beats>=threshold"
    both = winner & loser
    winner = winner & ~(both & (loss_t >= loss_c))
    loser = loser & ~winner

    codes = np.where(winner, STOP_WINNER, np.where(loser, STOP_LOSER, CONTINUE))
    loser_suffix = "&prob_loses>=threshold" if suffix else ""
    rules = np.where(
        winner,
        "expected_loss_treatment<threshold" + suffix,
        np.where(loser, "expected_loss_control<threshold" + loser_suffix, "none"),
    )
    return codes.astype(object), rules.astype(object)
