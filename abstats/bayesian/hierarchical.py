"""Hierarchical (partially pooled) treatment effects across segments, fitted with PyMC.

Binary metric, per segment s (country, device, traffic source...):

    logit p_c[s] = alpha_s,          alpha_s ~ Normal(logit(pooled rate), 1.5)
    logit p_t[s] = alpha_s + delta_s, delta_s = mu + tau * z_s,  z_s ~ Normal(0, 1)
    mu ~ Normal(0, 0.5),  tau ~ HalfNormal(0.25)
    conversions ~ Binomial(n, p)

(non-centred, so few segments or small tau do not cause divergences). Mean and
ratio metrics use the same pooling on per-segment effect estimates with known
standard errors (Rubin's "eight schools"): effect_s ~ Normal(theta_s, se_s),
theta_s = mu + tau z_s, mu ~ Normal(0, mu_scale), tau ~ HalfNormal(tau_scale).

pymc and arviz are imported only when a model is fitted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.bayesian.beta_binomial import check_counts
from abstats.bayesian.mcmc import (
    DEFAULT_SETTINGS,
    SamplerSettings,
    diagnostic_warnings,
    diagnostics,
    flat_draws,
    sample,
    summarise,
)
from abstats.checks import check_finite_array, check_open_unit, check_positive
from abstats.errors import InputError


def fit_segment_effects_binary(
    control_conversions: Any,
    control_n: Any,
    treatment_conversions: Any,
    treatment_n: Any,
    *,
    segments: Any = None,
    ci_level: float = 0.95,
    settings: SamplerSettings = DEFAULT_SETTINGS,
) -> dict[str, Any]:
    """Partially pooled per-segment and overall effects of a binary metric.

    Returns a dict with ``segment`` (labels) and, per segment, ``effect_*``
    (p_t - p_c: ``mean``, ``sd``, ``cred_low``, ``cred_high``), ``rel_*``
    (p_t / p_c - 1), ``prob_beats_control``; ``overall`` (the same for the
    traffic-weighted average effect, plus ``log_odds_*`` for mu); ``diagnostics``
    (r_hat_max, ess_bulk_min, divergences); ``warnings``; ``idata``.

    Examples
    --------
    >>> quick = SamplerSettings(draws=300, tune=300, progress=False)
    >>> fit = fit_segment_effects_binary([50, 40], [1000, 800], [60, 52], [1000, 800],
    ...     segments=["US", "DE"], settings=quick)  # doctest: +SKIP
    >>> fit["segment"].tolist(), fit["warnings"]  # doctest: +SKIP
    (['US', 'DE'], [])
    """
    import pymc as pm

    level = check_open_unit("ci_level", ci_level)
    x_c, n_c = check_counts(control_conversions, control_n)
    x_t, n_t = check_counts(treatment_conversions, treatment_n)
    k = _same_length(x_c, n_c, x_t, n_t)
    labels = _labels(segments, k)
    pooled = (x_c.sum() + x_t.sum() + 0.5) / (n_c.sum() + n_t.sum() + 1.0)

    with pm.Model() as model:
        alpha = pm.Normal("alpha", mu=np.log(pooled / (1 - pooled)), sigma=1.5, shape=k)
        mu = pm.Normal("mu", 0.0, 0.5)
        tau = pm.HalfNormal("tau", 0.25)
        z = pm.Normal("z", 0.0, 1.0, shape=k)
        delta = pm.Deterministic("delta", mu + tau * z)
        p_c = pm.Deterministic("p_c", pm.math.invlogit(alpha))
        p_t = pm.Deterministic("p_t", pm.math.invlogit(alpha + delta))
        pm.Binomial("conv_c", n=n_c, p=p_c, observed=x_c)
        pm.Binomial("conv_t", n=n_t, p=p_t, observed=x_t)
    idata = sample(model, settings)

    pc, pt = flat_draws(idata, "p_c"), flat_draws(idata, "p_t")
    weights = (n_c + n_t) / (n_c + n_t).sum()
    overall_effect = (pt - pc) @ weights
    overall_rel = (pt @ weights) / (pc @ weights) - 1.0
    diag = diagnostics(idata, ["alpha", "mu", "tau", "z"])
    out: dict[str, Any] = {"segment": labels}
    out.update(_prefixed("effect", summarise(pt - pc, level)))
    out.update(_prefixed("rel", summarise(pt / pc - 1.0, level)))
    out["prob_beats_control"] = (pt > pc).mean(axis=0)
    overall = _prefixed("effect", summarise(overall_effect, level))
    overall.update(_prefixed("rel", summarise(overall_rel, level)))
    overall.update(_prefixed("log_odds", summarise(flat_draws(idata, "mu"), level)))
    overall["prob_beats_control"] = float((overall_effect > 0).mean())
    out.update({"overall": overall, "diagnostics": diag, "warnings": diagnostic_warnings(diag), "idata": idata})
    return out


def fit_segment_effects_normal(
    effect: Any,
    effect_se: Any,
    *,
    segments: Any = None,
    mu_scale: float | None = None,
    tau_scale: float | None = None,
    ci_level: float = 0.95,
    settings: SamplerSettings = DEFAULT_SETTINGS,
) -> dict[str, Any]:
    """Partially pooled per-segment effects from effect estimates and standard errors (mean or ratio metrics).

    ``mu_scale`` and ``tau_scale`` default to 10 and 1 times the largest
    |effect| + 2 se (weakly informative on the data's scale). Returns
    ``segment``, ``effect_*`` per segment, ``prob_beats_control``, ``overall``
    (``effect_*`` of mu and its ``prob_beats_control``, ``tau_*``),
    ``diagnostics``, ``warnings``, ``idata``.
    """
    import pymc as pm

    level = check_open_unit("ci_level", ci_level)
    y = check_finite_array("effect", effect, ndmin=1)
    se = check_finite_array("effect_se", effect_se, ndmin=1)
    k = _same_length(y, se)
    if np.any(se <= 0):
        raise InputError("effect_se", se[se <= 0][0], "a standard error > 0")
    labels = _labels(segments, k)
    spread = float(np.max(np.abs(y) + 2 * se))
    mu_scale = check_positive("mu_scale", mu_scale) if mu_scale is not None else 10.0 * spread
    tau_scale = check_positive("tau_scale", tau_scale) if tau_scale is not None else spread

    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, mu_scale)
        tau = pm.HalfNormal("tau", tau_scale)
        z = pm.Normal("z", 0.0, 1.0, shape=k)
        theta = pm.Deterministic("theta", mu + tau * z)
        pm.Normal("y", mu=theta, sigma=se, observed=y)
    idata = sample(model, settings)

    theta_draws, mu_draws = flat_draws(idata, "theta"), flat_draws(idata, "mu")
    diag = diagnostics(idata, ["mu", "tau", "z"])
    out: dict[str, Any] = {"segment": labels}
    out.update(_prefixed("effect", summarise(theta_draws, level)))
    out["prob_beats_control"] = (theta_draws > 0).mean(axis=0)
    overall = _prefixed("effect", summarise(mu_draws, level))
    overall.update(_prefixed("tau", summarise(flat_draws(idata, "tau"), level)))
    overall["prob_beats_control"] = float((mu_draws > 0).mean())
    out.update({"overall": overall, "diagnostics": diag, "warnings": diagnostic_warnings(diag), "idata": idata})
    return out


def _prefixed(prefix: str, summary: dict[str, np.ndarray]) -> dict[str, Any]:
    return {f"{prefix}_{key}": value for key, value in summary.items()}


def _same_length(*arrays: np.ndarray) -> int:
    sizes = {a.size for a in arrays}
    if len(sizes) != 1:
        raise InputError("segment arrays", sorted(sizes), "one common length (one value per segment)")
    k = sizes.pop()
    if k < 2:
        raise InputError("segments", k, "at least 2 segments to pool")
    return k


def _labels(segments: Any, k: int) -> np.ndarray:
    if segments is None:
        return np.arange(k)
    labels = np.asarray(segments)
    if labels.shape != (k,):
        raise InputError("segments", labels.shape, f"{k} labels, one per segment")
    return labels
