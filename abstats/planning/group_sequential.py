"""Group-sequential sizing: the fixed-sample plan scaled by the design's inflation factor.

Boundaries, inflation factors and stopping probabilities come from
:mod:`abstats.sequential`; this module only applies them to a plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Unpack

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from abstats.metrics import Metric
from abstats.planning.design import build_design
from abstats.planning.inputs import PlanningSettings
from abstats.planning.plan import SampleSizePlan, ceil_units, check_units
from abstats.planning.sample_size import solve_sample_size
from abstats.sequential import GroupSequentialDesign


@dataclass(frozen=True)
class GroupSequentialPlan:
    """A fixed-sample plan and the group-sequential design that stretches it.

    ``n_max_per_arm`` = inflation_factor * fixed n (the size if no look stops the test);
    ``expected_n_per_arm`` = E[N | H1] = expected_fraction * fixed n, the average size
    when the effect is the planned one (Jennison & Turnbull 2000, ch. 2).
    """

    fixed: SampleSizePlan
    design: GroupSequentialDesign
    inflation_factor: np.ndarray
    expected_fraction: np.ndarray

    @property
    def n_max_per_arm(self) -> np.ndarray:
        return self.inflation_factor * self.fixed.n_per_arm

    @property
    def n_max_total_units(self) -> np.ndarray:
        """:attr:`n_max_total` as floats (checked against 2**53 before any integer conversion)."""
        r, k = self.fixed.allocation, self.fixed.treatments
        return ceil_units(self.n_max_per_arm) + k * ceil_units(r * self.n_max_per_arm)

    @property
    def n_max_total(self) -> np.ndarray:
        """Rounded-up control arm plus the rounded-up treatment arms at the maximum size (exact integers)."""
        return self.n_max_total_units.astype(np.int64)

    @property
    def expected_n_per_arm(self) -> np.ndarray:
        return self.expected_fraction * self.fixed.n_per_arm

    @property
    def expected_n_total(self) -> np.ndarray:
        """Expected units under the alternative, all arms (unrounded)."""
        return self.expected_n_per_arm * (1 + self.fixed.treatments * self.fixed.allocation)

    def to_dict(self) -> dict[str, Any]:
        out = self.fixed.to_dict()
        assert self.design.information_fractions is not None  # normalised by __post_init__
        out.update(
            design=self.design.kind,
            looks=self.design.looks,
            information_fractions=list(self.design.information_fractions),
            inflation_factor=self.inflation_factor.tolist(),
            expected_fraction=self.expected_fraction.tolist(),
            n_max_per_arm=self.n_max_per_arm.tolist(),
            n_max_total=self.n_max_total.tolist(),
            expected_n_per_arm=self.expected_n_per_arm.tolist(),
            expected_n_total=self.expected_n_total.tolist(),
        )
        return out

    def to_frame(self) -> pd.DataFrame:
        frame = self.fixed.to_frame()
        frame["design"] = self.design.kind
        frame["looks"] = self.design.looks
        for name in (
            "inflation_factor",
            "expected_fraction",
            "n_max_per_arm",
            "n_max_total",
            "expected_n_per_arm",
            "expected_n_total",
        ):
            frame[name] = getattr(self, name).ravel()
        return frame


def plan_group_sequential(
    metric: Metric,
    *,
    mde: ArrayLike,
    power: ArrayLike = 0.8,
    design: str | GroupSequentialDesign = "obrien_fleming",
    looks: int | None = None,
    information_fractions: tuple[float, ...] | None = None,
    **settings: Unpack[PlanningSettings],
) -> GroupSequentialPlan:
    """Maximum and expected sample size of a group-sequential test (efficacy looks, optional futility).

    The fixed-sample n is :func:`plan_sample_size`'s for the same metric and keywords;
    the design's inflation factor R and expected stopping fraction come from
    :class:`abstats.sequential.GroupSequentialDesign` at each cell's
    ``alpha_per_comparison``, power and alternative (a one-sided plan, or one with a
    margin, uses its ``"greater"`` / ``"less"`` alternative).

    Parameters
    ----------
    metric
        The metric object given to :func:`abstats.analyze`.
    mde, power
        As in :func:`plan_sample_size`.
    design
        A design kind (with ``looks`` or ``information_fractions``) or a ready
        ``GroupSequentialDesign`` whose alpha, power and alternative are replaced by the plan's.
    looks, information_fractions
        The planned looks of a design given by kind.
    **settings
        The shared planning keywords of :class:`~abstats.planning.PlanningSettings`.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> gs = plan_group_sequential(BinaryMetric("signup"), baseline=0.05, mde=0.1, design="obrien_fleming", looks=3)
    >>> round(float(gs.inflation_factor), 3)
    1.017
    """
    fixed = solve_sample_size(build_design(metric, settings), mde, power)
    if isinstance(design, GroupSequentialDesign):
        template = design
    else:
        template = GroupSequentialDesign(design, looks=looks, information_fractions=information_fractions)
    # R depends only on (alpha, power) per design, so each distinct pair is solved once
    # (the sequential module solves one design per call); a grid usually has a handful.
    pairs = np.stack([fixed.alpha_per_comparison.ravel(), fixed.power.ravel()], axis=1)
    unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
    inflation = np.empty(len(unique))
    expected = np.empty(len(unique))
    for i, (alpha, power_i) in enumerate(unique):
        cell = _with(template, alpha=float(alpha), power=float(power_i), alternative=fixed.alternative)
        inflation[i] = cell.inflation_factor(float(power_i))
        expected[i] = cell.expected_sample_size(float(power_i))
    shape = fixed.n_per_arm.shape
    plan = GroupSequentialPlan(
        fixed=fixed,
        design=_with(template, alternative=fixed.alternative),
        inflation_factor=inflation[inverse.ravel()].reshape(shape),
        expected_fraction=expected[inverse.ravel()].reshape(shape),
    )
    check_units(plan.n_max_total_units, "mde", fixed.mde)
    return plan


def _with(design: GroupSequentialDesign, **changes: Any) -> GroupSequentialDesign:
    # A built design holds both looks and fractions; the constructor accepts only one of them.
    return dataclasses.replace(design, looks=None, **changes)
