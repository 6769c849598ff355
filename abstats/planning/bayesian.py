"""Bayesian planning: n per arm at which the Beta-Binomial expected-loss rule stops with a given assurance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from abstats.bayesian.beta_binomial import expected_loss
from abstats.checks import check_choice, require_cells
from abstats.errors import ConfigError, InputError
from abstats.metrics import BinaryMetric
from abstats.planning.inputs import check_metric, number_array, positive_array, unit_interval_array
from abstats.planning.plan import MAX_UNITS
from abstats.progress import ProgressBar
from abstats.vocabulary import MDE_TYPES, MdeType

_DEFAULT_GRID = np.unique(np.round(np.geomspace(100, 10_000_000, 41)).astype(np.int64))
_REFINE_POINTS = 12
# Grid points simulated per batch; later batches are skipped once one reaches the target.
_BATCH = 8
# Caps keeping one call's memory and time bounded: 100,000 simulations of a batch of 8
# sizes already take about a minute; a grid longer than 1,000 sizes is a mistake.
MAX_SIMULATIONS = 100_000
MAX_GRID_POINTS = 1_000
# Experiments per expected-loss call (each holds a few hundred quadrature nodes of floats).
_ROWS_PER_CALL = 20_000
METHOD = (
    "Beta-Binomial posteriors, expected loss of the chosen arm E[max(p_other - p_chosen, 0)] (the other way round "
    "for a lower-is-better metric) by Gauss-Legendre quadrature, stop when it is below the threshold"
    " (Stucchio 2015); assurance by simulation"
)


@dataclass(frozen=True)
class BayesianPlan:
    """Smallest simulated n per arm whose stopping probability (assurance) reaches the target.

    ``curve`` has one row per simulated n: ``assurance`` = share of simulated
    experiments whose chosen arm has expected loss below ``threshold``,
    ``assurance_se`` its binomial standard error, and ``prob_choose_better``
    the share that choose the truly better arm.
    """

    metric: BinaryMetric
    n_per_arm: int
    baseline: float
    treatment_rate: float
    threshold: float
    assurance: float
    prior_alpha: float
    prior_beta: float
    simulations: int
    seed: int
    curve: pd.DataFrame
    method: str = METHOD

    @property
    def n_total(self) -> int:
        return 2 * self.n_per_arm

    def to_dict(self) -> dict[str, Any]:
        out = {
            k: getattr(self, k)
            for k in (
                "n_per_arm",
                "n_total",
                "baseline",
                "treatment_rate",
                "threshold",
                "assurance",
                "prior_alpha",
                "prior_beta",
                "simulations",
                "seed",
                "method",
            )
        }
        out["metric"] = self.metric.name
        out["curve"] = self.curve.to_dict(orient="list")
        return out


def plan_bayesian_sample_size(
    metric: BinaryMetric,
    *,
    baseline: float,
    mde: float,
    threshold: float,
    mde_type: MdeType = "relative",
    assurance: float = 0.8,
    prior_alpha: float = 1.0,
    prior_beta: float = 1.0,
    n_grid: ArrayLike | None = None,
    simulations: int = 2000,
    seed: int = 0,
    progress: bool | None = None,
) -> BayesianPlan:
    """n per arm at which the expected-loss rule stops with probability ``assurance`` when the effect is ``mde``.

    For every candidate n, ``simulations`` experiments are drawn at once
    (control rate ``baseline``, treatment rate baseline + effect), each arm's
    posterior is Beta(prior_alpha + x, prior_beta + n - x), the arm with the
    smaller expected loss is chosen (loss in the metric's better direction, as
    ``analyze(method="bayesian")``), and the share of experiments whose chosen
    loss is below ``threshold`` (absolute rate units) is the assurance. The
    default grid (100 to 10^7, 41 geometric steps) is refined by 12 linear
    steps between the last n short of the target and the first that reaches
    it; a given ``n_grid`` is used as is. Grid points are simulated in batches
    of 8 and larger ones are skipped once a batch reaches the target, so
    ``curve`` ends there. Monte Carlo error: the curve's ``assurance_se``
    (<= 0.011 at 2000 simulations); the assurance is not forced to be monotone in n.

    Parameters
    ----------
    metric
        The :class:`~abstats.BinaryMetric` given to :func:`abstats.analyze` (its
        ``higher_is_better`` says which arm a loss is measured against).
    baseline, mde, mde_type
        Control rate and the effect (treatment - control), relative (default) or absolute.
    threshold
        Expected loss below which the rule stops, in absolute rate units.
    assurance
        Target probability that the rule stops at the planned n.
    prior_alpha, prior_beta
        Beta prior of each arm.
    n_grid
        Candidate n per arm (whole numbers, at most 1,000 of them).
    simulations
        Experiments simulated per candidate n, 100 to 100,000 (memory and time grow with it).
    seed
        Seed of the simulation.
    progress
        Progress bar over the simulated grid points on stderr: True, False, or None (default) to show
        it only in a terminal or Jupyter (:func:`abstats.progress.show_progress`).

    Examples
    --------
    >>> from abstats import BinaryMetric
    >>> plan = plan_bayesian_sample_size(BinaryMetric("signup"), baseline=0.1, mde=0.1, threshold=0.0005,
    ...                                  simulations=500, seed=1, progress=False)
    >>> plan.curve.loc[plan.curve.n_per_arm == plan.n_per_arm, "assurance"].item() >= 0.8
    True
    """
    checked = check_metric(metric)  # a Metric of any kind, or a named refusal
    if not isinstance(checked, BinaryMetric):
        raise ConfigError("metric", checked, "a BinaryMetric (the plan simulates Beta-Binomial posteriors)")
    metric = checked
    check_choice("mde_type", mde_type, MDE_TYPES)
    p_c = _scalar(unit_interval_array("baseline", baseline, setting=False), "baseline")
    effect = _scalar(number_array("mde", mde, setting=False), "mde") * (p_c if mde_type == "relative" else 1.0)
    p_t = p_c + effect
    if not 0.0 <= p_t <= 1.0:
        raise InputError("mde", mde, "an effect that keeps the treatment rate baseline + effect inside [0, 1]")
    threshold_value = _scalar(positive_array("threshold", threshold), "threshold")
    target = _scalar(unit_interval_array("assurance", assurance), "assurance")
    priors = (
        _scalar(positive_array("prior_alpha", prior_alpha), "prior_alpha"),
        _scalar(positive_array("prior_beta", prior_beta), "prior_beta"),
    )
    sims = _whole("simulations", simulations, 100, MAX_SIMULATIONS)
    rng = np.random.default_rng(_whole("seed", seed, 0, 2**63 - 1))
    direction = 1.0 if metric.higher_is_better else -1.0

    if n_grid is None:
        grid = _DEFAULT_GRID
    else:
        grid = number_array("n_grid", n_grid, setting=False).ravel()
        if grid.size > MAX_GRID_POINTS:
            raise ConfigError("n_grid", f"{grid.size:,} points", f"at most {MAX_GRID_POINTS:,} candidate sizes")
        bad = (grid < 1) | (grid != np.round(grid)) | (grid > MAX_UNITS // 2)
        require_cells(bad, "n_grid", grid, "whole numbers from 1 to 2**52 (two arms within 2**53 units)")
        grid = np.unique(grid.astype(np.int64))
    scenario = _Scenario(p_c, p_t, threshold_value, priors, sims, direction)
    batches = []
    with ProgressBar(f"simulating {sims:,} experiments per candidate n", total=grid.size + _REFINE_POINTS,
                     progress=progress) as bar:
        for start in range(0, grid.size, _BATCH):
            batches.append(_assurance_curve(grid[start : start + _BATCH], scenario, rng))
            bar.advance(len(batches[-1]))
            if (batches[-1]["assurance"] >= target).any():
                break
        refined = _refine(pd.concat(batches, ignore_index=True), grid, n_grid is None, target, scenario, rng)
    curve, n_plan = refined
    return BayesianPlan(
        metric=metric,
        n_per_arm=n_plan,
        baseline=p_c,
        treatment_rate=p_t,
        threshold=threshold_value,
        assurance=target,
        prior_alpha=priors[0],
        prior_beta=priors[1],
        simulations=sims,
        seed=int(seed),
        curve=curve,
    )


@dataclass(frozen=True)
class _Scenario:
    """The checked inputs every simulated grid point shares."""

    p_c: float
    p_t: float
    threshold: float
    priors: tuple[float, float]
    simulations: int
    direction: float  # +1: higher rate is better; -1: lower is


def _scalar(arr: np.ndarray, field: str) -> float:
    if arr.ndim:
        raise ConfigError(field, arr.tolist(), "a single number")
    return float(arr)


def _whole(field: str, value: Any, low: int, high: int) -> int:
    """A whole number in [low, high]: the simulation count is capped so memory and time stay bounded."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        whole = int(value)  # kept exact: a large seed must not pass through float
    else:
        arr = number_array(field, value)
        if arr.ndim or arr != np.round(arr):
            raise ConfigError(field, value, f"a whole number from {low:,} to {high:,}")
        whole = int(arr)
    if not low <= whole <= high:
        raise ConfigError(field, value, f"a whole number from {low:,} to {high:,}")
    return whole


