"""The experiment spec: one typed declaration of an analysis, shared by Python, the CLI and the HTTP service.

The model only says what is well-formed; :meth:`ExperimentSpec.run` turns it into the frozen objects the
engine takes (metrics, :class:`~abstats.Column`, method settings) and calls :func:`abstats.analyze`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, model_validator
from pydantic_core import PydanticCustomError

from abstats.errors import ConfigError
from abstats.vocabulary import AllocationRule, MarginType, OnSrm, Role

if TYPE_CHECKING:
    from abstats.bandit import Allocation
    from abstats.column import Column
    from abstats.metrics import Metric
    from abstats.result import Result
    from abstats.spec.rules import CheckOutcome

SPEC_VERSION = "1.0"
# A cell of an inline aggregate table.
Cell = str | int | float | bool | None


class _Strict(BaseModel):
    # Unknown keys are refused (with a "did you mean" in the error), never silently dropped.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnRef(_Strict):
    """A column of the data holding a per-experiment (or per-row) value: ``{column: "control"}``."""

    column: str = Field(min_length=1, description="column name in the data")

    def to_column(self) -> Column:
        from abstats.column import Column

        return Column(self.column)


def _column_or(other: str) -> Any:
    """Discriminator of "a value or {column: NAME}": an object with ``column`` is a column reference.

    One form is chosen before validation, so an error speaks of that form only (pydantic would
    otherwise report every form that failed).
    """

    def tag(value: Any) -> str:
        if isinstance(value, ColumnRef) or (isinstance(value, dict) and ("column" in value or other != "shares")):
            return "column"
        if other == "name" and isinstance(value, int) and not isinstance(value, bool):
            return "int"
        return other

    return Discriminator(tag)


ControlValue = Annotated[
    Annotated[str, Tag("name")] | Annotated[int, Tag("int")] | Annotated[ColumnRef, Tag("column")],
    _column_or("name"),
]
PlannedN = Annotated[Annotated[float, Tag("number")] | Annotated[ColumnRef, Tag("column")], _column_or("number")]
Split = Annotated[
    Annotated[dict[str, float], Tag("shares")] | Annotated[ColumnRef, Tag("column")], _column_or("shares")
]
Aggregates = Annotated[
    Annotated[dict[str, list[Cell]], Tag("columns")] | Annotated[list[dict[str, Cell]], Tag("records")],
    Discriminator(lambda value: "records" if isinstance(value, list) else "columns"),
]


# Events whose columns equal these values (a list: any of them), every condition together: {event: purchase}.
EventFilter = dict[str, Cell | list[Cell]]


def _filter_expression(where: EventFilter) -> Any:
    """An Ibis condition over the event table (a deferred ``ibis._`` expression)."""
    from ibis import _

    condition = None
    for column, value in where.items():
        if isinstance(value, list):
            term = _[column].isin(value)
        elif value is None:
            term = _[column].isnull()
        else:
            term = _[column] == value
        condition = term if condition is None else condition & term
    return condition


class EventAggregation(_Strict):
    """How a unit's events reduce to its value: ``{how: any, where: {event: purchase}}`` (converted),
    ``{how: sum, column: revenue, where: {event: purchase}}``, ``{how: count, where: {event: page_view}}``."""

    how: Literal["count", "sum", "any", "max"] = Field(
        description="count (matching events), sum or max (of column), any (1 if a matching event exists, else 0)"
    )
    column: str | None = Field(
        default=None, min_length=1, description="event column to sum or max; for any, an optional boolean column"
    )
    where: EventFilter | None = Field(
        default=None, min_length=1,
        description="only events whose columns equal these values (a list: any of them), all conditions together",
    )

    @model_validator(mode="after")
    def _complete(self) -> EventAggregation:
        if self.how in ("sum", "max") and self.column is None:
            raise PydanticCustomError("aggregation", "a column to {how} per unit", {"how": self.how})
        if self.how == "count" and self.column is not None:
            raise PydanticCustomError("aggregation", "no column with count (it counts the matching events)", {})
        if self.how == "any" and self.column is None and self.where is None:
            raise PydanticCustomError("aggregation", "a where filter (or a boolean column) saying which events count",
                                      {})
        return self

    def to_aggregation(self) -> Any:
        """The data layer's :class:`~abstats.data.Aggregation`."""
        from ibis import _

        from abstats.data.events import Aggregation

        where = None if self.where is None else _filter_expression(self.where)
        if self.how == "any" and self.column is None:
            return Aggregation("any", where)
        return Aggregation(self.how, None if self.column is None else _[self.column], where)


