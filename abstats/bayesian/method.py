"""The Bayesian methods as registry objects: conjugate expected-loss scoring and the hierarchical segment model."""

from __future__ import annotations

from abstats.bayesian.posterior import effect_posteriors
from abstats.bayesian.reasons import EXPECTED_LOSS_RULES, HIERARCHICAL_RULES
from abstats.bayesian.segments import HierarchicalSettings, score_hierarchical
from abstats.bayesian.set_scoring import score_bayesian
from abstats.bayesian.settings import BayesianSettings
from abstats.methods.base import Display, Method
from abstats.result.reasons import Row, Settings


def _mcmc(row: Row, settings: Settings) -> str:
    return "; ".join(settings.get("diagnostic_warnings", [])) or "MCMC diagnostics failed"


_BAYES_REFUSED = {
    "alpha": "Bayesian methods decide by expected loss (threshold=) or probability (prob_threshold=); "
    "their intervals take ci_level=",
    "correction": "posterior probabilities are not corrected for multiplicity",
}

BAYESIAN = Method(
    name="bayesian",
    label="Bayesian, expected loss",
    settings_type=BayesianSettings,
    reads_posterior=True,
    score=score_bayesian,
    rules=EXPECTED_LOSS_RULES,
    display=Display(
        interval="cred",
        interval_label="cred.",
        probability=("prob_beats_control", "P(beats)"),
        extra=(("expected_loss_treatment", "loss(ship)", ".3g"),),
        columns=(
            "control_estimate", "treatment_estimate", "effect", "rel_effect", "prob_beats_control",
            "expected_loss_treatment", "expected_loss_control", "prob_best", "control_prob_best", "effect_cred_low",
            "effect_cred_high", "rel_cred_low", "rel_cred_high", "control_cred_low", "control_cred_high",
            "treatment_cred_low", "treatment_cred_high",
        ),
    ),
    refused=_BAYES_REFUSED,
    effect_posterior=effect_posteriors,
)

HIERARCHICAL = Method(
    name="bayesian_hierarchical",
    label="Bayesian hierarchical segments (PyMC)",
    settings_type=HierarchicalSettings,
    reads_posterior=True,
    score=score_hierarchical,
    rules=HIERARCHICAL_RULES,
    display=Display(
        interval="cred",
        interval_label="cred.",
        probability=("prob_beats_control", "P(beats)"),
        columns=(
            "control_estimate", "treatment_estimate", "effect", "effect_cred_low", "effect_cred_high",
            "rel_effect", "rel_cred_low", "rel_cred_high", "prob_beats_control",
        ),
    ),
    warnings={"mcmc_diagnostics": _mcmc},
    refused=_BAYES_REFUSED,
)
