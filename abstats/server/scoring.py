"""What each endpoint computes, from validated request models to abstats objects and back.

Each function turns library errors (:class:`abstats.AbstatsError`) into a located 422
(:class:`~abstats.server.errors.RequestRefused`) naming where the offending value sits in the request.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from abstats.analysis import compare
from abstats.errors import AbstatsError, ConfigError, InputError
from abstats.methods.base import MethodSettings
from abstats.methods.registry import METHODS
from abstats.metrics import BinaryMetric, MeanMetric, Metric, RatioMetric
from abstats.result import Result
from abstats.server.errors import Loc, RequestRefused, located
from abstats.server.models import (
    AGGREGATES,
    ARMS,
    COMPARE_FIELDS,
    HTTP_METHODS,
    KIND_FIELDS,
    OPTIONAL_FIELDS,
    CompareColumns,
    CompareMetric,
    CompareRequest,
    OptionValue,
    PlanMetric,
    PlanRequest,
    SpecBatch,
)
from abstats.spec import ExperimentSpec, SpecError, check_rules
from abstats.statistics import BinaryStats, MeanStats, RatioStats

_METRIC_CLASSES: dict[str, type[BinaryMetric] | type[MeanMetric] | type[RatioMetric]] = {
    "binary": BinaryMetric, "mean": MeanMetric, "ratio": RatioMetric,
}
_COMPARE_TOP = ("method", "treatment_share", "srm_alpha", "on_srm")


# --- shared --------------------------------------------------------------------------------------
def method_settings(method: str, options: Mapping[str, OptionValue], prefix: Loc) -> MethodSettings:
    """The method's validated settings object from its name and the request's options.

    A group-sequential ``design`` given as an object becomes a
    :class:`~abstats.sequential.GroupSequentialDesign`; every other option is checked by the
    method's settings class. Errors point at ``prefix`` + ``("options", name)``.
    """
    values: dict[str, Any] = dict(options)
    design = values.get("design")
    if isinstance(design, Mapping):  # only group_sequential takes a design; the others refuse it by name
        values["design"] = _design(design, (*prefix, "options", "design"))
    try:
        _, settings = METHODS.resolve(method, values)
    except AbstatsError as exc:
        field = getattr(exc, "field", None)
        if field == "method":
            raise located(exc, prefix, {"method": ("method",)}) from None
        raise located(exc, (*prefix, "options")) from None
    return settings


def _design(values: Mapping[str, Any], loc: Loc) -> Any:
    from abstats.sequential import GroupSequentialDesign

    try:
        return GroupSequentialDesign(**values)
    except TypeError as exc:  # an unknown or missing argument
        raise RequestRefused(422, loc, f"GroupSequentialDesign arguments: {exc}", dict(values)) from None
    except AbstatsError as exc:
        raise located(exc, loc) from None


def metric_object(spec: CompareMetric | PlanMetric, loc: Loc) -> Metric:
    """The library metric of a request's metric object (its own checks: a guardrail needs a margin...)."""
    cls = _METRIC_CLASSES[spec.kind]
    extra: dict[str, Any] = {}
    if isinstance(spec, CompareMetric):
        extra = {"role": spec.role, "margin": spec.margin, "margin_type": spec.margin_type}
    try:
        if cls is RatioMetric:
            return RatioMetric(spec.name, higher_is_better=spec.higher_is_better, **extra)
        return cls(spec.name, higher_is_better=spec.higher_is_better, **extra)
    except AbstatsError as exc:
        raise located(exc, loc) from None


