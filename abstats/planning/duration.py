"""How many days a planned test runs, from daily eligible traffic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from abstats.checks import check_choice, require_cells
from abstats.planning.inputs import positive_array
from abstats.planning.plan import ceil_units

ROUNDINGS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class DurationPlan:
    """Days needed per cell: ``exact_days`` = n_total / (daily_traffic * traffic_share), ``days`` rounded up."""

    n_total: np.ndarray
    daily_units: np.ndarray
    exact_days: np.ndarray
    days: np.ndarray
    round_to: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_total": self.n_total.tolist(),
            "daily_units": self.daily_units.tolist(),
            "exact_days": self.exact_days.tolist(),
            "days": self.days.tolist(),
            "round_to": self.round_to,
        }


def plan_duration(
    n_total: ArrayLike, daily_traffic: ArrayLike, traffic_share: ArrayLike = 1.0, round_to: str = "day"
) -> DurationPlan:
    """Whole days (or whole weeks, to cover weekly seasonality) to enrol ``n_total`` units.

    days = ceil(n_total / (daily_traffic * traffic_share)), then up to a multiple
    of 7 with ``round_to="week"``. Arrays broadcast.

    Parameters
    ----------
    n_total
        Units the test needs, e.g. :attr:`SampleSizePlan.n_total`.
    daily_traffic
        Eligible units per day.
    traffic_share
        Share of the eligible traffic sent into the test, in (0, 1].
    round_to
        ``"day"`` or ``"week"``.

    Examples
    --------
    >>> plan_duration(62468, daily_traffic=20000).days
    array(4)
    >>> plan_duration(62468, daily_traffic=20000, round_to="week").days
    array(7)
    """
    check_choice("round_to", round_to, tuple(ROUNDINGS))
    n = positive_array("n_total", n_total, setting=False)
    traffic = positive_array("daily_traffic", daily_traffic, setting=False)
    share = positive_array("traffic_share", traffic_share)
    require_cells(share > 1, "traffic_share", share, "a share of traffic in (0, 1]", setting=True)
    daily = traffic * share
    exact = n / daily
    step = ROUNDINGS[round_to]
    # Whole steps, rounded up as sizes are: float noise of a few ulps above a whole number is not a new step.
    days = (ceil_units(exact / step) * step).astype(np.int64)
    n_b, daily_b, exact_b, days_b = np.broadcast_arrays(n, daily, exact, days)
    return DurationPlan(n_total=n_b, daily_units=daily_b, exact_days=exact_b, days=days_b, round_to=round_to)
