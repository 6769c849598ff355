"""Power curves and sample-size tables as DataFrames, and the power curve as a plot."""

from __future__ import annotations

from typing import Any, Unpack

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from abstats.errors import ConfigError
from abstats.metrics import Metric
from abstats.planning.design import Design, build_design
from abstats.planning.inputs import PlanningSettings, number_array
from abstats.planning.power import solve_power
from abstats.planning.sample_size import solve_sample_size

_CURVE_COLUMNS = ["mde", "mde_absolute", "n_per_arm", "n_total", "power", "alpha_per_comparison", "variance"]
_TABLE_COLUMNS = ["mde", "mde_absolute", "power", "n_per_arm", "n_per_arm_ceil", "n_total", "variance"]


def power_curve(
    metric: Metric, *, mde: ArrayLike, n_per_arm: ArrayLike, **settings: Unpack[PlanningSettings]
) -> pd.DataFrame:
    """Power for every (mde, n_per_arm) pair, one vectorised :func:`plan_power` solve, as a long DataFrame.

    Parameters
    ----------
    metric
        The metric object given to :func:`abstats.analyze`.
    mde, n_per_arm
        The curve's two axes, each a number or a 1-D array. Rows run over mde first, then n.
    **settings
        The shared planning keywords of :class:`~abstats.planning.PlanningSettings`, scalars only.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> frame = power_curve(BinaryMetric("signup"), baseline=0.05, mde=[0.05, 0.1], n_per_arm=[10_000, 40_000])
    >>> frame.shape[0]
    4
    """
    design = _scalar_design(metric, settings)
    effects, sizes = _axis("mde", mde), _axis("n_per_arm", n_per_arm)
    plan = solve_power(design, sizes[None, :], effects[:, None])
    return plan.to_frame()[_CURVE_COLUMNS]


def sample_size_table(
    metric: Metric, *, mde: ArrayLike, power: ArrayLike, **settings: Unpack[PlanningSettings]
) -> pd.DataFrame:
    """n per arm for every (mde, power) pair, one vectorised :func:`plan_sample_size` solve.

    Long format (one row per pair); ``.pivot(index="mde", columns="power", values="n_per_arm_ceil")``
    gives the usual effect x power table.

    Parameters
    ----------
    metric
        The metric object given to :func:`abstats.analyze`.
    mde, power
        The table's two axes, each a number or a 1-D array.
    **settings
        The shared planning keywords of :class:`~abstats.planning.PlanningSettings`, scalars only.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> sample_size_table(BinaryMetric("signup"), baseline=0.05, mde=[0.05, 0.1], power=[0.8, 0.9]).shape[0]
    4
    """
    design = _scalar_design(metric, settings)
    effects, powers = _axis("mde", mde), _axis("power", power)
    plan = solve_sample_size(design, effects[:, None], powers[None, :])
    return plan.to_frame()[_TABLE_COLUMNS]


def plot_power_curve(
    metric: Metric, *, mde: ArrayLike, n_per_arm: ArrayLike, ax: Any = None, **settings: Unpack[PlanningSettings]
) -> Any:
    """Power against the effect, one line per ``n_per_arm``; returns the matplotlib Figure.

    Parameters
    ----------
    metric, mde, n_per_arm, **settings
        As in :func:`power_curve`.
    ax
        Axes to draw on (default: a new figure); the Figure returned is the one holding it.

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> fig = plot_power_curve(BinaryMetric("signup"), baseline=0.05, mde=np.linspace(0.02, 0.3, 30),
    ...                        n_per_arm=[10_000, 50_000])
    >>> len(fig.axes[0].get_lines())  # two curves and the alpha line
    3
    """
    import matplotlib.pyplot as plt  # optional heavy dependency, only for plotting

    design = _scalar_design(metric, settings)
    effects, sizes = _axis("mde", mde), _axis("n_per_arm", n_per_arm)
    frame = solve_power(design, sizes[None, :], effects[:, None]).to_frame()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for n, rows in frame.groupby("n_per_arm", sort=True):
        ax.plot(rows["mde"], rows["power"], label=f"n per arm = {int(n):,}")
    ax.axhline(float(frame["alpha_per_comparison"].iloc[0]), color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel(f"effect ({design.mde_type})")
    ax.set_ylabel("power")
    ax.set_ylim(0, 1)
    ax.set_title(f"power curve · {design.metric.name} · {design.variance}")
    ax.legend()
    return ax.figure


def _axis(field: str, values: ArrayLike) -> np.ndarray:
    arr = number_array(field, values, setting=False)
    if arr.ndim > 1:
        raise ConfigError(field, values, "a number or a 1-D array (one axis of the curve)")
    return np.atleast_1d(arr)


def _scalar_design(metric: Metric, settings: PlanningSettings) -> Design:
    """The curve's axes are its only arrays: every other setting is one number (a ratio pre-period: one row)."""
    design = build_design(metric, settings)
    for name, value in design.arrays().items():
        if np.size(value) > 1:
            raise ConfigError(name, settings.get(name, value), "a scalar (the curve's axes are its only arrays)")
    return design
