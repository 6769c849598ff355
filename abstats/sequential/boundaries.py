"""Group-sequential boundaries: error spending solved look by look, classical constants by root finding.

All boundaries are on the z scale, oriented so that large values favour the alternative
(for ``alternative="less"`` read them for ``-z``). Exit probabilities come from the
Armitage-McPherson-Rowe recursion in :mod:`abstats.sequential.recursion`.

Cost is counted in recursions (one pass over the looks, ~1 ms at K = 10). A look's bound is solved by
Halley's method on the log crossing probability of that look's law, whose first two derivatives are the
sub-density and its slope, at hand from the same terms (:func:`_tail_root`, 1-3 sums of O(nodes)).
Quantities that need the whole recursion (the classical constants, the futility design's drift) are
solved on a probit scale, where they are nearly straight, by :func:`_secant`: 4 recursions for a
constant, 4-5 for a drift (the bounds at the last drift are often interpolated through the trials' bounds
instead of a last recursion: :func:`_interpolated_bounds`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from scipy.optimize import brentq

from abstats.inference import normal as norm
from abstats.sequential import recursion
from abstats.sequential.spending import spend

#: Boundary used when a look spends no error (gsDesign uses 20 on the z scale for the same purpose).
NO_STOP_Z = 20.0
_XTOL = 1e-10
#: Tolerance on the Pocock / O'Brien-Fleming constant (a whole-recursion solve).
_OUTER_TOL = 1e-9
#: Tolerance on the futility drift: bounds move by at most about the drift error times sqrt(t_k), so 1e-8
#: keeps them well inside the ~1e-7 error of the grid (GRID_R).
_DRIFT_TOL = 1e-8
#: Largest (estimated) error of bounds interpolated in the drift instead of solved at it
#: (:func:`_interpolated_bounds`): a tenth of what the drift tolerance already lets them move.
_INTERPOLATION_TOL = 1e-9
#: Factor on the product of distances that bounds the error of an inverse quadratic interpolation step: over
#: 274 futility designs, the error's ratio to that product (below 1e-8) was at most 81, typically 0.04.
_IQI_SAFETY = 100.0
#: A Halley step this small is the last one needed for a 1e-10 bound (cubic convergence: the error after it
#: is about (step / s)^3 s, s >= 0.14 the scale of a look's law with up to 50 looks).
_HALLEY_LAST_STEP = 2e-5


def _drift_start(k_looks: int, fixed: float) -> tuple[float, float]:
    """Starting drift and guessed probit-scale slope of the beta excess for a futility design with K looks.

    Medians over beta-spending designs with K = 2..20 (every spending family, one- and two-sided, binding
    or not, power 0.8 / 0.9): the drift is ``(1.143 - 0.167 / K)`` times the fixed-sample drift (1.06 at
    K = 2, 1.13 at K = 20) and the slope at the root ``1 + 0.14 (K - 1)`` (1 for one look). Only a start:
    the secant converges from anywhere in its bracket, in about 5 recursions from here (5.2 from 1.1 times
    the fixed drift with slope 2).
    """
    return (1.143 - 0.167 / k_looks) * fixed, 1.0 + 0.14 * (k_looks - 1)


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

    The constant ``c`` solves ``P_0(cross at any look) = alpha`` (Pocock 1977; O'Brien & Fleming 1979)
    by :func:`_secant` on the probit scale, ``Phi^-1(1 - P_0(cross one side)) - Phi^-1(1 - a)``, ``a`` the
    error of one side: with one look that is ``c shape_1 - z_{1-a}``, straight with slope ``shape_1``, and with
    more it bends little, so 4 recursions reach 1e-9. The start is halfway between the two bounds every
    design obeys: ``c`` is at least the one-look quantile ``z_{1-a} / min_k shape_k`` and at most the
    Bonferroni constant solving ``sum_k P(Z > c shape_k) = a``.
    """
    shape = np.ones_like(fractions) if plan.kind == "pocock" else 1.0 / np.sqrt(fractions / fractions[-1])
    sides = 2.0 if plan.two_sided else 1.0
    evaluated: dict[float, np.ndarray] = {}

    def excess(c: float) -> float:
        upper = c * shape
        lower = -upper if plan.two_sided else np.full_like(upper, -np.inf)
        up, down = recursion.exit_probabilities(fractions, lower, upper, 0.0)
        evaluated[c] = np.cumsum(up + down)
        return float(norm.isf(evaluated[c][-1] / sides) - norm.isf(plan.side_alpha))

    one_look = float(norm.isf(plan.side_alpha)) / float(shape.min())
    bonferroni = brentq(lambda c: plan.side_alpha - float(norm.sf(c * shape).sum()), one_look - 1.0, 10.0, xtol=_XTOL)
    c = _secant(excess, 0.5 * (one_look + bonferroni), float(shape.min()), 0.5, 10.0, _OUTER_TOL)
    if c not in evaluated:
        excess(c)
    return Boundaries(fractions, c * shape, np.full_like(fractions, np.nan), evaluated[c], np.nan)


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
    return _look_by_look(plan, fractions, spent=_spent(plan, fractions, final=final, beta=beta), drift=drift)[0]