class EventsSource(_Strict):
    """Raw events in parquet or CSV files, aggregated by DuckDB (:func:`abstats.from_events`): each metric
    says how a unit's events reduce to its value (``events:``, or ``numerator_events:`` and
    ``denominator_events:`` for a ratio); the variant, experiment and segment columns are the spec's."""

    path: str = Field(
        min_length=1, description="parquet or CSV file, directory of parquet files or glob; relative to the spec file"
    )
    unit: str = Field(min_length=1, description="randomisation-unit id column (user, device)")
    timestamp: str | None = Field(
        default=None, min_length=1, description="event time column (with exposure: only events from the first on)"
    )
    exposure: EventFilter | None = Field(
        default=None, min_length=1, description="events marking exposure, e.g. {event: exposure} (needs timestamp)"
    )
    multi_variant: Literal["exclude", "keep"] = Field(
        default="exclude", description="units seen in more than one variant: exclude (default, warned) or keep"
    )

    @model_validator(mode="after")
    def _exposure_needs_time(self) -> EventsSource:
        if self.exposure is not None and self.timestamp is None:
            raise PydanticCustomError("events", "a timestamp column to find each unit's first exposure", {})
        return self

    def exposure_expression(self) -> Any:
        return None if self.exposure is None else _filter_expression(self.exposure)


class DataSpec(_Strict):
    """Where the aggregates come from: exactly one of ``path``, ``aggregates`` or ``events``."""

    path: str | None = Field(
        default=None, description="CSV, JSON (records or columns) or parquet file; relative to the spec file"
    )
    format: Literal["csv", "json", "parquet"] | None = Field(
        default=None, description="file format (default: by suffix)"
    )
    layout: Literal["wide", "long"] = Field(
        default="wide",
        description="wide: one row per experiment x variant, a column per aggregate field of each metric; "
        "long: one row per experiment x variant x metric, named in metric_column",
    )
    metric_column: str = Field(default="metric", min_length=1, description="the metric name column of a long table")
    aggregates: Aggregates | None = Field(
        default=None, description="inline aggregates: columns (name -> list) or records (list of rows)"
    )
    events: EventsSource | None = Field(default=None, description="raw events aggregated by DuckDB")

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        given = [name for name in ("path", "aggregates", "events") if getattr(self, name) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "one_source",
                "exactly one of path, aggregates or events (got {given})",
                {"given": ", ".join(given) or "none"},
            )
        return self


class CovariateSpec(_Strict):
    """CUPED's pre-period covariate of a metric (:class:`abstats.Covariate`).

    With aggregates the table holds the covariate's sums (``pre_sum``, ``pre_sum_sq``,
    ``pre_cross_sum``; a ratio metric's nine ``pre_*`` / ``*_pre_*`` sums); ``column``,
    ``denominator``, ``start`` and ``end`` name per-unit data or a pre-exposure window.
    """

    column: str | None = Field(default=None, min_length=1, description="per-unit pre-period value column")
    denominator: str | None = Field(
        default=None, min_length=1, description="a ratio metric's per-unit pre-period denominator column"
    )
    start: str | None = Field(default=None, description="pre-exposure window start (ISO date)")
    end: str | None = Field(default=None, description="pre-exposure window end, exclusive (ISO date)")
    interaction: bool = Field(
        default=False, description="one slope per arm, the treatment x covariate interaction (Lin 2013)"
    )


class _MetricSpec(_Strict):
    name: str = Field(min_length=1, description="metric name shown in results")
    higher_is_better: bool = Field(default=True, description="false when a decrease is the win (bounce rate)")
    role: Role = Field(
        default="primary", description="primary (decides), secondary (reported) or guardrail (must not harm)"
    )
    margin: float | None = Field(default=None, gt=0, description="a guardrail's margin: the harm it must rule out")
    margin_type: MarginType = Field(
        default="absolute", description="margin in the metric's units or relative to control"
    )
    n_field: str = Field(default="n", min_length=1, description="column of randomised units")
    covariate: CovariateSpec | None = Field(
        default=None, description="CUPED: the metric's pre-period covariate (regression adjustment)"
    )

    @model_validator(mode="after")
    def _valid_metric(self) -> _MetricSpec:
        try:
            self.to_metric()
        except ConfigError as exc:  # one rule set: the metric class's own checks (guardrail needs a margin...)
            raise PydanticCustomError(
                "metric", "{expected}", {"field": exc.field, "value": exc.value, "expected": exc.expected}
            ) from None
        return self

    def to_metric(self) -> Metric:
        raise NotImplementedError

    def event_aggregations(self) -> tuple[EventAggregation | None, ...]:
        """How a unit's events reduce to each per-unit value the metric needs (with ``data.events``)."""
        raise NotImplementedError

    def event_fields(self) -> tuple[str, ...]:
        """The names of those fields, for error messages."""
        raise NotImplementedError

    def _common(self) -> dict[str, Any]:
        covariate = None
        if self.covariate is not None:
            from abstats.metrics import Covariate

            covariate = Covariate(**self.covariate.model_dump())
        return {
            "covariate": covariate,
            "higher_is_better": self.higher_is_better,
            "role": self.role,
            "margin": self.margin,
            "margin_type": self.margin_type,
            "n_field": self.n_field,
        }


