"""Bayesian scoring: exact Beta-Binomial comparisons, normal posteriors, expected-loss decisions.

PyMC models (``abstats.bayesian.hierarchical``, ``abstats.bayesian.revenue`` and the segment
Result of ``analyze_segments``) import pymc and arviz only when called.
"""

from abstats.bayesian.beta_binomial import BetaPrior, expected_loss_best, posterior_params, prob_best
from abstats.bayesian.decision import expected_loss_decision
from abstats.bayesian.mcmc import SamplerSettings
from abstats.bayesian.scoring import score_binary, score_normal
from abstats.bayesian.segments import analyze_segments

__all__ = [
    "BetaPrior",
    "SamplerSettings",
    "analyze_segments",
    "expected_loss_best",
    "expected_loss_decision",
    "posterior_params",
    "prob_best",
    "score_binary",
    "score_normal",
]
