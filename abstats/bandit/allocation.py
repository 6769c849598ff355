"""``allocate``: recommended traffic weights per arm from the exact posteriors of the Bayesian module."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from abstats.analysis import _as_datasets, _check_label, _is_experiment_data, _per_row
from abstats.bandit.weights import GRID, to_grid, top_two_weights, water_fill
from abstats.bayesian.best_arm import experiments_by_size
from abstats.bayesian.set_scoring import prob_best_of_arms
from abstats.bayesian.settings import BayesianSettings
from abstats.checks import check_choice, check_finite, check_open_unit
from abstats.column import Column
from abstats.comparisons import ComparisonSet, from_experiment_data
from abstats.errors import ConfigError
from abstats.metrics import Metric
from abstats.vocabulary import ALLOCATION_RULES, AllocationRule


@dataclass(frozen=True, eq=False)
class Allocation:
    """Recommended traffic weights, one row per experiment x arm (each experiment's control first).

    Attributes
    ----------
    experiment, variant
        Labels of each row.
    is_control
        True on each experiment's control row.
    prob_best
        Posterior P(arm is best), the Bayesian module's ``prob_best`` / ``control_prob_best``.
    weight
        Recommended share of the experiment's next traffic; the weights of an experiment sum
        to exactly 1 (multiples of 2**-52, see :mod:`abstats.bandit.weights`).
    settings
        The rule and its options, as given.
    """

    experiment: np.ndarray
    variant: np.ndarray
    is_control: np.ndarray
    prob_best: np.ndarray
    weight: np.ndarray
    settings: dict[str, Any]

    def __len__(self) -> int:
        return len(self.weight)

    def to_frame(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (columns experiment, variant, is_control, prob_best, weight)."""
        return pd.DataFrame({"experiment": self.experiment, "variant": self.variant, "is_control": self.is_control,
                             "prob_best": self.prob_best, "weight": self.weight})

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per row."""
        return [
            {"experiment": e, "variant": v, "is_control": bool(c), "prob_best": float(p), "weight": float(w)}
            for e, v, c, p, w in zip(self.experiment.tolist(), self.variant.tolist(), self.is_control.tolist(),
                                     self.prob_best.tolist(), self.weight.tolist(), strict=True)
        ]


def allocate(
    data: Any,
    *,
    control: str | int | Column,
    metric: Metric | None = None,
    variant: str = "variant",
    experiment: str | None = None,
    rule: AllocationRule = "thompson",
    top_two_beta: float = 0.5,
    floor: float = 0.0,
    control_share: float | None = None,
    prior: BayesianSettings | None = None,
) -> Allocation:
    """Traffic weights per arm for the next period of one or many bandit experiments, in one call.

    ``rule="thompson"``: Thompson sampling in expectation. Thompson sampling sends a unit to the
    best arm of one posterior draw, so the share an arm receives is the posterior probability
    that it is best, P(best) (Thompson 1933; Russo et al., "A tutorial on Thompson sampling",
    2018). Here it is that probability itself, exact, as the Bayesian module computes it
    (:func:`abstats.bayesian.set_scoring.prob_best_of_arms`: Beta posteriors by quadrature for
    binary metrics, normal posteriors for mean and ratio metrics), instead of the Monte Carlo
    frequencies of a sampler. ``rule="top_two"``: top-two Thompson sampling (Russo 2020), which
    keeps exploring the runner-up; its expected allocation is
    psi_i = beta a_i + (1 - beta) sum_{j != i} a_j a_i / (1 - a_j) with a = P(best)
    (derivation in :func:`abstats.bandit.weights.top_two_weights`).

    Then, per experiment: an arm held at ``control_share`` keeps exactly that share and the
    other arms split the rest in proportion to their rule weights; every arm gets at least
    ``floor`` (arms above it keep their ratios, :func:`~abstats.bandit.weights.water_fill`); the
    weights are put on a grid of 2**-52 on which they sum to exactly 1
    (:func:`~abstats.bandit.weights.to_grid`). Vectorised over experiments: one pass per
    experiment size (number of arms), no loop over experiments.

    Parameters
    ----------
    data
        As in :func:`abstats.analyze`: an aggregate table (with ``metric``) or
        :class:`~abstats.data.ExperimentData`, one row per experiment x arm.
    control
        The control variant, or ``abstats.Column`` naming each experiment's control.
    metric
        The one metric whose posterior decides (binary: Beta posteriors; mean, ratio: normal).
    variant, experiment
        Label columns of an aggregate table.
    rule
        ``"thompson"`` (default) or ``"top_two"``.
    top_two_beta
        Top-two only: the probability of playing the posterior's leader (Russo's beta, default 1/2).
    floor
        Minimum weight of every arm, in [0, 1 / arms] (e.g. 0.01).
    control_share
        Hold the control at this share, in (0, 1) (at least ``floor``); ``None``: the control is
        an arm like the others.
    prior
        Bayesian settings supplying the priors (default :class:`~abstats.bayesian.settings.BayesianSettings()`).

    Returns
    -------
    Allocation
        One row per experiment x arm with its P(best) and weight.

    Examples
    --------
    >>> import abstats
    >>> table = {"variant": ["A", "B", "C"], "n": [1000, 1000, 1000], "conversions": [100, 120, 90]}
    >>> a = abstats.bandit.allocate(table, metric=abstats.BinaryMetric("cr"), control="A", floor=0.05)
    >>> a.weight.round(4).tolist(), float(a.weight.sum())
    ([0.0718, 0.8782, 0.05], 1.0)
    """
    rule = check_choice("rule", rule, ALLOCATION_RULES)
    beta = check_open_unit("top_two_beta", top_two_beta)
    floor = check_finite("floor", floor)
    if not 0.0 <= floor < 1.0:
        raise ConfigError("floor", floor, "a share in [0, 1 / number of arms]")
    if control_share is not None:
        control_share = check_open_unit("control_share", control_share)
        if control_share < floor:
            raise ConfigError("control_share", control_share, f">= floor ({floor:g})")
    if prior is None:
        prior = BayesianSettings()
    elif not isinstance(prior, BayesianSettings):
        raise ConfigError("prior", type(prior).__name__, "BayesianSettings(...) or None")
    if metric is not None and not isinstance(metric, Metric):
        raise ConfigError("metric", metric, "one metric object (a bandit allocates on one metric)")
    if not isinstance(control, Column):
        _check_label("control", control)
    datasets = _as_datasets(data, metric, variant, experiment)
    if len(datasets) != 1:
        raise ConfigError("metric", f"{len(datasets)} metrics", "one metric (a bandit allocates on one metric)")
    table = None if _is_experiment_data(data) else data
    s = from_experiment_data(datasets[0], _per_row(table, control, "control"), None)
    return allocate_set(s, prior, rule=rule, beta=beta, floor=floor, control_share=control_share)


def allocate_set(
    s: ComparisonSet,
    prior: BayesianSettings,
    *,
    rule: AllocationRule,
    beta: float,
    floor: float,
    control_share: float | None,
) -> Allocation:
    """The weights of every experiment of a comparison set (settings already checked)."""
    best, control_best = prob_best_of_arms(s, prior)
    codes = s.experiment_code
    n_exp = int(codes.max()) + 1 if len(codes) else 0
    first_row = np.full(n_exp, -1)
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    control_weight = np.zeros(n_exp)
    treatment_weight = np.zeros(len(s))
    held = 0 if control_share is None else int(np.rint(control_share * GRID))
    for rows, r in experiments_by_size(s):  # one pass per number of arms, vectorised over experiments
        k = r + 1
        _check_floor(floor, k, control_share, s.identity["experiment"][rows[0, 0]])
        p = np.column_stack([control_best[rows[:, 0]], best[rows]])
        w = top_two_weights(p, beta) if rule == "top_two" else p
        if control_share is None:
            floor_units = min(math.ceil(floor * GRID), GRID // k)
            w = to_grid(water_fill(w, np.ones(len(w)), floor_units / GRID), floor_units)
        else:
            floor_units = min(math.ceil(floor * GRID), (GRID - held) // r)
            rest = water_fill(w[:, 1:], np.full(len(w), (GRID - held) / GRID), floor_units / GRID)
            w = to_grid(np.column_stack([np.full(len(w), held / GRID), rest]), floor_units, first_free=1)
        e = codes[rows[:, 0]]
        control_weight[e] = w[:, 0]
        treatment_weight[rows] = w[:, 1:]
    # long rows: every experiment's control, then its treatments in input order
    order = np.lexsort((np.r_[np.full(n_exp, -1), np.arange(len(s))], np.r_[np.arange(n_exp), codes]))
    experiment_labels = np.asarray(s.identity["experiment"], dtype=object)
    return Allocation(
        experiment=np.r_[experiment_labels[first_row], experiment_labels][order],
        variant=np.r_[np.asarray(s.identity["control"], dtype=object)[first_row],
                      np.asarray(s.identity["treatment"], dtype=object)][order],
        is_control=np.r_[np.ones(n_exp, dtype=bool), np.zeros(len(s), dtype=bool)][order],
        prob_best=np.r_[control_best[first_row], best][order],
        weight=np.r_[control_weight, treatment_weight][order],
        settings={"rule": rule, "top_two_beta": beta if rule == "top_two" else None, "floor": floor,
                  "control_share": control_share, "prior": prior.to_dict()["prior"]},
    )


def _check_floor(floor: float, arms: int, control_share: float | None, experiment: Any) -> None:
    free = 1.0 if control_share is None else 1.0 - control_share
    free_arms = arms if control_share is None else arms - 1
    if floor * free_arms > free * (1.0 + 1e-12):
        what = f"<= {free:g} / {free_arms} for {free_arms} arms" + (
            "" if control_share is None else f" sharing 1 - control_share = {free:g}")
        raise ConfigError("floor", floor, what, experiment=experiment)