def futility_design(plan: SpendingPlan, fractions: np.ndarray, beta: float) -> Boundaries:
    """Planned boundaries with beta-spending futility at the drift where both bounds meet at the last look.

    That drift is gsDesign's maximum information: the last look has exactly its share of beta left
    below the efficacy bound. Solved by :func:`_secant` on the probit scale, ``Phi^-1(beta_K) -
    Phi^-1(P_drift(reach look K, Z_K < b_K))`` (increasing in the drift, and nearly straight: 4-5
    recursions from :func:`_drift_start`); with non-binding futility the efficacy bounds
    (the null recursion) do not depend on the drift and are computed once. Each trial drift's Newton
    solves start from the bounds of the trials before it.

    The bounds are smooth in the drift, so when the secant's next step is expected within ``_DRIFT_TOL`` of the
    root, they are interpolated there through the last four trial drifts (:func:`_interpolated_bounds`) if that
    is accurate to ``_INTERPOLATION_TOL``, instead of a last recursion; else the secant goes on as usual.
    """
    spent = _spent(plan, fractions, final=True, beta=beta)
    efficacy = None
    if not plan.binding:
        efficacy = _look_by_look(replace(plan, beta_spending=None), fractions, spent=spent)[0]
    evaluated: dict[float, tuple[Boundaries, float]] = {}
    tried: list[float] = []

    def excess(drift: float) -> float:
        evaluated[drift] = _look_by_look(
            plan, fractions, spent=spent, drift=drift, efficacy=efficacy, start=predicted(drift)
        )
        tried.append(drift)
        return evaluated[drift][1]

    def predicted(drift: float) -> Boundaries | None:
        """Starting bounds for the Newton solves at ``drift``: the last two drifts' bounds extrapolated
        linearly (off by the square of the drift step once the secant closes in), else the last ones."""
        if not tried:
            return None
        newest = evaluated[tried[-1]][0]
        if len(tried) < 2 or tried[-1] == tried[-2]:
            # Futility bounds move with the mean of Z_k, drift sqrt(t_k).
            return replace(newest, futility=newest.futility + (drift - tried[-1]) * np.sqrt(fractions))
        older = evaluated[tried[-2]][0]
        weight = (drift - tried[-1]) / (tried[-1] - tried[-2])
        return replace(
            newest,
            efficacy=newest.efficacy + weight * (newest.efficacy - older.efficacy),
            futility=newest.futility + weight * (newest.futility - older.futility),
        )

    fixed = float(norm.isf(plan.side_alpha) + norm.isf(beta))
    start, slope = _drift_start(len(fractions), fixed)
    interpolated: list[Boundaries] = []

    def interpolate(drift: float) -> bool:
        bounds = _interpolated_bounds([evaluated[x][0] for x in tried[-4:]], drift)
        if bounds is not None:
            interpolated.append(bounds)
        return bounds is not None

    drift = _secant(excess, start, slope, 0.5 * fixed, 3.0 * fixed, _DRIFT_TOL, accept_unevaluated=interpolate)
    return interpolated[-1] if interpolated else evaluated[drift][0]


