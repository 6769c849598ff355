"""Lan-DeMets error-spending functions: cumulative error spent at information fraction t.

O'Brien-Fleming-like (gsDesign ``sfLDOF`` / rpact ``asOF``), Pocock-like (``sfLDPocock`` / ``asP``),
the power family (Kim & DeMets 1987, ``sfPower`` / ``asKD``) and the Hwang-Shih-DeCani family
(1990, ``sfHSD`` / ``asHSD``). Every function takes the error of *one side* and returns the
cumulative error of that side spent by ``t``.
"""

from __future__ import annotations

import numpy as np

from abstats.checks import check_choice, check_positive
from abstats.errors import ConfigError
from abstats.inference import normal as norm

SPENDING_FAMILIES = ("obrien_fleming", "pocock", "power", "hsd")


def spend(family: str, t: np.ndarray, error: float, *, rho: float | None = None) -> np.ndarray:
    """Cumulative error spent at information fractions ``t`` (clipped to [0, 1]).

    Formulas (Lan & DeMets 1983; Kim & DeMets 1987; Hwang, Shih & DeCani 1990), ``a`` the
    one-sided error:

    - ``obrien_fleming``: ``2 - 2 Phi(z_{1-a/2} / sqrt(t))``
    - ``pocock``: ``a log(1 + (e - 1) t)``
    - ``power``: ``a t^rho`` (``rho > 0``)
    - ``hsd``: ``a (1 - exp(-rho t)) / (1 - exp(-rho))`` (``rho`` is gamma; ``a t`` at 0)

    Examples
    --------
    >>> round(float(spend("obrien_fleming", np.array([1.0]), 0.025)[0]), 6)
    0.025
    """
    check_choice("spending", family, SPENDING_FAMILIES)
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    if family == "obrien_fleming":
        with np.errstate(divide="ignore"):
            return 2.0 * norm.sf(norm.isf(error / 2.0) / np.sqrt(t))
    if family == "pocock":
        return error * np.log1p((np.e - 1.0) * t)
    if rho is None or not np.isfinite(rho):
        raise ConfigError("rho", rho, f"a finite parameter for the {family} spending family")
    if family == "power":
        return error * t ** check_positive("rho", rho)
    if rho == 0:
        return error * t
    return error * np.expm1(-rho * t) / np.expm1(-rho)
