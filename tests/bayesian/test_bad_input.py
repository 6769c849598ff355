"""Bad input raises the project's typed errors, never a silent NaN."""

import numpy as np
import pytest

from abstats.bayesian import BetaPrior, prob_best
from abstats.bayesian.scoring import score_binary, score_normal
from abstats.errors import ConfigError, InputError


@pytest.mark.parametrize(
    "args",
    [
        ([11], [10], [5], [10]),  # conversions > n
        ([-1], [10], [5], [10]),
        ([1.5], [10], [5], [10]),
        ([np.nan], [10], [5], [10]),
        ([1, 2], [10, 10, 10], [5], [10]),  # lengths differ
    ],
)
def test_binary_counts(args):
    with pytest.raises(InputError):
        score_binary(*args)


def test_binary_settings():
    with pytest.raises(ConfigError):
        score_binary(1, 10, 2, 10, prior_alpha=0.0)
    with pytest.raises(ConfigError):
        score_binary(1, 10, 2, 10, ci_level=1.0)
    with pytest.raises(ConfigError):
        score_binary(1, 10, 2, 10, interval="central")
    with pytest.raises(InputError):
        score_binary([1, 1], [10, 10], [2, 2], [10, 10], higher_is_better=[True, False, True])
    with pytest.raises(ConfigError):
        BetaPrior.from_history(rate=1.2, strength=10)


def test_normal_inputs():
    # a zero control mean leaves only the relative effect undefined (NaN; analyze flags it)
    undefined = score_normal([0.0], [0.1], [1.0], [0.1])
    assert np.isnan(undefined["rel_cred_low"][0]) and np.isfinite(undefined["effect_cred_low"][0])
    with pytest.raises(InputError):
        score_normal([1.0], [-0.1], [1.0], [0.1])
    with pytest.raises(InputError):
        score_normal([1.0], [0.0], [1.0], [0.0])
    with pytest.raises(ConfigError):
        score_normal([1.0], [0.1], [1.0], [0.1], prior_rel_effect_sd=0.0)


def test_prob_best_shapes():
    with pytest.raises(InputError):
        prob_best([[1, 2, 3]], [[1, 2]])
    with pytest.raises(InputError):
        prob_best([[1]], [[1]])
    with pytest.raises(InputError):
        prob_best([[1, -2]], [[1, 2]])
