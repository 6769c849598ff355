"""Public entry points: data -> sufficient statistics -> method -> estimate -> decision -> Result.

``analyze`` takes labelled rows (one per experiment x variant) and pairs them;
``compare`` takes arrays that are already paired, the batch path for scoring
many two-arm experiments at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from abstats.checks import check_open_unit
from abstats.comparisons import ComparisonSet, from_experiment_data, from_pairs
from abstats.data import ExperimentData, from_aggregates
from abstats.errors import ConfigError, InputError
from abstats.methods.base import Method, MethodSettings
from abstats.methods.registry import METHODS
from abstats.metrics import METRIC_TYPES, Metric, check_metric
from abstats.result import Result
from abstats.result.columns import NAMES
from abstats.statistics import SufficientStats


def analyze(
    data: Any,
    *,
    control: str | int,
    metric: Metric | Sequence[Metric] | None = None,
    method: str | MethodSettings = "frequentist",
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
        A registered method's name or its settings object:
        ``"frequentist"`` (fixed horizon), ``"bayesian"`` (conjugate posteriors, expected-loss
        stopping), ``"group_sequential"`` (planned looks: pass ``design=``
        and ``look=``), ``"msprt"`` or ``"confidence_sequence"`` (always valid, look any time),
        ``"bayesian_hierarchical"`` (segments as experiments, PyMC); or e.g.
        ``FrequentistSettings(alpha=0.1)``. See :mod:`abstats.methods`.
    variant, experiment
        Label columns of an aggregate table (no ``experiment``: one experiment).
    expected_split
        Planned share of units per variant for the sample-ratio-mismatch check
        (default: equal split).
    srm_alpha
        SRM p-value below which the ``srm`` warning fires (default 0.001).
    **options
        Fields of the method's settings class when ``method`` is a name: for ``"frequentist"``
        :class:`~abstats.frequentist.FrequentistSettings` (``alpha``, ``alternative``,
        ``correction``, ``binary_test``, ``margin``...); for ``"bayesian"``
        :class:`~abstats.bayesian.settings.BayesianSettings` (priors, ``threshold``...); for the
        sequential methods :class:`~abstats.sequential.settings.GroupSequentialSettings` and
        :class:`~abstats.sequential.settings.AlwaysValidSettings`. An option the method does
        not take is refused with an error naming both.

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
    found, settings = METHODS.resolve(method, options)
    srm_alpha = check_open_unit("srm_alpha", srm_alpha)
    _check_label("control", control)
    datasets = _as_datasets(data, metric, variant, experiment)
    sets = [from_experiment_data(d, control, expected_split) for d in datasets]
    extra = {"control": control, "expected_split": dict(expected_split) if expected_split else "equal"}
    return _score(sets, found, settings, srm_alpha, extra)


def compare(
    control: SufficientStats,
    treatment: SufficientStats,
    *,
    metric: Metric,
    experiment: Any = None,
    method: str | MethodSettings = "frequentist",
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
    found, settings = METHODS.resolve(method, options)
    srm_alpha = check_open_unit("srm_alpha", srm_alpha)
    treatment_share = check_open_unit("treatment_share", treatment_share)
    metric = check_metric(metric)
    for name, stats in (("control", control), ("treatment", treatment)):
        if not isinstance(stats, SufficientStats):
            raise InputError(name, type(stats).__name__, "sufficient statistics such as BinaryStats.from_arrays(...)")
    if type(control) is not type(treatment) or len(control) != len(treatment):
        raise InputError(
            "treatment", f"{type(treatment).__name__} of length {len(treatment)}",
            f"{type(control).__name__} of length {len(control)} (the same kind and length as control)",
            metric=metric.name,
        )
    labels = None if experiment is None else np.atleast_1d(np.asarray(experiment, dtype=object))
    if labels is not None and len(labels) != len(control):
        raise InputError("experiment", f"{len(labels)} labels", f"{len(control)} (one per row)", metric=metric.name)
    sets = [from_pairs(metric, control, treatment, labels, treatment_share)]
    return _score(sets, found, settings, srm_alpha, {"treatment_share": treatment_share})


def _score(
    sets: list[ComparisonSet], method: Method, settings: MethodSettings, srm_alpha: float, extra: dict[str, Any]
) -> Result:
    scores = method.score(sets, settings)
    unknown = sorted(set(scores.columns) - set(NAMES))
    if unknown:
        raise TypeError(f"method {method.name!r} returned columns that are not Result columns: {unknown}")
    flags = {**scores.flags, "srm": np.asarray(scores.columns["srm_p_value"], dtype=float) < srm_alpha}
    recorded = {**settings.to_dict(), **extra, "srm_alpha": srm_alpha, **scores.recorded}
    return Result(method.name, recorded, scores.columns, scores.rules, flags)


def _check_label(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (str, int, np.integer)):
        raise InputError(field, value, "a variant name (a string or an integer)")


def _as_datasets(data: Any, metric: Any, variant: str, experiment: str | None) -> list[ExperimentData]:
    if isinstance(data, ExperimentData):
        return [data]
    if isinstance(data, Sequence) and data and all(isinstance(d, ExperimentData) for d in data):
        return list(data)
    if metric is None:
        raise InputError("metric", None, "a metric (or list of metrics) saying which aggregate columns to read")
    metrics = [metric] if isinstance(metric, (METRIC_TYPES, str)) else metric
    if not isinstance(metrics, Sequence) or not metrics:
        raise ConfigError("metric", metric, "a metric object or a non-empty list of them")
    return [from_aggregates(data, check_metric(m), variant=variant, experiment=experiment) for m in metrics]
