"""Public entry points: data -> sufficient statistics -> method -> estimate -> decision -> Result.

``analyze`` takes labelled rows (one per experiment x variant) and pairs them;
``compare`` takes arrays that are already paired, the batch path for scoring
many two-arm experiments at once.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from abstats.checks import check_choice, check_finite_array, check_open_unit, check_positive_array
from abstats.column import Column
from abstats.comparisons import ComparisonSet, from_experiment_data, from_pairs, with_cuped_columns
from abstats.data import ExperimentData, from_aggregates
from abstats.data.columns import check_labels, get_column
from abstats.errors import AdaptiveAllocationWarning, ConfigError, InputError
from abstats.inference.srm import TwoArmSrmP
from abstats.methods.base import Method, MethodSettings, Scores
from abstats.methods.registry import METHODS
from abstats.metrics import METRIC_TYPES, Metric, QuantileMetric, check_metric
from abstats.result import Result
from abstats.result.assembly import concat_columns
from abstats.result.columns import NAMES
from abstats.result.deferred import CodedLabels
from abstats.statistics import SufficientStats
from abstats.vocabulary import ON_SRM, SRM_TESTS, OnSrm, SrmTest

if TYPE_CHECKING:
    from abstats.bandit.history import AllocationHistory


def analyze(
    data: Any,
    *,
    control: str | int | Column,
    metric: Metric | Sequence[Metric] | None = None,
    method: str | MethodSettings | None = None,
    variant: str = "variant",
    experiment: str | None = None,
    expected_split: Mapping[Any, float] | Column | None = None,
    srm_alpha: float = 0.001,
    on_srm: OnSrm = "gate",
    srm_test: SrmTest = "chi_square",
    allocation: AllocationHistory | None = None,
    **options: Any,
) -> Result:
    """Score every treatment against the control, for one or many experiments and metrics.

    Parameters
    ----------
    data
        :class:`~abstats.data.ExperimentData`, a list of them (one per metric), or a
        pandas/polars DataFrame or mapping of aggregates (then ``metric`` says which columns).
    control
        Name of the control variant, or ``abstats.Column("name")``: a column of the table naming
        each experiment's control (one value per experiment).
    metric
        Metric(s) to read from an aggregate table. Each metric's ``role`` (primary, secondary,
        guardrail) decides how it enters the experiment's verdict (:meth:`Result.verdicts`).
    method
        A registered method's name or its settings object:
        ``"frequentist"`` (fixed horizon), ``"bayesian"`` (conjugate posteriors, expected-loss
        stopping), ``"group_sequential"`` (planned looks: pass ``design=``
        and ``look=``), ``"msprt"`` or ``"confidence_sequence"`` (always valid, look any time),
        ``"bayesian_hierarchical"`` (segments as experiments, PyMC); or e.g.
        ``FrequentistSettings(alpha=0.1)``. See :mod:`abstats.methods`. Default:
        ``"frequentist"``, or ``"bayesian"`` when ``allocation`` is given.
    variant, experiment
        Label columns of an aggregate table (no ``experiment``: one experiment).
    expected_split
        Planned share of units per variant for the sample-ratio-mismatch check: a mapping
        variant -> share, or ``abstats.Column("name")`` with each row's share (default: equal split).
    srm_alpha
        SRM p-value below which the experiment's assignment is taken as broken (default 0.001).
    on_srm
        ``"gate"`` (default): every comparison of an experiment with an SRM gets the decision
        ``investigate`` (rule ``srm``), whatever its statistics say; ``"warn"``: keep the statistical
        decision and only warn.
    srm_test
        ``"chi_square"`` (Pearson, default) or ``"exact"`` (binomial for two arms, multinomial by
        enumeration for more; see :func:`abstats.inference.srm.srm_p_values`).
    allocation
        The :class:`~abstats.bandit.AllocationHistory` of an adaptively allocated (bandit)
        experiment: the weights of each period and its traffic. The SRM check then expects the
        traffic-weighted mean of the weights (instead of ``expected_split``), every row carries the
        warning ``adaptive_allocation``, the default method is the posterior reading
        (``"bayesian"``: a posterior depends on the data only through what was observed, so it
        stays valid when the split followed the data) and a method without a posterior reading
        (fixed-horizon p-values and intervals assume a fixed split) is run with an
        :class:`~abstats.errors.AdaptiveAllocationWarning`. For period effects see
        :func:`abstats.bandit.stratify_by_period`.
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
    if allocation is not None:
        from abstats.bandit.history import AllocationHistory  # here: abstats.bandit imports this module

        if not isinstance(allocation, AllocationHistory):
            raise ConfigError("allocation", type(allocation).__name__, "AllocationHistory.from_table(...) or None")
        if expected_split is not None:
            raise ConfigError("expected_split", expected_split, "None when allocation is given (the history "
                              "sets the expected split)")
    found, settings = METHODS.resolve(
        method if method is not None else "frequentist" if allocation is None else "bayesian", options
    )
    if allocation is not None and not found.reads_posterior:
        warnings.warn(
            f"method={found.name!r} on adaptively allocated data: its p-values and intervals assume a fixed "
            "split and can be biased when the split followed the data; the posterior reading "
            "(method='bayesian') is the default for bandit experiments",
            AdaptiveAllocationWarning, stacklevel=2,
        )
    srm_alpha = check_open_unit("srm_alpha", srm_alpha)
    check_choice("on_srm", on_srm, ON_SRM)
    check_choice("srm_test", srm_test, SRM_TESTS)
    if not isinstance(control, Column):
        _check_label("control", control)
    datasets = _as_datasets(data, metric, variant, experiment)
    table = None if _is_experiment_data(data) else data
    control_values = _per_row(table, control, "control")
    split = _per_row(table, expected_split, "expected_split")
    if allocation is not None:
        split = allocation.shares_for(datasets[0].experiment, datasets[0].variant)
    if isinstance(split, np.ndarray):
        split = check_finite_array("expected_split", split, setting=True)
    row_values = {
        name: check_positive_array(name, _per_row(table, value, name), setting=True)
        for name, value in vars(settings).items() if isinstance(value, Column)
    }
    _check_roles(found, [d.metric for d in datasets])
    sets = with_cuped_columns([from_experiment_data(d, control_values, split, row_values, srm_test) for d in datasets])
    extra = {
        "control": str(control) if isinstance(control, Column) else control,
        "expected_split": str(expected_split) if isinstance(expected_split, Column)
        else dict(expected_split) if expected_split else "equal",
        "srm_test": srm_test,
    }
    if allocation is not None:
        extra["expected_split"] = "allocation history"
        extra["allocation"] = {"periods": len(pd.unique(allocation.period)), "adaptive": True}
    result = _score(sets, found, settings, srm_alpha, on_srm, extra)
    if allocation is not None:  # every row says its data were adaptively allocated
        flags = {**result.warning_flags, "adaptive_allocation": np.ones(len(result), dtype=bool)}
        result = dataclasses.replace(result, warning_flags=flags)
    return result