class BinaryMetricSpec(_MetricSpec):
    """A 0/1 outcome per unit: aggregates ``n`` and ``conversions``."""

    kind: Literal["binary"]
    conversions_field: str = Field(default="conversions", min_length=1, description="column of converted units")
    events: EventAggregation | None = Field(
        default=None, description="with data.events: how a unit's events give its 0/1 value ({how: any, where: ...})"
    )

    def event_aggregations(self) -> tuple[EventAggregation | None, ...]:
        return (self.events,)

    def event_fields(self) -> tuple[str, ...]:
        return ("events",)

    def to_metric(self) -> Metric:
        from abstats.metrics import BinaryMetric

        return BinaryMetric(self.name, conversions_field=self.conversions_field, **self._common())


class MeanMetricSpec(_MetricSpec):
    """A numeric outcome per unit: aggregates ``n``, ``sum``, ``sum_sq`` (and optionally ``nonzero``)."""

    kind: Literal["mean"]
    sum_field: str = Field(default="sum", min_length=1)
    sum_sq_field: str = Field(default="sum_sq", min_length=1)
    nonzero_field: str = Field(default="nonzero", min_length=1)
    events: EventAggregation | None = Field(
        default=None, description="with data.events: how a unit's events give its value ({how: sum, column: ...})"
    )

    def event_aggregations(self) -> tuple[EventAggregation | None, ...]:
        return (self.events,)

    def event_fields(self) -> tuple[str, ...]:
        return ("events",)

    def to_metric(self) -> Metric:
        from abstats.metrics import MeanMetric

        return MeanMetric(
            self.name,
            sum_field=self.sum_field,
            sum_sq_field=self.sum_sq_field,
            nonzero_field=self.nonzero_field,
            **self._common(),
        )


class RatioMetricSpec(_MetricSpec):
    """A ratio of per-unit sums: aggregates ``n``, ``num_sum``, ``den_sum``, their squares and cross product."""

    kind: Literal["ratio"]
    num_sum_field: str = Field(default="num_sum", min_length=1)
    den_sum_field: str = Field(default="den_sum", min_length=1)
    num_sum_sq_field: str = Field(default="num_sum_sq", min_length=1)
    den_sum_sq_field: str = Field(default="den_sum_sq", min_length=1)
    num_den_sum_field: str = Field(default="num_den_sum", min_length=1)
    numerator_events: EventAggregation | None = Field(
        default=None, description="with data.events: how a unit's events give the numerator"
    )
    denominator_events: EventAggregation | None = Field(
        default=None, description="with data.events: how a unit's events give the denominator"
    )

    def event_aggregations(self) -> tuple[EventAggregation | None, ...]:
        return (self.numerator_events, self.denominator_events)

    def event_fields(self) -> tuple[str, ...]:
        return ("numerator_events", "denominator_events")

    def to_metric(self) -> Metric:
        from abstats.metrics import RatioMetric

        return RatioMetric(
            self.name,
            num_sum_field=self.num_sum_field,
            den_sum_field=self.den_sum_field,
            num_sum_sq_field=self.num_sum_sq_field,
            den_sum_sq_field=self.den_sum_sq_field,
            num_den_sum_field=self.num_den_sum_field,
            **self._common(),
        )


MetricSpec = Annotated[BinaryMetricSpec | MeanMetricSpec | RatioMetricSpec, Field(discriminator="kind")]


