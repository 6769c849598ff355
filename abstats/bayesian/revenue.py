"""Per-user revenue that is mostly zeros with a heavy tail: a hurdle log-normal model fitted with PyMC.

Per arm k, on raw per-user values y:

    P(y > 0) = pi_k,                      pi_k ~ Beta(1, 1)
    log y | y > 0 ~ Normal(mu_k, sigma_k), mu_k ~ Normal(m0, 5 s0), sigma_k ~ HalfNormal(2 s0)

with m0, s0 the mean and sd of all positive log values (weakly informative on
the data's scale). Revenue per user is pi_k * exp(mu_k + sigma_k^2 / 2), the
log-normal mean, so the posterior of every summary (difference, relative
uplift, P(beats), expected losses) is taken over posterior draws of those
parameters. The non-zero indicator enters through its count (Binomial), which
is the same likelihood as per-user Bernoulli terms.

pymc and arviz are imported only when the model is fitted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.bayesian.mcmc import (
    DEFAULT_SETTINGS,
    SamplerSettings,
    diagnostic_warnings,
    diagnostics,
    flat_draws,
    sample,
    summarise,
)
from abstats.checks import check_finite_array, check_open_unit
from abstats.errors import InputError

MIN_POSITIVE = 2


def fit_revenue_hurdle_lognormal(
    control_values: Any,
    treatment_values: Any,
    *,
    higher_is_better: bool = True,
    ci_level: float = 0.95,
    settings: SamplerSettings = DEFAULT_SETTINGS,
) -> dict[str, Any]:
    """Hurdle log-normal posterior of revenue per user in each arm and of the treatment effect.

    Returns ``control_*`` and ``treatment_*`` (revenue per user), ``effect_*``
    (t - c) and ``rel_*`` (t / c - 1), each with ``mean``, ``sd``,
    ``cred_low``, ``cred_high``; ``prob_beats_control``,
    ``expected_loss_treatment``, ``expected_loss_control`` (in the metric's
    direction); ``nonzero_share_*`` per arm; ``diagnostics``; ``warnings``; ``idata``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> def arm(share):
    ...     return np.where(rng.uniform(size=2000) < share, rng.lognormal(3, 1, 2000), 0.0)
    >>> fit = fit_revenue_hurdle_lognormal(arm(0.05), arm(0.06),
    ...     settings=SamplerSettings(draws=300, tune=300, progress=False))  # doctest: +SKIP
    >>> fit["prob_beats_control"] > 0.5  # doctest: +SKIP
    True
    """
    import pymc as pm

    level = check_open_unit("ci_level", ci_level)
    arms = {
        "control": _values("control_values", control_values),
        "treatment": _values("treatment_values", treatment_values),
    }
    positive_logs = {name: np.log(v[v > 0]) for name, v in arms.items()}
    all_logs = np.concatenate(list(positive_logs.values()))
    m0, s0 = float(all_logs.mean()), float(max(all_logs.std(), 0.1))

    with pm.Model() as model:
        for name, values in arms.items():
            logs = positive_logs[name]
            share = pm.Beta(f"pi_{name}", 1.0, 1.0)
            mu = pm.Normal(f"mu_{name}", m0, 5.0 * s0)
            sigma = pm.HalfNormal(f"sigma_{name}", 2.0 * s0)
            pm.Binomial(f"nonzero_{name}", n=values.size, p=share, observed=logs.size)
            pm.Normal(f"log_value_{name}", mu=mu, sigma=sigma, observed=logs)
            pm.Deterministic(f"mean_{name}", share * pm.math.exp(mu + sigma**2 / 2))
    idata = sample(model, settings)

    c, t = flat_draws(idata, "mean_control"), flat_draws(idata, "mean_treatment")
    better = (t - c) if higher_is_better else (c - t)
    diag = diagnostics(idata, [f"{p}_{a}" for p in ("pi", "mu", "sigma") for a in arms])
    out: dict[str, Any] = {}
    for name, draws in (("control", c), ("treatment", t), ("effect", t - c), ("rel", t / c - 1.0)):
        out.update({f"{name}_{key}": float(v) for key, v in summarise(draws, level).items()})
    for name in arms:
        out.update(
            {
                f"nonzero_share_{name}_{key}": float(v)
                for key, v in summarise(flat_draws(idata, f"pi_{name}"), level).items()
            }
        )
    out["prob_beats_control"] = float((better > 0).mean())
    out["expected_loss_treatment"] = float(np.maximum(-better, 0).mean())
    out["expected_loss_control"] = float(np.maximum(better, 0).mean())
    out.update({"diagnostics": diag, "warnings": diagnostic_warnings(diag), "idata": idata})
    return out


def _values(field: str, values: Any) -> np.ndarray:
    arr = check_finite_array(field, values, ndmin=1).ravel()
    if np.any(arr < 0):
        raise InputError(field, arr[arr < 0][0], "revenue >= 0 (zeros for users who did not pay)")
    if np.count_nonzero(arr) < MIN_POSITIVE:
        raise InputError(field, int(np.count_nonzero(arr)), f"at least {MIN_POSITIVE} users with revenue > 0")
    return arr