def _interpolated_bounds(trials: list[Boundaries], drift: float) -> Boundaries | None:
    """Bounds at ``drift`` by polynomial (Lagrange) interpolation in the drift through the trials' bounds.

    The error of the interpolant through all trials (3 or 4) is far below its difference from the one
    through all but the oldest, which estimates the latter's error; None when that difference exceeds
    ``_INTERPOLATION_TOL`` (or with fewer than three distinct trial drifts). Lagrange weights sum to one, so
    the last look's futility bound stays equal to its efficacy bound.
    """
    x = [trial.drift for trial in trials]
    if len(set(x)) < max(len(x), 3):  # too few trials, or a drift tried twice
        return None

    def weights(nodes: list[float]) -> list[float]:
        return [math.prod((drift - xj) / (xi - xj) for xj in nodes if xj != xi) for xi in nodes]

    full, newer = weights(x), weights(x[1:])

    def combine(values: list[np.ndarray]) -> np.ndarray | None:
        if all(value is values[0] for value in values):  # non-binding efficacy bounds: the same at every drift
            return values[0]
        result = np.einsum("i,ij->j", full, values)
        fewer = np.einsum("i,ij->j", newer, values[1:])
        return result if float(np.max(np.abs(result - fewer))) <= _INTERPOLATION_TOL else None

    efficacy = combine([trial.efficacy for trial in trials])
    futility = combine([trial.futility for trial in trials])
    if efficacy is None or futility is None:
        return None
    return replace(trials[-1], efficacy=efficacy, futility=futility, drift=drift)


def solve_drift(plan: SpendingPlan, fractions: np.ndarray, beta: float) -> float:
    """Drift at which efficacy and futility bounds meet at the last look (gsDesign's maximum information)."""
    return futility_design(plan, fractions, beta).drift


@dataclass(frozen=True)
class _Spent:
    """Error spent per look, shared by every trial drift of a design (Python floats: read one at a time).

    ``alpha_cum``: cumulative alpha of one side; ``alpha_inc`` / ``beta_inc``: spent at each look (beta
    empty without futility); ``efficacy_marginal`` / ``futility_marginal``: the marginal quantiles
    ``z_{1 - alpha_k}`` and ``Phi^-1(beta_k)`` (with ``E[Z_k] = 0``), where Newton starts without a better guess;
    ``final``: the last look spends everything that is left (the futility design's excess is computed there).
    """

    alpha_cum: np.ndarray
    alpha_inc: list[float]
    beta_inc: list[float]
    efficacy_marginal: list[float]
    futility_marginal: list[float]
    final: bool


def _spent(plan: SpendingPlan, fractions: np.ndarray, *, final: bool, beta: float = np.nan) -> _Spent:
    """Alpha (and beta) spent at ``min(t_k, 1)``, all of it at the last look when ``final``."""
    times = np.minimum(fractions, 1.0)
    if final:
        times[-1] = 1.0
    alpha_cum = spend(_alpha_family(plan.kind), times, plan.side_alpha, rho=plan.rho)
    alpha_inc = np.diff(alpha_cum, prepend=0.0)
    beta_inc = np.empty(0)
    if plan.beta_spending is not None:
        beta_inc = np.diff(spend(plan.beta_spending, times, beta, rho=plan.beta_rho), prepend=0.0)
    with np.errstate(divide="ignore"):
        efficacy_marginal, futility_marginal = norm.isf(alpha_inc), norm.ppf(beta_inc)
    return _Spent(
        alpha_cum, alpha_inc.tolist(), beta_inc.tolist(), efficacy_marginal.tolist(), futility_marginal.tolist(), final
    )


