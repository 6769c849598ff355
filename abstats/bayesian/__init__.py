"""Bayesian scoring: exact Beta-Binomial comparisons, normal posteriors, expected-loss decisions.

PyMC models (``abstats.bayesian.hierarchical``, ``abstats.bayesian.revenue``) are
not imported here; they import pymc and arviz only when called.
"""

from abstats.bayesian.beta_binomial import BetaPrior, expected_loss_best, posterior_params, prob_best
from abstats.bayesian.decision import expected_loss_decision
from abstats.bayesian.scoring import score_binary, score_normal
from abstats.statistics.normality import normal_approximation_unsafe

__all__ = [
    "BetaPrior",
    "expected_loss_best",
    "expected_loss_decision",
    "normal_approximation_unsafe",
    "posterior_params",
    "prob_best",
    "score_binary",
    "score_normal",
]
