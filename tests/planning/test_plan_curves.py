"""Power curves, sample-size tables and the plot."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from statsmodels.stats.power import NormalIndPower

from abstats.errors import ConfigError
from abstats.metrics import BinaryMetric, MeanMetric
from abstats.planning import plot_power_curve, power_curve, sample_size_table

SIGNUP = BinaryMetric("signup")
REVENUE = MeanMetric("revenue")


def test_power_curve_matches_normal_ind_power() -> None:
    mdes, ns = np.array([0.0, 0.5, 1.0, 2.0]), np.array([50.0, 200.0, 800.0])
    frame = power_curve(REVENUE, sd=10.0, mde=mdes, mde_type="absolute", n_per_arm=ns)
    assert len(frame) == mdes.size * ns.size
    for row in frame.itertuples():
        expected = NormalIndPower().power(row.mde / 10.0, nobs1=row.n_per_arm, alpha=0.05, ratio=1.0)
        assert row.power == pytest.approx(expected, rel=1e-10)
    assert frame.loc[frame.mde == 0.0, "power"].to_numpy() == pytest.approx(0.05)


def test_sample_size_table_pivots_to_effect_by_power() -> None:
    table = sample_size_table(SIGNUP, baseline=0.05, mde=[0.05, 0.1, 0.2], power=[0.8, 0.9])
    wide = table.pivot(index="mde", columns="power", values="n_per_arm")
    assert wide.shape == (3, 2)
    # Reference: shared case plan_binary_rformula_0.05_0.1_0.05_0.8 (R power.prop.test formula).
    assert wide.loc[0.1, 0.8] == pytest.approx(31233.437940129967, rel=1e-6)
    assert (np.diff(wide.to_numpy(), axis=0) < 0).all() and (np.diff(wide.to_numpy(), axis=1) > 0).all()


def test_axes_and_settings_shapes_are_checked() -> None:
    with pytest.raises(ConfigError) as excinfo:
        power_curve(SIGNUP, baseline=[0.05, 0.1], mde=[0.1], n_per_arm=[1000])
    assert excinfo.value.field == "baseline"
    with pytest.raises(ConfigError) as excinfo:
        power_curve(SIGNUP, baseline=0.05, mde=[[0.1]], n_per_arm=[1000])
    assert excinfo.value.field == "mde"


def test_plot_draws_one_line_per_n() -> None:
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_power_curve(SIGNUP, baseline=0.05, mde=np.linspace(0.02, 0.3, 15), n_per_arm=[10_000, 50_000]).axes[0]
    assert len(ax.get_lines()) == 3  # two curves and the alpha line
    assert ax.get_lines()[0].get_ydata().shape == (15,)


def test_import_abstats_planning_does_not_import_matplotlib() -> None:
    import subprocess

    code = "import abstats.planning, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
