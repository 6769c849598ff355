"""Expected-loss stopping rule."""

import numpy as np
import pytest

from abstats.bayesian.decision import expected_loss_decision
from abstats.errors import ConfigError, InputError


def test_rules_and_names():
    codes, rules = expected_loss_decision(
        [1e-5, 0.02, 0.01, 1e-4], [0.03, 1e-5, 0.01, 0.02], [0.98, 0.03, 0.5, 0.9], threshold=1e-4
    )
    assert codes.tolist() == ["stop_winner", "stop_loser", "continue", "continue"]  # 1e-4 is not below 1e-4
    assert rules.tolist() == [
        "expected_loss_treatment<threshold",
        "expected_loss_control<threshold",
        "none",
        "none",
    ]


def test_relative_threshold_scales_with_control():
    # threshold 1% of the control rate: 1e-4 at 1%, 1e-3 at 10%.
    codes, _ = expected_loss_decision(
        [5e-4, 5e-4], [0.01, 0.01], [0.9, 0.9], threshold=0.01, threshold_type="relative", control_estimate=[0.01, 0.1]
    )
    assert codes.tolist() == ["continue", "stop_winner"]


def test_prob_threshold_must_also_hold():
    codes, rules = expected_loss_decision(
        [1e-5, 1e-5, 0.02], [0.01, 0.01, 1e-6], [0.97, 0.9, 0.02], threshold=1e-4, prob_threshold=0.95
    )
    assert codes.tolist() == ["stop_winner", "continue", "stop_loser"]
    assert rules.tolist() == [
        "expected_loss_treatment<threshold&prob_beats>=threshold",
        "none",
        "expected_loss_control<threshold&prob_loses>=threshold",
    ]


def test_ties():
    # Both arms below the threshold: the smaller loss wins; equal losses keep control.
    codes, _ = expected_loss_decision([1e-6, 3e-6, 2e-6], [2e-6, 1e-6, 2e-6], [0.6, 0.4, 0.5], threshold=1e-4)
    assert codes.tolist() == ["stop_winner", "stop_loser", "stop_loser"]


def test_bad_settings():
    with pytest.raises(ConfigError):
        expected_loss_decision([0.1], [0.1], [0.5], threshold=0.0)
    with pytest.raises(ConfigError):
        expected_loss_decision([0.1], [0.1], [0.5], threshold=0.1, threshold_type="percent")
    with pytest.raises(ConfigError):
        expected_loss_decision([0.1], [0.1], [0.5], threshold=0.1, threshold_type="relative")
    with pytest.raises(ConfigError):
        expected_loss_decision([0.1], [0.1], [0.5], threshold=0.1, prob_threshold=1.0)
    with pytest.raises(InputError):
        expected_loss_decision([np.nan], [0.1], [0.5], threshold=0.1)
    with pytest.raises(InputError):
        expected_loss_decision([0.1, 0.2], [0.1, 0.1, 0.1], [0.5], threshold=0.1)
