"""Input handling shared by the three solves (n, mde, power)."""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.checks import check_finite_array, check_open_unit_array, check_positive_array, require_cells
from abstats.planning.design import Design


def power_array(power: Any, design: Design) -> np.ndarray:
    """Target power in (0, 1) and above alpha (a test cannot be planned to reject less often than under H0)."""
    arr = check_open_unit_array("power", power)
    require_cells(arr <= design.alpha, "power", arr, "greater than alpha", setting=True)
    return arr


def n_array(n_per_arm: Any, design: Design) -> np.ndarray:
    """Control-arm sizes > 0; the t version also needs a degree of freedom (n_c + n_t > 2)."""
    arr = check_positive_array("n_per_arm", n_per_arm)
    if design.variance == "t":
        require_cells(arr * (1 + design.allocation) <= 2, "n_per_arm", arr, "n_c + n_t > 2 for the t version")
    return arr


def effect_and_direction(mde: Any, design: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mde array, absolute effect x, direction +-1).

    A test looks in the direction of the effect; the H1 of a margin (non-inferiority) test is 'higher'.
    """
    mde_arr = check_finite_array("mde", mde)
    x = design.to_absolute(mde_arr)
    design.check_treatment_rate(x, "mde", mde_arr)
    direction = np.where(x < 0, -1.0, 1.0) if design.margin is None else np.ones(())
    return mde_arr, x, direction
