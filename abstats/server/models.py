"""Request and response models of the HTTP service (pydantic, validated once at the edge).

Numbers are strict: a string ``"0.05"`` or ``true`` where a number belongs is refused, as the
Python API refuses them, and NaN / infinity are refused everywhere.

The Result response is not re-described here: its JSON Schema is the published
``abstats.result.result_schema()``, embedded as is (:data:`ResultJSON`), so the OpenAPI
description, the Python ``Result.to_dict()`` and the HTTP body cannot drift apart.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, WithJsonSchema

from abstats.result import result_schema
from abstats.result.columns import NAMES
from abstats.spec import ExperimentSpec
from abstats.vocabulary import Alternative, Correction, Hypothesis, MarginType, MdeType, OnSrm, Role

# Methods the service runs. bayesian_hierarchical is left out: it runs PyMC's MCMC for seconds to
# minutes per request, which a request/response service should not do (use the Python API).
HttpMethod = Literal["frequentist", "bayesian", "group_sequential", "msprt", "confidence_sequence"]
HTTP_METHODS: tuple[str, ...] = ("frequentist", "bayesian", "group_sequential", "msprt", "confidence_sequence")
# A method option: a JSON scalar, a list of numbers (information fractions) or an object (a
# group-sequential design); the method's settings class checks each one.
Scalar = float | int | str | bool | None
OptionValue = Scalar | list[float] | dict[str, Scalar | list[float]]
Label = Annotated[str, Field(max_length=200)] | int
# Columns a /v1/compare answer can hold: every Result column and the per-row warning codes.
COMPARE_FIELDS: tuple[str, ...] = (*NAMES, "warnings")


class Strict(BaseModel):
    """Base of every request model: unknown keys refused, no coercion of strings to numbers, no NaN."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


@lru_cache(maxsize=1)
def result_json_schema() -> dict[str, Any]:
    """``result_schema()`` without ``$schema`` / ``$id``, to sit inside the OpenAPI document."""
    schema = copy.deepcopy(result_schema())
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return schema


@lru_cache(maxsize=1)
def compare_columns_schema() -> dict[str, Any]:
    """The columns of a /v1/compare answer: each Result comparison column as an array of its item type."""
    rows = result_json_schema()["properties"]["comparisons"]["items"]["properties"]
    columns: dict[str, Any] = {name: {"type": "array", "items": rows[name]} for name in NAMES}
    codes = rows["warnings"]["items"]["properties"]["code"]
    columns["warnings"] = {
        "type": "array", "description": "warning codes of each row", "items": {"type": "array", "items": codes}
    }
    return {"type": "object", "properties": columns, "additionalProperties": False}


ResultJSON = Annotated[dict[str, Any], WithJsonSchema(result_json_schema())]
CompareColumnsJSON = Annotated[dict[str, list[Any]], WithJsonSchema(compare_columns_schema())]


# --- /v1/compare -------------------------------------------------------------------------------
class CompareMetric(Strict):
    """The metric the paired arrays measure."""

    kind: Literal["binary", "mean", "ratio"] = Field(description="binary, mean or ratio: which aggregates each arm has")
    name: str = Field("metric", min_length=1, max_length=200, description="metric name shown in results")
    higher_is_better: bool = Field(True, description="false when a decrease is the win (bounce rate)")
    role: Role = Field("primary", description="primary, secondary or guardrail (needs margin)")
    margin: float | None = Field(None, gt=0, description="a guardrail's margin")
    margin_type: MarginType = Field("absolute", description="margin in the metric's units or relative to control")


# Aggregates per arm and kind: binary n, conversions; mean n, sum, sum_sq (nonzero optional);
# ratio n, num_sum, den_sum, num_sum_sq, den_sum_sq, num_den_sum.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "binary": ("n", "conversions"),
    "mean": ("n", "sum", "sum_sq"),
    "ratio": ("n", "num_sum", "den_sum", "num_sum_sq", "den_sum_sq", "num_den_sum"),
}
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {"binary": (), "mean": ("nonzero",), "ratio": ()}
ARMS = ("control", "treatment")
AGGREGATES: tuple[str, ...] = ("n", "conversions", "sum", "sum_sq", "nonzero", "num_sum", "den_sum", "num_sum_sq",
                               "den_sum_sq", "num_den_sum")


class CompareRecord(Strict):
    """One two-arm experiment: ``<arm>_<aggregate>`` for both arms (the aggregates of the metric's kind)."""

    experiment: Label | None = None
    control_n: float | None = None
    control_conversions: float | None = None
    control_sum: float | None = None
    control_sum_sq: float | None = None
    control_nonzero: float | None = None
    control_num_sum: float | None = None
    control_den_sum: float | None = None
    control_num_sum_sq: float | None = None
    control_den_sum_sq: float | None = None
    control_num_den_sum: float | None = None
    treatment_n: float | None = None
    treatment_conversions: float | None = None
    treatment_sum: float | None = None
    treatment_sum_sq: float | None = None
    treatment_nonzero: float | None = None
    treatment_num_sum: float | None = None
    treatment_den_sum: float | None = None
    treatment_num_sum_sq: float | None = None
    treatment_den_sum_sq: float | None = None
    treatment_num_den_sum: float | None = None


