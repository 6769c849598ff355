"""Bayesian scoring of comparison sets: posteriors per arm, P(beats), expected loss, P(best), decisions."""

from __future__ import annotations

import numpy as np

from abstats.bayesian import beta_binomial as bb
from abstats.bayesian.best_arm import binary_prob_best as _binary_prob_best
from abstats.bayesian.best_arm import normal_prob_best as _normal_prob_best
from abstats.bayesian.decision import expected_loss_decision
from abstats.bayesian.scoring import score_binary, score_normal
from abstats.bayesian.settings import BayesianSettings
from abstats.comparisons import ComparisonSet
from abstats.inference.relative import relative_effect
from abstats.methods.base import Columns, Scores
from abstats.result.assembly import concat_columns, concat_flags


def score_bayesian(sets: list[ComparisonSet], settings: BayesianSettings) -> Scores:
    """Columns, warning flags and rule codes for every row of every set.

    Count data (``counts()`` of the statistics) get exact Beta-Binomial posteriors; every other
    kind a normal posterior from its estimate and variance.
    """
    parts, flag_parts = [], []
    for s in sets:
        hib = s.metric.higher_is_better
        m_c, m_t = s.control.estimate(), s.treatment.estimate()
        counts, t_counts = s.control.counts(), s.treatment.counts()
        exact = counts is not None and t_counts is not None
        if counts is not None and t_counts is not None:
            scores = score_binary(
                counts[0],
                counts[1],
                t_counts[0],
                t_counts[1],
                prior_alpha=settings.prior_alpha,
                prior_beta=settings.prior_beta,
                higher_is_better=hib,
                ci_level=settings.ci_level,
                interval=settings.interval,
                seed=settings.seed,
            )
        else:
            scores = _normal_scores(s, settings, hib)
        best, control_best = arms_prob_best(s, settings, scores["prob_beats_control"])
        rel = relative_effect(m_c, m_t)
        parts.append(
            {
                **s.identity,
                "control_estimate": m_c,
                "treatment_estimate": m_t,
                "effect": m_t - m_c,
                "rel_effect": rel,
                "prob_best": best,
                "control_prob_best": control_best,
                **scores,
            }
        )
        # a Beta posterior always has variance and needs no normal approximation; a normal one may lack both
        degenerate = (s.control.variance_of_estimate() == 0) & (s.treatment.variance_of_estimate() == 0)
        flag_parts.append(
            {
                "zero_variance": degenerate & (not exact),
                "relative_undefined": np.isnan(rel)
                | np.isnan(scores["rel_cred_low"])
                | np.isnan(scores["rel_cred_high"]),
                **({} if exact else s.control.approximation_flags(s.treatment)),
            }
        )
    columns = concat_columns(parts)
    decision, rules = expected_loss_decision(
        columns["expected_loss_treatment"],
        columns["expected_loss_control"],
        columns["prob_beats_control"],
        threshold=settings.threshold,
        threshold_type=settings.threshold_type,
        control_estimate=columns["control_estimate"],
        prob_threshold=settings.prob_threshold,
    )
    columns["decision"] = decision.astype(str)
    codes = np.where(np.asarray(rules) == "none", "expected_loss_above_threshold", "expected_loss_below_threshold")
    return Scores(columns, concat_flags(flag_parts, [len(s) for s in sets]), codes.astype(object))


def prob_best_of_arms(s: ComparisonSet, settings: BayesianSettings) -> tuple[np.ndarray, np.ndarray]:
    """P(best) of every treatment row and of its experiment's control, without the other scores.

    The same numbers as the ``prob_best`` and ``control_prob_best`` columns of
    :func:`score_bayesian` (bit for bit: the same P(beats) of two-arm experiments, the same
    k-arm quadrature), for callers that need only P(best), such as
    :func:`abstats.bandit.allocate`; credible intervals and losses are not computed.
    """
    hib = s.metric.higher_is_better
    counts, t_counts = s.control.counts(), s.treatment.counts()
    if counts is not None and t_counts is not None:
        a_c, b_c = bb.posterior_params(counts[0], counts[1], settings.prior_alpha, settings.prior_beta)
        a_t, b_t = bb.posterior_params(t_counts[0], t_counts[1], settings.prior_alpha, settings.prior_beta)
        p_t_higher = bb.beats_and_losses(a_t, b_t, a_c, b_c)[0]
        prob_beats = np.clip(p_t_higher if hib else 1.0 - p_t_higher, 0.0, 1.0)  # as score_binary
    else:
        prob_beats = _normal_scores(s, settings, hib)["prob_beats_control"]
    return arms_prob_best(s, settings, prob_beats)


def arms_prob_best(
    s: ComparisonSet, settings: BayesianSettings, prob_beats: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(P(treatment best) per row, P(control best) per row) given each row's P(beats control)."""
    hib = s.metric.higher_is_better
    counts, t_counts = s.control.counts(), s.treatment.counts()
    if counts is not None and t_counts is not None:
        best = _binary_prob_best(s, settings, hib, prob_beats)
    else:
        best = _normal_prob_best(s, hib, prob_beats)
    best = np.clip(best, 0.0, 1.0)  # quadrature rounding can pass 1 by an ulp
    # the arms' P(best) sum to 1 within an experiment, so the control's is what its treatments leave
    treatments_best = np.bincount(s.experiment_code, weights=best)[s.experiment_code]
    return best, np.clip(1.0 - treatments_best, 0.0, 1.0)


def _normal_scores(s: ComparisonSet, settings: BayesianSettings, higher_is_better: bool) -> Columns:
    """Normal-posterior scores; rows without variance in either arm know their difference exactly.

    Those degenerate rows (flagged zero_variance) get P(beats) of 1, 1/2 or 0, the losses
    max(-+effect, 0) and point intervals, instead of a posterior with zero width.
    """
    m_c, m_t = s.control.estimate(), s.treatment.estimate()
    v_c, v_t = s.control.variance_of_estimate(), s.treatment.variance_of_estimate()
    exact = (v_c == 0) & (v_t == 0)
    keys = ("prob_beats_control", "expected_loss_treatment", "expected_loss_control", "effect_cred_low",
            "effect_cred_high", "rel_cred_low", "rel_cred_high", "control_cred_low", "control_cred_high",
            "treatment_cred_low", "treatment_cred_high")
    out = {key: np.full(len(s), np.nan) for key in keys}
    ok = ~exact
    if ok.any():
        scores = score_normal(
            m_c[ok], v_c[ok], m_t[ok], v_t[ok], higher_is_better=higher_is_better, ci_level=settings.ci_level,
            prior_rel_effect_sd=settings.prior_rel_effect_sd, prior_rel_effect_mean=settings.prior_rel_effect_mean,
        )
        for key in keys:
            out[key][ok] = scores[key]
    if exact.any():
        gain = (m_t - m_c)[exact] * (1.0 if higher_is_better else -1.0)
        out["prob_beats_control"][exact] = np.where(gain > 0, 1.0, np.where(gain < 0, 0.0, 0.5))
        out["expected_loss_treatment"][exact] = np.maximum(-gain, 0.0)
        out["expected_loss_control"][exact] = np.maximum(gain, 0.0)
        rel = relative_effect(m_c[exact], m_t[exact])
        for name, value in (("effect", (m_t - m_c)[exact]), ("rel", rel), ("control", m_c[exact]),
                            ("treatment", m_t[exact])):
            out[f"{name}_cred_low"][exact] = value
            out[f"{name}_cred_high"][exact] = value
    return out
