"""The Result's columns: name, JSON type and meaning. The JSON Schema is checked against this list."""

from __future__ import annotations

from abstats.vocabulary import DECISIONS

# (name, JSON type, description). "number?" means a number or null (and "boolean?" a boolean or null);
# "id" a string or an integer label.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("experiment", "id", "experiment label (string or integer, as given)"),
    ("metric", "string", "metric name"),
    ("metric_type", "string", "binary, mean or ratio"),
    ("higher_is_better", "boolean", "direction of the metric that decisions respect"),
    ("role", "string", "primary (decides), secondary (reported) or guardrail (must not be harmed)"),
    ("control", "id", "control variant"),
    ("treatment", "id", "treatment variant"),
    ("control_n", "number", "units in the control arm"),
    ("treatment_n", "number", "units in the treatment arm"),
    ("control_estimate", "number?", "control rate / mean / ratio (null: the arm received no units)"),
    ("treatment_estimate", "number?", "treatment rate / mean / ratio (null: the arm received no units)"),
    ("effect", "number?", "absolute effect, treatment - control (null: an arm received no units)"),
    ("se", "number?", "standard error of the absolute effect (frequentist and sequential methods)"),
    ("effect_ci_low", "number?", "confidence interval of the absolute effect (null: unbounded side)"),
    ("effect_ci_high", "number?", "confidence interval of the absolute effect (null: unbounded side)"),
    ("rel_effect", "number?", "relative effect, treatment / control - 1 (null: undefined, see warnings)"),
    ("rel_ci_low", "number?", "confidence interval of the relative effect"),
    ("rel_ci_high", "number?", "confidence interval of the relative effect"),
    ("test", "string?", "test used for this row (z_pooled, welch_t, delta_method_z, fisher_exact...)"),
    ("statistic", "number?", "test statistic (z or t); null for exact tests"),
    ("df", "number?", "degrees of freedom of the t reference distribution (null: the normal)"),
    ("p_value", "number?", "unadjusted p-value"),
    ("p_value_adjusted", "number?", "p-value after the multiple-testing correction"),
    ("srm_p_value", "number", "sample-ratio-mismatch chi-square p-value of the experiment"),
    ("cuped", "boolean?",
     "CUPED: whether this row was regression-adjusted by its pre-period covariate (null: no covariate given)"),
    ("cuped_theta", "number?", "CUPED: the slope theta pooled over both arms (null: not adjusted)"),
    ("variance_reduction", "number?",
     "CUPED: 1 - adjusted variance / unadjusted variance of the effect (null: not adjusted)"),
    ("planned_n", "number?", "fixed horizon: planned units per arm of this experiment (null: none given)"),
    ("prob_beats_control", "number?", "Bayesian: P(treatment better than control)"),
    ("expected_loss_treatment", "number?", "Bayesian: expected loss of shipping the treatment"),
    ("expected_loss_control", "number?", "Bayesian: expected loss of keeping the control"),
    ("prob_best", "number?", "Bayesian: P(treatment has the best value among all arms of its experiment)"),
    ("control_prob_best", "number?", "Bayesian: P(the control has the best value among all arms of its experiment)"),
    ("effect_cred_low", "number?", "Bayesian: credible interval of the absolute effect"),
    ("effect_cred_high", "number?", "Bayesian: credible interval of the absolute effect"),
    ("rel_cred_low", "number?", "Bayesian: credible interval of the relative effect"),
    ("rel_cred_high", "number?", "Bayesian: credible interval of the relative effect"),
    ("control_cred_low", "number?", "Bayesian: credible interval of the control's rate / mean"),
    ("control_cred_high", "number?", "Bayesian: credible interval of the control's rate / mean"),
    ("treatment_cred_low", "number?", "Bayesian: credible interval of the treatment's rate / mean"),
    ("treatment_cred_high", "number?", "Bayesian: credible interval of the treatment's rate / mean"),
    ("look", "number?", "sequential: index of this look (1-based)"),
    ("efficacy_boundary", "number?", "sequential: efficacy boundary on the z scale at this look"),
    ("futility_boundary", "number?", "sequential: futility boundary on the z scale at this look"),
    ("alpha_spent", "number?", "sequential: cumulative alpha spent up to this look"),
    ("comparison_alpha", "number?", "group-sequential: alpha of this comparison's design after the Bonferroni split"),
    ("decision", "string", "stop_winner, stop_loser, stop_futility, inconclusive, continue or investigate"),
    ("rule", "string", "machine-readable code of the rule that produced the decision"),
    ("reason", "string", "the rule that produced the decision, with its statistic and threshold"),
)

NAMES: tuple[str, ...] = tuple(name for name, _, _ in COLUMNS)

__all__ = ["COLUMNS", "DECISIONS", "NAMES"]