class CheckRules(_Strict):
    """What ``abstats check`` requires of the result (each failing rule exits 1)."""

    require_winner: bool = Field(
        default=False, description="every experiment needs a treatment whose primaries all won"
    )
    fail_on_srm: bool = Field(default=True, description="fail when an experiment has a sample-ratio mismatch")
    fail_on_guardrail: bool = Field(
        default=True, description="fail when a guardrail metric failed (harm not ruled out)"
    )
    min_sample: int | None = Field(default=None, gt=0, description="minimum units in every compared arm")


class AllocationSpec(_Strict):
    """How ``abstats allocate`` / ``POST /v1/allocate`` turn the posteriors into traffic weights (a bandit)."""

    metric: str | None = Field(
        default=None, min_length=1, description="the metric whose posterior decides (default: the first primary)"
    )
    rule: AllocationRule = Field(
        default="thompson", description="thompson: weights = P(best); top_two: top-two Thompson (Russo 2020)"
    )
    top_two_beta: float = Field(default=0.5, gt=0, lt=1, description="top_two: probability of playing the leader")
    floor: float = Field(default=0.0, ge=0, lt=1, description="minimum weight of every arm (at most 1 / arms)")
    control_share: float | None = Field(
        default=None, gt=0, lt=1, description="hold the control at this share (default: an arm like the others)"
    )
    history: dict[str, list[Any]] | None = Field(
        default=None,
        description="the weights the bandit used so far, columns period, variant, weight, traffic (and the spec's "
        "experiment column): analysis reads the data as adaptively allocated (posterior by default, SRM against "
        "the traffic-weighted weights)",
    )


