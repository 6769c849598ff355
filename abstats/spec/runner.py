"""From a validated spec to a Result: load the table, build the engine's objects, call ``analyze``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from abstats.errors import InputError
from abstats.spec.errors import SpecError

if TYPE_CHECKING:
    from abstats.bandit import Allocation, AllocationHistory
    from abstats.metrics import Metric
    from abstats.result import Result
    from abstats.spec.model import ExperimentSpec

# joins experiment and segment labels into the label each segment is scored under
SEGMENT_SEPARATOR = " / "


def load_table(spec: ExperimentSpec) -> Any:
    """The spec's aggregates as a wide pandas DataFrame (long tables pivoted, segments folded in)."""
    from abstats.spec.loading import read_table, table_from_records

    data = spec.data
    if data.events is not None:
        raise SpecError("data.events", data.events.path, "aggregates (data.path or data.aggregates): raw events "
                        "are aggregated by spec.run()", source=spec.source)
    path = spec.data_path()
    if path is not None:
        frame = read_table(path, data.format)
        source = str(path)
    else:
        frame = table_from_records(data.aggregates, "data.aggregates", spec.source)
        source = spec.source or "data.aggregates"
    try:
        if data.layout == "long":
            frame = _long_to_wide(frame, spec)
        return _with_segments(frame, spec)
    except InputError as exc:
        raise _located(exc, source) from None


def run_spec(spec: ExperimentSpec) -> Result:
    """Score the spec's data with its metrics, method and gates."""
    from abstats.analysis import analyze

    if spec.data.events is not None:
        return _run_events(spec)
    table = load_table(spec)
    source = str(spec.data_path()) if spec.data.path is not None else spec.source or "data.aggregates"
    _check_labels(table, spec, source)
    options = _method_options(spec)
    try:
        return analyze(
            table,
            control=spec.control.to_column() if hasattr(spec.control, "to_column") else spec.control,
            metric=_metrics(spec),
            method=_method(spec),
            allocation=_allocation_history(spec),
            variant=spec.variant,
            experiment=_experiment_column(spec),
            expected_split=_split(spec),
            srm_alpha=spec.srm_alpha,
            on_srm=spec.on_srm,
            **options,
        )
    except InputError as exc:
        # settings errors belong to the spec; everything else (counts, columns) to the data file
        raise _located(exc, spec.source if _is_setting(exc, options) else source) from None


def _run_events(spec: ExperimentSpec) -> Result:
    """Raw events: every metric aggregated by DuckDB in one query (:func:`abstats.from_events`), then scored."""
    from abstats.analysis import analyze
    from abstats.data.events import UnitMetric, from_events

    events = spec.data.events
    assert events is not None
    path = spec.events_path()
    assert path is not None
    unit_metrics = [UnitMetric(metric, *(a.to_aggregation() for a in m.event_aggregations() if a is not None))
                    for m, metric in zip(spec.metrics, spec.metric_objects(), strict=True)]
    try:
        data = from_events(
            path, unit_metrics, unit=events.unit, variant=spec.variant, experiment=spec.experiment,
            segment=spec.segment, timestamp=events.timestamp, exposure=events.exposure_expression(),
            multi_variant=events.multi_variant,
        )
    except InputError as exc:
        raise _located(exc, path) from None
    variants = list(dict.fromkeys(map(str, data[0].variant)))
    if str(spec.control) not in variants:
        raise SpecError("control", spec.control, f"one of the variants in {path} ({', '.join(variants[:10])})",
                        source=spec.source)
    options = _method_options(spec)
    try:
        control = spec.control
        assert isinstance(control, (str, int))  # the model refuses a control column with raw events
        return analyze(data, control=control, method=_method(spec), allocation=_allocation_history(spec),
                       expected_split=_split(spec), srm_alpha=spec.srm_alpha, on_srm=spec.on_srm, **options)
    except InputError as exc:
        raise _located(exc, spec.source if _is_setting(exc, options) else path) from None