def _look_by_look(
    plan: SpendingPlan,
    fractions: np.ndarray,
    *,
    spent: _Spent,
    drift: float = np.nan,
    efficacy: Boundaries | None = None,
    start: Boundaries | None = None,
) -> tuple[Boundaries, float]:
    """Boundaries look by look, and (futility designs, ``spent.final``) the last look's excess of beta (probit scale).

    ``efficacy`` (non-binding designs only) gives already-solved efficacy bounds, so only the
    recursion under ``drift`` runs; ``start`` gives starting points for the Newton solves.
    Each look's law is built once and both bounds are solved on it. With binding futility the null and
    the drift recursions share their continuation regions, so the null law is the drift one tilted by
    the likelihood ratio (:func:`recursion.transition`) and only one recursion runs.
    """
    has_futility = plan.beta_spending is not None
    k_looks = len(fractions)
    upper = np.empty(k_looks) if efficacy is None else efficacy.efficacy
    futility = np.full(k_looks, np.nan)
    excess = np.nan
    null_prev = alt_prev = None
    shared = plan.binding and has_futility
    # Without a start from an earlier pass, Newton starts at a look's marginal quantile moved by as much as
    # the previous look's bound ended up from its own: bounds drift smoothly, so this saves a step or two.
    efficacy_shift = futility_shift = 0.0
    for k, t in enumerate(fractions.tolist()):
        last = k == k_looks - 1
        if efficacy is None:
            if shared:
                null_law = recursion.transition(alt_prev, t, 0.0, prev_drift=drift)
            else:
                null_law = recursion.transition(null_prev, t, 0.0)
            guess = spent.efficacy_marginal[k] + efficacy_shift if start is None else float(start.efficacy[k])
            upper[k] = bound = _solve_upper(null_law, spent.alpha_inc[k], guess)
            if abs(bound) < NO_STOP_Z:
                efficacy_shift = bound - spent.efficacy_marginal[k]
        else:
            bound = float(upper[k])
        if has_futility:
            alt_law = recursion.transition(alt_prev, t, drift)
            mean = drift * math.sqrt(t)
            if spent.final and last:
                reach_below = float(alt_law.below(bound))
                excess = float(norm.ppf(spent.beta_inc[k]) - norm.ppf(reach_below)) if reach_below > 0.0 else math.inf
                futility[k] = lower = bound
            else:
                marginal = mean + spent.futility_marginal[k]
                guess = marginal + futility_shift if start is None else float(start.futility[k])
                futility[k] = lower = _solve_lower(alt_law, mean, spent.beta_inc[k], bound, guess)
                if lower < bound:
                    futility_shift = lower - marginal
            if not last:  # the density after the last look is never read
                alt_prev = recursion.restrict(alt_law, t, drift, max(lower, -bound) if plan.two_sided else lower, bound)
        if efficacy is None and not shared and not last:
            null_prev = recursion.restrict(null_law, t, 0.0, _null_lower(plan, bound, futility[k]), bound)
    factor = 2.0 if plan.two_sided else 1.0
    bounds = Boundaries(fractions, upper, futility, factor * spent.alpha_cum, drift if has_futility else np.nan)
    return bounds, excess


def _alpha_family(kind: str) -> str:
    return kind.removeprefix("lan_demets_")


def _null_lower(plan: SpendingPlan, efficacy: float, futility: float) -> float:
    """Lower edge of the continuation region used to compute the type I error."""
    if plan.binding and not np.isnan(futility):
        return max(futility, -efficacy) if plan.two_sided else futility
    return -efficacy if plan.two_sided else -np.inf


def _solve_upper(law: recursion.Transition, target: float, start: float = np.nan) -> float:
    """Efficacy bound spending ``target`` at this look (one side, null law); Newton starts at ``start`` if given."""
    if target <= 0.0:
        return NO_STOP_Z
    if not -NO_STOP_Z < start < NO_STOP_Z:
        # P(reach look k, Z_k >= b) <= P(Z_k >= b): the marginal quantile is at or above the bound.
        start = min(max(float(norm.isf(target)), -NO_STOP_Z), NO_STOP_Z)
    return _tail_root(partial(law.tail_and_density, upper=True), False, target, -NO_STOP_Z, NO_STOP_Z, start)