class ExperimentSpec(_Strict):
    """One experiment analysis, declared: data, labels, metrics, method, gates and the rules a CI check applies.

    Load it from YAML, TOML or JSON with :meth:`from_file` (errors become one :class:`abstats.ConfigError`
    naming the file and the field path, e.g. ``metrics[2].margin``), or from a dict with
    ``ExperimentSpec.model_validate`` (pydantic's ``ValidationError``; :func:`abstats.spec.spec_error`
    converts it). ``ExperimentSpec.model_json_schema()`` is published as ``abstats/spec/schema/spec-1.0.json``.

    Examples
    --------
    >>> from abstats import ExperimentSpec
    >>> spec = ExperimentSpec.model_validate({
    ...     "data": {"aggregates": {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]}},
    ...     "control": "A",
    ...     "metrics": [{"kind": "binary", "name": "signup"}],
    ... })
    >>> str(spec.run().decision[0])
    'stop_winner'
    """

    spec_version: Literal["1.0"] = Field(default="1.0", description="version of this spec format")
    name: str | None = Field(default=None, description="experiment name for summaries")
    data: DataSpec
    variant: str = Field(default="variant", min_length=1, description="variant label column")
    experiment: str | None = Field(default=None, description="experiment label column (none: one experiment)")
    segment: str | None = Field(
        default=None, description="segment column: each experiment x segment is scored as its own experiment"
    )
    control: ControlValue = Field(description="a variant name, or {column: NAME} naming each experiment's control")
    metrics: list[MetricSpec] = Field(min_length=1)
    method: str = Field(default="frequentist", min_length=1, description="a registered method (abstats.methods)")
    settings: dict[str, Any] = Field(
        default_factory=dict, description="the method's options, checked by its settings class"
    )
    planned_n: PlannedN | None = Field(
        default=None, description="a number of units per arm (frequentist), or {column: NAME} with each experiment's"
    )
    expected_split: Split | None = Field(
        default=None,
        description="shares per variant ({A: 0.5, B: 0.5}), or {column: NAME} with each row's share (default: equal)",
    )
    srm_alpha: float = Field(default=0.001, gt=0, lt=1, description="SRM p-value below which assignment is broken")
    on_srm: OnSrm = Field(
        default="gate", description="gate: an SRM makes every decision 'investigate'; warn: only warn"
    )
    rules: CheckRules = Field(default_factory=CheckRules, description="what `abstats check` requires")
    allocation: AllocationSpec = Field(
        default_factory=AllocationSpec, description="what `abstats allocate` does (bandit traffic weights)"
    )

    # where relative data paths are resolved and what error messages call this spec
    _base_dir: Path | None = PrivateAttr(None)
    _source: str | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _unique_metric_names(self) -> ExperimentSpec:
        seen: set[str] = set()
        for i, m in enumerate(self.metrics):
            if m.name in seen:
                raise PydanticCustomError(
                    "metric",
                    "{expected}",
                    {"field": f"metrics[{i}].name", "value": m.name, "expected": "a name not used by another metric"},
                )
            seen.add(m.name)
        return self

    @model_validator(mode="after")
    def _events_per_metric(self) -> ExperimentSpec:
        # raw events need every metric's per-unit aggregation; aggregates need none
        events = self.data.events is not None
        for i, m in enumerate(self.metrics):
            for name, aggregation in zip(m.event_fields(), m.event_aggregations(), strict=True):
                if events and aggregation is None:
                    expected = "how the unit's events reduce to this value, e.g. {how: sum, column: revenue}"
                elif not events and aggregation is not None:
                    expected = "no event aggregation without data.events (the data are aggregates)"
                else:
                    continue
                raise PydanticCustomError(
                    "metric", "{expected}",
                    {"field": f"metrics[{i}].{name}", "value": None if events else "given", "expected": expected},
                )
        if events and not isinstance(self.control, (str, int)):
            raise PydanticCustomError(
                "metric", "{expected}",
                {"field": "control", "value": "a column", "expected": "a variant name with data.events"},
            )
        return self

    # --- loading -----------------------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path) -> ExperimentSpec:
        """Read a spec from a ``.yaml``/``.yml``, ``.toml`` or ``.json`` file.

        Parameters
        ----------
        path
            The spec file. Relative data paths in it are read relative to its folder.

        Raises
        ------
        abstats.ConfigError
            One error naming the file, the field path and the value (missing, unreadable or invalid file).

        Examples
        --------
        >>> spec = ExperimentSpec.from_file("examples/checkout/spec.yaml")  # doctest: +SKIP
        >>> spec.run().verdicts()  # doctest: +SKIP
        """
        from abstats.spec.loading import read_spec_file

        return cls.from_mapping(read_spec_file(path), source=str(path), base_dir=Path(path).parent)

    @classmethod
    def from_mapping(
        cls, data: Any, *, source: str | None = None, base_dir: str | Path | None = None
    ) -> ExperimentSpec:
        """Validate a parsed spec (dict), raising one :class:`abstats.ConfigError` rather than pydantic's error.

        Parameters
        ----------
        data
            The parsed spec.
        source
            What to call it in error messages (a file name).
        base_dir
            Folder that relative ``data.path`` values are read from (default: the working directory).
        """
        from pydantic import ValidationError

        from abstats.spec.errors import spec_error

        try:
            spec = cls.model_validate(data)
        except ValidationError as exc:
            raise spec_error(exc, source) from None
        spec._source = source
        spec._base_dir = None if base_dir is None else Path(base_dir)
        return spec

    # --- what the engine takes ---------------------------------------------------------------------
    @property
    def source(self) -> str | None:
        """The file this spec was read from (None when built from a dict)."""
        return self._source

    def data_path(self) -> Path | None:
        """``data.path`` resolved against the spec file's folder."""
        if self.data.path is None:
            return None
        path = Path(self.data.path)
        return path if path.is_absolute() or self._base_dir is None else self._base_dir / path

    def events_path(self) -> str | None:
        """``data.events.path`` resolved against the spec file's folder (a glob stays a glob)."""
        if self.data.events is None:
            return None
        path = Path(self.data.events.path)
        return str(path if path.is_absolute() or self._base_dir is None else self._base_dir / path)

    def metric_objects(self) -> list[Metric]:
        """The frozen metric objects (:class:`abstats.BinaryMetric`...) this spec declares."""
        return [m.to_metric() for m in self.metrics]

    def load_table(self) -> Any:
        """The aggregate table (pandas, wide layout) the analysis reads."""
        from abstats.spec.runner import load_table

        return load_table(self)

    def run(self) -> Result:
        """Load the data and score it: :func:`abstats.analyze` with everything this spec declares.

        Returns
        -------
        Result
            One row per experiment x metric x treatment; ``result.verdicts()`` per experiment.

        Raises
        ------
        abstats.InputError
            Bad data (missing file or column, negative counts...), naming the file, the field and the value.
        """
        from abstats.spec.runner import run_spec

        return run_spec(self)

    def allocate(self) -> Allocation:
        """Load the data and recommend the next traffic weights: :func:`abstats.bandit.allocate`
        with the metric and the ``allocation`` settings this spec declares (priors from ``settings``
        when the method is Bayesian)."""
        from abstats.spec.runner import allocate_spec

        return allocate_spec(self)

    def check(self, result: Result | None = None) -> CheckOutcome:
        """The declared rules applied to ``result`` (run the analysis when not given)."""
        from abstats.spec.rules import check_rules

        return check_rules(self.run() if result is None else result, self)
