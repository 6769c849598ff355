"""Sampling and convergence diagnostics shared by the PyMC models (pymc and arviz imported only here, lazily).

A fit is flagged when any parameter has r_hat > 1.01 (Vehtari et al. 2021,
"Rank-normalization, folding, and localization: an improved R-hat") or when
the sampler reports divergent transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

R_HAT_LIMIT = 1.01


@dataclass(frozen=True)
class SamplerSettings:
    """NUTS settings of a PyMC fit; ``seed`` makes the draws reproducible.

    ``progress`` shows PyMC's sampling progress bar: True, False, or None (default) to show it only
    when stderr is a terminal or in Jupyter (:func:`abstats.progress.show_progress`), so CI logs stay
    clean. ``progressbar`` is its former name, still honoured when given.

    Examples
    --------
    >>> SamplerSettings(draws=300, tune=300, progress=False).progress
    False
    """

    draws: int = 1000
    tune: int = 1000
    chains: int = 2
    cores: int = 1
    target_accept: float = 0.9
    seed: int | None = 0
    progress: bool | None = None
    progressbar: bool | None = None

    def __post_init__(self) -> None:
        from abstats.progress import show_progress

        show_progress(self.progress)  # a named ConfigError now rather than at sampling time
        if self.progressbar is not None:
            show_progress(self.progressbar)

    def shows_progress(self) -> bool:
        """Whether PyMC draws its progress bar in this session."""
        from abstats.progress import show_progress

        return show_progress(self.progress if self.progressbar is None else self.progressbar)


DEFAULT_SETTINGS = SamplerSettings()


def sample(model: Any, settings: SamplerSettings) -> Any:
    """Run NUTS on ``model`` and return the arviz InferenceData."""
    import pymc as pm

    with model:
        return pm.sample(
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            cores=settings.cores,
            target_accept=settings.target_accept,
            random_seed=settings.seed,
            progressbar=settings.shows_progress(),
            compute_convergence_checks=False,
        )


def diagnostics(idata: Any, var_names: list[str]) -> dict[str, float]:
    """Worst r_hat, smallest bulk ESS and number of divergent transitions."""
    import arviz as az

    r_hat = az.rhat(idata, var_names=var_names)
    ess = az.ess(idata, var_names=var_names, method="bulk")
    return {
        "r_hat_max": float(max(np.nanmax(r_hat[v].values) for v in var_names)),
        "ess_bulk_min": float(min(np.nanmin(ess[v].values) for v in var_names)),
        "divergences": int(idata.sample_stats["diverging"].values.sum()),
    }


def diagnostic_warnings(diag: dict[str, float]) -> list[str]:
    """Warning texts for a fit whose diagnostics fail."""
    warnings = []
    if not diag["r_hat_max"] <= R_HAT_LIMIT:
        warnings.append(
            f"MCMC has not converged: max r_hat = {diag['r_hat_max']:.3f} > {R_HAT_LIMIT}; run more draws or chains"
        )
    if diag["divergences"] > 0:
        warnings.append(
            f"{diag['divergences']} divergent transitions: the posterior may be biased; raise target_accept"
        )
    return warnings


def summarise(draws: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """Mean, sd and equal-tailed interval of draws shaped (samples, ...) along axis 0."""
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(draws, [tail, 100 - tail], axis=0)
    return {"mean": draws.mean(axis=0), "sd": draws.std(axis=0, ddof=1), "cred_low": low, "cred_high": high}


def flat_draws(idata: Any, name: str) -> np.ndarray:
    """Posterior draws of ``name`` with chains and draws stacked into axis 0."""
    values = idata.posterior[name].values
    return values.reshape((-1,) + values.shape[2:])