class CompareColumns(Strict):
    """Many two-arm experiments as columns: ``<arm>_<aggregate>`` arrays of equal length."""

    experiment: list[Label] | None = None
    control_n: list[float] | None = None
    control_conversions: list[float] | None = None
    control_sum: list[float] | None = None
    control_sum_sq: list[float] | None = None
    control_nonzero: list[float] | None = None
    control_num_sum: list[float] | None = None
    control_den_sum: list[float] | None = None
    control_num_sum_sq: list[float] | None = None
    control_den_sum_sq: list[float] | None = None
    control_num_den_sum: list[float] | None = None
    treatment_n: list[float] | None = None
    treatment_conversions: list[float] | None = None
    treatment_sum: list[float] | None = None
    treatment_sum_sq: list[float] | None = None
    treatment_nonzero: list[float] | None = None
    treatment_num_sum: list[float] | None = None
    treatment_den_sum: list[float] | None = None
    treatment_num_sum_sq: list[float] | None = None
    treatment_den_sum_sq: list[float] | None = None
    treatment_num_den_sum: list[float] | None = None


CompareData = Annotated[
    Annotated[CompareColumns, Tag("columns")] | Annotated[list[CompareRecord], Tag("records")],
    # chosen by shape before validation, so an error speaks of that shape only
    Discriminator(lambda value: "records" if isinstance(value, list) else "columns"),
    Field(description="columns (object of arrays) or records (list of objects), "
                      "keys <arm>_<aggregate> such as control_n, treatment_conversions"),
]


class CompareRequest(Strict):
    """Score row i of the control arrays against row i of the treatment arrays (``abstats.compare``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "metric": {"kind": "binary", "name": "signup"},
        "data": {"experiment": ["e1", "e2"], "control_n": [1000, 5000], "control_conversions": [100, 250],
                 "treatment_n": [1000, 5000], "treatment_conversions": [130, 240]},
        "method": "frequentist",
        "options": {"alpha": 0.05},
    }]})

    metric: CompareMetric
    data: CompareData
    method: HttpMethod = Field("frequentist", description="a registered method (bayesian_hierarchical: Python only)")
    options: dict[str, OptionValue] = Field(
        default_factory=dict, description="the method's options (alpha, correction, prior_alpha, design...)"
    )
    treatment_share: float = Field(0.5, description="planned share of units in the treatment arm (SRM check)")
    srm_alpha: float = Field(0.001, description="SRM p-value below which the assignment is taken as broken")
    on_srm: OnSrm = Field("gate", description="gate: an SRM makes the decision 'investigate'; warn: only warn")


class CompareResponse(BaseModel):
    """Columnar scores: one array per Result column asked for (``fields=``), one element per row."""

    schema_version: str = Field(description="version of the Result schema the columns follow")
    method: str
    rows: int = Field(description="number of rows (two-arm experiments)")
    settings: dict[str, Any] = Field(description="every setting that changes a number")
    columns: CompareColumnsJSON


# --- /v1/analyze and /v1/check ------------------------------------------------------------------
class SpecBatch(BaseModel):
    """Many experiment specs in one request, each scored on its own (``--max-batch`` caps their number)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    experiments: list[ExperimentSpec] = Field(min_length=1, description="experiment specs (abstats.spec, spec 1.0)")


def _spec_or_batch(value: Any) -> str:
    if isinstance(value, SpecBatch) or (isinstance(value, dict) and "experiments" in value):
        return "batch"
    return "spec"


SpecRequest = Annotated[
    Annotated[ExperimentSpec, Tag("spec")] | Annotated[SpecBatch, Tag("batch")],
    # chosen by shape before validation (an object with "experiments" is a batch), so errors speak of one form
    Discriminator(_spec_or_batch),
    Field(description="one experiment spec (abstats.spec 1.0), or {experiments: [spec, ...]}"),
]


class AnalyzeItem(BaseModel):
    """One experiment spec's answer: its Result (with its verdicts), under its position and name."""

    index: int = Field(description="position of the spec in the request")
    name: str | None = Field(None, description="the spec's name")
    result: ResultJSON


class ArmWeight(BaseModel):
    """One arm's recommended share of the next traffic (``abstats.bandit.allocate``)."""

    experiment: str | int
    variant: str | int
    is_control: bool
    prob_best: float = Field(description="posterior probability that the arm is best")
    weight: float = Field(description="recommended share; an experiment's weights sum to exactly 1")