# --- /v1/compare ---------------------------------------------------------------------------------
def compare_columns(request: CompareRequest, max_rows: int) -> tuple[dict[str, np.ndarray], list[Any] | None]:
    """The request's aggregates as ``<arm>_<aggregate>`` float arrays, plus the experiment labels.

    Records and columns become the same arrays; a missing value, a field the metric's kind does
    not take, unequal lengths or too many rows are refused here, with their place in the body.
    """
    kind = request.metric.kind
    wanted = [f"{arm}_{name}" for arm in ARMS for name in KIND_FIELDS[kind]]
    optional = [f"{arm}_{name}" for arm in ARMS for name in OPTIONAL_FIELDS[kind]]
    allowed = {*wanted, *optional}
    data = request.data
    arrays: dict[str, list[Any]] = {}
    labels: list[Any] | None
    if isinstance(data, CompareColumns):
        given = {k: v for k, v in data if v is not None}
        for name in given:
            if name != "experiment" and name not in allowed:
                raise RequestRefused(422, ("body", "data", name), _not_for_kind(name, kind, wanted), None)
        for name in wanted:
            if name not in given:
                raise RequestRefused(422, ("body", "data", name), f"a column {name} ({kind} metric)", None, "missing")
        # the length most columns share is the row count: the column that differs is the one named
        rows = Counter(len(values) for values in given.values()).most_common(1)[0][0]
        _check_rows(rows, max_rows, ("body", "data", wanted[0]))
        for name, values in given.items():
            if len(values) != rows:
                raise RequestRefused(422, ("body", "data", name),
                                     f"{rows} values, as many as the other columns (got {len(values)})", len(values))
        arrays = {name: given[name] for name in (*wanted, *optional) if name in given}
        labels = given.get("experiment")
    else:
        records = data
        _check_rows(len(records), max_rows, ("body", "data"))
        present = [name for name in (*wanted, *optional) if getattr(records[0], name) is not None]
        for name in wanted:
            if name not in present:
                raise RequestRefused(422, ("body", "data", 0, name), f"a value {name} ({kind} metric)", None, "missing")
        for i, record in enumerate(records):
            for name, value in record:
                if value is None:
                    if name in present:
                        raise RequestRefused(422, ("body", "data", i, name),
                                             f"a value {name}, as row 0 has", None, "missing")
                elif name != "experiment" and name not in allowed:
                    raise RequestRefused(422, ("body", "data", i, name), _not_for_kind(name, kind, wanted), value)
                elif name != "experiment" and name not in present:
                    raise RequestRefused(422, ("body", "data", i, name),
                                         f"no {name} (row 0 has none: every row has the same fields)", value)
        arrays = {name: [getattr(r, name) for r in records] for name in present}
        has_labels = [r.experiment is not None for r in records]
        if any(has_labels) and not all(has_labels):
            i = has_labels.index(not has_labels[0])
            raise RequestRefused(422, ("body", "data", i, "experiment"),
                                 "an experiment label on every row or on none", records[i].experiment)
        labels = [r.experiment for r in records] if has_labels[0] else None
    return {name: np.asarray(values, dtype=float) for name, values in arrays.items()}, labels


def _not_for_kind(name: str, kind: str, wanted: Sequence[str]) -> str:
    return f"no {name} for a {kind} metric (it takes {', '.join(wanted)})"


def _check_rows(rows: int, max_rows: int, loc: Loc) -> None:
    if rows == 0:
        raise RequestRefused(422, loc, "at least one row", 0)
    if rows > max_rows:
        raise RequestRefused(413, loc, f"at most {max_rows} rows per request (the server's --max-rows)", rows,
                             "batch_too_large")


def run_compare(request: CompareRequest, max_rows: int) -> Result:
    """``abstats.compare`` on the request: paired arms, the metric, the method and its options."""
    arrays, labels = compare_columns(request, max_rows)
    records = not isinstance(request.data, CompareColumns)
    metric = metric_object(request.metric, ("body", "metric"))
    arms = [_arm_stats(request.metric.kind, arm, arrays, metric.name, records) for arm in ARMS]
    settings = method_settings(request.method, request.options, ("body",))
    try:
        return compare(
            arms[0], arms[1], metric=metric, experiment=labels, method=settings,
            treatment_share=request.treatment_share, srm_alpha=request.srm_alpha, on_srm=request.on_srm,
        )
    except AbstatsError as exc:
        raise located(exc, ("body",), {name: (name,) for name in _COMPARE_TOP}) from None


