"""Reading named columns out of pandas, polars, dict-of-arrays or scalar inputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from abstats.errors import InputError


def column_names(frame: Any) -> list[str]:
    if hasattr(frame, "columns"):
        return [str(c) for c in frame.columns]
    if isinstance(frame, Mapping):
        return [str(k) for k in frame]
    raise InputError("data", type(frame).__name__, "a pandas or polars DataFrame, or a mapping of column -> values")


def get_column(frame: Any, name: str, *, metric: str | None = None) -> np.ndarray:
    """One column as a 1-D numpy array (scalars in a mapping become length-1 arrays)."""
    names = column_names(frame)
    if name not in names:
        raise InputError("column", name, "one of the data's columns (" + ", ".join(names) + ")", metric=metric)
    col = frame[name]
    values = col.to_numpy() if hasattr(col, "to_numpy") else np.asarray(col)
    return np.atleast_1d(values)


def label_column(frame: Any, name: str | None, length: int, default: str) -> np.ndarray:
    """Label column; a missing experiment column means one experiment.

    Integer labels keep their dtype (factorizing integers is several times faster than
    objects); anything else becomes an object array of Python values.
    """
    if name is None:
        return np.full(length, default, dtype=object)
    values = get_column(frame, name)
    return values if values.dtype.kind in "iu" else values.astype(object)
