"""Public entry points: data -> sufficient statistics -> method -> estimate -> decision -> Result.

``analyze`` takes labelled rows (one per experiment x variant) and pairs them;
``compare`` takes arrays that are already paired, the batch path for scoring
many two-arm experiments at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from abstats.bayesian.set_scoring import score_bayesian
from abstats.bayesian.settings import BayesianSettings
from abstats.checks import check_choice, check_open_unit
from abstats.comparisons import ComparisonSet, data_flags, from_experiment_data, from_pairs
from abstats.data import ExperimentData, from_aggregates
from abstats.errors import ConfigError, InputError
from abstats.frequentist.scoring import score_frequentist
from abstats.frequentist.settings import FrequentistSettings
from abstats.metrics import Metric
from abstats.result import Result
from abstats.sequential.scoring import score_sequential
from abstats.sequential.settings import SEQUENTIAL_METHODS, SequentialSettings
from abstats.statistics import SufficientStats

Settings = FrequentistSettings | SequentialSettings | BayesianSettings

METHODS = ("frequentist", "bayesian", *SEQUENTIAL_METHODS)


def analyze(
    data: Any,
    *,
    control: str | int,
    metric: Metric | Sequence[Metric] | None = None,
    method: str = "frequentist",
    variant: str = "variant",
    experiment: str | None = None,
    expected_split: Mapping[str, float] | None = None,
    srm_alpha: float = 0.001,
    **options: Any,
) -> Result:
    """Score every treatment against the control, for one or many experiments and metrics.

    Parameters
    ----------
    data
        :class:`~abstats.data.ExperimentData`, a list of them (one per metric), or a
        pandas/polars DataFrame or mapping of aggregates (then ``metric`` says which columns).
    control
        Name of the control variant (the same in every experiment).
    metric
        Metric(s) to read from an aggregate table.
    method
        ``"frequentist"`` (fixed horizon), ``"bayesian"`` (conjugate posteriors, expected-loss
        stopping), ``"group_sequential"`` (planned looks: pass ``design=``
        and ``look=``), ``"msprt"`` or ``"confidence_sequence"`` (always valid, look any time).
    variant, experiment
        Label columns of an aggregate table (no ``experiment``: one experiment).
    expected_split
        Planned share of units per variant for the sample-ratio-mismatch check
        (default: equal split).
    srm_alpha
        SRM p-value below which the ``srm`` warning fires (default 0.001).
    **options
        Method settings: for ``"frequentist"`` the fields of
        :class:`~abstats.frequentist.settings.FrequentistSettings`
        (``alpha``, ``alternative``, ``correction``, ``binary_test``, ``margin``...); for
        ``"bayesian"`` those of :class:`~abstats.bayesian.settings.BayesianSettings` (priors,
        ``threshold``...); for the sequential methods those of
        :class:`~abstats.sequential.settings.SequentialSettings`.

    Returns
    -------
    Result
        One row per experiment x metric x treatment.

    Examples
    --------
    >>> import abstats
    >>> table = {"variant": ["control", "B"], "n": [10000, 10000], "conversions": [500, 560]}
    >>> r = abstats.analyze(table, metric=abstats.BinaryMetric("signup"), control="control")
    >>> float(r.p_value[0].round(4)), str(r.decision[0])
    (0.0583, 'inconclusive')
    """
    check_choice("method", method, METHODS)
    check_open_unit("srm_alpha", srm_alpha)
    settings = _settings(method, options)
    datasets = _as_datasets(data, metric, variant, experiment)
    sets = [from_experiment_data(d, control, expected_split) for d in datasets]
    extra = {"control": control, "expected_split": dict(expected_split) if expected_split else "equal"}
    return _score(sets, method, settings, srm_alpha, extra)


def compare(
    control: SufficientStats,
    treatment: SufficientStats,
    *,
    metric: Metric,
    experiment: Any = None,
    method: str = "frequentist",
    treatment_share: float = 0.5,
    srm_alpha: float = 0.001,
    **options: Any,
) -> Result:
    """Score row i of ``control`` against row i of ``treatment``: many two-arm experiments in one call.

    Parameters
    ----------
    control, treatment
        Sufficient statistics of the same kind and length
        (e.g. :meth:`BinaryStats.from_arrays <abstats.statistics.BinaryStats.from_arrays>`).
    metric
        The metric (name and direction) the statistics measure.
    experiment
        Optional labels, one per row (default 0..m-1).
    treatment_share
        Planned share of units in the treatment arm, for the SRM check.

    Examples
    --------
    >>> import abstats
    >>> from abstats.statistics import BinaryStats
    >>> c = BinaryStats.from_arrays(n=[1000, 5000], conversions=[100, 250])
    >>> t = BinaryStats.from_arrays(n=[1000, 5000], conversions=[130, 240])
    >>> r = abstats.compare(c, t, metric=abstats.BinaryMetric("signup"))
    >>> [str(d) for d in r.decision]
    ['stop_winner', 'inconclusive']
    """
    check_choice("method", method, METHODS)
    check_open_unit("srm_alpha", srm_alpha)
    check_open_unit("treatment_share", treatment_share)
    if type(control) is not type(treatment) or len(control) != len(treatment):
        raise InputError(
            "treatment", f"{type(treatment).__name__} of length {len(treatment)}",
            f"{type(control).__name__} of length {len(control)} (the same kind and length as control)",
            metric=metric.name,
        )
    settings = _settings(method, options)
    labels = None if experiment is None else np.atleast_1d(np.asarray(experiment, dtype=object))
    if labels is not None and len(labels) != len(control):
        raise InputError("experiment", f"{len(labels)} labels", f"{len(control)} (one per row)", metric=metric.name)
    sets = [from_pairs(metric, control, treatment, labels, treatment_share)]
    return _score(sets, method, settings, srm_alpha, {"treatment_share": treatment_share})


def _score(
    sets: list[ComparisonSet], method: str, settings: Settings, srm_alpha: float, extra: dict[str, Any]
) -> Result:
    if isinstance(settings, SequentialSettings):
        columns, flags, rules = score_sequential(sets, settings)
    elif isinstance(settings, BayesianSettings):
        columns, flags, rules = score_bayesian(sets, settings)
    else:
        columns, flags, rules = score_frequentist(sets, settings)
    flags.update(data_flags(sets, srm_alpha))
    recorded = {**settings.to_dict(), **extra, "srm_alpha": srm_alpha}
    return Result(method, recorded, columns, rules, flags)


def _settings(method: str, options: Mapping[str, Any]) -> Settings:
    kind: type[Settings]
    if method in SEQUENTIAL_METHODS:
        kind, options = SequentialSettings, {**options, "method": method}
    else:
        kind = BayesianSettings if method == "bayesian" else FrequentistSettings
    allowed = {f.name for f in fields(kind)}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(
            unknown[0], options[unknown[0]], f"a {method} option: " + ", ".join(sorted(allowed - {"method"}))
        )
    return kind(**options)


def _as_datasets(data: Any, metric: Any, variant: str, experiment: str | None) -> list[ExperimentData]:
    if isinstance(data, ExperimentData):
        return [data]
    if isinstance(data, Sequence) and data and all(isinstance(d, ExperimentData) for d in data):
        return list(data)
    if metric is None:
        raise InputError("metric", None, "a metric (or list of metrics) saying which aggregate columns to read")
    metrics = list(metric) if isinstance(metric, Sequence) else [metric]
    return [from_aggregates(data, m, variant=variant, experiment=experiment) for m in metrics]