def _arm_stats(
    kind: str, arm: str, arrays: Mapping[str, np.ndarray], metric: str, records: bool
) -> BinaryStats | MeanStats | RatioStats:
    """One arm's sufficient statistics; a bad value is located at its row and field."""
    def col(name: str) -> np.ndarray:
        return arrays[f"{arm}_{name}"]

    rows = np.arange(len(col("n")))  # row numbers as the "experiment" labels: errors say which row
    try:
        if kind == "binary":
            return BinaryStats.from_arrays(col("n"), col("conversions"), metric=metric, experiment=rows)
        if kind == "mean":
            nonzero = arrays.get(f"{arm}_nonzero")
            return MeanStats.from_arrays(col("n"), col("sum"), col("sum_sq"), nonzero=nonzero, metric=metric,
                                         experiment=rows)
        return RatioStats.from_arrays(
            col("n"), col("num_sum"), col("den_sum"), col("num_sum_sq"), col("den_sum_sq"), col("num_den_sum"),
            metric=metric, experiment=rows,
        )
    except InputError as exc:
        name = f"{arm}_{exc.field}" if exc.field in AGGREGATES else exc.field
        row = exc.experiment
        if isinstance(row, (int, np.integer)):
            loc: Loc = ("body", "data", int(row), name) if records else ("body", "data", name, int(row))
        else:
            loc = ("body", "data", name)
        msg = f"{name} = {exc.value!r}, expected {exc.expected}"
        raise RequestRefused(422, loc, msg, exc.value, "abstats." + type(exc).__name__) from None


def parse_fields(text: str | None) -> tuple[str, ...]:
    """The ``fields=`` query parameter (comma-separated Result columns), every column when absent."""
    if text is None or not text.strip():
        return COMPARE_FIELDS
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    unknown = [name for name in names if name not in COMPARE_FIELDS]
    if unknown or not names:
        raise RequestRefused(422, ("query", "fields"),
                             "comma-separated Result columns: " + ", ".join(COMPARE_FIELDS), text)
    return names


def result_columns(result: Result, fields: Sequence[str]) -> dict[str, Any]:
    """The Result's columns asked for, as arrays or lists (orjson writes numpy arrays directly)."""
    out: dict[str, Any] = {}
    for name in fields:
        if name == "reason":
            out[name] = result.reasons.all()
        elif name == "warnings":
            flags = [(code, np.asarray(mask, dtype=bool)) for code, mask in result.warning_flags.items()]
            out[name] = [[code for code, mask in flags if mask[i]] for i in range(len(result))]
        elif name == "rule" or name not in result.columns:
            out[name] = np.asarray(result[name]).tolist()
        else:
            out[name] = _column(result.columns[name])
    return out


def _column(values: np.ndarray) -> Any:
    arr = np.asarray(values)
    if arr.dtype.kind in "fb":
        # contiguous float / bool arrays go to orjson as they are (NaN and inf become null)
        return np.ascontiguousarray(arr)
    if arr.dtype.kind in "iu":
        return np.ascontiguousarray(arr, dtype=np.int64)
    return arr.tolist()


