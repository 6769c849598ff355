"""The planner's answer: one frozen value holding every cell of a planning grid, and whole-unit rounding."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from abstats.checks import require_cells
from abstats.metrics import Metric
from abstats.planning.design import Design
from abstats.vocabulary import Alternative, Correction, Hypothesis, MarginType, MdeType

# Largest number of units a plan may need: up to 2**53 every integer is a float64,
# so sizes stay exact integers (and far from int64 overflow); beyond it they cannot.
MAX_UNITS = 2**53
# Solved sizes carry float noise of a few ulps: an exact 77 may come out as
# 77.00000000000001. A size within this many ulps above an integer is that integer;
# anything further above is rounded up. (A relative slack would grow with n and,
# above ~1e12, swallow a whole unit and round down.)
_NOISE_ULPS = 4


def ceil_units(n: np.ndarray) -> np.ndarray:
    """Round up to whole units (as floats), treating the last few ulps above an integer as noise.

    Examples
    --------
    >>> ceil_units(np.array([77.00000000000001, 77.2, 1e12 + 0.5])).tolist()
    [77.0, 78.0, 1000000000001.0]
    """
    n = np.asarray(n, dtype=float)
    below = np.floor(n)
    return np.where(n - below <= _NOISE_ULPS * np.spacing(n), below, np.ceil(n))


def check_units(total: np.ndarray, field: str, values: np.ndarray) -> None:
    """Refuse a plan whose whole test needs more than :data:`MAX_UNITS` units, naming the input that caused it."""
    bad = ~(np.asarray(total) <= MAX_UNITS)  # also catches an infinite size
    if bad.any():
        needs = float(np.broadcast_to(total, bad.shape)[bad].flat[0])
        require_cells(bad, field, values, f"a plan within 2**53 units (needs {needs:.3g})")


@dataclass(frozen=True)
class SampleSizePlan:
    """Sample size, effect and power of a two-arm (or k-treatment) test, one element per cell.

    ``n_per_arm`` is the control arm's size (every arm's with ``allocation=1``);
    each of the ``treatments`` arms gets ``n_treatment = allocation * n_per_arm``.
    ``solved_for`` says which of n, mde and power was computed from the other two.
    ``variance`` / ``method`` name the formula used. ``alternative`` is the planned
    test's (with a margin: the metric's better direction). ``alpha_per_comparison``
    is the level each treatment-vs-control test is planned at after the correction.
    Rounded sizes (``n_per_arm_ceil``, ``n_total``...) are exact int64 integers: a plan
    needing more than 2**53 units is refused when it is made.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> from abstats.planning import plan_sample_size
    >>> plan = plan_sample_size(BinaryMetric("signup"), baseline=0.05, mde=0.1)
    >>> int(plan.n_per_arm_ceil), int(plan.n_total)
    (31234, 62468)
    """

    metric: Metric
    solved_for: str
    variance: str
    method: str
    alternative: Alternative
    hypothesis: Hypothesis
    mde_type: MdeType
    margin_type: MarginType
    correction: Correction
    baseline: np.ndarray | None
    treatment_value: np.ndarray | None
    mde: np.ndarray
    mde_absolute: np.ndarray
    margin: np.ndarray | None
    alpha: np.ndarray
    alpha_per_comparison: np.ndarray
    power: np.ndarray
    allocation: np.ndarray
    treatments: np.ndarray
    n_per_arm: np.ndarray
    n_treatment: np.ndarray

    @property
    def n_per_arm_ceil(self) -> np.ndarray:
        """Control arm size rounded up to whole units."""
        return ceil_units(self.n_per_arm).astype(np.int64)

    @property
    def n_treatment_ceil(self) -> np.ndarray:
        """Each treatment arm's size rounded up to whole units."""
        return ceil_units(self.n_treatment).astype(np.int64)

    @property
    def n_total(self) -> np.ndarray:
        """Units in the whole test: the rounded-up control arm plus ``treatments`` rounded-up treatment arms."""
        return self.n_per_arm_ceil + self.treatments * self.n_treatment_ceil

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (lists for grids, scalars for one cell), e.g. for JSON; the metric by name and kind."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.tolist() if isinstance(value, np.ndarray) else value
        out["metric"], out["metric_kind"] = self.metric.name, self.metric.kind
        for name in ("n_per_arm_ceil", "n_treatment_ceil", "n_total"):
            out[name] = getattr(self, name).tolist()
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per cell (grids are flattened in C order), one column per quantity."""
        columns: dict[str, Any] = {}
        shape = self.n_per_arm.shape
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            columns[f.name] = np.broadcast_to(value, shape).ravel() if isinstance(value, np.ndarray) else value
        columns["metric"], columns["metric_kind"] = self.metric.name, self.metric.kind
        for name in ("n_per_arm_ceil", "n_treatment_ceil", "n_total"):
            columns[name] = getattr(self, name).ravel()
        return pd.DataFrame(columns, index=pd.RangeIndex(int(np.prod(shape, dtype=np.int64))))


def make_plan(
    design: Design,
    solved_for: str,
    x: np.ndarray,
    power: np.ndarray,
    n_per_arm: np.ndarray,
    mde: np.ndarray | None = None,
) -> SampleSizePlan:
    """Broadcast every per-cell quantity of ``design`` and the solve to one common shape.

    ``mde`` is the caller's effect when it was an input (kept as given, not re-derived from ``x``).
    Raises if a cell needs more than 2**53 units, naming the input that led there.
    """
    # Always present, whatever the metric kind ...
    arrays: dict[str, np.ndarray] = {
        "mde": design.from_absolute(x) if mde is None else mde,
        "mde_absolute": x,
        "alpha": design.alpha,
        "alpha_per_comparison": design.alpha_test,
        "power": power,
        "allocation": design.allocation,
        "treatments": design.treatments,
        "n_per_arm": n_per_arm,
    }
    # ... and None for a mean metric without a baseline, or a design without a margin.
    optional: dict[str, np.ndarray | None] = {
        "baseline": design.baseline,
        "treatment_value": design.treatment_value(x),
        "margin": design.margin,
    }
    for name in ("n_per_arm", "mde_absolute", "power"):
        if np.isnan(arrays[name]).any():
            # Inputs are validated, so a NaN here is a numerical failure of a library routine: never return it.
            raise FloatingPointError(f"the {solved_for} solve produced NaN in {name}")
    present = [*arrays.values(), *(v for v in optional.values() if v is not None)]
    shape = np.broadcast_shapes(*(np.shape(v) for v in present))

    def widen(v: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(v, dtype=float), shape)

    wide = {k: widen(v) for k, v in arrays.items()}
    wide_optional = {k: (None if v is None else widen(v)) for k, v in optional.items()}
    n_treatment = wide["allocation"] * wide["n_per_arm"]
    total = ceil_units(wide["n_per_arm"]) + wide["treatments"] * ceil_units(n_treatment)
    field, values = ("mde", wide["mde"]) if solved_for == "n_per_arm" else ("n_per_arm", wide["n_per_arm"])
    check_units(total, field, values)
    wide["treatments"] = wide["treatments"].astype(np.int64)
    return SampleSizePlan(
        metric=design.metric,
        solved_for=solved_for,
        variance=design.variance,
        method=design.method,
        alternative=design.alternative,
        hypothesis=design.hypothesis,
        mde_type=design.mde_type,
        margin_type=design.margin_type,
        correction=design.correction,
        n_treatment=np.asarray(n_treatment),
        baseline=wide_optional["baseline"],
        treatment_value=wide_optional["treatment_value"],
        margin=wide_optional["margin"],
        **wide,
    )