def _solve_lower(law: recursion.Transition, mean: float, target: float, cap: float, start: float = np.nan) -> float:
    """Futility bound spending ``target`` of beta at this look under the law with ``E[Z_k] = mean``, at most ``cap``.

    Newton starts at ``start`` when it is inside the search interval, else at the marginal quantile.
    """
    top = min(cap, mean + NO_STOP_Z)
    bottom = mean - NO_STOP_Z
    if target <= 0.0:
        return min(bottom, cap)
    # P(reach look k, Z_k <= a) <= P(Z_k <= a): the marginal quantile is at or below the bound.
    if not bottom < start < top:
        start = max(mean + float(norm.ppf(target)), bottom)
    return _tail_root(partial(law.tail_and_density, upper=False), True, target, bottom, top, start)


def _tail_root(
    tail_and_density: Callable[[float], tuple[float, float, float]],
    increasing: bool,
    target: float,
    lo: float,
    hi: float,
    x: float,
) -> float:
    """Bound ``x`` in ``[lo, hi]`` with ``tail(x) = target``: Halley on ``log tail``, bisection as safeguard.

    When the root lies beyond an end (the target cannot be spent inside), that end is returned; an end is
    evaluated only when a step heads past it.

    ``tail_and_density`` gives a crossing probability, the sub-density at the bound (its derivative up to
    sign) and the sub-density's slope, so each step costs three O(nodes) sums. Halley's step (Halley 1694;
    cubic convergence) uses the second derivative of ``log tail`` as well; from the marginal-quantile start
    it takes 1-3 steps to 1e-10 (Newton 2-4, brentq ~18 evaluations).
    """
    log_target = math.log(target)
    lo_known = hi_known = False  # whether the root is known to lie on the inner side of lo / hi

    def excess(x: float) -> tuple[float, float, float, float]:
        p, dens, dens_slope = tail_and_density(x)
        return (math.log(p) - log_target if p > 0.0 else -math.inf), p, dens, dens_slope

    for _ in range(200):
        g, p, dens, dens_slope = excess(x)
        if g == 0.0:
            return x
        if (g > 0.0) == increasing:
            hi, hi_known = x, True
        else:
            lo, lo_known = x, True
        new = newton = math.nan
        if dens > 0.0 and p > 0.0:  # a vanishing density (far tail) leaves it to bisection
            # log tail' = +-density / tail, log tail'' = +-density' / tail - log tail'^2.
            d1 = dens / p if increasing else -dens / p
            newton = g / d1
            d2 = (dens_slope / p if increasing else -dens_slope / p) - d1 * d1
            halley = 2.0 * d1 * d1 - g * d2
            # Halley only near the root: on a flat, curved stretch far from it its step shrinks while Newton's
            # grows (and then leaves the bracket for bisection).
            new = x - 2.0 * g * d1 / halley if abs(newton) < 0.1 and halley > 0.0 else x - newton
        # Tested before the bracket, as a last step below the spacing of floats lands on x itself.
        if abs(new - x) <= _HALLEY_LAST_STEP and abs(newton) <= 2.0 * _HALLEY_LAST_STEP:
            return new
        if not lo < new < hi:
            if new >= hi and not hi_known:
                g_end = excess(hi)[0]
                if g_end == 0.0 or (g_end > 0.0) != increasing:
                    return hi
                hi_known = True
            elif new <= lo and not lo_known:
                g_end = excess(lo)[0]
                if g_end == 0.0 or (g_end > 0.0) == increasing:
                    return lo
                lo_known = True
            new = 0.5 * (lo + hi)
        if abs(new - x) <= _XTOL:
            return new
        x = new
    return x