def settings_json(result: Result) -> dict[str, Any]:
    """The Result's recorded settings as written by ``to_dict`` (strict JSON values)."""
    settings: dict[str, Any] = _plain(dict(result.settings))
    return settings


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# --- /v1/plan ------------------------------------------------------------------------------------
def run_plan(request: PlanRequest) -> dict[str, Any]:
    """``plan_sample_size`` / ``plan_mde`` / ``plan_power`` (by which of mde and n_per_arm are given) as a dict."""
    from abstats.planning import PlanningSettings, plan_mde, plan_power, plan_sample_size

    metric = metric_object(request.metric, ("body", "metric"))
    settings: PlanningSettings = {
        "baseline": request.baseline,
        "sd": request.sd,
        "sd_treatment": request.sd_treatment,
        "pre_period": None if request.pre_period is None else request.pre_period.model_dump(),
        "mde_type": request.mde_type,
        "alpha": request.alpha,
        "alternative": request.alternative,
        "hypothesis": request.hypothesis,
        "margin": request.margin,
        "margin_type": request.margin_type,
        "allocation": request.allocation,
        "treatments": request.treatments,
        "correction": request.correction,
        "variance": request.variance,
    }
    try:
        if request.n_per_arm is None:
            if request.mde is None:
                raise ConfigError("mde", None, "an effect to detect (or n_per_arm, to solve for the MDE)")
            plan = plan_sample_size(metric, mde=request.mde, power=request.power, **settings)
        elif request.mde is None:
            plan = plan_mde(metric, n_per_arm=request.n_per_arm, power=request.power, **settings)
        else:
            plan = plan_power(metric, n_per_arm=request.n_per_arm, mde=request.mde, **settings)
    except AbstatsError as exc:
        fields: dict[str, Loc] = {name: (name,) for name in PlanRequest.model_fields}
        fields.update({name: ("pre_period", name) for name in ("n", "num_sum", "den_sum", "num_sum_sq",
                                                                 "den_sum_sq", "num_den_sum")})
        raise located(exc, ("body",), fields) from None
    out: dict[str, Any] = _plain(plan.to_dict())
    return out


# --- /v1/analyze and /v1/check --------------------------------------------------------------------
# Spec keys a library error's field can be (everything else it names is in the data).
_SPEC_FIELDS = ("method", "srm_alpha", "on_srm", "expected_split", "planned_n", "control", "variant", "experiment")


def admitted_specs(
    request: ExperimentSpec | SpecBatch, max_batch: int, allow_data: Sequence[Path]
) -> list[tuple[Loc, ExperimentSpec]]:
    """Each spec of the request with its place in the body, once it is allowed to run here.

    Refused: a batch over ``max_batch`` (413), a method the service does not run (422) and a data
    file outside the allow-list (403). A data path is replaced by its resolved absolute path.
    """
    if isinstance(request, SpecBatch):
        count = len(request.experiments)
        if count > max_batch:
            raise RequestRefused(413, ("body", "experiments"),
                                 f"at most {max_batch} experiment specs per request (the server's --max-batch)",
                                 count, "batch_too_large")
        items: list[tuple[Loc, ExperimentSpec]] = [
            (("body", "experiments", i), spec) for i, spec in enumerate(request.experiments)
        ]
    else:
        items = [(("body",), request)]
    return [(loc, _admitted(spec, loc, allow_data)) for loc, spec in items]


def _admitted(spec: ExperimentSpec, loc: Loc, allow_data: Sequence[Path]) -> ExperimentSpec:
    if spec.method not in HTTP_METHODS:
        raise RequestRefused(422, (*loc, "method"), "a method this service runs: " + ", ".join(HTTP_METHODS)
                             + " (bayesian_hierarchical runs MCMC: use the Python API)", spec.method)
    if spec.data.events is not None:
        events = spec.data.events
        events_path = allowed_events_path(events.path, allow_data, (*loc, "data", "events", "path"))
        data = spec.data.model_copy(update={"events": events.model_copy(update={"path": events_path})})
        return spec.model_copy(update={"data": data})
    if spec.data.path is None:
        return spec
    path = allowed_path(spec.data.path, allow_data, (*loc, "data", "path"))
    return spec.model_copy(update={"data": spec.data.model_copy(update={"path": str(path)})})


def allowed_events_path(text: str, allow_data: Sequence[Path], loc: Loc) -> str:
    """An events path (file, directory of parquet files or glob) whose every file lies inside the allow-list.

    The path itself is resolved as :func:`allowed_path` does; a glob's matches and a directory's files are
    each resolved too, so a symlink inside an allowed directory cannot lead the reader outside it.
    """
    import glob

    path = allowed_path(text, allow_data, loc)
    pattern = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
    for match in glob.glob(pattern, recursive=True) if any(c in pattern for c in "*?[") else []:
        resolved = Path(match).resolve()
        if not any(resolved.is_relative_to(base) for base in allow_data):
            raise RequestRefused(403, loc, "files inside the server's --allow-data directories", text,
                                 "data_reference_refused")
    return str(path)


