"""Hierarchical analysis across segments (country, device, traffic source), reported as a Result.

Each segment is one experiment-like group of rows (the ``segment`` column); its
treatment-vs-control effect is partially pooled with the other segments'
(:mod:`abstats.bayesian.hierarchical`), and the Result has one row per segment
plus one ``overall`` row. PyMC runs only here, on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from abstats.bayesian.hierarchical import fit_segment_effects_binary, fit_segment_effects_normal
from abstats.bayesian.mcmc import DEFAULT_SETTINGS, SamplerSettings
from abstats.checks import check_open_unit
from abstats.comparisons import ComparisonSet
from abstats.errors import ConfigError, InputError
from abstats.inference.srm import srm_two_arm
from abstats.methods.base import MethodSettings, Scores
from abstats.metrics import Metric
from abstats.result import Result
from abstats.result.assembly import concat_columns, concat_flags

OVERALL = "overall"


@dataclass(frozen=True)
class HierarchicalSettings(MethodSettings):
    """Settings of the hierarchical segment model.

    Parameters
    ----------
    ci_level
        Credible level of every interval.
    prob_threshold
        Decision rule per row: ``stop_winner`` when P(treatment better) >= prob_threshold,
        ``stop_loser`` when <= 1 - prob_threshold, otherwise ``continue``.
    sampler
        Draws, chains, seed and progress bar of the sampler.
    """

    method: ClassVar[str] = "bayesian_hierarchical"

    ci_level: float = 0.95
    prob_threshold: float = 0.95
    sampler: SamplerSettings = DEFAULT_SETTINGS

    def __post_init__(self) -> None:
        self._keep("ci_level", check_open_unit("ci_level", self.ci_level))
        self._keep("prob_threshold", check_open_unit("prob_threshold", self.prob_threshold))
        if not isinstance(self.sampler, SamplerSettings):
            raise ConfigError("sampler", self.sampler, "abstats.bayesian.SamplerSettings(...)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "ci_level": self.ci_level,
            "prob_threshold": self.prob_threshold,
            "overall_label": OVERALL,
            "sampler": {k: getattr(self.sampler, k) for k in ("draws", "tune", "chains", "target_accept", "seed")},
        }


def analyze_segments(
    data: Any,
    *,
    control: str | int,
    metric: Metric | None = None,
    segment: str = "segment",
    variant: str = "variant",
    ci_level: float = 0.95,
    prob_threshold: float = 0.95,
    sampler: SamplerSettings = DEFAULT_SETTINGS,
    srm_alpha: float = 0.001,
) -> Result:
    """Partially pooled treatment effect per segment and overall, fitted with PyMC (NUTS).

    Parameters
    ----------
    data
        :class:`~abstats.data.ExperimentData` whose experiment labels are the segments, or an
        aggregate table with a ``segment`` column (then ``metric`` says which columns to read).
    control
        Control variant; each segment must have exactly one treatment.
    prob_threshold
        Decision rule per row: ``stop_winner`` when P(treatment better) >= prob_threshold,
        ``stop_loser`` when <= 1 - prob_threshold, otherwise ``continue``.
    sampler
        Draws, chains, seed and progress bar of the sampler.

    Returns
    -------
    Result
        ``method="bayesian_hierarchical"``; ``experiment`` holds the segment label (``"overall"``
        for the pooled row); ``effect`` and the credible intervals are posterior summaries
        (shrunk towards the overall effect); settings carry the MCMC diagnostics (r_hat, ESS,
        divergences) and rows carry an ``mcmc_diagnostics`` warning when they fail.

    Examples
    --------
    >>> import abstats
    >>> table = {"segment": ["US", "US", "DE", "DE", "FR", "FR"], "variant": ["A", "B"] * 3,
    ...          "n": [5000, 5000, 3000, 3000, 2000, 2000], "conversions": [250, 290, 150, 160, 90, 104]}
    >>> r = analyze_segments(table, control="A", metric=abstats.BinaryMetric("cr"))  # doctest: +SKIP
    >>> r["experiment"].tolist()  # doctest: +SKIP
    ['US', 'DE', 'FR', 'overall']
    """
    from abstats.analysis import analyze  # the one analysis path; imported here to keep the registry acyclic

    settings = HierarchicalSettings(ci_level=ci_level, prob_threshold=prob_threshold, sampler=sampler)
    return analyze(data, control=control, metric=metric, variant=variant, experiment=segment,
                   method=settings, srm_alpha=srm_alpha)


def score_hierarchical(sets: list[ComparisonSet], settings: HierarchicalSettings) -> Scores:
    """Partially pooled effect per segment (the sets' experiments) and overall, one PyMC fit per metric."""
    parts = [_score_set(s, settings) for s in sets]
    columns = concat_columns([cols for cols, _, _ in parts])
    flags = concat_flags([f for _, f, _ in parts], [len(cols["decision"]) for cols, _, _ in parts])
    rules = np.full(len(columns["decision"]), "posterior_probability", dtype=object)
    if len(parts) == 1:
        recorded = parts[0][2]
    else:  # one fit per metric
        recorded = {
            "model": {s.metric.name: r["model"] for s, (_, _, r) in zip(sets, parts, strict=True)},
            "diagnostics": {s.metric.name: r["diagnostics"] for s, (_, _, r) in zip(sets, parts, strict=True)},
            "diagnostic_warnings": [w for _, _, r in parts for w in r["diagnostic_warnings"]],
        }
    return Scores(columns, flags, rules, recorded)


def _score_set(
    s: ComparisonSet, settings: HierarchicalSettings
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, Any]]:
    if len(s) != s.experiment_code.max() + 1:
        raise InputError("variant", "several treatments", "exactly one treatment per segment", metric=s.metric.name)
    labels = s.identity["experiment"]
    hib = s.metric.higher_is_better
    m_c, m_t = s.control.estimate(), s.treatment.estimate()
    counts, t_counts = s.control.counts(), s.treatment.counts()
    if counts is not None and t_counts is not None:
        fit = fit_segment_effects_binary(
            counts[0], counts[1], t_counts[0], t_counts[1],
            segments=labels, ci_level=settings.ci_level, settings=settings.sampler,
        )
        model = "binomial, logit link, non-centred normal segment effects"
    else:
        se = np.sqrt(s.control.variance_of_estimate() + s.treatment.variance_of_estimate())
        fit = fit_segment_effects_normal(m_t - m_c, se, segments=labels, ci_level=settings.ci_level,
                                         settings=settings.sampler)
        model = "normal segment effects with known standard errors (eight schools), non-centred"

    overall = fit["overall"]

    def with_overall(per_segment: Any, pooled: Any) -> np.ndarray:
        return np.append(np.asarray(per_segment, dtype=float), float(pooled))

    def optional(key: str) -> np.ndarray:
        if key in fit:
            return with_overall(fit[key], overall[key])
        return np.full(len(labels) + 1, np.nan)

    prob_higher = with_overall(fit["prob_beats_control"], overall["prob_beats_control"])
    prob = prob_higher if hib else 1.0 - prob_higher
    c_n, t_n = s.control.n, s.treatment.n
    columns: dict[str, np.ndarray] = {
        "experiment": np.append(labels.astype(object), OVERALL),
        "metric": np.full(len(labels) + 1, s.metric.name, dtype=object),
        "metric_type": np.full(len(labels) + 1, s.metric.kind, dtype=object),
        "higher_is_better": np.full(len(labels) + 1, hib),
        "role": np.full(len(labels) + 1, s.metric.role, dtype=object),
        "control": np.append(s.identity["control"], s.identity["control"][0]).astype(object),
        "treatment": np.append(s.identity["treatment"], s.identity["treatment"][0]).astype(object),
        "control_n": with_overall(c_n, c_n.sum()),
        "treatment_n": with_overall(t_n, t_n.sum()),
        # overall row: n-weighted average of the segments' observed values
        "control_estimate": with_overall(m_c, m_c @ c_n / c_n.sum()),
        "treatment_estimate": with_overall(m_t, m_t @ t_n / t_n.sum()),
        "effect": with_overall(fit["effect_mean"], overall["effect_mean"]),
        "effect_cred_low": with_overall(fit["effect_cred_low"], overall["effect_cred_low"]),
        "effect_cred_high": with_overall(fit["effect_cred_high"], overall["effect_cred_high"]),
        "rel_effect": optional("rel_mean"),
        "rel_cred_low": optional("rel_cred_low"),
        "rel_cred_high": optional("rel_cred_high"),
        "srm_p_value": np.append(s.identity["srm_p_value"], srm_two_arm(c_n.sum(), t_n.sum(), 0.5)[1]),
        "prob_beats_control": prob,
    }
    threshold = settings.prob_threshold
    columns["decision"] = np.where(
        prob >= threshold, "stop_winner", np.where(prob <= 1.0 - threshold, "stop_loser", "continue")
    )
    flags = {code: np.append(mask, False) for code, mask in s.control.approximation_flags(s.treatment).items()}
    flags["mcmc_diagnostics"] = np.full(len(labels) + 1, bool(fit["warnings"]))
    recorded = {"model": model, "diagnostics": fit["diagnostics"], "diagnostic_warnings": fit["warnings"]}
    return columns, flags, recorded
