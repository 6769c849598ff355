"""Bayesian planning: the simulated assurance of the expected-loss rule (its losses are tested in tests/bayesian)."""

from __future__ import annotations

import numpy as np
import pytest

from abstats.bayesian.beta_binomial import expected_loss
from abstats.errors import AbstatsError
from abstats.metrics import BinaryMetric
from abstats.planning import plan_bayesian_sample_size

SIGNUP = BinaryMetric("signup")


@pytest.mark.simulation
def test_planned_n_reaches_the_assurance_on_fresh_simulations() -> None:
    plan = plan_bayesian_sample_size(SIGNUP, baseline=0.1, mde=0.1, threshold=0.0005, assurance=0.8, seed=3)
    assert plan.n_per_arm > 100
    # Re-simulate at the planned n and at 0.6 n with other seeds and more experiments.
    rng = np.random.default_rng(99)
    sims = 4000
    rates = []
    for n in (plan.n_per_arm, int(0.6 * plan.n_per_arm)):
        x_c = rng.binomial(n, 0.1, sims)
        x_t = rng.binomial(n, 0.11, sims)
        ship, keep = expected_loss(1.0 + x_t, 1.0 + n - x_t, 1.0 + x_c, 1.0 + n - x_c)
        rates.append(np.mean(np.minimum(ship, keep) < 0.0005))
    # Planning and check both carry Monte Carlo error: 4 binomial standard errors of
    # each (2000 and 4000 simulations at ~0.8: 0.009 and 0.006) combined, about 0.043.
    tolerance = 4 * np.sqrt(0.8 * 0.2 / 2000 + 0.8 * 0.2 / 4000)
    assert rates[0] >= 0.8 - tolerance, rates
    assert rates[1] < 0.8 - tolerance, rates


def test_given_grid_and_errors() -> None:
    plan = plan_bayesian_sample_size(
        SIGNUP, baseline=0.3, mde=0.2, threshold=0.001, n_grid=[200, 5000, 50000], seed=0, simulations=500
    )
    assert plan.n_per_arm in (200, 5000, 50000)
    assert list(plan.curve["n_per_arm"]) == [200, 5000, 50000]
    assert plan.to_dict()["n_total"] == 2 * plan.n_per_arm
    same = plan_bayesian_sample_size(
        SIGNUP, baseline=0.3, mde=0.2, threshold=0.001, n_grid=[200, 5000, 50000], seed=0, simulations=500
    )
    assert same.curve.equals(plan.curve)  # seeded
    with pytest.raises(AbstatsError) as excinfo:
        plan_bayesian_sample_size(SIGNUP, baseline=0.3, mde=0.2, threshold=1e-7, n_grid=[100, 200], simulations=200)
    assert excinfo.value.field == "n_grid"
    for kwargs, field in [
        ({"baseline": 0.9, "mde": 0.5}, "mde"),
        ({"threshold": 0.0}, "threshold"),
        ({"assurance": 1.0}, "assurance"),
        ({"simulations": 10}, "simulations"),
    ]:
        with pytest.raises(AbstatsError) as excinfo:
            plan_bayesian_sample_size(SIGNUP, **({"baseline": 0.1, "mde": 0.1, "threshold": 0.001} | kwargs))
        assert excinfo.value.field == field


def test_lower_is_better_metric_measures_loss_the_other_way() -> None:
    """For bounce rate a decrease wins: the rule must pick the treatment whose rate falls, and stop as often."""
    bounce = BinaryMetric("bounce", higher_is_better=False)
    grid = {"n_grid": [2_000, 20_000], "simulations": 400, "seed": 2, "threshold": 0.002}
    lower = plan_bayesian_sample_size(bounce, baseline=0.3, mde=-0.1, **grid)
    assert lower.metric is bounce and lower.to_dict()["metric"] == "bounce"
    assert (lower.curve["prob_choose_better"] > 0.9).all()
    # Mirror image: a rise of signups from 0.7 to 0.73 is a fall of non-signups from 0.3 to 0.27.
    higher = plan_bayesian_sample_size(SIGNUP, baseline=0.7, mde=0.03, mde_type="absolute", **grid)
    assert lower.n_per_arm == higher.n_per_arm
    # Independent draws of the same assurance: 4 SE of a difference of two shares of 400, 4 sqrt(2 * 0.25 / 400).
    np.testing.assert_allclose(lower.curve["assurance"], higher.curve["assurance"], atol=4 * np.sqrt(0.5 / 400))
