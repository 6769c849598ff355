"""Mixture sequential probability ratio test (mSPRT) with a normal mixing distribution.

Johari, Koomen, Pekelis & Walsh (2017/2022), "Always valid inference": with
``theta_hat ~ N(theta, V)`` and mixing ``theta ~ N(theta0, tau2)`` under the alternative,

``Lambda = sqrt(V / (V + tau2)) * exp(tau2 (theta_hat - theta0)^2 / (2 V (V + tau2)))``

is a nonnegative supermartingale under H0, so ``p = min(1, 1 / Lambda)``, taken as a running
minimum over looks, is an always-valid p-value (Ville's inequality).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abstats.checks import check_finite_array, check_open_unit, check_positive, check_positive_array
from abstats.sequential.looks import look_axis_path

#: Sample size (total units) at which the default mixing variance makes the test most powerful
#: (the GrowthBook default for its confidence sequences); set it to your planned sample size.
DEFAULT_TUNING_N = 5000.0


def optimal_rho_squared(alpha: float, tuning_n: float = DEFAULT_TUNING_N) -> float:
    """Mixing variance on the standardised-effect scale that minimises the CS width at ``tuning_n``.

    ``rho^2 = (-2 log alpha + log(1 - 2 log alpha)) / tuning_n`` (Howard et al. 2021, sec. 3.5).

    Examples
    --------
    >>> round(optimal_rho_squared(0.05, 5000.0), 6)
    0.001587
    """
    alpha = check_open_unit("alpha", alpha)
    tuning_n = check_positive("tuning_n", tuning_n)
    two_log = -2.0 * np.log(alpha)
    return float((two_log + np.log(two_log + 1.0)) / tuning_n)


def default_mixing_variance(
    var_theta_hat: Any, n: Any, *, alpha: float, tuning_n: float = DEFAULT_TUNING_N
) -> np.ndarray:
    """Default ``tau2 = rho^2 sigma^2`` with ``sigma^2 = n Var(theta_hat)`` (n = total units of the comparison).

    This makes the mSPRT the exact dual of the asymptotic confidence sequence with the same ``rho^2``.
    """
    sigma2 = check_positive_array("var_theta_hat", var_theta_hat, ndmin=1) * check_positive_array("n", n, ndmin=1)
    return optimal_rho_squared(alpha, tuning_n) * sigma2


def msprt_log_likelihood_ratio(theta_hat: Any, var_theta_hat: Any, tau2: Any, *, theta0: float = 0.0) -> np.ndarray:
    """``log Lambda`` of the normal-mixture mSPRT for ``H0: theta = theta0`` (vectorised)."""
    theta_hat = check_finite_array("theta_hat", theta_hat, ndmin=1)
    var = check_positive_array("var_theta_hat", var_theta_hat, ndmin=1)
    tau2 = check_positive_array("tau2", tau2, ndmin=1)
    total = var + tau2
    return 0.5 * np.log(var / total) + tau2 * (theta_hat - theta0) ** 2 / (2.0 * var * total)


def msprt_p_value(
    theta_hat: Any, var_theta_hat: Any, tau2: Any, *, theta0: float = 0.0, look_axis: int | None = None
) -> np.ndarray:
    """Always-valid p-value ``min(1, 1/Lambda)``; with ``look_axis`` its running minimum over looks.

    Parameters
    ----------
    theta_hat, var_theta_hat
        Effect estimate (treatment - control) and its variance, per experiment (and per look
        along ``look_axis`` when a path of looks is given); broadcast together.
    tau2
        Mixing variance (same units as ``theta_hat**2``); see :func:`default_mixing_variance`.
    look_axis
        Axis of the looks. Without it every element is one look and no running minimum is taken.

    Examples
    --------
    >>> round(float(msprt_p_value(0.01, 1e-5, 1e-4)[0]), 6)
    0.035207
    """
    log_lr = msprt_log_likelihood_ratio(theta_hat, var_theta_hat, tau2, theta0=theta0)
    look_axis_path(log_lr, look_axis, "theta_hat")
    p = np.exp(-np.maximum(log_lr, 0.0))
    return p if look_axis is None else np.minimum.accumulate(p, axis=look_axis)


def msprt_confidence_interval(
    theta_hat: Any, var_theta_hat: Any, tau2: Any, *, alpha: float, look_axis: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Always-valid interval: the ``theta0`` not rejected by the mSPRT at level alpha.

    ``theta_hat +- sqrt(V (V + tau2) / tau2 * (log((V + tau2) / V) - 2 log alpha))`` (Johari et al.
    2022, sec. 4); with ``look_axis`` the running intersection over looks.
    """
    alpha = check_open_unit("alpha", alpha)
    theta_hat = check_finite_array("theta_hat", theta_hat, ndmin=1)
    var = check_positive_array("var_theta_hat", var_theta_hat, ndmin=1)
    tau2 = check_positive_array("tau2", tau2, ndmin=1)
    half = np.sqrt(var * (var + tau2) / tau2 * (np.log((var + tau2) / var) - 2.0 * np.log(alpha)))
    low, high = theta_hat - half, theta_hat + half
    look_axis_path(low, look_axis, "theta_hat")
    if look_axis is None:
        return low, high
    return np.maximum.accumulate(low, axis=look_axis), np.minimum.accumulate(high, axis=look_axis)
