"""Joining the column blocks of several metrics into one Result's columns."""

from __future__ import annotations

import numpy as np


def concat_columns(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if len(parts) == 1:
        return dict(parts[0])
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


def concat_flags(parts: list[dict[str, np.ndarray]], lengths: list[int]) -> dict[str, np.ndarray]:
    """Warning flags of every block; a code one metric kind never raises is False for its rows."""
    if len(parts) == 1:
        return dict(parts[0])
    codes = list(dict.fromkeys(code for part in parts for code in part))
    return {
        code: np.concatenate([part.get(code, np.zeros(n, dtype=bool)) for part, n in zip(parts, lengths, strict=True)])
        for code in codes
    }