def _secant(
    f: Callable[[float], float],
    x0: float,
    slope: float,
    lo: float,
    hi: float,
    tol: float,
    *,
    accept_unevaluated: Callable[[float], bool] | None = None,
) -> float:
    """Root of an increasing ``f`` in ``(lo, hi)`` from ``x0``: a first Newton step with the guessed ``slope``,
    then inverse quadratic interpolation through the last three points (secant with two), bisection when a
    step leaves the bracket of signs seen so far.

    Returns the last evaluated point once the next step (its error) is below ``tol``. Interpolating a
    curved ``f`` by a parabola (Brent 1973's step, without his bookkeeping) saves one or two whole-recursion
    evaluations over secant steps. With ``accept_unevaluated``, a next point from inverse quadratic
    interpolation whose error is estimated below ``tol`` is offered to it before ``f`` is evaluated there, and
    returned unevaluated if it accepts (the caller then interpolates what it needs at the root). The estimate is
    the interpolation's remainder (Brent 1973): about the product of the point's distances to the three it
    interpolates, times ``_IQI_SAFETY``.

    Raises ValueError when the root is not inside ``(lo, hi)``, or when the search closes in on a point where
    ``f`` is not near zero (:func:`_checked_root`; ``f`` jumps there: an evaluation was wrong, or has no root).
    """
    ends = (lo, hi)
    points: list[tuple[float, float]] = []
    x = x0
    for _ in range(200):
        fx = f(x)
        if fx == 0.0:
            return x
        if fx < 0.0:
            lo = max(lo, x)
        else:
            hi = min(hi, x)
        points.append((x, fx))
        new = x - fx / slope if len(points) == 1 else _interpolated_root(points[-3:])
        if abs(new - x) <= tol:
            return _checked_root(x, fx, ends, slope, tol)
        if not lo < new < hi:
            if hi - lo <= 2.0 * tol:  # bisection closed the bracket: its better-valued side, if f was seen there
                seen = dict(points)
                if lo not in seen or hi not in seen:
                    unseen = lo if lo not in seen else hi
                    raise ValueError(f"no root in {ends}: f does not change sign on the way to {unseen}")
                x = lo if abs(seen[lo]) <= abs(seen[hi]) else hi
                return _checked_root(x, seen[x], ends, slope, tol)
            new = 0.5 * (lo + hi)
        elif (
            accept_unevaluated is not None
            and len(points) >= 3
            and _IQI_SAFETY * math.prod(abs(new - p[0]) for p in points[-3:]) <= tol
            and accept_unevaluated(new)
        ):
            return new
        x = new
    raise ValueError(f"no convergence in {ends}")


def _checked_root(x: float, fx: float, ends: tuple[float, float], slope: float, tol: float) -> float:
    """``x`` if it is a root: off both ends of the search and ``|f(x)|`` within 100 times what the guessed
    ``slope`` allows over ``tol`` (else ``f`` jumps there: an evaluation was wrong, or there is no root)."""
    if min(x - ends[0], ends[1] - x) <= 2.0 * tol:
        raise ValueError(f"no root in {ends}: f({x}) = {fx}")
    if abs(fx) > 100.0 * abs(slope) * tol:
        raise ValueError(f"no root in {ends}: f jumps at {x} (f = {fx} there)")
    return x


def _interpolated_root(points: list[tuple[float, float]]) -> float:
    """Zero of the inverse-quadratic (three points) or linear (two) interpolant; NaN if the values do not allow one."""
    xs, fs = [p[0] for p in points], [p[1] for p in points]
    if not all(math.isfinite(v) for v in fs) or len(set(fs)) < len(fs):
        if len(points) == 3:
            return _interpolated_root(points[1:])
        return math.nan
    if len(points) == 2:
        return xs[1] - fs[1] * (xs[1] - xs[0]) / (fs[1] - fs[0])
    (a, b, c), (fa, fb, fc) = xs, fs
    return (
        a * fb * fc / ((fa - fb) * (fa - fc))
        + b * fa * fc / ((fb - fa) * (fb - fc))
        + c * fa * fb / ((fc - fa) * (fc - fb))
    )