def _refine(
    curve: pd.DataFrame, grid: np.ndarray, default_grid: bool, target: float, scenario: _Scenario,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, int]:
    """The curve with the default grid refined between the last n short of the target and the first reaching it."""
    reached = np.flatnonzero(curve["assurance"].to_numpy() >= target)
    if reached.size == 0:
        raise InputError("n_grid", int(grid.max()), f"a grid whose largest n reaches assurance {target}")
    first = reached[0]
    if not (default_grid and first > 0):
        return curve, int(grid[first])
    inner = np.linspace(grid[first - 1], grid[first], _REFINE_POINTS + 2)[1:-1]
    fine = np.unique(np.round(inner).astype(np.int64))
    refined = _assurance_curve(fine, scenario, rng)
    curve = pd.concat([curve, refined]).sort_values("n_per_arm", kind="stable").reset_index(drop=True)
    hits = refined.loc[refined["assurance"] >= target, "n_per_arm"]
    return curve, int(hits.iloc[0]) if len(hits) else int(grid[first])


def _assurance_curve(grid: np.ndarray, scenario: _Scenario, rng: np.random.Generator) -> pd.DataFrame:
    sims = scenario.simulations
    n = np.repeat(grid.astype(float), sims)
    x_c = rng.binomial(grid[:, None], scenario.p_c, (grid.size, sims)).ravel()
    x_t = rng.binomial(grid[:, None], scenario.p_t, (grid.size, sims)).ravel()
    a0, b0 = scenario.priors
    ship, keep = np.empty(n.size), np.empty(n.size)
    # The quadrature holds a few hundred nodes per experiment: a bounded number of rows per call caps memory.
    for lo in range(0, n.size, _ROWS_PER_CALL):
        rows = slice(lo, lo + _ROWS_PER_CALL)
        a_t, b_t = a0 + x_t[rows], b0 + n[rows] - x_t[rows]
        a_c, b_c = a0 + x_c[rows], b0 + n[rows] - x_c[rows]
        # expected_loss returns (E[max(C - T, 0)], E[max(T - C, 0)]): the losses of shipping T and of
        # keeping C when higher is better, the other way round when lower is.
        loss_t_worse, loss_c_worse = expected_loss(a_t, b_t, a_c, b_c)
        ship[rows], keep[rows] = (
            (loss_t_worse, loss_c_worse) if scenario.direction > 0 else (loss_c_worse, loss_t_worse)
        )
    # One row per grid point, one column per simulated experiment.
    ship_grid, keep_grid = ship.reshape(grid.size, sims), keep.reshape(grid.size, sims)
    ship_treatment = ship_grid <= keep_grid
    chosen_loss = np.where(ship_treatment, ship_grid, keep_grid)
    assurance = np.mean(chosen_loss < scenario.threshold, axis=1)
    treatment_better = scenario.direction * (scenario.p_t - scenario.p_c) >= 0
    better = ship_treatment if treatment_better else ~ship_treatment
    return pd.DataFrame(
        {
            "n_per_arm": grid,
            "assurance": assurance,
            "assurance_se": np.sqrt(assurance * (1 - assurance) / sims),
            "prob_choose_better": np.mean(better, axis=1),
        }
    )
