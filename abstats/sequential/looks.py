"""Paths of looks: arrays whose ``look_axis`` holds one value per look."""

from __future__ import annotations

import numpy as np

from abstats.errors import InputError


def look_axis_path(arr: np.ndarray, look_axis: int | None, field: str) -> None:
    """Check that ``look_axis`` exists in ``arr`` when a path of looks is given."""
    if look_axis is not None and not -arr.ndim <= look_axis < arr.ndim:
        raise InputError(field, arr.shape, f"an array with axis {look_axis} holding the looks")
