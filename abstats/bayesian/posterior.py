"""Each row's posterior of the effect, rebuilt in closed form from a Bayesian Result (for plots).

The conjugate method keeps what it needs in the Result: a binary row's counts are
``estimate x n`` per arm and its prior is in the settings, so its posterior is the exact
contrast of Beta(prior_alpha + x, prior_beta + n - x) posteriors
(:mod:`abstats.bayesian.beta_contrast`). Every other row has a normal posterior
(:mod:`abstats.bayesian.normal`), whose equal-tailed interval is mean -+ z sd, so the mean is
the credible interval's midpoint and sd its width over 2 z. No sampling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from abstats.bayesian import beta_contrast as bc
from abstats.metrics import BinaryMetric

Density = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class EffectPosterior:
    """One comparison's posterior of the effect on one scale.

    Attributes
    ----------
    family
        ``"beta"`` (exact contrast of two Beta posteriors), ``"normal"``, or ``"point"`` (no variance:
        the effect is known exactly and has no density).
    low, high
        Its credible interval, as in the Result.
    pdf
        Density at an array of effect values (None for a point).
    """

    family: str
    low: float
    high: float
    pdf: Density | None

    def support(self, points: int = 400) -> np.ndarray:
        """Effect values covering the interval and its tails, where the density is worth drawing."""
        width = self.high - self.low
        return np.linspace(self.low - 0.75 * width, self.high + 0.75 * width, points)


def effect_posteriors(
    scale: str,
    columns: Mapping[str, np.ndarray],
    settings_of_row: Callable[[int], Mapping[str, Any]],
) -> list[EffectPosterior]:
    """The posterior of every row's ``"absolute"`` or ``"relative"`` effect.

    Parameters
    ----------
    scale
        ``"absolute"`` (treatment - control) or ``"relative"`` (treatment / control - 1).
    columns
        The Result's columns (``metric_type``, ``control_n``, ``control_estimate``, the ``*_cred_*`` intervals...).
    settings_of_row
        Recorded settings of row ``i`` (prior and ci_level).

    Examples
    --------
    >>> import abstats
    >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
    ...                     metric=abstats.BinaryMetric("cr"), control="A", method="bayesian")
    >>> post = effect_posteriors("absolute", r.columns, lambda i: r.settings)[0]
    >>> post.family, round(float(post.pdf(np.array([0.03]))[0]), 1)
    ('beta', 28.0)
    """
    stem = "effect" if scale == "absolute" else "rel"
    low = np.asarray(columns[f"{stem}_cred_low"], dtype=float)
    high = np.asarray(columns[f"{stem}_cred_high"], dtype=float)
    kinds = np.asarray(columns["metric_type"], dtype=object)
    out = []
    for i in range(len(low)):
        if not (np.isfinite(low[i]) and np.isfinite(high[i])) or low[i] == high[i]:
            out.append(EffectPosterior("point", float(low[i]), float(high[i]), None))
        elif kinds[i] == BinaryMetric.kind:
            out.append(_beta_posterior(i, scale, columns, settings_of_row(i), float(low[i]), float(high[i])))
        else:
            z = stats.norm.isf((1.0 - float(settings_of_row(i)["ci_level"])) / 2.0)
            mean, sd = (low[i] + high[i]) / 2.0, (high[i] - low[i]) / (2.0 * z)
            out.append(EffectPosterior("normal", float(low[i]), float(high[i]), _normal_pdf(mean, sd)))
    return out


def _beta_posterior(
    i: int, scale: str, columns: Mapping[str, np.ndarray], settings: Mapping[str, Any], low: float, high: float
) -> EffectPosterior:
    # counts come back as rate x n: rounding removes the float error of the division that made the rate
    n_c, n_t = float(columns["control_n"][i]), float(columns["treatment_n"][i])
    x_c = round(float(columns["control_estimate"][i]) * n_c)
    x_t = round(float(columns["treatment_estimate"][i]) * n_t)
    a0, b0 = float(settings["prior_alpha"]), float(settings["prior_beta"])
    params = (a0 + x_t, b0 + n_t - x_t, a0 + x_c, b0 + n_c - x_c)

    def pdf(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if scale == "absolute":
            return bc.difference_pdf(x, *params)
        inside = x > -1.0
        out = np.zeros_like(x)
        out[inside] = bc.relative_pdf(x[inside], *params)
        return out

    return EffectPosterior("beta", low, high, pdf)


def _normal_pdf(mean: float, sd: float) -> Density:
    def pdf(x: np.ndarray) -> np.ndarray:
        return np.asarray(stats.norm.pdf(np.asarray(x, dtype=float), mean, sd))

    return pdf