def allocate_spec(spec: ExperimentSpec) -> Allocation:
    """The spec's bandit weights: its allocation metric, control, labels and ``allocation`` settings."""
    from abstats.bandit import allocate
    from abstats.bayesian.settings import BayesianSettings
    from abstats.methods.registry import METHODS
    from abstats.spec.model import AllocationSpec

    table = load_table(spec)
    source = str(spec.data_path()) if spec.data.path is not None else spec.source or "data.aggregates"
    _check_labels(table, spec, source)
    chosen = spec.allocation
    metrics = _metrics(spec)
    if chosen.metric is None:
        metric = next((m for m in metrics if m.role == "primary"), metrics[0])
    else:
        named = [m for m in metrics if m.name == chosen.metric]
        if not named:
            raise SpecError("allocation.metric", chosen.metric, "the name of one of the spec's metrics",
                            source=spec.source)
        metric = named[0]
    options = _method_options(spec)
    _, settings = METHODS.resolve(spec.method, options)
    prior = settings if isinstance(settings, BayesianSettings) else None
    try:
        return allocate(
            table,
            control=spec.control.to_column() if hasattr(spec.control, "to_column") else spec.control,
            metric=metric,
            variant=spec.variant,
            experiment=_experiment_column(spec),
            rule=chosen.rule,
            top_two_beta=chosen.top_two_beta,
            floor=chosen.floor,
            control_share=chosen.control_share,
            prior=prior,
        )
    except InputError as exc:
        if exc.field in AllocationSpec.model_fields:
            raise SpecError(f"allocation.{exc.field}", exc.value, exc.expected, source=spec.source) from None
        raise _located(exc, source) from None


def _metrics(spec: ExperimentSpec) -> list[Metric]:
    metrics = spec.metric_objects()
    if spec.data.layout != "long":
        return metrics
    from dataclasses import fields, replace

    # after the pivot each metric's aggregates are the columns "<metric>/<field>"
    out: list[Metric] = []
    for m in metrics:
        renamed: dict[str, Any] = {f.name: f"{m.name}/{getattr(m, f.name)}" for f in fields(m)
                                   if f.name.endswith("_field")}
        out.append(replace(m, **renamed))
    return out


def _method(spec: ExperimentSpec) -> str | None:
    """The spec's method; unset with an allocation history, so ``analyze`` reads a bandit's posterior."""
    if spec.allocation.history is not None and "method" not in spec.model_fields_set:
        return None
    return spec.method


def _allocation_history(spec: ExperimentSpec) -> AllocationHistory | None:
    """``allocation.history`` as the engine's :class:`~abstats.bandit.AllocationHistory` (errors name the field)."""
    history = spec.allocation.history
    if history is None:
        return None
    from abstats.bandit import AllocationHistory

    experiment = spec.experiment if spec.experiment is not None and spec.experiment in history else None
    try:
        return AllocationHistory.from_table(history, variant=spec.variant, experiment=experiment)
    except InputError as exc:
        raise SpecError(f"allocation.history.{exc.field}", exc.value, exc.expected, source=spec.source) from None


def _method_options(spec: ExperimentSpec) -> dict[str, Any]:
    options = dict(spec.settings)
    if spec.planned_n is not None:
        if "planned_n" in options:
            raise SpecError("settings.planned_n", options["planned_n"], "planned_n given once (top level)",
                            source=spec.source)
        options["planned_n"] = spec.planned_n.to_column() if hasattr(spec.planned_n, "to_column") else spec.planned_n
    if isinstance(options.get("planned_n"), Mapping):
        from abstats.spec.model import ColumnRef

        options["planned_n"] = ColumnRef.model_validate(options["planned_n"]).to_column()
    design = options.get("design")
    if isinstance(design, Mapping) and _takes(spec.method, "design"):
        # a design is an object in Python; in a spec it is the keyword arguments that build it
        from abstats.sequential import GroupSequentialDesign

        try:
            options["design"] = GroupSequentialDesign(**design)
        except TypeError as exc:
            raise SpecError("settings.design", dict(design), f"GroupSequentialDesign arguments ({exc})",
                            source=spec.source) from None
    return options


