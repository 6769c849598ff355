"""The group-sequential design: planned looks, error spending, boundaries and sample-size inflation."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.optimize import brentq

from abstats.checks import check_bool, check_choice, check_finite_array, check_open_unit
from abstats.errors import ConfigError
from abstats.inference import normal as norm
from abstats.sequential import recursion
from abstats.sequential.boundaries import (
    Boundaries,
    SpendingPlan,
    classical_boundaries,
    futility_design,
    solve_drift,
    spending_boundaries,
)
from abstats.sequential.spending import SPENDING_FAMILIES, spend
from abstats.vocabulary import ALTERNATIVES, Alternative

DESIGN_KINDS = (
    "obrien_fleming",
    "pocock",
    "lan_demets_obrien_fleming",
    "lan_demets_pocock",
    "lan_demets_power",
    "lan_demets_hsd",
)
_LABELS = {
    "obrien_fleming": "O'Brien-Fleming",
    "pocock": "Pocock",
    "lan_demets_obrien_fleming": "Lan-DeMets O'Brien-Fleming-type spending",
    "lan_demets_pocock": "Lan-DeMets Pocock-type spending",
    "lan_demets_power": "Lan-DeMets power-family spending",
    "lan_demets_hsd": "Hwang-Shih-DeCani spending",
}


@dataclass(frozen=True)
class GroupSequentialDesign:
    """A group-sequential test with planned looks (Jennison & Turnbull 2000; Lan & DeMets 1983).

    Parameters
    ----------
    kind
        ``"obrien_fleming"`` / ``"pocock"`` (classical constants, equal or unequal planned
        looks) or ``"lan_demets_obrien_fleming"`` / ``"lan_demets_pocock"`` /
        ``"lan_demets_power"`` / ``"lan_demets_hsd"`` (alpha spending; looks may arrive at
        unplanned fractions).
    looks
        Number of equally spaced looks; give this or ``information_fractions``.
    information_fractions
        Planned information fractions, increasing, ending at 1.
    alpha
        Total type I error (both sides together for ``"two-sided"``; the Lan-DeMets
        O'Brien-Fleming convention is gsDesign ``sfLDOF`` / rpact ``asOF`` with alpha/2 per side).
    alternative
        ``"two-sided"``, ``"greater"`` or ``"less"`` (boundaries are reported for ``z``,
        respectively ``-z`` with ``"less"``).
    beta_spending
        Optional futility boundaries by beta spending: ``"obrien_fleming"``, ``"pocock"``,
        ``"power"`` or ``"hsd"``. For two-sided designs futility applies to the favourable direction.
    binding
        Whether the futility boundaries are binding (efficacy bounds then use them; in a
        two-sided design the harmful-side bound ``-b_k`` is kept to label ``stop_loser`` and the
        total type I error stays <= alpha). Non-binding (default) keeps alpha whether or not
        the futility stop is obeyed.
    rho, beta_rho
        Parameter of the alpha / beta spending family: the exponent of ``power``, gamma of
        ``hsd`` (gsDesign's default design is ``hsd`` with ``rho=-4``, ``beta_rho=-2``).
    power
        Planned power; defines beta = 1 - power for futility spending.

    Examples
    --------
    >>> d = GroupSequentialDesign("lan_demets_obrien_fleming", looks=3)
    >>> np.round(d.efficacy_boundaries(), 3)
    array([3.71 , 2.511, 1.993])
    >>> round(d.inflation_factor(0.8), 3)
    1.013
    """

    kind: str
    looks: int | None = None
    information_fractions: tuple[float, ...] | None = None
    alpha: float = 0.05
    alternative: Alternative = "two-sided"
    beta_spending: str | None = None
    binding: bool = False
    rho: float | None = None
    beta_rho: float | None = None
    power: float = 0.8
    _plan: SpendingPlan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, DESIGN_KINDS)
        check_choice("alternative", self.alternative, ALTERNATIVES)
        object.__setattr__(self, "alpha", check_open_unit("alpha", self.alpha))
        object.__setattr__(self, "power", check_open_unit("power", self.power))
        object.__setattr__(self, "binding", check_bool("binding", self.binding))
        fractions = _planned_fractions(self.looks, self.information_fractions)
        object.__setattr__(self, "looks", len(fractions))
        object.__setattr__(self, "information_fractions", tuple(float(t) for t in fractions))
        if self.kind in ("lan_demets_power", "lan_demets_hsd"):
            spend(self.kind.removeprefix("lan_demets_"), np.ones(1), self.alpha, rho=self.rho)
        if self.beta_spending is not None:
            check_choice("beta_spending", self.beta_spending, SPENDING_FAMILIES)
            if self.kind in ("obrien_fleming", "pocock"):
                expected = "None for classical designs (use a lan_demets kind)"
                raise ConfigError("beta_spending", self.beta_spending, expected)
            if self.beta_spending in ("power", "hsd"):
                try:
                    spend(self.beta_spending, np.ones(1), 1.0 - self.power, rho=self.beta_rho)
                except ConfigError:
                    expected = f"a parameter for {self.beta_spending} spending"
                    raise ConfigError("beta_rho", self.beta_rho, expected) from None
        plan = SpendingPlan(
            self.kind,
            self.alpha,
            self.alternative == "two-sided",
            self.rho,
            self.beta_spending,
            self.beta_rho,
            bool(self.binding),
        )
        object.__setattr__(self, "_plan", plan)

    @property
    def label(self) -> str:
        """Human-readable name of the boundary rule, used in decision reasons."""
        return _LABELS[self.kind]

    @property
    def has_futility(self) -> bool:
        return self.beta_spending is not None

    @cached_property
    def planned(self) -> Boundaries:
        """Boundaries at the planned information fractions."""
        return self._solve(np.asarray(self.information_fractions), power=self.power)

    def efficacy_boundaries(self) -> np.ndarray:
        """Efficacy z boundary per planned look."""
        return self.planned.efficacy.copy()

    def futility_boundaries(self) -> np.ndarray:
        """Futility z boundary per planned look (NaN everywhere without ``beta_spending``)."""
        return self.planned.futility.copy()

    def alpha_spent(self) -> np.ndarray:
        """Cumulative type I error spent by each planned look."""
        return self.planned.alpha_spent.copy()

    def boundaries_at(self, information_fractions: np.ndarray, *, final: bool | None = None) -> Boundaries:
        """Boundaries for looks that arrived at ``information_fractions`` (of the planned maximum).

        Spending is re-computed from the observed fractions (Lan & DeMets 1983); the last look
        spends all remaining alpha when ``final`` (default: it is the planned last look or
        reaches the planned maximum information). The futility drift stays the planned one.
        """
        t = np.asarray(information_fractions, dtype=float)
        if t.ndim != 1 or t.size == 0 or np.any(~np.isfinite(t)) or np.any(t <= 0) or np.any(np.diff(t) <= 0):
            raise ConfigError("information_fraction", information_fractions, "positive, strictly increasing fractions")
        assert self.looks is not None and self.information_fractions is not None  # normalised by __post_init__
        if t.size > self.looks:
            raise ConfigError("look", t.size, f"at most the planned {self.looks} looks")
        if final is None:
            final = t.size == self.looks or t[-1] >= 1.0
        planned = np.asarray(self.information_fractions[: t.size])
        if np.allclose(t, planned, rtol=0, atol=1e-9) and final == (t.size == self.looks):
            return _head(self.planned, t.size)
        if self.kind in ("obrien_fleming", "pocock"):
            expected = f"the planned fractions {tuple(planned)} (classical design; use a lan_demets kind)"
            raise ConfigError("information_fraction", information_fractions, expected)
        return spending_boundaries(self._plan, t, final=final, drift=self.planned.drift, beta=1.0 - self.power)

    def inflation_factor(self, power: float | None = None) -> float:
        """Maximum sample size of the design over the fixed-sample size at the same alpha and power.

        Efficacy-only designs: solve the drift giving ``power`` with these boundaries; with
        futility: the drift where the beta-spending bound meets the efficacy bound. Divided by
        the fixed-sample drift ``(z_{1-alpha/2} + z_power)^2`` (``z_{1-alpha}`` one-sided).
        """
        return (self._drift(power) / self._fixed_drift(power)) ** 2

    def expected_sample_size(self, power: float | None = None, *, effect_ratio: float = 1.0) -> float:
        """Expected sample size as a fraction of the fixed-sample n (alternative by default).

        ``R * sum_k t_k P(stop at look k)`` with ``R`` the inflation factor (Jennison & Turnbull
        ch. 2), every boundary (futility included) obeyed. ``effect_ratio`` is the true effect
        over the design effect: 1 under the alternative, 0 under the null.
        """
        power = self.power if power is None else check_open_unit("power", power)
        ratio = float(check_finite_array("effect_ratio", effect_ratio, ndmin=1)[0])
        drift = self._drift(power)
        bounds = self.planned if (not self.has_futility or power == self.power) else self._solve(
            np.asarray(self.information_fractions), power=power
        )
        t = bounds.information_fractions
        lower = _continuation_lower(bounds, self.alternative == "two-sided")
        up, down = recursion.exit_probabilities(t, lower, bounds.efficacy, ratio * drift)
        stop = up + down
        stop[-1] = 1.0 - stop[:-1].sum()
        return float((drift / self._fixed_drift(power)) ** 2 * np.dot(t, stop))

    def _solve(self, fractions: np.ndarray, *, power: float) -> Boundaries:
        """Boundaries at planned fractions, the last one final (all alpha and beta spent)."""
        if self.kind in ("obrien_fleming", "pocock"):
            return classical_boundaries(self._plan, fractions)
        if not self.has_futility:
            return spending_boundaries(self._plan, fractions, final=True)
        return futility_design(self._plan, fractions, 1.0 - power)

    def _fixed_drift(self, power: float | None) -> float:
        power = self.power if power is None else power
        return float(norm.isf(self._plan.side_alpha) + norm.ppf(power))

    def _drift(self, power: float | None) -> float:
        power = self.power if power is None else check_open_unit("power", power)
        t = np.asarray(self.information_fractions)
        if self.has_futility:
            return self.planned.drift if power == self.power else solve_drift(self._plan, t, 1.0 - power)
        bounds = self.planned
        lower = _continuation_lower(bounds, self.alternative == "two-sided")

        def power_at(drift: float) -> float:
            return float(recursion.exit_probabilities(t, lower, bounds.efficacy, drift)[0].sum())

        fixed = self._fixed_drift(power)
        return brentq(lambda d: power_at(d) - power, 0.5 * fixed, 3.0 * fixed, xtol=1e-10)


def inflation_factor(design: GroupSequentialDesign, power: float | None = None) -> float:
    """Maximum over fixed-sample size of ``design`` at ``power`` (see :meth:`GroupSequentialDesign.inflation_factor`).

    Examples
    --------
    >>> round(inflation_factor(GroupSequentialDesign("pocock", looks=2), 0.9), 2)
    1.1
    """
    return design.inflation_factor(power)


def _continuation_lower(bounds: Boundaries, two_sided: bool) -> np.ndarray:
    lower = np.where(np.isnan(bounds.futility), -np.inf, bounds.futility)
    return np.maximum(lower, -bounds.efficacy) if two_sided else lower


def _head(bounds: Boundaries, k: int) -> Boundaries:
    return Boundaries(
        bounds.information_fractions[:k], bounds.efficacy[:k], bounds.futility[:k], bounds.alpha_spent[:k], bounds.drift
    )


def _planned_fractions(looks: int | None, fractions: tuple[float, ...] | None) -> np.ndarray:
    if (looks is None) == (fractions is None):
        raise ConfigError("looks", looks, "exactly one of looks or information_fractions")
    if fractions is None:
        if isinstance(looks, bool) or not isinstance(looks, (int, np.integer)) or not 1 <= looks <= 50:
            raise ConfigError("looks", looks, "an integer number of looks between 1 and 50")
        return np.arange(1, looks + 1) / looks
    t = np.asarray(fractions, dtype=float)
    ok = t.ndim == 1 and 1 <= t.size <= 50 and np.all(np.isfinite(t)) and t[0] > 0 and np.all(np.diff(t) > 0)
    if not ok or not np.isclose(t[-1], 1.0):
        raise ConfigError(
            "information_fractions", fractions, "1 to 50 strictly increasing fractions in (0, 1] ending at 1"
        )
    t[-1] = 1.0
    return t
