"""Arm estimates stratified by allocation period: the remedy for time-varying conversion under a bandit.

Why: a bandit changes its weights over time, so the arms' units come from the periods in
different proportions. If conversion itself changes over time (weekends convert better, a
campaign starts on Tuesday), pooling all of an arm's units mixes the period effect into the arm
comparison: an arm that received most of its traffic on good days looks better than it is, and
the pooled comparison can even reverse the comparison within every single period (Simpson's
paradox). Weighting each period's arm statistics by the period's share of all traffic compares
every arm over the same mix of periods:

    estimate_v = sum_t pi_t m_{t,v},   var_v = sum_t pi_t^2 var(m_{t,v}),   pi_t = N_t / N,

with m_{t,v} the arm's mean (rate) in period t, N_t the period's units (all arms) and N the
total (post-stratification; e.g. Kaufman, Pitchforth & Vermeer 2017, "Democratizing online
controlled experiments at Booking.com", and the bandit-specific discussion in Offer-Westort,
Coppock & Green 2021). P(best) of the stratified arms is then read from their normal
posteriors with the Bayesian module (:func:`abstats.bayesian.best_arm.normal_arms_prob_best`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from abstats.bayesian.best_arm import normal_arms_prob_best
from abstats.data import from_aggregates
from abstats.data.columns import get_column
from abstats.errors import InputError
from abstats.metrics import Metric, check_metric


def stratify_by_period(
    data: Any,
    *,
    metric: Metric,
    control: str | int,
    period: str = "period",
    variant: str = "variant",
    experiment: str | None = None,
) -> pd.DataFrame:
    """Each arm's estimate over the allocation periods, every period weighted by its share of traffic.

    Parameters
    ----------
    data
        An aggregate table with one row per (experiment,) period x arm (the columns ``metric`` reads).
    metric
        The metric (binary, mean or ratio: each period-arm's estimate and its variance).
    control
        The control variant (listed first in each experiment).
    period, variant, experiment
        Label columns.

    Returns
    -------
    pandas.DataFrame
        One row per experiment x arm: ``estimate`` and ``se`` (stratified), ``pooled_estimate``
        (all periods pooled, biased when weights and conversion both change over time),
        ``effect`` and ``effect_se`` against the control (stratified; the periods are
        independent, so the variances add) and ``prob_best`` from the normal posteriors of the
        stratified estimates.

    Examples
    --------
    >>> import abstats
    >>> table = {"period": [1, 1, 2, 2], "variant": ["A", "B", "A", "B"],
    ...          "n": [900, 100, 100, 900], "conversions": [90, 10, 30, 270]}
    >>> s = stratify_by_period(table, metric=abstats.BinaryMetric("cr"), control="A")
    >>> s[["variant", "estimate", "pooled_estimate"]].round(3).values.tolist()
    [['A', 0.2, 0.12], ['B', 0.2, 0.28]]
    """
    metric = check_metric(metric)
    periods = np.asarray(get_column(data, period), dtype=object)
    exps = None if experiment is None else np.asarray(get_column(data, experiment), dtype=object)
    strata = periods if exps is None else np.array([f"{e}\x1f{t}" for e, t in zip(exps, periods, strict=True)],
                                                   dtype=object)
    table = {name: get_column(data, name) for name in _columns(data)}
    table["__stratum"] = strata
    d = from_aggregates(table, metric, variant=variant, experiment="__stratum")
    n = np.asarray(d.stats.n, dtype=float)
    empty = np.flatnonzero(n == 0)
    if len(empty):
        raise InputError("n", 0, "units in every arm in every period (give the bandit a floor)",
                         metric=metric.name, variant=d.variant[empty[0]], experiment=periods[empty[0]])
    exp_labels = np.full(len(n), "", dtype=object) if exps is None else exps
    m, v = d.stats.estimate(), d.stats.variance_of_estimate()
    stratum_code, _ = pd.factorize(strata)
    exp_code, exp_uniques = pd.factorize(exp_labels)
    period_units = np.bincount(stratum_code, weights=n)[stratum_code]
    exp_units = np.bincount(exp_code, weights=n)[exp_code]
    # pi_t per row; every arm of an experiment must appear in each of its periods (checked below)
    pi = period_units / exp_units
    arm_key = pd.MultiIndex.from_arrays([exp_labels, np.asarray(d.variant, dtype=object)])
    arm_code, arm_uniques = pd.factorize(arm_key)
    # strata are (experiment, period) pairs: count them per experiment
    periods_per_exp = np.bincount(exp_code[_first(stratum_code, stratum_code.max() + 1)], minlength=len(exp_uniques))
    periods_per_arm = np.bincount(arm_code)
    arm_exp = exp_code[_first(arm_code, len(arm_uniques))]
    missing = np.flatnonzero(periods_per_arm != periods_per_exp[arm_exp])
    if len(missing):
        e, arm = arm_uniques[missing[0]]
        raise InputError("period", f"{periods_per_arm[missing[0]]} periods", f"a row in each of the experiment's "
                         f"{periods_per_exp[arm_exp[missing[0]]]} periods", variant=arm, experiment=e or None)
    estimate = np.bincount(arm_code, weights=pi * m)
    var = np.bincount(arm_code, weights=pi**2 * v)
    pooled = _pooled(d.stats, arm_code, len(arm_uniques))
    frame = pd.DataFrame({
        "experiment": [e for e, _ in arm_uniques], "variant": [a for _, a in arm_uniques],
        "estimate": estimate, "se": np.sqrt(var), "pooled_estimate": pooled,
    })
    frame["is_control"] = frame["variant"] == control
    if not frame.groupby("experiment")["is_control"].any().all():
        raise InputError("control", control, "a variant of every experiment", metric=metric.name)
    frame = frame.sort_values(["experiment", "is_control"], ascending=[True, False], kind="stable")
    ctrl = frame[frame["is_control"]].set_index("experiment")
    frame["effect"] = frame["estimate"].to_numpy() - ctrl.loc[frame["experiment"], "estimate"].to_numpy()
    frame["effect_se"] = np.sqrt(frame["se"].to_numpy() ** 2 + ctrl.loc[frame["experiment"], "se"].to_numpy() ** 2)
    frame.loc[frame["is_control"], ["effect", "effect_se"]] = np.nan
    sign = 1.0 if metric.higher_is_better else -1.0
    best = np.empty(len(frame))
    sizes = frame.groupby("experiment", sort=False)["variant"].transform("size").to_numpy()
    for k in np.unique(sizes):  # one quadrature per number of arms, vectorised over experiments
        rows = np.flatnonzero(sizes == k)
        mu = sign * frame["estimate"].to_numpy()[rows].reshape(-1, k)
        sd = frame["se"].to_numpy()[rows].reshape(-1, k)
        best[rows] = normal_arms_prob_best(mu, sd).ravel()
    frame["prob_best"] = best
    if exps is None:
        frame = frame.drop(columns="experiment")
    return frame.reset_index(drop=True)


def _columns(data: Any) -> list[str]:
    from abstats.data.columns import column_names

    return list(column_names(data))


def _first(codes: np.ndarray, count: int) -> np.ndarray:
    first = np.full(count, -1)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return first


def _pooled(stats: Any, arm_code: np.ndarray, count: int) -> np.ndarray:
    """The units-weighted mean of an arm's period estimates: its pooled rate or mean (binary, mean metrics)."""
    n = np.asarray(stats.n, dtype=float)
    return np.bincount(arm_code, weights=stats.estimate() * n, minlength=count) / np.bincount(
        arm_code, weights=n, minlength=count)
