"""Mixture sequential probability ratio test (mSPRT) with a normal mixing distribution.

Johari, Koomen, Pekelis & Walsh (2017/2022), "Always valid inference": with
``theta_hat ~ N(theta, V)`` and mixing ``theta ~ N(theta0, tau2)`` under the alternative,

``Lambda = sqrt(V / (V + tau2)) * exp(tau2 (theta_hat - theta0)^2 / (2 V (V + tau2)))``

is a nonnegative supermartingale under H0, so ``p = min(1, 1 / Lambda)``, taken as a running
minimum over looks, is an always-valid p-value (Ville's inequality).

One-sided (``alternative="greater"``: H0 theta <= theta0): the mixing distribution is the
half-normal on theta > theta0, the one-sided normal mixture of Howard, Ramdas, McAuliffe &
Sekhon (2021), "Time-uniform, nonparametric, nonasymptotic confidence sequences" (Annals of
Statistics; their one-sided normal-mixture boundary). Completing the square,

``Lambda_+ = 2 Lambda Phi(z sqrt(r))``, ``z = (theta_hat - theta0) / sqrt(V)``, ``r = tau2 / (V + tau2)``,

a nonnegative martingale at theta = theta0 and a supermartingale for every theta < theta0 (each
component of the mixture is), so ``min(1, 1 / Lambda_+)`` is always valid for the composite null.
``"less"`` mirrors it with ``-z``. Its dual is a one-sided confidence sequence
``[theta_hat - c sqrt(V), inf)``, ``c`` solving ``Lambda_+ = 1 / alpha``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from abstats.checks import check_choice, check_finite_array, check_open_unit, check_positive, check_positive_array
from abstats.sequential.looks import look_axis_path
from abstats.vocabulary import ALTERNATIVES, Alternative

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


def msprt_log_likelihood_ratio(
    theta_hat: Any, var_theta_hat: Any, tau2: Any, *, theta0: float = 0.0, alternative: Alternative = "two-sided"
) -> np.ndarray:
    """``log Lambda`` of the normal-mixture mSPRT for ``H0: theta = theta0`` (vectorised).

    ``alternative="greater"`` / ``"less"``: the one-sided (half-normal) mixture for
    ``H0: theta <= theta0`` / ``theta >= theta0``, ``log 2 + log Lambda + log Phi(+-z sqrt(r))``.
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    theta_hat = check_finite_array("theta_hat", theta_hat, ndmin=1)
    var = check_positive_array("var_theta_hat", var_theta_hat, ndmin=1)
    tau2 = check_positive_array("tau2", tau2, ndmin=1)
    total = var + tau2
    two_sided = 0.5 * np.log(var / total) + tau2 * (theta_hat - theta0) ** 2 / (2.0 * var * total)
    if alternative == "two-sided":
        return two_sided
    sign = 1.0 if alternative == "greater" else -1.0
    z = sign * (theta_hat - theta0) / np.sqrt(var)
    return np.log(2.0) + two_sided + special.log_ndtr(z * np.sqrt(tau2 / total))


def one_sided_mixture_z(r: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
    """The z at which the one-sided mixture reaches 1 / alpha: root of
    ``log 2 + log(1 - r) / 2 + r z^2 / 2 + log Phi(z sqrt(r)) = -log alpha`` (increasing in z).

    Bracketed by 0 (the left side is log(1 - r) / 2 < 0 there) and the two-sided root
    ``sqrt((-2 log alpha - log(1 - r)) / r)`` (where 2 Phi >= 1); solved by vectorised bisection
    to 1e-12 in z.
    """
    r = np.asarray(r, dtype=float)
    target = -np.log(np.asarray(alpha, dtype=float))
    lo = np.zeros(np.broadcast(r, target).shape)
    hi = np.sqrt((2.0 * target - np.log1p(-r)) / r) + lo
    sqrt_r = np.sqrt(r)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        above = np.log(2.0) + 0.5 * np.log1p(-r) + 0.5 * r * mid * mid + special.log_ndtr(mid * sqrt_r) >= target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
        if np.all(hi - lo < 1e-12):
            break
    return hi


def msprt_p_value(
    theta_hat: Any,
    var_theta_hat: Any,
    tau2: Any,
    *,
    theta0: float = 0.0,
    look_axis: int | None = None,
    alternative: Alternative = "two-sided",
) -> np.ndarray:
    """Always-valid p-value ``min(1, 1/Lambda)``; with ``look_axis`` its running minimum over looks.

    ``alternative="greater"`` / ``"less"`` uses the one-sided mixture (see the module).

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
    log_lr = msprt_log_likelihood_ratio(theta_hat, var_theta_hat, tau2, theta0=theta0, alternative=alternative)
    look_axis_path(log_lr, look_axis, "theta_hat")
    p = np.exp(-np.maximum(log_lr, 0.0))
    return p if look_axis is None else np.minimum.accumulate(p, axis=look_axis)


def msprt_confidence_interval(
    theta_hat: Any,
    var_theta_hat: Any,
    tau2: Any,
    *,
    alpha: float,
    look_axis: int | None = None,
    alternative: Alternative = "two-sided",
) -> tuple[np.ndarray, np.ndarray]:
    """Always-valid interval: the ``theta0`` not rejected by the mSPRT at level alpha.

    ``theta_hat +- sqrt(V (V + tau2) / tau2 * (log((V + tau2) / V) - 2 log alpha))`` (Johari et al.
    2022, sec. 4); with ``look_axis`` the running intersection over looks. One-sided alternatives:
    ``[theta_hat - c sqrt(V), inf)`` (``"greater"``) or ``(-inf, theta_hat + c sqrt(V)]`` (``"less"``),
    ``c`` from :func:`one_sided_mixture_z` (the one-sided mixture's dual).
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    alpha = check_open_unit("alpha", alpha)
    theta_hat = check_finite_array("theta_hat", theta_hat, ndmin=1)
    var = check_positive_array("var_theta_hat", var_theta_hat, ndmin=1)
    tau2 = check_positive_array("tau2", tau2, ndmin=1)
    if alternative == "two-sided":
        half = np.sqrt(var * (var + tau2) / tau2 * (np.log((var + tau2) / var) - 2.0 * np.log(alpha)))
    else:
        half = one_sided_mixture_z(tau2 / (var + tau2), alpha) * np.sqrt(var)
    low, high = one_sided_bounds(theta_hat, half, alternative)
    look_axis_path(low, look_axis, "theta_hat")
    if look_axis is None:
        return low, high
    return np.maximum.accumulate(low, axis=look_axis), np.minimum.accumulate(high, axis=look_axis)


def one_sided_bounds(estimate: np.ndarray, half: np.ndarray, alternative: Alternative) -> tuple[np.ndarray, np.ndarray]:
    """``estimate -+ half``, the side an alternative does not bound infinite."""
    low, high = estimate - half, estimate + half
    if alternative == "greater":
        high = np.full_like(high, np.inf)
    elif alternative == "less":
        low = np.full_like(low, -np.inf)
    return low, high
