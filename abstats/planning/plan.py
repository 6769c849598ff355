"""The planner's answer: one frozen value holding every cell of a planning grid."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from abstats.planning.design import Design

# Solved sample sizes carry float noise of a few ulps; without this slack an
# exact 77.0 computed as 77.00000000000001 would be rounded up to 78.
_CEIL_SLACK = 1e-12


@dataclass(frozen=True)
class SampleSizePlan:
    """Sample size, effect and power of a two-arm (or k-treatment) test, one element per cell.

    ``n_per_arm`` is the control arm's size (every arm's with ``allocation=1``);
    each of the ``treatments`` arms gets ``n_treatment = allocation * n_per_arm``.
    ``solved_for`` says which of n, mde and power was computed from the other two.
    ``variance`` / ``method`` name the formula used. ``alpha_per_comparison`` is
    the level each treatment-vs-control test is planned at after the correction.

    Examples
    --------
    >>> from abstats.planning import plan_sample_size
    >>> plan = plan_sample_size("binary", baseline=0.05, mde=0.1)
    >>> int(plan.n_per_arm_ceil), int(plan.n_total)
    (31234, 62468)
    """

    metric: str
    solved_for: str
    variance: str
    method: str
    alternative: str
    mde_type: str
    correction: str | None
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
        return _ceil(self.n_per_arm)

    @property
    def n_treatment_ceil(self) -> np.ndarray:
        """Each treatment arm's size rounded up to whole units."""
        return _ceil(self.n_treatment)

    @property
    def n_total(self) -> np.ndarray:
        """Units in the whole test: the rounded-up control arm plus ``treatments`` rounded-up treatment arms."""
        return self.n_per_arm_ceil + self.treatments * self.n_treatment_ceil

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (lists for grids, scalars for one cell), e.g. for JSON."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.tolist() if isinstance(value, np.ndarray) else value
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
    """
    arrays: dict[str, Any] = {  # SampleSizePlan keywords; baseline and margin may be None
        "baseline": design.baseline,
        "treatment_value": design.treatment_value(x),
        "mde": design.from_absolute(x) if mde is None else mde,
        "mde_absolute": x,
        "margin": design.margin,
        "alpha": design.alpha,
        "alpha_per_comparison": design.alpha_test,
        "power": power,
        "allocation": design.allocation,
        "treatments": design.treatments,
        "n_per_arm": n_per_arm,
    }
    for name in ("n_per_arm", "mde_absolute", "power"):
        if np.isnan(arrays[name]).any():
            # Inputs are validated, so a NaN here is a numerical failure of a library routine: never return it.
            raise FloatingPointError(f"the {solved_for} solve produced NaN in {name}")
    present = {k: v for k, v in arrays.items() if v is not None}
    shape = np.broadcast_shapes(*(np.shape(v) for v in present.values()))
    wide: dict[str, Any] = {
        k: (None if v is None else np.broadcast_to(np.asarray(v, dtype=float), shape)) for k, v in arrays.items()
    }
    wide["treatments"] = wide["treatments"].astype(np.int64)
    return SampleSizePlan(
        metric=design.metric,
        solved_for=solved_for,
        variance=design.variance,
        method=design.method,
        alternative=design.alternative,
        mde_type=design.mde_type,
        correction=design.correction,
        n_treatment=np.asarray(wide["allocation"] * wide["n_per_arm"]),
        **wide,
    )


def _ceil(n: np.ndarray) -> np.ndarray:
    return np.ceil(n * (1 - _CEIL_SLACK)).astype(np.int64)
