"""Power curves and sample-size tables as DataFrames, and the power curve as a plot."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from abstats.checks import check_finite_array
from abstats.errors import ConfigError
from abstats.planning.power import plan_power
from abstats.planning.sample_size import plan_sample_size

_CURVE_COLUMNS = ["mde", "mde_absolute", "n_per_arm", "n_total", "power", "alpha_per_comparison", "variance"]
_TABLE_COLUMNS = ["mde", "mde_absolute", "power", "n_per_arm", "n_per_arm_ceil", "n_total", "variance"]


def power_curve(metric: str = "binary", *, mde: Any, n_per_arm: Any, **settings: Any) -> pd.DataFrame:
    """Power for every (mde, n_per_arm) pair, one vectorised :func:`plan_power` call, as a long DataFrame.

    ``mde`` and ``n_per_arm`` are 1-D; ``settings`` (baseline, sd, alpha, variance, ...)
    are the scalars of :func:`plan_power`. Rows run over mde first, then n.

    Examples
    --------
    >>> frame = power_curve("binary", baseline=0.05, mde=[0.05, 0.1], n_per_arm=[10_000, 40_000])
    >>> frame.shape[0]
    4
    """
    effects, sizes = _axis("mde", mde), _axis("n_per_arm", n_per_arm)
    _check_scalars(settings)
    plan = plan_power(metric, mde=effects[:, None], n_per_arm=sizes[None, :], **settings)
    return plan.to_frame()[_CURVE_COLUMNS]


def sample_size_table(metric: str = "binary", *, mde: Any, power: Any, **settings: Any) -> pd.DataFrame:
    """n per arm for every (mde, power) pair, one vectorised :func:`plan_sample_size` call.

    Long format (one row per pair); ``.pivot(index="mde", columns="power", values="n_per_arm_ceil")``
    gives the usual effect x power table.

    Examples
    --------
    >>> sample_size_table("binary", baseline=0.05, mde=[0.05, 0.1], power=[0.8, 0.9]).shape[0]
    4
    """
    effects, powers = _axis("mde", mde), _axis("power", power)
    _check_scalars(settings)
    plan = plan_sample_size(metric, mde=effects[:, None], power=powers[None, :], **settings)
    return plan.to_frame()[_TABLE_COLUMNS]


def plot_power_curve(metric: str = "binary", *, mde: Any, n_per_arm: Any, ax: Any = None, **settings: Any) -> Any:
    """Power against the effect, one line per ``n_per_arm``; returns the matplotlib Axes.

    Examples
    --------
    >>> ax = plot_power_curve("binary", baseline=0.05, mde=np.linspace(0.02, 0.3, 30), n_per_arm=[10_000, 50_000])
    """
    import matplotlib.pyplot as plt  # optional heavy dependency, only for plotting

    frame = power_curve(metric, mde=mde, n_per_arm=n_per_arm, **settings)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for n, rows in frame.groupby("n_per_arm", sort=True):
        ax.plot(rows["mde"], rows["power"], label=f"n per arm = {int(n):,}")
    alpha = float(frame["alpha_per_comparison"].iloc[0])
    ax.axhline(alpha, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel(f"effect ({settings.get('mde_type', 'relative')})")
    ax.set_ylabel("power")
    ax.set_ylim(0, 1)
    ax.set_title(f"power curve · {metric} · {frame['variance'].iloc[0]}")
    ax.legend()
    return ax


def _axis(field: str, values: Any) -> np.ndarray:
    arr = check_finite_array(field, values)
    if arr.ndim > 1:
        raise ConfigError(field, values, "a number or a 1-D array (one axis of the curve)")
    return np.atleast_1d(arr)


def _check_scalars(settings: dict[str, Any]) -> None:
    for name, value in settings.items():
        if name != "pre_period" and np.ndim(value) > 0:
            raise ConfigError(name, value, "a scalar (the curve's axes are mde and n_per_arm / power)")
