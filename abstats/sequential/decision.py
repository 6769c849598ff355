"""Stopping decisions at a look: group-sequential boundaries or always-valid p-values / sequences.

Every decision comes with a ``rule`` text naming the method, the statistic and the threshold,
so a reader never has to guess what was adjusted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.checks import check_finite_array, check_open_unit
from abstats.errors import ConfigError, InputError
from abstats.sequential.design import GroupSequentialDesign


def group_sequential_decision(
    z: Any,
    *,
    design: GroupSequentialDesign,
    look: int,
    information_fraction: Any = None,
    higher_is_better: bool = True,
) -> dict[str, np.ndarray]:
    """Decision at ``look`` of a group-sequential design, for each comparison's z statistic.

    ``z = theta_hat / sqrt(var_theta_hat)`` (treatment - control), from any metric kind.
    Efficacy: ``|z| >= b_k`` (two-sided), ``z >= b_k`` (``"greater"``) or ``-z >= b_k`` (``"less"``);
    futility: favourable-direction ``z <= a_k``. Without a crossing: ``"continue"`` before the
    last look and ``"inconclusive"`` at it.

    Parameters
    ----------
    z
        z statistics, one per comparison row.
    design
        The planned :class:`GroupSequentialDesign`.
    look
        1-based look number.
    information_fraction
        Observed information as a fraction of the planned maximum: the history of looks
        ``1..look`` (sequence of length ``look``) or just this look's fraction (earlier looks
        are then taken as planned). Spending is re-computed from it (Lan-DeMets designs only).
        Default: the planned fractions.
    higher_is_better
        Whether a positive effect is good (names winner / loser, orients futility).

    Returns
    -------
    dict with ``decision``, ``efficacy_boundary``, ``futility_boundary`` (NaN if none),
    ``alpha_spent``, ``crossed`` (``"efficacy"`` / ``"futility"`` / ``"none"``) and ``rule``,
    each an array with one element per row.

    Examples
    --------
    >>> d = GroupSequentialDesign("lan_demets_obrien_fleming", looks=3)
    >>> out = group_sequential_decision([3.9, 1.0, -3.8], design=d, look=1)
    >>> out["decision"].tolist()
    ['stop_winner', 'continue', 'stop_loser']
    """
    z = check_finite_array("z", z, ndmin=1)
    assert design.looks is not None  # normalised by __post_init__
    if isinstance(look, bool) or not isinstance(look, (int, np.integer)) or not 1 <= look <= design.looks:
        raise ConfigError("look", look, f"an integer look number between 1 and {design.looks}")
    fractions = _observed_fractions(design, look, information_fraction)
    bounds = design.boundaries_at(fractions, final=True if look == design.looks else None)
    efficacy = float(bounds.efficacy[-1])
    futility = float(bounds.futility[-1])
    is_final = look == design.looks or bool(fractions[-1] >= 1.0)

    favourable = z if higher_is_better else -z
    if design.alternative == "two-sided":
        hit = np.abs(z) >= efficacy
    else:
        hit = (z if design.alternative == "greater" else -z) >= efficacy
    good = np.sign(z) == (1 if higher_is_better else -1)
    fut = ~hit & (favourable <= futility) if design.has_futility else np.zeros_like(hit)
    undecided = "inconclusive" if is_final else "continue"
    decision = np.where(hit, np.where(good, "stop_winner", "stop_loser"), np.where(fut, "stop_futility", undecided))
    crossed = np.where(hit, "efficacy", np.where(fut, "futility", "none"))
    rule = _group_sequential_rule(design, look, fractions[-1], efficacy, futility, float(bounds.alpha_spent[-1]))
    n = z.shape
    return {
        "decision": decision.astype(object),
        "efficacy_boundary": np.full(n, efficacy),
        "futility_boundary": np.full(n, futility),
        "alpha_spent": np.full(n, float(bounds.alpha_spent[-1])),
        "crossed": crossed.astype(object),
        "rule": np.full(n, rule, dtype=object),
    }


def always_valid_decision(
    p_value_always_valid: Any,
    ci_low: Any,
    ci_high: Any,
    *,
    alpha: float,
    higher_is_better: bool = True,
    effect: Any = None,
) -> dict[str, np.ndarray]:
    """Decision from an always-valid p-value and its confidence sequence, valid at any look.

    Stop when ``p <= alpha``; the direction comes from ``effect`` when given, else from the
    centre of the sequence. A p-value and an interval that disagree (one excludes zero, the
    other does not) are flagged in ``rule``. Vectorised: ``rule`` texts are shared, not per-row
    formatted; the statistic of each row is its ``p_value_always_valid``.

    Returns
    -------
    dict with ``decision`` (``"stop_winner"`` / ``"stop_loser"`` / ``"continue"``), ``crossed``
    (``"efficacy"`` / ``"none"``), ``efficacy_boundary`` (alpha, the p-value threshold),
    ``futility_boundary`` (NaN), ``alpha_spent`` (alpha: an always-valid test may spend it at any look)
    and ``rule``.

    Examples
    --------
    >>> out = always_valid_decision([0.01, 0.4], [0.1, -0.2], [0.5, 0.3], alpha=0.05)
    >>> out["decision"].tolist()
    ['stop_winner', 'continue']
    """
    alpha = check_open_unit("alpha", alpha)
    p = check_finite_array("p_value_always_valid", p_value_always_valid, ndmin=1)
    low = check_finite_array("ci_low", ci_low, ndmin=1)
    high = check_finite_array("ci_high", ci_high, ndmin=1)
    bad_p = (p < 0) | (p > 1)
    if bad_p.any():
        raise InputError("p_value_always_valid", p[bad_p][0], "a probability in [0, 1]")
    p, low, high = np.broadcast_arrays(p, low, high)
    if np.any(low > high):
        raise InputError("ci_low", low[low > high][0], "<= ci_high")
    direction = np.sign(check_finite_array("effect", effect, ndmin=1) if effect is not None else (low + high) / 2.0)
    reject = p <= alpha
    good = direction == (1 if higher_is_better else -1)
    excludes = (low > 0) | (high < 0)
    decision = np.where(reject & (direction != 0), np.where(good, "stop_winner", "stop_loser"), "continue")
    crossed = np.where(decision != "continue", "efficacy", "none")
    rule = f"always-valid: stop when the always-valid p <= alpha = {alpha:g} (the sequence then excludes 0)"
    disagree = rule + "; here the p-value and the confidence sequence disagree on excluding 0"
    rules = np.where(reject == excludes, rule, disagree).astype(object)
    n = p.shape
    return {
        "decision": decision.astype(object),
        "efficacy_boundary": np.full(n, alpha),
        "futility_boundary": np.full(n, np.nan),
        "alpha_spent": np.full(n, alpha),
        "crossed": crossed.astype(object),
        "rule": rules,
    }


def _observed_fractions(design: GroupSequentialDesign, look: int, information_fraction: Any) -> np.ndarray:
    assert design.information_fractions is not None  # normalised by __post_init__
    planned = np.asarray(design.information_fractions[:look])
    if information_fraction is None:
        return planned
    given = check_finite_array("information_fraction", information_fraction, ndmin=1)
    if given.size == look:
        return given
    if given.size == 1:
        return np.concatenate((planned[:-1], given))
    expected = f"one fraction or {look} fractions (looks 1..{look})"
    raise ConfigError("information_fraction", information_fraction, expected)


def _group_sequential_rule(
    design: GroupSequentialDesign, look: int, fraction: float, efficacy: float, futility: float, spent: float
) -> str:
    stat = {"two-sided": "|z|", "greater": "z", "less": "-z"}[design.alternative]
    text = (
        f"group-sequential {design.label} ({design.alternative}, alpha = {design.alpha:g}), look {look} of "
        f"{design.looks} at information {fraction:.3f}: efficacy if {stat} >= {efficacy:.3f}"
    )
    if design.has_futility:
        kind = "binding" if design.binding else "non-binding"
        text += f", {kind} futility if favourable z <= {futility:.3f}"
    return text + f"; alpha spent {spent:.4g}"