def allowed_path(text: str, allow_data: Sequence[Path], loc: Loc) -> Path:
    """``text`` resolved (symlinks followed, ``..`` collapsed) if it lies inside an allowed directory; else 403.

    A relative path is looked up in each allowed directory in turn.
    """
    if not allow_data:
        raise RequestRefused(403, loc, "inline data: this server reads no files (it was started without "
                             "--allow-data)", text, "data_reference_refused")
    raw = Path(text)
    inside: list[Path] = []
    for candidate in [raw] if raw.is_absolute() else [base / raw for base in allow_data]:
        try:
            resolved = candidate.resolve()
        except (OSError, ValueError, RuntimeError):  # a NUL byte, a symlink loop...
            continue
        if any(resolved.is_relative_to(base) for base in allow_data):
            inside.append(resolved)
    if not inside:
        raise RequestRefused(403, loc, "a file inside the server's --allow-data directories", text,
                             "data_reference_refused")
    return next((p for p in inside if p.is_file()), inside[0])


_T = TypeVar("_T")


def run_spec(spec: ExperimentSpec, loc: Loc, run: Callable[[ExperimentSpec], _T]) -> _T:
    """``run(spec)`` (``ExperimentSpec.run``, ``.allocate``), its errors located in the request."""
    try:
        return run(spec)
    except SpecError as exc:
        raise RequestRefused(422, (*loc, *spec_path(exc.field)), _message(exc), exc.value,
                             "abstats." + type(exc).__name__) from None
    except AbstatsError as exc:
        field = getattr(exc, "field", None)
        if isinstance(exc, ConfigError) and field in spec.settings:
            where: Loc = ("settings", field)
        elif field in _SPEC_FIELDS and getattr(exc, "metric", None) is None:
            where = (field,)
        else:
            where = ("data",)  # a value of the table: the message names metric, experiment, variant and field
        raise RequestRefused(422, (*loc, *where), str(exc), getattr(exc, "value", None),
                             "abstats." + type(exc).__name__) from None


def spec_path(field: str) -> Loc:
    """``"metrics[2].margin"`` as ``("metrics", 2, "margin")``."""
    return tuple(int(index) if index else name for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field))


def _message(exc: InputError) -> str:
    return f"{exc.field} = {exc.value!r}, expected {exc.expected}"


def analyze_specs(items: Sequence[tuple[Loc, ExperimentSpec]]) -> dict[str, Any]:
    """Every spec's Result (``to_dict``) and, in one list, every experiment's verdict with its spec's index."""
    results: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []
    for index, (loc, spec) in enumerate(items):
        body = run_spec(spec, loc, ExperimentSpec.run).to_dict()
        results.append({"index": index, "name": spec.name, "result": body})
        verdicts += [{"index": index, **v} for v in body["verdicts"]]
    return {"results": results, "verdicts": verdicts}


def allocate_specs(items: Sequence[tuple[Loc, ExperimentSpec]]) -> dict[str, Any]:
    """Every spec's bandit weights (``spec.allocate()``), with the allocation settings used."""
    results = []
    for index, (loc, spec) in enumerate(items):
        allocation = run_spec(spec, loc, ExperimentSpec.allocate)
        results.append({"index": index, "name": spec.name, "settings": _plain(allocation.settings),
                        "arms": allocation.to_records()})
    return {"results": results}


def check_specs(items: Sequence[tuple[Loc, ExperimentSpec]]) -> dict[str, Any]:
    """Every spec's rules (``abstats check``) applied to its Result: pass / fail with reasons."""
    results = []
    for index, (loc, spec) in enumerate(items):
        outcome = check_rules(run_spec(spec, loc, ExperimentSpec.run), spec).to_dict()
        results.append({"index": index, "name": spec.name, **_plain(outcome)})
    return {"passed": all(r["passed"] for r in results), "results": results}


__all__ = [
    "admitted_specs",
    "allocate_specs",
    "analyze_specs",
    "check_specs",
    "method_settings",
    "parse_fields",
    "result_columns",
    "run_compare",
    "run_plan",
    "settings_json",
]
