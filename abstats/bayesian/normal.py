"""Normal posteriors for mean and ratio metrics, from each arm's estimate and its variance.

Flat prior (default): each arm's mean is N(estimate, var_of_mean), so the
absolute effect is D = T - C ~ N(t - c, v_t + v_c); the relative effect
R = T / C - 1 uses the delta method, N(t / c - 1, v_t / c^2 + t^2 v_c / c^4).
``var_of_mean`` is sd^2 / n for a mean, or the delta-method variance of a ratio
of sums for a ratio metric, so one function serves both.

Optional prior N(m0, s0^2) on the relative effect (GrowthBook's "proper"
relative prior, gbstats ``EffectBayesianABTest``): each posterior is the
precision-weighted combination mean = (x / v + mu0 / tau^2) / (1 / v + 1 / tau^2),
var = 1 / (1 / v + 1 / tau^2); for R with (mu0, tau) = (m0, s0), for D with the
prior rescaled to absolute units, (m0 |c|, s0 |c|).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from abstats.checks import check_finite_array, check_positive
from abstats.errors import ConfigError, InputError


def normal_effect_posterior(
    control_mean: np.ndarray,
    control_var_of_mean: np.ndarray,
    treatment_mean: np.ndarray,
    treatment_var_of_mean: np.ndarray,
    *,
    prior_rel_effect_sd: float | None = None,
    prior_rel_effect_mean: float = 0.0,
) -> dict[str, np.ndarray]:
    """Posterior mean and sd of the absolute (``abs_mean``, ``abs_sd``) and relative (``rel_mean``, ``rel_sd``) effect.

    Examples
    --------
    >>> post = normal_effect_posterior([10.0], [0.04], [10.5], [0.05])
    >>> round(float(post["abs_mean"][0]), 3), round(float(post["abs_sd"][0]), 3)
    (0.5, 0.3)
    """
    columns = (control_mean, control_var_of_mean, treatment_mean, treatment_var_of_mean)
    c, v_c, t, v_t = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, dtype=float)) for x in columns))
    abs_var = v_t + v_c
    if np.any(abs_var <= 0.0):
        i = int(np.flatnonzero(abs_var <= 0.0)[0])
        raise InputError("treatment_var_of_mean", v_t[i], "> 0 in at least one arm", experiment=i)
    # A zero control mean leaves the relative effect undefined (NaN, flagged by the caller) and its
    # relative prior without a scale, so those rows keep the flat prior on the absolute effect.
    zero = c == 0.0
    safe_c = np.where(zero, 1.0, c)
    # Means near the float floor overflow the relative variance to inf: an unbounded relative interval.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        rel_mean = np.where(zero, np.nan, t / safe_c - 1.0)
        rel_var = np.where(zero, np.nan, v_t / safe_c**2 + t**2 * v_c / safe_c**4)
    abs_mean = t - c
    if prior_rel_effect_sd is not None:
        scale = np.abs(safe_c)
        abs_prior_var = (prior_rel_effect_sd * scale) ** 2
        pooled_mean, pooled_var = _combine(abs_mean, abs_var, prior_rel_effect_mean * scale, abs_prior_var)
        abs_mean, abs_var = np.where(zero, abs_mean, pooled_mean), np.where(zero, abs_var, pooled_var)
        rel_mean, rel_var = _combine(rel_mean, rel_var, prior_rel_effect_mean, prior_rel_effect_sd**2)
    return {"abs_mean": abs_mean, "abs_sd": np.sqrt(abs_var), "rel_mean": rel_mean, "rel_sd": np.sqrt(rel_var)}


def _combine(mean, var, prior_mean, prior_var):
    """Normal prior x normal likelihood: precision-weighted mean and the inverse total precision.

    Written with the weight w = prior_var / (var + prior_var) of the data, which is the same
    (x / v + m0 / t^2) / (1 / v + 1 / t^2) but never forms 1 / 0 or inf / inf.
    """
    weight = prior_var / (var + prior_var)
    return prior_mean + weight * (mean - prior_mean), weight * var


# Range of the relative-effect prior's sd: below 1e-6 the prior pins the effect to its mean (the
# posterior sd underflows against the data's), above 1e6 it is flat (use None).
PRIOR_REL_SD_MIN = 1e-6
PRIOR_REL_SD_MAX = 1e6


def check_normal_prior(prior_rel_effect_sd: float | None, prior_rel_effect_mean: float) -> None:
    """Validate the optional normal prior on the relative effect, naming the setting the user gave.

    Parameters
    ----------
    prior_rel_effect_sd
        ``None`` (flat prior) or a number in [1e-6, 1e6].
    prior_rel_effect_mean
        A finite number (a NaN or infinite mean used to surface as a NaN expected loss).

    Raises
    ------
    ConfigError
        Naming ``prior_rel_effect_sd`` or ``prior_rel_effect_mean``.
    """
    check_finite_array("prior_rel_effect_mean", prior_rel_effect_mean, setting=True)
    if prior_rel_effect_sd is not None:
        sd = check_positive("prior_rel_effect_sd", prior_rel_effect_sd)
        if not PRIOR_REL_SD_MIN <= sd <= PRIOR_REL_SD_MAX:
            raise ConfigError(
                "prior_rel_effect_sd",
                prior_rel_effect_sd,
                f"a number between {PRIOR_REL_SD_MIN:g} and {PRIOR_REL_SD_MAX:g} (None for a flat prior)",
            )


def normal_positive_part(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """E[max(X, 0)] for X ~ N(mean, sd^2): sd * phi(mean / sd) + mean * Phi(mean / sd).

    Examples
    --------
    >>> round(float(normal_positive_part(0.0, 1.0)), 6)
    0.398942
    """
    z = np.asarray(mean, dtype=float) / np.asarray(sd, dtype=float)
    return sd * stats.norm.pdf(z) + mean * stats.norm.cdf(z)


def normal_positive_prob(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """P(X > 0) for X ~ N(mean, sd^2) = Phi(mean / sd)."""
    return stats.norm.cdf(np.asarray(mean, dtype=float) / np.asarray(sd, dtype=float))


def normal_interval(mean: np.ndarray, sd: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed (= highest-density) interval mean -/+ z sd of a normal posterior."""
    z = stats.norm.isf((1.0 - level) / 2.0)
    return mean - z * sd, mean + z * sd
