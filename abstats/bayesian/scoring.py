"""Bayesian scores of treatment-vs-control rows, in the column names the common Result uses.

One row per comparison; every input is a 1-D array of length m (scalars
broadcast). Output keys (float arrays of length m):
``prob_beats_control``, ``expected_loss_treatment``, ``expected_loss_control``,
``effect_cred_low/high`` (T - C), ``rel_cred_low/high`` (T / C - 1),
``control_cred_low/high``, ``treatment_cred_low/high``.
"Beats" and the losses follow the metric direction: with
``higher_is_better=False`` treatment beats control when its value is lower,
and the loss of shipping treatment is E[max(T - C, 0)].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.bayesian import beta_binomial as bb
from abstats.bayesian import beta_contrast as bc
from abstats.bayesian import regular_pair as rp
from abstats.bayesian.hdi import beta_hdi_intervals
from abstats.bayesian.normal import (
    check_normal_prior,
    normal_effect_posterior,
    normal_interval,
    normal_positive_part,
    normal_positive_prob,
)
from abstats.bayesian.workspace import Workspace
from abstats.checks import check_choice, check_finite_array, check_open_unit, check_positive
from abstats.errors import InputError

INTERVALS = ("equal_tailed", "hdi")
HDI_DRAWS = 100_000


def score_binary(
    control_conversions: Any,
    control_n: Any,
    treatment_conversions: Any,
    treatment_n: Any,
    *,
    prior_alpha: float = 1.0,
    prior_beta: float = 1.0,
    higher_is_better: Any = True,
    ci_level: float = 0.95,
    interval: str = "equal_tailed",
    hdi_draws: int = HDI_DRAWS,
    seed: int | None = 0,
) -> dict[str, np.ndarray]:
    """Beta-Binomial scores: exact P(beats) and expected losses, credible intervals.

    Posteriors Beta(prior_alpha + x, prior_beta + n - x). P(beats) and losses are
    exact 1-D integrals (:func:`abstats.bayesian.beta_binomial.beats_and_losses`);
    equal-tailed intervals are exact quantiles (arm rates) or root-found from the
    integrated CDF (difference, relative uplift); ``interval="hdi"`` uses arviz on
    ``hdi_draws`` posterior draws per row (seeded by ``seed``).

    Examples
    --------
    >>> s = score_binary([100], [1000], [130], [1000])
    >>> round(float(s["prob_beats_control"][0]), 6), round(float(s["expected_loss_treatment"][0]), 8)
    (0.982165, 9.237e-05)
    """
    check_choice("interval", interval, INTERVALS)
    level = check_open_unit("ci_level", ci_level)
    x_c, n_c, x_t, n_t = _rows(
        control_conversions=control_conversions,
        control_n=control_n,
        treatment_conversions=treatment_conversions,
        treatment_n=treatment_n,
    )
    a_c, b_c = bb.posterior_params(x_c, n_c, prior_alpha, prior_beta)
    a_t, b_t = bb.posterior_params(x_t, n_t, prior_alpha, prior_beta)
    higher = _direction(higher_is_better, a_c.size)

    if interval == "equal_tailed":
        (p_t_higher, loss_if_t_higher_better, loss_keep_c_higher_better), arms = _exact_scores(
            a_t, b_t, a_c, b_c, level
        )
    else:
        p_t_higher, loss_if_t_higher_better, loss_keep_c_higher_better = bb.beats_and_losses(a_t, b_t, a_c, b_c)
        check_positive("hdi_draws", hdi_draws)
        arms = beta_hdi_intervals(a_t, b_t, a_c, b_c, level, draws=int(hdi_draws), seed=seed)
    return _assemble(
        np.where(higher, p_t_higher, 1.0 - p_t_higher),
        np.where(higher, loss_if_t_higher_better, loss_keep_c_higher_better),
        np.where(higher, loss_keep_c_higher_better, loss_if_t_higher_better),
        arms,
    )


def _exact_scores(
    a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray, level: float
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """P(beats), both losses and the equal-tailed intervals, each row's polynomial CDFs built once.

    Rows with every shape >= 10 share one :class:`~abstats.bayesian.regular_pair.RegularPair`
    per chunk across all eleven numbers (the same code as the public functions, so the same
    bits); the others go through the betainc quadrature of the public functions.
    """
    m = a_t.size
    tail = (1.0 - level) / 2.0
    beats = (np.empty(m), np.empty(m), np.empty(m))
    arms = {name: (np.empty(m), np.empty(m)) for name in ("control", "treatment", "effect", "rel")}
    regular = rp.is_regular_pair(a_t, b_t, a_c, b_c)
    rows = np.flatnonzero(~regular)
    if rows.size:
        t, c = (a_t[rows], b_t[rows]), (a_c[rows], b_c[rows])
        parts: dict[str, Any] = {
            "beats": bb.beats_and_losses(*t, *c),
            "control": bb.rate_interval(*c, level),
            "treatment": bb.rate_interval(*t, level),
            "effect": bc.difference_interval(*t, *c, level),
            "rel": bc.relative_interval(*t, *c, level),
        }
        _put(beats, arms, rows, parts)
    rows = np.flatnonzero(regular)
    if rows.size:
        values = rp.over_rows(lambda r, work: _regular_scores(tail, work, a_t[r], b_t[r], a_c[r], b_c[r]), rows)
        _put(beats, arms, rows, {"beats": values[:3]} | {n: values[3 + 2 * i : 5 + 2 * i] for i, n in enumerate(_ARMS)})
    return beats, arms


_ARMS = ("treatment", "control", "effect", "rel")


def _regular_scores(
    tail: float, work: Workspace, a_t: np.ndarray, b_t: np.ndarray, a_c: np.ndarray, b_c: np.ndarray
) -> tuple[np.ndarray, ...]:
    """P(beats), both losses, then low and high bounds of each of ``_ARMS``, from one build per row."""
    pair = rp.RegularPair.build(a_t, b_t, a_c, b_c, work)
    (t_low, c_low), (t_high, c_high) = pair.quantiles((tail, 1.0 - tail))
    effect = bc.regular_bounds("difference", pair, tail)
    low, high = bc.regular_bounds("log_ratio", pair, tail)
    with np.errstate(over="ignore"):
        rel = (np.expm1(low), np.expm1(high))
    return (*pair.beats_and_losses(), t_low, t_high, c_low, c_high, *effect, *rel)


def _put(beats: tuple[np.ndarray, ...], arms: dict[str, Any], rows: np.ndarray, parts: dict[str, Any]) -> None:
    for out, value in zip(beats, parts.pop("beats"), strict=True):
        out[rows] = value
    for name, (low, high) in parts.items():
        arms[name][0][rows], arms[name][1][rows] = low, high


def score_normal(
    control_mean: Any,
    control_var_of_mean: Any,
    treatment_mean: Any,
    treatment_var_of_mean: Any,
    *,
    higher_is_better: Any = True,
    ci_level: float = 0.95,
    prior_rel_effect_sd: float | None = None,
    prior_rel_effect_mean: float = 0.0,
) -> dict[str, np.ndarray]:
    """Normal-posterior scores for mean and ratio metrics (see :mod:`abstats.bayesian.normal`).

    P(beats) = Phi(mu_D / sd_D); expected losses are normal partial moments of D;
    arm intervals use the flat prior (the optional prior is on the effect only).
    With ``prior_rel_effect_sd`` the numbers match gbstats' ``EffectBayesianABTest``
    with a proper relative prior (absolute fields from its absolute mode,
    ``rel_cred_*`` from its relative mode).

    Examples
    --------
    >>> s = score_normal([10.0], [0.04], [10.5], [0.05])
    >>> round(float(s["prob_beats_control"][0]), 4), round(float(s["effect_cred_low"][0]), 4)
    (0.9522, -0.088)
    """
    level = check_open_unit("ci_level", ci_level)
    c, v_c, t, v_t = _rows(
        control_mean=control_mean,
        control_var_of_mean=control_var_of_mean,
        treatment_mean=treatment_mean,
        treatment_var_of_mean=treatment_var_of_mean,
    )
    for name, var in (("control_var_of_mean", v_c), ("treatment_var_of_mean", v_t)):
        if np.any(var < 0):
            i = int(np.flatnonzero(var < 0)[0])
            raise InputError(name, var[i], "a variance >= 0", experiment=i)
    check_normal_prior(prior_rel_effect_sd, prior_rel_effect_mean)
    post = normal_effect_posterior(
        c, v_c, t, v_t, prior_rel_effect_sd=prior_rel_effect_sd, prior_rel_effect_mean=prior_rel_effect_mean
    )
    higher = _direction(higher_is_better, c.size)
    # Sign the effect so that "positive" means "treatment better".
    sign = np.where(higher, 1.0, -1.0)
    mu, sd = sign * post["abs_mean"], post["abs_sd"]
    prob = normal_positive_prob(mu, sd)
    arms = {
        "control": normal_interval(c, np.sqrt(v_c), level),
        "treatment": normal_interval(t, np.sqrt(v_t), level),
        "effect": normal_interval(post["abs_mean"], post["abs_sd"], level),
        "rel": normal_interval(post["rel_mean"], post["rel_sd"], level),
    }
    return _assemble(prob, normal_positive_part(-mu, sd), normal_positive_part(mu, sd), arms)


def _assemble(
    prob: np.ndarray, loss_treatment: np.ndarray, loss_control: np.ndarray, arms: dict[str, Any]
) -> dict[str, np.ndarray]:
    out = {
        "prob_beats_control": np.clip(prob, 0.0, 1.0),
        "expected_loss_treatment": loss_treatment,
        "expected_loss_control": loss_control,
    }
    for key, name in (("effect", "effect"), ("rel", "rel"), ("control", "control"), ("treatment", "treatment")):
        low, high = arms[key]
        out[f"{name}_cred_low"] = np.asarray(low, dtype=float)
        out[f"{name}_cred_high"] = np.asarray(high, dtype=float)
    return out


def _rows(**columns: Any) -> list[np.ndarray]:
    arrays = {name: check_finite_array(name, values, ndmin=1) for name, values in columns.items()}
    for name, arr in arrays.items():
        if arr.ndim != 1:
            raise InputError(name, arr.shape, "a 1-D array (one value per comparison)")
    lengths = {arr.size for arr in arrays.values()} - {1}
    if len(lengths) > 1:
        raise InputError("array lengths", {k: v.size for k, v in arrays.items()}, "one common length (or scalars)")
    m = lengths.pop() if lengths else 1
    return [np.broadcast_to(arr, (m,)).copy() for arr in arrays.values()]


def _direction(higher_is_better: Any, m: int) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(higher_is_better))
    if arr.dtype != bool or arr.ndim != 1 or arr.size not in (1, m):
        raise InputError("higher_is_better", higher_is_better, f"a bool or a bool array of length {m}")
    return np.broadcast_to(arr, (m,))