def _takes(method: str, option: str) -> bool:
    from dataclasses import fields

    from abstats.methods.registry import METHODS

    return option in {f.name for f in fields(METHODS.get(method).settings_type)}


def _is_setting(exc: InputError, options: Mapping[str, Any]) -> bool:
    from abstats.errors import ConfigError

    return isinstance(exc, ConfigError) and exc.metric is None and (
        exc.field in options or exc.field in ("method", "srm_alpha", "on_srm", "expected_split")
    )


def _split(spec: ExperimentSpec) -> Any:
    split = spec.expected_split
    if split is None or isinstance(split, dict):
        return split
    return split.to_column()


def _experiment_column(spec: ExperimentSpec) -> str | None:
    if spec.segment is not None:
        return "__experiment_segment"
    return spec.experiment


def _with_segments(frame: Any, spec: ExperimentSpec) -> Any:
    """A segment is scored as its own experiment: the label column joins experiment and segment."""
    if spec.segment is None:
        return frame
    from abstats.data.columns import get_column

    segment = get_column(frame, spec.segment).astype(str)
    if spec.experiment is None:
        label = segment
    else:
        label = get_column(frame, spec.experiment).astype(str) + SEGMENT_SEPARATOR + segment
    return frame.assign(__experiment_segment=label)


def _label_columns(spec: ExperimentSpec) -> list[str]:
    from abstats.spec.model import ColumnRef

    names = [spec.variant, spec.experiment, spec.segment]
    names += [v.column for v in (spec.control, spec.planned_n, spec.expected_split) if isinstance(v, ColumnRef)]
    return list(dict.fromkeys(n for n in names if n is not None))


def _long_to_wide(frame: Any, spec: ExperimentSpec) -> Any:
    """One row per experiment x variant x metric -> one row per experiment x variant, columns ``metric/field``."""
    from abstats.data.columns import get_column

    metric_column = spec.data.metric_column
    get_column(frame, metric_column)  # a missing metric column is named like any other
    index = _label_columns(spec)
    for name in index:
        get_column(frame, name)
    values = [c for c in frame.columns if c not in index and c != metric_column]
    duplicated = frame.duplicated(subset=[*index, metric_column])
    if duplicated.any():
        row = int(duplicated.to_numpy().nonzero()[0][0])
        raise InputError("row", row + 1, f"one row per {' x '.join(index)} x {metric_column} (this one repeats)")
    wide = frame.pivot(index=index, columns=metric_column, values=values)
    wide.columns = [f"{metric}/{field}" for field, metric in wide.columns]
    return wide.reset_index()


def _check_labels(table: Any, spec: ExperimentSpec, source: str) -> None:
    """A control name that is not a variant is a spec error (the spec names it), caught before scoring."""
    from abstats.data.columns import column_names, get_column

    if not isinstance(spec.control, (str, int)) or spec.variant not in column_names(table):
        return
    variants = list(dict.fromkeys(get_column(table, spec.variant).tolist()))
    if spec.control not in variants and str(spec.control) not in map(str, variants):
        shown = ", ".join(map(str, variants[:10])) + (", ..." if len(variants) > 10 else "")
        raise SpecError("control", spec.control, f"one of the variants in {source} ({shown})", source=spec.source)


def _located(exc: InputError, source: str | None) -> InputError:
    """``exc`` with the file it is about leading its message."""
    if source is not None and not isinstance(exc, SpecError) and exc.args and not str(exc.args[0]).startswith(source):
        exc.args = (f"{source}: {exc.args[0]}",)
    return exc
