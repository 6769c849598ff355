"""Group-sequential sizing through abstats.sequential, against the shared inflation-factor cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from abstats.metrics import BinaryMetric, MeanMetric
from abstats.planning import plan_group_sequential, plan_sample_size
from abstats.sequential import GroupSequentialDesign

SIGNUP = BinaryMetric("signup")
REVENUE = MeanMetric("revenue")


def test_inflation_factor_cases(inflation_cases: list[dict], within) -> None:
    assert len(inflation_cases) >= 10
    for case in inflation_cases:
        inputs = case["inputs"]
        gs = plan_group_sequential(
            SIGNUP,
            baseline=0.1,
            mde=0.1,
            alpha=inputs["alpha"],
            power=inputs["power"],
            alternative=inputs["alternative"],
            design=inputs["design"],
            looks=inputs["looks"],
        )
        assert within(float(gs.inflation_factor), case["expected"]["inflation_factor"], case["tolerance"]), case["id"]
        assert float(gs.n_max_per_arm) == pytest.approx(float(gs.inflation_factor * gs.fixed.n_per_arm))


def test_expected_sample_size_of_pocock_two_looks() -> None:
    """E[N | H1] from the published Pocock constant 2.178 (Jennison & Turnbull Table 2.1), written out with scipy."""
    inflation = 1.1101700848037046  # shared case gs_inflation_pocock_K2_power0.8
    drift = np.sqrt(inflation) * (stats.norm.isf(0.025) + stats.norm.ppf(0.8))
    z1_mean = drift * np.sqrt(0.5)
    stop_first = stats.norm.sf(2.178 - z1_mean) + stats.norm.cdf(-2.178 - z1_mean)
    expected_fraction = inflation * (0.5 * stop_first + 1.0 * (1 - stop_first))
    gs = plan_group_sequential(REVENUE, sd=1.0, mde=0.1, mde_type="absolute", design="pocock", looks=2)
    assert float(gs.expected_fraction) == pytest.approx(expected_fraction, rel=5e-3)
    assert float(gs.expected_n_per_arm) < float(gs.fixed.n_per_arm) < float(gs.n_max_per_arm)


def test_grid_and_design_object() -> None:
    design = GroupSequentialDesign("lan_demets_obrien_fleming", looks=4, alpha=0.2, power=0.5)
    gs = plan_group_sequential(
        SIGNUP,
        baseline=np.array([0.02, 0.1])[:, None],
        mde=0.1,
        power=np.array([0.8, 0.9]),
        design=design,
        treatments=2,
        correction="holm",
    )
    assert gs.inflation_factor.shape == (2, 2)
    # R depends on (alpha, power) only: equal down each column, and the plan's alpha / power replace the design's.
    np.testing.assert_array_equal(gs.inflation_factor[0], gs.inflation_factor[1])
    alone = GroupSequentialDesign("lan_demets_obrien_fleming", looks=4, alpha=0.025, power=0.9)
    assert gs.inflation_factor[0, 1] == pytest.approx(alone.inflation_factor(0.9), rel=1e-12)
    fixed = plan_sample_size(SIGNUP, baseline=0.1, mde=0.1, power=0.9, treatments=2, correction="holm")
    assert gs.n_max_per_arm[1, 1] == pytest.approx(float(fixed.n_per_arm) * gs.inflation_factor[1, 1], rel=1e-12)
    assert len(gs.to_frame()) == 4
