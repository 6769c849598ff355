"""Group-sequential boundaries: error spending solved look by look, classical constants by root finding.

All boundaries are on the z scale, oriented so that large values favour the alternative
(for ``alternative="less"`` read them for ``-z``). Exit probabilities come from the
Armitage-McPherson-Rowe recursion in :mod:`abstats.sequential.recursion`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from abstats.inference import normal as norm
from abstats.sequential import recursion
from abstats.sequential.spending import spend

#: Boundary used when a look spends no error (gsDesign uses 20 on the z scale for the same purpose).
NO_STOP_Z = 20.0
_XTOL = 1e-10


@dataclass(frozen=True)
class Boundaries:
    """Boundaries of a group-sequential design at its looks.

    Attributes
    ----------
    information_fractions
        Information at each look as a fraction of the planned maximum.
    efficacy
        Efficacy boundary per look (two-sided designs reject when ``|z| >= efficacy``).
    futility
        Futility boundary per look (stop when the favourable-direction ``z <= futility``), NaN if none.
    alpha_spent
        Cumulative type I error spent up to each look (both sides for two-sided designs).
    drift
        ``E[Z]`` at full information under the design alternative (NaN without futility).
    """

    information_fractions: np.ndarray
    efficacy: np.ndarray
    futility: np.ndarray
    alpha_spent: np.ndarray
    drift: float


@dataclass(frozen=True)
class SpendingPlan:
    """What the solver needs to know about a design, independent of when looks arrive."""

    kind: str
    alpha: float
    two_sided: bool
    rho: float | None
    beta_spending: str | None
    beta_rho: float | None
    binding: bool

    @property
    def side_alpha(self) -> float:
        return self.alpha / 2.0 if self.two_sided else self.alpha


def classical_boundaries(plan: SpendingPlan, fractions: np.ndarray) -> Boundaries:
    """Pocock (constant) or O'Brien-Fleming (``c / sqrt(t_k)``) boundaries with total error alpha.

    The constant ``c`` solves ``P_0(cross at any look) = alpha`` (Pocock 1977; O'Brien & Fleming 1979).
    """
    shape = np.ones_like(fractions) if plan.kind == "pocock" else 1.0 / np.sqrt(fractions / fractions[-1])

    def crossing(c: float) -> np.ndarray:
        upper = c * shape
        lower = -upper if plan.two_sided else np.full_like(upper, -np.inf)
        up, down = recursion.exit_probabilities(fractions, lower, upper, 0.0)
        return np.cumsum(up + down)

    c = brentq(lambda c: crossing(c)[-1] - plan.alpha, 0.5, 10.0, xtol=_XTOL)
    nan = np.full_like(fractions, np.nan)
    return Boundaries(fractions, c * shape, nan, crossing(c), np.nan)


def spending_boundaries(
    plan: SpendingPlan, fractions: np.ndarray, *, final: bool, drift: float = np.nan, beta: float = np.nan
) -> Boundaries:
    """Lan-DeMets efficacy (and optional beta-spending futility) boundaries at the given looks.

    Alpha (and beta) is spent at ``min(t_k, 1)``, and all of it at the last look when ``final``,
    so looks that arrive at unplanned information fractions still keep the type I error.
    Efficacy bounds come from the null recursion; futility bounds from the recursion under
    ``drift`` (beta spending as in gsDesign ``test.type`` 3 binding / 4 non-binding); at the
    final look the futility bound is set equal to the efficacy bound.
    """
    return _look_by_look(plan, fractions, final=final, drift=drift, beta=beta)[0]


def final_gap(plan: SpendingPlan, fractions: np.ndarray, drift: float, beta: float) -> float:
    """``a_K - b_K`` when the last look spends its remaining beta freely (zero at the design drift)."""
    return _look_by_look(plan, fractions, final=True, drift=drift, beta=beta)[1]


def _look_by_look(
    plan: SpendingPlan, fractions: np.ndarray, *, final: bool, drift: float, beta: float
) -> tuple[Boundaries, float]:
    times = np.minimum(fractions, 1.0)
    if final:
        times[-1] = 1.0
    alpha_cum = spend(_alpha_family(plan.kind), times, plan.side_alpha, rho=plan.rho)
    alpha_inc = np.diff(alpha_cum, prepend=0.0)
    has_futility = plan.beta_spending is not None
    if plan.beta_spending is not None:
        beta_inc = np.diff(spend(plan.beta_spending, times, beta, rho=plan.beta_rho), prepend=0.0)
    k_looks = len(fractions)
    efficacy = np.empty(k_looks)
    futility = np.full(k_looks, np.nan)
    gap = np.nan
    null_prev = alt_prev = None
    for k, t in enumerate(fractions):
        efficacy[k] = _solve_upper(null_prev, t, alpha_inc[k])
        if has_futility:
            if final and k == k_looks - 1:
                gap = _solve_lower(alt_prev, t, drift, beta_inc[k], np.inf) - efficacy[k]
                futility[k] = efficacy[k]
            else:
                futility[k] = _solve_lower(alt_prev, t, drift, beta_inc[k], efficacy[k])
            alt_lower = max(futility[k], -efficacy[k]) if plan.two_sided else futility[k]
            if k < k_looks - 1:  # likewise the density under the drift
                alt_prev = recursion.next_look(alt_prev, t, drift, alt_lower, efficacy[k])
        if k < k_looks - 1:  # the null density after the last look is never read
            null_prev = recursion.next_look(null_prev, t, 0.0, _null_lower(plan, efficacy[k], futility[k]),
                                            efficacy[k])
    factor = 2.0 if plan.two_sided else 1.0
    bounds = Boundaries(fractions, efficacy, futility, factor * alpha_cum, drift if has_futility else np.nan)
    return bounds, gap


def solve_drift(plan: SpendingPlan, fractions: np.ndarray, beta: float) -> float:
    """Drift at which efficacy and futility bounds meet at the last look (gsDesign's maximum information)."""
    fixed = norm.isf(plan.side_alpha) + norm.isf(beta)
    return brentq(lambda d: final_gap(plan, fractions, d, beta), 0.5 * fixed, 3.0 * fixed, xtol=1e-9)


def _alpha_family(kind: str) -> str:
    return kind.removeprefix("lan_demets_")


def _null_lower(plan: SpendingPlan, efficacy: float, futility: float) -> float:
    """Lower edge of the continuation region used to compute the type I error."""
    if plan.binding and not np.isnan(futility):
        return max(futility, -efficacy) if plan.two_sided else futility
    return -efficacy if plan.two_sided else -np.inf


def _solve_upper(prev: recursion.LookDensity | None, t: float, target: float) -> float:
    """Efficacy bound spending ``target`` at this look (one side)."""
    if target <= 0.0:
        return NO_STOP_Z
    if recursion.exit_above(prev, t, 0.0, -NO_STOP_Z) <= target:
        return -NO_STOP_Z
    return brentq(lambda b: recursion.exit_above(prev, t, 0.0, b) - target, -NO_STOP_Z, NO_STOP_Z, xtol=_XTOL)


def _solve_lower(prev: recursion.LookDensity | None, t: float, drift: float, target: float, cap: float) -> float:
    """Futility bound spending ``target`` of beta at this look under ``drift``, at most ``cap``."""
    top = min(cap, drift * np.sqrt(t) + NO_STOP_Z)
    bottom = drift * np.sqrt(t) - NO_STOP_Z
    if target <= 0.0:
        return min(bottom, cap)
    if recursion.exit_below(prev, t, drift, top) <= target:
        return top
    return brentq(lambda a: recursion.exit_below(prev, t, drift, a) - target, bottom, top, xtol=_XTOL)