class AllocateItem(BaseModel):
    """One spec's allocation: a weight per experiment x arm, and the allocation settings used."""

    index: int = Field(description="position of the spec in the request")
    name: str | None = Field(None, description="the spec's name")
    settings: dict[str, Any]
    arms: list[ArmWeight]


class AllocateResponse(BaseModel):
    """Allocations in request order."""

    results: list[AllocateItem]


class Verdict(BaseModel):
    """One experiment's verdict (``Result.verdicts()``), with the position of the spec it came from."""

    index: int
    experiment: str | int
    verdict: Literal["ship", "dont_ship", "keep_running", "investigate"]
    ship: list[str | int]
    reason: str


class AnalyzeResponse(BaseModel):
    """Results in request order, and every experiment's verdict in one list."""

    results: list[AnalyzeItem]
    verdicts: list[Verdict] = Field(description="the verdicts of every spec's Result, with the spec's index")


class CheckFailure(BaseModel):
    rule: Literal["srm", "guardrail", "require_winner", "min_sample"]
    reason: str


class CheckItem(BaseModel):
    """One spec's check: pass or fail, each failing rule with its reason, and the verdicts."""

    index: int
    name: str | None = None
    passed: bool
    exit_code: Literal[0, 1] = Field(description="what `abstats check` would exit with")
    failures: list[CheckFailure]
    verdicts: list[dict[str, Any]]


class CheckResponse(BaseModel):
    """Every spec's check, and whether all passed."""

    passed: bool
    results: list[CheckItem]


# --- /v1/plan ------------------------------------------------------------------------------------
class PrePeriod(Strict):
    """Pre-period sums of a ratio metric."""

    n: float
    num_sum: float
    den_sum: float
    num_sum_sq: float
    den_sum_sq: float
    num_den_sum: float


class PlanMetric(Strict):
    """The metric to plan for (the one that will be analysed)."""

    kind: Literal["binary", "mean", "ratio"]
    name: str = Field("metric", min_length=1, max_length=200)
    higher_is_better: bool = Field(True, description="false when a decrease is the win: the direction of a margin test")


class PlanRequest(Strict):
    """Solve for whichever of ``mde`` and ``n_per_arm`` is missing; with both, for the power.

    One cell per request (numbers, not arrays): ``abstats.planning`` plans grids in Python.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"metric": {"kind": "binary", "name": "signup"}, "baseline": 0.05, "mde": 0.1, "power": 0.8}
    ]})

    metric: PlanMetric
    mde: float | None = Field(None, description="effect to detect (omit, with n_per_arm, to solve for the MDE)")
    n_per_arm: float | None = Field(None, description="control-arm size (omit to solve for n)")
    power: float = Field(0.8, description="target power (ignored when solving for the power)")
    baseline: float | None = Field(None, description="control rate (binary) or mean (mean)")
    sd: float | None = Field(None, description="per-unit standard deviation (mean)")
    sd_treatment: float | None = Field(None, description="treatment arm's sd (mean; default sd)")
    pre_period: PrePeriod | None = Field(None, description="ratio metric: pre-period sums")
    mde_type: MdeType = "relative"
    alpha: float = 0.05
    alternative: Alternative = "two-sided"
    hypothesis: Hypothesis = "superiority"
    margin: float | None = None
    margin_type: MarginType = "absolute"
    allocation: float = Field(1.0, description="n_treatment / n_control")
    treatments: int = Field(1, ge=1, le=1000, description="treatment arms, each compared with the control")
    correction: Correction = "holm"
    variance: str | None = Field(None, max_length=50, description="pooled_null, unpooled, arcsine; normal, t")


class PlanResponse(BaseModel):
    """``SampleSizePlan.to_dict()``: the solved quantity with every input, one cell."""

    model_config = ConfigDict(extra="allow")

    metric: str
    metric_kind: str
    solved_for: Literal["n_per_arm", "mde", "power"]
    n_per_arm: float
    n_per_arm_ceil: int
    n_total: int
    mde: float
    power: float


# --- /v1/health ----------------------------------------------------------------------------------
class HealthResponse(BaseModel):
    status: Literal["ok"]
    version: str
    schema_version: str
    methods: list[str]


class ErrorEntry(BaseModel):
    loc: list[str | int]
    msg: str
    input: Any = None
    type: str


class ErrorResponse(BaseModel):
    """Every refusal: 401, 403, 413, 422 (and 500 with an ``error_id``)."""

    detail: list[ErrorEntry]
    error_id: str | None = None


__all__ = [
    "HTTP_METHODS",
    "AnalyzeResponse",
    "CheckResponse",
    "CompareRequest",
    "CompareResponse",
    "ErrorResponse",
    "HealthResponse",
    "PlanRequest",
    "PlanResponse",
    "SpecBatch",
    "SpecRequest",
    "AllocateResponse",
]
