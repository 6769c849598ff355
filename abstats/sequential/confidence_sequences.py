"""Asymptotic confidence sequences for absolute and relative effects, valid at every look.

Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2021), "Time-uniform central limit theory and
asymptotic confidence sequences", with the two-sided normal-mixture boundary of Howard, Ramdas,
McAuliffe & Sekhon (2021): for a mean of ``n`` observations with standard deviation ``sd``,

``half_width = sd * sqrt(2 (n rho^2 + 1) / (n^2 rho^2) * log(sqrt(n rho^2 + 1) / alpha))``.

For a comparison, ``sd^2 = n Var(theta_hat)`` with ``n`` the total units (as in GrowthBook), so the
sequence consumes the same sufficient statistics as the fixed-horizon test.

One-sided sequences (``alternative="greater"``: a lower bound only, ``"less"``: an upper bound only)
use the one-sided normal-mixture boundary of Howard et al. (2021): the half-normal
mixture, whose boundary on the z scale is the root ``c`` of
``log 2 + log(1 - r) / 2 + r c^2 / 2 + log Phi(c sqrt(r)) = -log alpha`` with
``r = n rho^2 / (n rho^2 + 1)`` (:func:`~abstats.sequential.msprt.one_sided_mixture_z`); it is
tighter than the two-sided sequence at the same alpha and dual to the one-sided mSPRT.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.checks import check_choice, check_finite_array, check_open_unit, check_positive, check_positive_array
from abstats.errors import InputError
from abstats.sequential.looks import look_axis_path
from abstats.sequential.msprt import DEFAULT_TUNING_N, one_sided_bounds, one_sided_mixture_z, optimal_rho_squared
from abstats.vocabulary import ALTERNATIVES, Alternative


def cs_half_width(sd: Any, n: Any, *, alpha: float, rho_squared: float) -> np.ndarray:
    """Half-width of the two-sided (1 - alpha) asymptotic confidence sequence for a mean.

    Examples
    --------
    >>> round(float(cs_half_width(2.5, 10000, alpha=0.05, rho_squared=0.0005)[0]), 6)
    0.076403
    """
    alpha = check_open_unit("alpha", alpha)
    rho_squared = check_positive("rho_squared", rho_squared)
    sd = check_positive_array("sd", sd, ndmin=1)
    n = check_positive_array("n", n, ndmin=1)
    n_rho = n * rho_squared
    return sd * np.sqrt(2.0 * (n_rho + 1.0) / (n * n_rho) * np.log(np.sqrt(n_rho + 1.0) / alpha))


def confidence_sequence(
    theta_hat: Any,
    var_theta_hat: Any,
    n: Any,
    *,
    alpha: float,
    rho_squared: float | None = None,
    tuning_n: float = DEFAULT_TUNING_N,
    look_axis: int | None = None,
    alternative: Alternative = "two-sided",
) -> tuple[np.ndarray, np.ndarray]:
    """Asymptotic confidence sequence for an absolute effect ``theta = t - c``.

    Parameters
    ----------
    theta_hat, var_theta_hat
        Effect estimate and its variance (the fixed-horizon sufficient statistics).
    n
        Total units in the comparison (both arms) at this look.
    rho_squared
        Mixing variance on the standardised scale; default :func:`optimal_rho_squared` at ``tuning_n``.
    look_axis
        Axis of the looks for paths; the running intersection over looks is returned.
    alternative
        ``"two-sided"``, or ``"greater"`` / ``"less"`` for the one-sided sequence (one bound infinite).

    Examples
    --------
    >>> low, high = confidence_sequence(0.02, 1e-5, 20000, alpha=0.05)
    >>> bool(low[0] > 0)
    True
    """
    theta_hat = check_finite_array("theta_hat", theta_hat, ndmin=1)
    var = check_positive_array("var_theta_hat", var_theta_hat, ndmin=1)
    n = check_positive_array("n", n, ndmin=1)
    check_choice("alternative", alternative, ALTERNATIVES)
    rho_squared = optimal_rho_squared(alpha, tuning_n) if rho_squared is None else rho_squared
    if alternative == "two-sided":
        half = cs_half_width(np.sqrt(var * n), n, alpha=alpha, rho_squared=rho_squared)
    else:
        n_rho = n * rho_squared
        half = one_sided_mixture_z(n_rho / (n_rho + 1.0), check_open_unit("alpha", alpha)) * np.sqrt(var)
    low, high = one_sided_bounds(theta_hat, half, alternative)
    look_axis_path(low, look_axis, "theta_hat")
    if look_axis is None:
        return low, high
    return np.maximum.accumulate(low, axis=look_axis), np.minimum.accumulate(high, axis=look_axis)


def confidence_sequence_relative(
    mean_treatment: Any,
    var_mean_treatment: Any,
    mean_control: Any,
    var_mean_control: Any,
    n: Any,
    *,
    alpha: float,
    rho_squared: float | None = None,
    tuning_n: float = DEFAULT_TUNING_N,
    look_axis: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymptotic confidence sequence for the relative effect ``t / c - 1`` (delta method).

    ``Var(t/c) ~ Var(t)/c^2 + t^2 Var(c)/c^4`` (independent arms), then the absolute sequence
    is applied to ``t/c - 1``. Returns ``(estimate, low, high)``.

    Examples
    --------
    >>> est, low, high = confidence_sequence_relative(0.11, 1e-6, 0.10, 1e-6, 200000, alpha=0.05)
    >>> round(float(est[0]), 3), bool(low[0] > 0)
    (0.1, True)
    """
    mean_t = check_finite_array("mean_treatment", mean_treatment, ndmin=1)
    mean_c = check_finite_array("mean_control", mean_control, ndmin=1)
    if np.any(mean_c == 0):
        raise InputError("mean_control", 0.0, "a non-zero control mean")
    var_t = check_positive_array("var_mean_treatment", var_mean_treatment, ndmin=1)
    var_c = check_positive_array("var_mean_control", var_mean_control, ndmin=1)
    estimate = mean_t / mean_c - 1.0
    var_rel = var_t / mean_c**2 + mean_t**2 * var_c / mean_c**4
    low, high = confidence_sequence(
        estimate, var_rel, n, alpha=alpha, rho_squared=rho_squared, tuning_n=tuning_n, look_axis=look_axis
    )
    return estimate, low, high


def confidence_sequence_p_value(
    theta_hat: Any, var_theta_hat: Any, n: Any, *, rho_squared: float, look_axis: int | None = None
) -> np.ndarray:
    """Smallest alpha at which the sequence (fixed ``rho_squared``) excludes zero.

    ``p = min(1, sqrt(n rho^2 + 1) exp(-z^2 n rho^2 / (2 (n rho^2 + 1))))`` with ``z = theta_hat / sqrt(V)``;
    equal to the mSPRT p-value with ``tau2 = rho^2 n V``. Running minimum along ``look_axis``.
    """
    rho_squared = check_positive("rho_squared", rho_squared)
    theta_hat = check_finite_array("theta_hat", theta_hat, ndmin=1)
    var = check_positive_array("var_theta_hat", var_theta_hat, ndmin=1)
    n_rho = check_positive_array("n", n, ndmin=1) * rho_squared
    log_p = 0.5 * np.log1p(n_rho) - theta_hat**2 / var * n_rho / (2.0 * (n_rho + 1.0))
    p = np.exp(np.minimum(log_p, 0.0))
    look_axis_path(p, look_axis, "theta_hat")
    return p if look_axis is None else np.minimum.accumulate(p, axis=look_axis)