def compare(
    control: SufficientStats,
    treatment: SufficientStats,
    *,
    metric: Metric,
    experiment: Any = None,
    method: str | MethodSettings = "frequentist",
    treatment_share: float = 0.5,
    srm_alpha: float = 0.001,
    on_srm: OnSrm = "gate",
    srm_test: SrmTest = "chi_square",
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
    srm_alpha, on_srm, srm_test, method, **options
        As in :func:`analyze`.

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
    check_choice("on_srm", on_srm, ON_SRM)
    check_choice("srm_test", srm_test, SRM_TESTS)
    treatment_share = check_open_unit("treatment_share", treatment_share)
    metric = check_metric(metric)
    for name, value in vars(settings).items():
        if isinstance(value, Column):
            raise ConfigError(name, value, "a value (compare takes arrays, not a table to read columns from)")
    # a protocol isinstance check reads every member: the treatment's is needed only when its type differs
    for name, stats in (("control", control), ("treatment", treatment))[: 1 if type(treatment) is type(control) else 2]:
        if not isinstance(stats, SufficientStats):
            raise InputError(name, type(stats).__name__, "sufficient statistics such as BinaryStats.from_arrays(...)")
    if type(control) is not type(treatment) or len(control) != len(treatment):
        raise InputError(
            "treatment", f"{type(treatment).__name__} of length {len(treatment)}",
            f"{type(control).__name__} of length {len(control)} (the same kind and length as control)",
            metric=metric.name,
        )
    labels = None if experiment is None else check_labels("experiment", np.atleast_1d(np.asarray(experiment)),
                                                           metric=metric.name)
    if labels is not None and len(labels) != len(control):
        raise InputError("experiment", f"{len(labels)} labels", f"{len(control)} (one per row)", metric=metric.name)
    _check_roles(found, [metric])
    sets = [from_pairs(metric, control, treatment, labels, treatment_share, srm_test)]
    extra = {"treatment_share": treatment_share, "srm_test": srm_test}
    return _score(sets, found, settings, srm_alpha, on_srm, extra)


def _score(
    sets: list[ComparisonSet],
    method: Method,
    settings: MethodSettings,
    srm_alpha: float,
    on_srm: OnSrm,
    extra: dict[str, Any],
) -> Result:
    scores = _score_with_traffic(sets, method, settings)
    unknown = sorted(set(scores.columns) - set(NAMES))
    if unknown:
        raise TypeError(f"method {method.name!r} returned columns that are not Result columns: {unknown}")
    columns, rules = scores.columns, scores.rules
    srm_p = columns["srm_p_value"]
    srm = srm_p.below(srm_alpha) if isinstance(srm_p, TwoArmSrmP) else np.asarray(srm_p, dtype=float) < srm_alpha
    if on_srm == "gate" and srm.any():
        # a broken assignment makes every statistic of the experiment suspect: no statistical verdict
        columns = {**columns, "decision": cast(np.ndarray, _with_label(columns["decision"], srm, "investigate"))}
        rules = _with_label(rules, srm, "srm")
    recorded = {
        **settings.to_dict(), **extra, "srm_alpha": srm_alpha, "on_srm": on_srm,
        "metrics": {s.metric.name: _metric_record(s.metric) for s in sets},
        **scores.recorded,
    }
    return Result(method.name, recorded, columns, rules, {**scores.flags, "srm": srm})


def _with_label(values: np.ndarray | CodedLabels, rows: np.ndarray, label: str) -> np.ndarray | CodedLabels:
    """``values`` with ``label`` in the rows of the mask ``rows``: label codes by code; the method's object
    array itself when it owns its data (a method hands its Scores arrays over to the Result), else a copy
    (copying 1e5 object pointers costs as much as a p-value column); assigned by mask (np.where with a str
    scalar builds the object array ten times slower)."""
    if isinstance(values, CodedLabels):
        return values.with_label(rows, label)
    if not (isinstance(values, np.ndarray) and values.dtype == object and values.flags.owndata
            and values.flags.writeable):
        values = np.array(values, dtype=object)
    values[rows] = label
    return values


def _score_with_traffic(sets: list[ComparisonSet], method: Method, settings: MethodSettings) -> Scores:
    """The method's scores, with comparisons of an arm that received no units added back unscored.

    Such rows carry their identity columns, the decision ``investigate`` and the rule ``no_traffic``;
    every other row is scored as if they were not there.
    """
    # the fewest units first (a minimum is cheaper than a mask): every arm has units, nothing to set aside
    if all(len(s) == 0 or min(s.control.n.min(), s.treatment.n.min()) > 0 for s in sets):
        return method.score(sets, settings)
    empty = [s.no_traffic() for s in sets]
    if not any(e.any() for e in empty):
        return method.score(sets, settings)
    kept = [s.take(~e) for s, e in zip(sets, empty, strict=True)]
    scorable = [s for s in kept if len(s)]
    total = sum(len(s) for s in sets)
    position = np.concatenate([~e for e in empty])
    identity = concat_columns([dict(s.identity) for s in sets])
    if scorable:
        scores = method.score(scorable, settings)
        if len(scores.rules) != int(position.sum()):
            raise ConfigError("n", 0, f"units in every arm for method={method.name!r} (a variant received no traffic)")
        columns, flags, rules, recorded = scores.columns, scores.flags, scores.rules, scores.recorded
    else:
        columns, flags, rules, recorded = {}, {}, np.empty(0, dtype=object), {}
    full: dict[str, np.ndarray] = {}
    for name in dict.fromkeys([*identity, *columns]):
        if name in identity:
            full[name] = np.asarray(identity[name])
            continue
        values = np.asarray(columns[name])
        out = np.full(total, np.nan) if values.dtype.kind == "f" else np.full(total, None, dtype=object)
        out[position] = values
        full[name] = out
    full["decision"] = np.where(position, full.get("decision", np.full(total, None, dtype=object)), "investigate")
    full["decision"] = full["decision"].astype(object)
    all_rules = np.full(total, "no_traffic", dtype=object)
    all_rules[position] = rules
    all_flags = {}
    for code, mask in flags.items():
        out_mask = np.zeros(total, dtype=bool)
        out_mask[position] = mask
        all_flags[code] = out_mask
    return Scores(full, all_flags, all_rules, recorded)


def _check_roles(method: Method, metrics: list[Metric]) -> None:
    """A guardrail is a non-inferiority test against its margin: only methods that test margins take one."""
    guardrails = [m.name for m in metrics if m.role == "guardrail"]
    if guardrails and not method.tests_margins:
        expected = (
            f"a method that tests non-inferiority margins (e.g. 'frequentist') for guardrail metric "
            f"{guardrails[0]!r}; method={method.name!r} does not (give it role='secondary' to report it)"
        )
        raise ConfigError("role", "guardrail", expected)


def _metric_record(metric: Metric) -> dict[str, Any]:
    """What the Result records of each metric: kind, direction, role, a guardrail's margin, caps, a quantile,
    a CUPED covariate."""
    out: dict[str, Any] = {"kind": metric.kind, "higher_is_better": metric.higher_is_better, "role": metric.role}
    if metric.margin is not None:
        out.update(margin=metric.margin, margin_type=metric.margin_type)
    for name in ("cap", "numerator_cap", "denominator_cap"):
        cap = getattr(metric, name, None)
        if cap is not None:
            out[name] = cap.describe()
    if isinstance(metric, QuantileMetric):
        out["quantile"] = metric.quantile
    covariate = getattr(metric, "covariate", None)
    if covariate is not None:
        out["covariate"] = covariate.describe()
    return out


def _is_experiment_data(data: Any) -> bool:
    return isinstance(data, ExperimentData) or (
        isinstance(data, Sequence) and bool(data) and all(isinstance(d, ExperimentData) for d in data)
    )


def _per_row(table: Any, value: Any, field: str) -> Any:
    """``value``, or the column it names read from the table (one value per row)."""
    if not isinstance(value, Column):
        return value
    if table is None:
        raise ConfigError(field, str(value), "a value: a column can be read only from a table, not ExperimentData")
    return get_column(table, value.name)


def _check_label(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (str, int, np.integer)):
        raise InputError(field, value, "a variant name (a string or an integer)")


def _as_datasets(data: Any, metric: Any, variant: str, experiment: str | None) -> list[ExperimentData]:
    if _is_experiment_data(data):
        return [data] if isinstance(data, ExperimentData) else list(data)
    if metric is None:
        raise InputError("metric", None, "a metric (or list of metrics) saying which aggregate columns to read")
    metrics = [metric] if isinstance(metric, (METRIC_TYPES, str)) else metric
    if not isinstance(metrics, Sequence) or not metrics:
        raise ConfigError("metric", metric, "a metric object or a non-empty list of them")
    return [from_aggregates(data, check_metric(m), variant=variant, experiment=experiment) for m in metrics]
