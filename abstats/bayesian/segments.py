"""Hierarchical analysis across segments (country, device, traffic source), reported as a Result.

Each segment is one experiment-like group of rows (the ``segment`` column); its
treatment-vs-control effect is partially pooled with the other segments'
(:mod:`abstats.bayesian.hierarchical`), and the Result has one row per segment
plus one ``overall`` row. PyMC runs only here, on demand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.bayesian.hierarchical import fit_segment_effects_binary, fit_segment_effects_normal
from abstats.bayesian.mcmc import DEFAULT_SETTINGS, SamplerSettings
from abstats.checks import check_open_unit
from abstats.comparisons import data_flags, from_experiment_data
from abstats.data import ExperimentData, from_aggregates
from abstats.errors import InputError
from abstats.frequentist.srm import srm_two_arm
from abstats.metrics import Metric
from abstats.result import Result
from abstats.statistics import BinaryStats

OVERALL = "overall"


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
    level = check_open_unit("ci_level", ci_level)
    check_open_unit("prob_threshold", prob_threshold)
    if not isinstance(data, ExperimentData):
        if metric is None:
            raise InputError("metric", None, "a metric saying which aggregate columns to read")
        data = from_aggregates(data, metric, variant=variant, experiment=segment)
    s = from_experiment_data(data, control, None)
    if len(s) != s.experiment_code.max() + 1:
        raise InputError("variant", "several treatments", "exactly one treatment per segment", metric=data.metric.name)
    labels = s.identity["experiment"]
    hib = data.metric.higher_is_better
    m_c, m_t = s.control.estimate(), s.treatment.estimate()
    if isinstance(s.control, BinaryStats):
        assert isinstance(s.treatment, BinaryStats)
        fit = fit_segment_effects_binary(
            s.control.conversions, s.control.n, s.treatment.conversions, s.treatment.n,
            segments=labels, ci_level=level, settings=sampler,
        )
    else:
        se = np.sqrt(s.control.variance_of_estimate() + s.treatment.variance_of_estimate())
        fit = fit_segment_effects_normal(m_t - m_c, se, segments=labels, ci_level=level, settings=sampler)

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
        "metric": np.full(len(labels) + 1, data.metric.name, dtype=object),
        "metric_type": np.full(len(labels) + 1, data.metric.kind, dtype=object),
        "higher_is_better": np.full(len(labels) + 1, hib),
        "control": np.append(s.identity["control"], control).astype(object),
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
    columns["decision"] = np.where(
        prob >= prob_threshold, "stop_winner", np.where(prob <= 1.0 - prob_threshold, "stop_loser", "continue")
    )
    flags = {code: np.append(mask, False) for code, mask in data_flags([s], srm_alpha).items()}
    flags["srm"][-1] = columns["srm_p_value"][-1] < srm_alpha
    flags["mcmc_diagnostics"] = np.full(len(labels) + 1, bool(fit["warnings"]))
    settings = {
        "method": "bayesian_hierarchical",
        "model": "binomial, logit link, non-centred normal segment effects"
        if isinstance(s.control, BinaryStats)
        else "normal segment effects with known standard errors (eight schools), non-centred",
        "ci_level": level,
        "prob_threshold": prob_threshold,
        "control": control,
        "srm_alpha": srm_alpha,
        "sampler": {k: getattr(sampler, k) for k in ("draws", "tune", "chains", "target_accept", "seed")},
        "diagnostics": fit["diagnostics"],
        "diagnostic_warnings": fit["warnings"],
    }
    rules = np.full(len(labels) + 1, "hierarchical")
    return Result("bayesian_hierarchical", settings, columns, rules, flags)
