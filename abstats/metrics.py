"""Metric definitions: what is measured, which way is better, which columns hold it.

A metric says *what* to compute and is the home of its kind: it knows its
sufficient-statistics class (:mod:`abstats.statistics`) and how aggregates or per-unit
values reduce to it. The same metric object is analysed (``abstats.analyze``) and
planned (``abstats.planning.plan_sample_size``).

Examples
--------
>>> conversion = BinaryMetric("conversion")
>>> bounce = BinaryMetric("bounce", higher_is_better=False)
>>> rpv = MeanMetric("revenue_per_visitor", column="revenue")
>>> ctr = RatioMetric("ctr", numerator="clicks", denominator="impressions")
>>> capped = MeanMetric("revenue", cap=Cap(percentile=0.99))
>>> load_p90 = QuantileMetric("page_load_p90", column="load_ms", quantile=0.9, higher_is_better=False)
>>> cuped_rpv = MeanMetric("revenue", covariate=Covariate(column="pre_revenue"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from abstats.checks import check_choice, check_open_unit, check_optional, check_positive
from abstats.errors import ConfigError, InputError
from abstats.statistics import BinaryStats, MeanStats, QuantileStats, RatioStats
from abstats.statistics.grouping import group_quantile
from abstats.statistics.ratio import PRE_RATIO_FIELDS
from abstats.vocabulary import MARGIN_TYPES, ROLES, MarginType, MetricKind, Role

if TYPE_CHECKING:
    from abstats.data.backend_units import BackendUnits

# How a data source hands columns to a metric: by name, as a 1-D array (raises if missing).
ColumnReader = Callable[[str], np.ndarray]
# Sum of per-unit values within each experiment x variant group.
GroupTotal = Callable[[np.ndarray], np.ndarray]
# A backend aggregate of a metric by the name its ``backend_aggregates`` gave it (None if absent).
AggregateReader = Callable[[str], "np.ndarray | None"]


@dataclass(frozen=True)
class RowWhere:
    """Labels of each row, for error messages that point at a bad row."""

    metric: str
    experiment: Any
    variant: Any


def _check_fields(metric: Any, skip: tuple[str, ...] = ()) -> None:
    """Validate every field of a metric once, keeping the coerced values.

    ``higher_is_better`` a bool; ``role`` one of the roles; a guardrail's ``margin`` > 0 (and only a
    guardrail has one); ``*cap`` a :class:`Cap` or None; every other field a non-empty string (or None
    where optional); fields in ``skip`` are checked by the metric itself.
    """
    for f in fields(metric):
        value = getattr(metric, f.name)
        if f.name in skip:
            continue
        if f.name == "covariate":
            if value is not None and not isinstance(value, Covariate):
                raise ConfigError("covariate", value, "an abstats.Covariate(column=...) (CUPED's pre-period "
                                  "covariate) or None")
        elif f.name.endswith("cap"):
            if value is not None and not isinstance(value, Cap):
                raise ConfigError(f.name, value, "an abstats.metrics.Cap(upper=...) or Cap(percentile=...), or None")
        elif f.name == "higher_is_better":
            if not isinstance(value, (bool, np.bool_)):
                raise ConfigError("higher_is_better", value, "True or False (a bool, not a string)")
            object.__setattr__(metric, f.name, bool(value))
        elif f.name == "role":
            check_choice("role", value, ROLES)
        elif f.name == "margin_type":
            check_choice("margin_type", value, MARGIN_TYPES)
        elif f.name == "margin":
            object.__setattr__(metric, f.name, check_optional(check_positive, "margin", value))
        elif value is None and f.default is None:
            continue
        elif not isinstance(value, str) or not value:
            raise ConfigError(f.name, value, "a non-empty string (a column or metric name)")
    if metric.role == "guardrail" and metric.margin is None:
        expected = f"a margin > 0 for guardrail metric {metric.name!r} (the harm it must rule out)"
        raise ConfigError("margin", None, expected)
    if metric.role != "guardrail" and metric.margin is not None:
        raise ConfigError("margin", metric.margin, f"no margin on a {metric.role} metric (only a guardrail has one; "
                          "a margin for the primary test is the method's margin= setting)")


@dataclass(frozen=True)
class Cap:
    """Winsorization (capping) of per-unit values before they are summed.

    Exactly one of:

    upper
        A fixed cap >= 0: every per-unit value above it becomes ``upper``.
    percentile
        A level in (0, 1): the cap is that quantile of the per-unit values of *all arms pooled*
        (within each experiment; never per arm, which would cap arms differently and bias the
        comparison), numpy's default quantile (``np.quantile(values, percentile)``).

    Capping heavy-tailed metrics (revenue per visitor) trades a small bias for a large variance
    reduction (Kohavi, Tang & Xu 2020, "Trustworthy online controlled experiments", ch. 22;
    the percentile cap of GrowthBook and Statsig). Only the upper tail is capped. Applied by
    ``stats_from_units`` (raw per-unit rows); aggregate tables must be capped where they are built.

    Examples
    --------
    >>> Cap(percentile=0.99).describe()
    'values above the 0.99 quantile of all arms pooled set to it'
    """

    upper: float | None = None
    percentile: float | None = None

    def __post_init__(self) -> None:
        if (self.upper is None) == (self.percentile is None):
            expected = "exactly one of Cap(upper=...) or Cap(percentile=...)"
            raise ConfigError("cap", (self.upper, self.percentile), expected)
        object.__setattr__(self, "upper", check_optional(_check_cap_value, "upper", self.upper))
        object.__setattr__(self, "percentile", check_optional(check_open_unit, "percentile", self.percentile))

    def describe(self) -> str:
        if self.upper is not None:
            return f"values above {self.upper:g} set to {self.upper:g}"
        return f"values above the {self.percentile:g} quantile of all arms pooled set to it"

    def thresholds(self, x: np.ndarray, groups: Any = None) -> np.ndarray:
        """The cap of every unit: ``upper``, or the ``percentile`` of its experiment's units (all arms)."""
        if self.upper is not None:
            return np.full(len(x), self.upper)
        assert self.percentile is not None
        codes = getattr(groups, "experiment_codes", None)
        if codes is None or len(x) == 0 or codes.max() == 0:
            return np.full(len(x), np.quantile(x, self.percentile))
        n_exp = int(codes.max()) + 1
        return group_quantile(x, codes, n_exp, self.percentile)[codes]

    def apply(self, x: np.ndarray, groups: Any = None) -> np.ndarray:
        """``min(x, cap)`` per unit; ``groups`` (the :class:`~abstats.statistics.grouping.UnitGroups` of
        ``from_units``) says which units share an experiment."""
        return np.minimum(x, self.thresholds(x, groups))


@dataclass(frozen=True)
class Covariate:
    """A metric's pre-period covariate for CUPED / regression adjustment (Deng et al. 2013).

    Give it as ``covariate=`` of a :class:`BinaryMetric`, :class:`MeanMetric` or
    :class:`RatioMetric`; every comparison of that metric is then regression-adjusted
    (theta pooled over both arms by default; :mod:`abstats.statistics.cuped`), and the
    Result reports ``cuped``, ``cuped_theta`` and ``variance_reduction`` per row.

    Where the covariate's values come from:

    * per-unit rows (:func:`abstats.from_units`): ``column``, each unit's pre-period value
      (for a ratio metric the pre-period numerator, with ``denominator`` the pre-period
      denominator);
    * a table of aggregates (:func:`abstats.from_aggregates`): the columns ``pre_sum``,
      ``pre_sum_sq``, ``pre_cross_sum`` (and optional ``pre_sum_shift``) of a mean or binary
      metric; for a ratio metric the nine sums
      :data:`~abstats.statistics.ratio.PRE_RATIO_FIELDS` (and optional ``pre_num_sum_shift``,
      ``pre_den_sum_shift``); ``column`` is not needed;
    * the data layer (events): ``column``, or the same metric over the pre-exposure window
      ``start`` .. ``end`` (ISO dates, end exclusive).

    Parameters
    ----------
    column
        Per-unit pre-period value (a ratio's pre-period numerator).
    denominator
        A ratio metric's per-unit pre-period denominator.
    start, end
        A pre-exposure window (ISO dates ``"2026-01-01"``): the metric itself measured then.
    interaction
        False (default): one theta pooled over both arms (CUPED). True: the regression with a
        treatment x covariate interaction, one slope per arm (Lin 2013).

    Examples
    --------
    >>> Covariate(column="pre_revenue").describe()
    'CUPED on pre_revenue (theta pooled over both arms)'
    """

    column: str | None = None
    denominator: str | None = None
    start: str | None = None
    end: str | None = None
    interaction: bool = False

    def __post_init__(self) -> None:
        for name in ("column", "denominator", "start", "end"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(name, value, "a non-empty string or None")
        if (self.start is None) != (self.end is None):
            raise ConfigError("start" if self.start is None else "end", None,
                              "both start and end of the pre-exposure window, or neither")
        if self.start is not None and self.end is not None:
            import datetime as dt

            try:
                first, last = dt.date.fromisoformat(self.start), dt.date.fromisoformat(self.end)
            except ValueError:
                raise ConfigError("start", (self.start, self.end), "ISO dates such as '2026-01-01'") from None
            if first >= last:
                raise ConfigError("end", self.end, f"a date after start ({self.start})")
        if not isinstance(self.interaction, (bool, np.bool_)):
            raise ConfigError("interaction", self.interaction, "True or False")
        object.__setattr__(self, "interaction", bool(self.interaction))

    def describe(self) -> str:
        source = self.column or (f"the metric over {self.start}..{self.end}" if self.start else "pre-period sums")
        if self.denominator:
            source = f"{source} / {self.denominator}"
        how = "one slope per arm (Lin 2013)" if self.interaction else "theta pooled over both arms"
        return f"CUPED on {source} ({how})"

    def unit_column(self, metric: str, role: str = "column") -> str:
        """The per-unit column ``role`` (``column`` or ``denominator``), or an error saying it is needed."""
        value = getattr(self, role)
        if value is None:
            raise ConfigError(f"covariate.{role}", None, "the per-unit pre-period column for from_units",
                              metric=metric)
        return str(value)


def _covariate_of_aggregates(
    covariate: Covariate | None, column: ColumnReader, optional: Callable[[str], bool], names: tuple[str, ...],
    shifts: tuple[tuple[str, str], ...],
) -> dict[str, np.ndarray | None]:
    """The covariate's sum columns of an aggregate table (and any shift columns it has); {} without a covariate."""
    if covariate is None:
        return {}
    out: dict[str, np.ndarray | None] = {name: column(name) for name in names}
    for shift_field, name in shifts:
        out[name] = column(shift_field) if optional(shift_field) else None
    return out


def _check_cap_value(field: str, value: Any) -> float:
    return check_positive(field, value, allow_zero=True)


def _refuse_cap_on_aggregates(metric: str, **caps: Cap | None) -> None:
    """A cap needs per-unit values: sums already computed cannot be capped (refused, never silently ignored)."""
    for field, cap in caps.items():
        if cap is not None:
            raise ConfigError(field, cap, "no cap with a table of aggregates: caps apply to per-unit rows "
                              "(abstats.from_units); cap the values where the aggregates are computed", metric=metric)


def _read(column: AggregateReader, name: str) -> np.ndarray:
    values = column(name)
    if values is None:
        raise TypeError(f"backend aggregate {name!r} missing")  # a data-layer bug, never the user's input
    return values


def _covariate_aggregates(units: BackendUnits, x: Any) -> dict[str, Any]:
    """A mean or binary metric's CUPED moments in the backend: the covariate's sum and sample variance,
    and its sample covariance with the metric (none without a covariate)."""
    if not units.covariates:
        return {}
    pre = units.covariates[0]
    return {"pre_sum": pre.sum(where=units.keep), "pre_var": pre.var(how="sample", where=units.keep),
            "pre_cov": pre.cov(x, how="sample", where=units.keep)}


def _covariate_sums(column: AggregateReader, n: np.ndarray) -> dict[str, np.ndarray]:
    """``pre_sum``, ``pre_sum_sq``, ``pre_cross_sum`` and ``pre_shift`` from :func:`_covariate_aggregates`,
    centred like the metric's own sums: the covariate's mean as the shift, ``(n - 1)`` times the sample
    (co)variances as the sums of squared and crossed deviations ({} without a covariate)."""
    from abstats.statistics.centring import centred_from_moments

    total = column("pre_sum")
    if total is None:
        return {}
    shift, sum_sq = centred_from_moments(n, total, column("pre_var"))
    _, cross = centred_from_moments(n, np.zeros_like(n), column("pre_cov"))
    return {"pre_sum": np.zeros_like(n), "pre_sum_sq": sum_sq, "pre_cross_sum": cross, "pre_shift": shift}


MEAN_PRE_FIELDS = ("pre_sum", "pre_sum_sq", "pre_cross_sum")
MEAN_PRE_SHIFTS = (("pre_sum_shift", "pre_shift"),)
RATIO_PRE_SHIFTS = (("pre_num_sum_shift", "pre_num_shift"), ("pre_den_sum_shift", "pre_den_shift"))


def _capped(values: ColumnReader, column: str, cap: Cap | None, groups: Any) -> np.ndarray:
    x = values(column)
    return x if cap is None else cap.apply(x, groups)


@dataclass(frozen=True)
class BinaryMetric:
    """A 0/1 outcome per unit (conversion, bounce, clicked at least once).

    Parameters
    ----------
    name
        Name shown in results.
    higher_is_better
        False for metrics such as bounce rate, where a decrease is the win.
    column
        Per-unit 0/1 column for :func:`abstats.data.from_units`; defaults to ``name``.
    conversions_field, n_field
        Aggregate column names for :func:`abstats.data.from_aggregates`.
    role
        ``"primary"`` (decides the experiment's verdict), ``"secondary"`` (reported) or ``"guardrail"``
        (must not be harmed: tested for non-inferiority against ``margin`` in the metric's own direction).
    margin, margin_type
        A guardrail's margin: the harm it must rule out, in the metric's units (``"absolute"``) or
        relative to the control (``"relative"``).
    covariate
        A :class:`Covariate` for CUPED (aggregate columns ``pre_sum``, ``pre_sum_sq``,
        ``pre_cross_sum``; per unit ``covariate.column``). The adjusted effect is read by a
        normal approximation (warning code ``cuped_binary_normal``), under every method.
    """

    name: str
    higher_is_better: bool = True
    column: str | None = None
    conversions_field: str = "conversions"
    n_field: str = "n"
    role: Role = "primary"
    margin: float | None = None
    margin_type: MarginType = "absolute"
    covariate: Covariate | None = None
    kind: ClassVar[MetricKind] = "binary"

    def __post_init__(self) -> None:
        _check_fields(self)

    @property
    def value_column(self) -> str:
        return self.column or self.name

    def stats_from_aggregates(
        self, column: ColumnReader, optional: Callable[[str], bool], where: RowWhere
    ) -> BinaryStats:
        """``n`` and ``conversions`` per row; with a covariate also ``pre_sum``, ``pre_sum_sq``, ``pre_cross_sum``
        (and ``pre_sum_shift`` when the table has it: sums of ``x - shift``, cross-product ``(x - shift) y``)."""
        pre = _covariate_of_aggregates(self.covariate, column, optional, MEAN_PRE_FIELDS, MEAN_PRE_SHIFTS)
        return BinaryStats.from_arrays(
            column(self.n_field), column(self.conversions_field), **pre,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    # -- raw events aggregated in a backend (abstats.from_events) --------------------------------------
    #: Per-unit values the metric needs from each unit's events, and how a bare column reduces per unit.
    unit_parts: ClassVar[tuple[str, ...]] = ("value",)
    default_reduction: ClassVar[str] = "any"
    #: Whether ``backend_aggregates`` picks order statistics (the data layer then ranks the units).
    order_statistics: ClassVar[bool] = False

    def caps(self) -> tuple[Cap | None, ...]:
        """The :class:`Cap` of each per-unit part (none for a 0/1 value)."""
        return (None,)

    def backend_aggregates(self, units: BackendUnits) -> dict[str, Any]:
        """Per group: the conversions, and the smallest and largest per-unit value (both must be 0 or 1)."""
        x = units.values[0]
        return {"value_sum": x.sum(where=units.keep), "value_min": x.min(where=units.keep),
                "value_max": x.max(where=units.keep), **_covariate_aggregates(units, x)}

    def stats_from_backend(self, column: AggregateReader, n: np.ndarray, where: RowWhere) -> BinaryStats:
        """``n`` and conversions from :meth:`backend_aggregates`; a per-unit value other than 0 or 1 is refused."""
        from abstats.statistics.validation import RowLabels, require

        low, high = column("value_min"), column("value_max")
        if low is not None and high is not None:
            worst = np.where(high > 1, high, low)
            require((low < 0) | (high > 1), "per-unit value", worst,
                    "0 or 1 per unit for a binary metric (use converted(...) for 'at least one event')",
                    RowLabels(where.metric, where.experiment, where.variant))
        return BinaryStats.from_arrays(
            n, _read(column, "value_sum"), **_covariate_sums(column, n),
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    def stats_from_units(self, values: ColumnReader, total: GroupTotal, n: np.ndarray, where: RowWhere) -> BinaryStats:
        """Units and the sum of a 0/1 value per group; with a covariate its sums centred on each group's mean."""
        x = values(self.value_column)
        bad = (x != 0) & (x != 1)
        if bad.any():
            raise InputError(self.value_column, x[np.flatnonzero(bad)[0]], "0 or 1 per unit", metric=self.name)
        pre: dict[str, np.ndarray] = {}
        if self.covariate is not None:
            from abstats.statistics.centring import centre_by_group

            shift, d = centre_by_group(total, values(self.covariate.unit_column(self.name)))
            pre = {"pre_sum": total(d), "pre_sum_sq": total(d * d), "pre_cross_sum": total(d * x), "pre_shift": shift}
        return BinaryStats.from_arrays(
            n, total(x), **pre, metric=where.metric, experiment=where.experiment, variant=where.variant
        )


@dataclass(frozen=True)
class MeanMetric:
    """A numeric outcome per unit averaged over units (revenue per visitor, time on page).

    Aggregates: ``n``, ``sum``, ``sum_sq`` (sum of squared per-unit values) and, optionally,
    ``nonzero`` (units with a non-zero value), which enables the heavy-tail warning.
    ``role``, ``margin`` and ``margin_type`` as in :class:`BinaryMetric`.
    ``cap``: a :class:`Cap` winsorizing per-unit values in ``stats_from_units``.
    ``covariate``: a :class:`Covariate` for CUPED (aggregate columns ``pre_sum``, ``pre_sum_sq``,
    ``pre_cross_sum`` and optional ``pre_sum_shift``; per unit ``covariate.column``).
    """

    name: str
    higher_is_better: bool = True
    column: str | None = None
    sum_field: str = "sum"
    sum_sq_field: str = "sum_sq"
    n_field: str = "n"
    nonzero_field: str = "nonzero"
    cap: Cap | None = None
    role: Role = "primary"
    margin: float | None = None
    margin_type: MarginType = "absolute"
    covariate: Covariate | None = None
    kind: ClassVar[MetricKind] = "mean"

    def __post_init__(self) -> None:
        _check_fields(self)

    @property
    def value_column(self) -> str:
        return self.column or self.name

    def stats_from_aggregates(
        self, column: ColumnReader, optional: Callable[[str], bool], where: RowWhere
    ) -> MeanStats:
        """``n``, ``sum``, ``sum_sq`` and, when the table has them, ``nonzero`` and ``<sum_field>_shift`` per row.

        With a ``<sum_field>_shift`` column (``sum_shift`` by default) ``sum`` and ``sum_sq`` are
        read as sums of ``value - shift`` and ``(value - shift)**2``: centred sums, which keep a
        large-mean metric's variance exact where raw sums cancel (abstats warns,
        :class:`~abstats.errors.PrecisionWarning`, when raw sums have lost it).
        """
        from abstats.statistics.centring import shift_column

        _refuse_cap_on_aggregates(self.name, cap=self.cap)
        nonzero = column(self.nonzero_field) if optional(self.nonzero_field) else None
        shift_field = shift_column(self.sum_field)
        shift = column(shift_field) if optional(shift_field) else None
        pre = _covariate_of_aggregates(self.covariate, column, optional, MEAN_PRE_FIELDS, MEAN_PRE_SHIFTS)
        return MeanStats.from_arrays(
            column(self.n_field), column(self.sum_field), column(self.sum_sq_field), nonzero=nonzero, shift=shift,
            **pre, metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    unit_parts: ClassVar[tuple[str, ...]] = ("value",)
    default_reduction: ClassVar[str] = "sum"
    order_statistics: ClassVar[bool] = False

    def caps(self) -> tuple[Cap | None, ...]:
        """The :class:`Cap` of the per-unit value."""
        return (self.cap,)

    def backend_aggregates(self, units: BackendUnits) -> dict[str, Any]:
        """Per group: the sum and sample variance (the backend's stable ``var_samp``) of the per-unit
        value, and the units with a non-zero value (the heavy-tail check)."""
        x = units.values[0]
        return {"value_sum": x.sum(where=units.keep), "value_var": x.var(how="sample", where=units.keep),
                "nonzero": units.unit.count(where=units.where(x != 0)), **_covariate_aggregates(units, x)}

    def stats_from_backend(self, column: AggregateReader, n: np.ndarray, where: RowWhere) -> MeanStats:
        """Centred statistics from :meth:`backend_aggregates`: the mean as the shift, ``(n - 1) var`` as
        the sum of squared deviations (see :func:`~abstats.statistics.centring.centred_from_moments`)."""
        from abstats.statistics.centring import centred_from_moments

        shift, sum_sq = centred_from_moments(n, _read(column, "value_sum"), column("value_var"))
        return MeanStats.from_arrays(
            n, np.zeros_like(n), sum_sq, nonzero=column("nonzero"), shift=shift, **_covariate_sums(column, n),
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    def stats_from_units(self, values: ColumnReader, total: GroupTotal, n: np.ndarray, where: RowWhere) -> MeanStats:
        """Sums of deviations from each group's mean (two-pass), the mean carried as the shift."""
        from abstats.statistics.centring import centre_by_group

        x = _capped(values, self.value_column, self.cap, total)
        shift, d = centre_by_group(total, x)
        pre: dict[str, np.ndarray] = {}
        if self.covariate is not None:
            pre_shift, dx = centre_by_group(total, values(self.covariate.unit_column(self.name)))
            pre = {"pre_sum": total(dx), "pre_sum_sq": total(dx * dx), "pre_cross_sum": total(dx * d),
                   "pre_shift": pre_shift}
        return MeanStats.from_arrays(
            n, total(d), total(d * d), nonzero=total((x != 0).astype(float)), shift=shift, **pre,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )


@dataclass(frozen=True)
class RatioMetric:
    """A ratio of two per-unit sums (CTR = clicks / impressions, AOV = revenue / orders).

    The unit of randomisation (user) differs from the unit of the metric
    (impression, order), so the variance comes from the delta method over units
    (Deng, Knoblich & Lu 2018), never from treating impressions as independent.

    Aggregates per variant: ``n`` (units), ``num_sum``, ``den_sum``, ``num_sum_sq``,
    ``den_sum_sq``, ``num_den_sum``. ``role``, ``margin`` and ``margin_type`` as in :class:`BinaryMetric`.
    ``numerator_cap`` / ``denominator_cap``: a :class:`Cap` of each per-unit column, applied
    independently in ``stats_from_units``.
    ``covariate``: a :class:`Covariate` for CUPED: the pre-period numerator and denominator
    (aggregate columns :data:`~abstats.statistics.ratio.PRE_RATIO_FIELDS`; per unit
    ``covariate.column`` and ``covariate.denominator``).
    """

    name: str
    numerator: str | None = None
    denominator: str | None = None
    higher_is_better: bool = True
    num_sum_field: str = "num_sum"
    den_sum_field: str = "den_sum"
    num_sum_sq_field: str = "num_sum_sq"
    den_sum_sq_field: str = "den_sum_sq"
    num_den_sum_field: str = "num_den_sum"
    n_field: str = "n"
    numerator_cap: Cap | None = None
    denominator_cap: Cap | None = None
    role: Role = "primary"
    margin: float | None = None
    margin_type: MarginType = "absolute"
    covariate: Covariate | None = None
    kind: ClassVar[MetricKind] = "ratio"

    def __post_init__(self) -> None:
        _check_fields(self)

    def stats_from_aggregates(
        self, column: ColumnReader, optional: Callable[[str], bool], where: RowWhere
    ) -> RatioStats:
        """The five sums per row; with ``<num_sum_field>_shift`` / ``<den_sum_field>_shift`` columns, centred sums.

        A shift column (``num_sum_shift``, ``den_sum_shift`` by default) says the sums are of
        ``x - shift`` (numerator) or ``y - shift`` (denominator), squares and cross-product
        included; a missing one means 0 (raw sums).
        """
        from abstats.statistics.centring import shift_column

        _refuse_cap_on_aggregates(self.name, numerator_cap=self.numerator_cap, denominator_cap=self.denominator_cap)
        num_shift_field, den_shift_field = shift_column(self.num_sum_field), shift_column(self.den_sum_field)
        return RatioStats.from_arrays(
            column(self.n_field),
            column(self.num_sum_field),
            column(self.den_sum_field),
            column(self.num_sum_sq_field),
            column(self.den_sum_sq_field),
            column(self.num_den_sum_field),
            num_shift=column(num_shift_field) if optional(num_shift_field) else None,
            den_shift=column(den_shift_field) if optional(den_shift_field) else None,
            **_covariate_of_aggregates(self.covariate, column, optional, PRE_RATIO_FIELDS, RATIO_PRE_SHIFTS),
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    unit_parts: ClassVar[tuple[str, ...]] = ("numerator", "denominator")
    default_reduction: ClassVar[str] = "sum"
    order_statistics: ClassVar[bool] = False

    def caps(self) -> tuple[Cap | None, ...]:
        """The :class:`Cap` of the per-unit numerator and denominator."""
        return (self.numerator_cap, self.denominator_cap)

    def backend_aggregates(self, units: BackendUnits) -> dict[str, Any]:
        """Per group: sums and sample variances of the per-unit numerator and denominator, and their
        sample covariance (the backend's stable ``var_samp`` / ``covar_samp``)."""
        x, y = units.values
        keep = units.keep
        aggregates = {"value_sum": x.sum(where=keep), "value_var": x.var(how="sample", where=keep),
                      "den_sum": y.sum(where=keep), "den_var": y.var(how="sample", where=keep),
                      "cov": x.cov(y, how="sample", where=keep)}
        if units.covariates:
            # CUPED's nine pre-period moments: the pre numerator u and denominator v, and each with x and y
            u, v = units.covariates
            aggregates |= {"pre_num_sum": u.sum(where=keep), "pre_den_sum": v.sum(where=keep),
                           "pre_num_var": u.var(how="sample", where=keep),
                           "pre_den_var": v.var(how="sample", where=keep)}
            for name, (a, b) in {"pre_num_den": (u, v), "num_pre_num": (x, u), "num_pre_den": (x, v),
                                 "den_pre_num": (y, u), "den_pre_den": (y, v)}.items():
                aggregates[f"{name}_cov"] = a.cov(b, how="sample", where=keep)
        return aggregates

    def stats_from_backend(self, column: AggregateReader, n: np.ndarray, where: RowWhere) -> RatioStats:
        """Centred statistics from :meth:`backend_aggregates` (means as shifts, ``(n - 1)`` times the
        sample (co)variances as the sums of squared and crossed deviations)."""
        from abstats.statistics.centring import centred_from_moments

        num_shift, num_sq = centred_from_moments(n, _read(column, "value_sum"), column("value_var"))
        den_shift, den_sq = centred_from_moments(n, _read(column, "den_sum"), column("den_var"))
        _, cross = centred_from_moments(n, np.zeros_like(n), column("cov"))
        zeros = np.zeros_like(n)
        pre: dict[str, np.ndarray] = {}
        if column("pre_num_sum") is not None:
            pre_num_shift, pre_num_sq = centred_from_moments(n, _read(column, "pre_num_sum"), column("pre_num_var"))
            pre_den_shift, pre_den_sq = centred_from_moments(n, _read(column, "pre_den_sum"), column("pre_den_var"))
            pre = {"pre_num_sum": zeros, "pre_den_sum": zeros, "pre_num_sum_sq": pre_num_sq,
                   "pre_den_sum_sq": pre_den_sq, "pre_num_shift": pre_num_shift, "pre_den_shift": pre_den_shift}
            for name in ("pre_num_den", "num_pre_num", "num_pre_den", "den_pre_num", "den_pre_den"):
                pre[f"{name}_sum"] = centred_from_moments(n, zeros, column(f"{name}_cov"))[1]
        return RatioStats.from_arrays(
            n, zeros, zeros, num_sq, den_sq, cross, num_shift=num_shift, den_shift=den_shift, **pre,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    def stats_from_units(self, values: ColumnReader, total: GroupTotal, n: np.ndarray, where: RowWhere) -> RatioStats:
        """Sums of the numerator's and denominator's deviations from their group means (two-pass)."""
        from abstats.statistics.centring import centre_by_group

        if self.numerator is None or self.denominator is None:
            raise InputError("RatioMetric", self.name, "numerator= and denominator= column names for per-unit data")
        x = _capped(values, self.numerator, self.numerator_cap, total)
        y = _capped(values, self.denominator, self.denominator_cap, total)
        x_shift, dx = centre_by_group(total, x)
        y_shift, dy = centre_by_group(total, y)
        pre: dict[str, np.ndarray] = {}
        if self.covariate is not None:
            u_shift, du = centre_by_group(total, values(self.covariate.unit_column(self.name)))
            v_shift, dv = centre_by_group(total, values(self.covariate.unit_column(self.name, "denominator")))
            pre = {
                "pre_num_sum": total(du), "pre_den_sum": total(dv), "pre_num_sum_sq": total(du * du),
                "pre_den_sum_sq": total(dv * dv), "pre_num_den_sum": total(du * dv),
                "num_pre_num_sum": total(dx * du), "num_pre_den_sum": total(dx * dv),
                "den_pre_num_sum": total(dy * du), "den_pre_den_sum": total(dy * dv),
                "pre_num_shift": u_shift, "pre_den_shift": v_shift,
            }
        return RatioStats.from_arrays(
            n, total(dx), total(dy), total(dx * dx), total(dy * dy), total(dx * dy),
            num_shift=x_shift, den_shift=y_shift, **pre,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )


@dataclass(frozen=True)
class QuantileMetric:
    """A quantile of a per-unit value: median or 90th percentile of time on page, page load time.

    Each arm's sample quantile (numpy's default, type 7) and its standard error from the spacing of
    two order statistics (Price & Bonett 2001; see :mod:`abstats.statistics.quantile`); the
    difference of two arms' quantiles is read against the normal, the relative effect by the same
    methods as any kind (delta method on the log ratio by default).

    Quantiles do not aggregate: give raw per-unit rows (:func:`abstats.from_units`). A table of
    aggregates is accepted only when it already holds each row's quantile and its standard error
    (columns ``value_field`` and ``se_field``, plus ``n_field``), computed elsewhere at the same
    ``quantile``.

    Parameters
    ----------
    name
        Name shown in results.
    higher_is_better
        False for load times and other metrics where a decrease is the win.
    column
        Per-unit value column for ``from_units``; defaults to ``name``.
    quantile
        The level q in (0, 1): 0.5 for the median, 0.9 for the 90th percentile.
    value_field, se_field, n_field
        Aggregate column names of precomputed quantiles, their standard errors and units.
    role, margin, margin_type
        As in :class:`BinaryMetric`.

    Notes
    -----
    Planning (``abstats.planning``) has no quantile kind: the normal-approximation formula
    n per arm = 2 (z_{1-alpha/2} + z_{power})^2 q (1 - q) / (f(x_q)^2 delta^2) needs the density
    f at the quantile, which a plan does not know; plan with a pilot's ``n se^2`` as the unit
    variance of a mean metric (``plan_sample_size(MeanMetric(...), sd=sqrt(n) * se, ...)``).
    """

    name: str
    higher_is_better: bool = True
    column: str | None = None
    quantile: float = 0.5
    value_field: str = "quantile"
    se_field: str = "quantile_se"
    n_field: str = "n"
    role: Role = "primary"
    margin: float | None = None
    margin_type: MarginType = "absolute"
    kind: ClassVar[MetricKind] = "quantile"

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantile", check_open_unit("quantile", self.quantile))
        _check_fields(self, skip=("quantile",))

    @property
    def value_column(self) -> str:
        return self.column or self.name

    def stats_from_aggregates(
        self, column: ColumnReader, optional: Callable[[str], bool], where: RowWhere
    ) -> QuantileStats:
        """Precomputed ``value_field`` and ``se_field`` per row; refused without them (quantiles do not aggregate)."""
        missing = [f for f in (self.value_field, self.se_field) if not optional(f)]
        if missing:
            raise InputError(
                "column", missing[0],
                f"per-unit rows (abstats.from_units(frame, QuantileMetric({self.name!r}, ...))): a quantile "
                f"cannot be computed from sums; or precomputed columns {self.value_field!r} and {self.se_field!r}",
                metric=self.name,
            )
        return QuantileStats.from_arrays(
            column(self.n_field), column(self.value_field), column(self.se_field), quantile=self.quantile,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    unit_parts: ClassVar[tuple[str, ...]] = ("value",)
    default_reduction: ClassVar[str] = "sum"
    order_statistics: ClassVar[bool] = True

    def caps(self) -> tuple[Cap | None, ...]:
        return (None,)

    def backend_aggregates(self, units: BackendUnits) -> dict[str, Any]:
        """Per group, the four order statistics :meth:`QuantileStats.from_order_statistics` needs: the two
        the type-7 quantile interpolates and the two whose spacing gives its standard error, picked by
        exact rank in the backend (no approximate percentile)."""
        from abstats.statistics.quantile import backend_spacing_ranks, backend_type7_ranks

        assert units.group_size is not None
        (lo, hi), (low, high) = (backend_type7_ranks(units.group_size, self.quantile),
                                 backend_spacing_ranks(units.group_size, self.quantile))
        return {name: units.order_statistic(0, rank)
                for name, rank in (("type7_low", lo), ("type7_high", hi), ("spacing_low", low), ("spacing_high", high))}

    def stats_from_backend(self, column: AggregateReader, n: np.ndarray, where: RowWhere) -> QuantileStats:
        """The sample quantile and its standard error, as :meth:`stats_from_units` computes them."""
        return QuantileStats.from_order_statistics(
            n, (_read(column, "type7_low"), _read(column, "type7_high")),
            (_read(column, "spacing_low"), _read(column, "spacing_high")), quantile=self.quantile,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )

    def stats_from_units(
        self, values: ColumnReader, total: GroupTotal, n: np.ndarray, where: RowWhere
    ) -> QuantileStats:
        """Sample quantile and its order-statistic se of each group (needs the groups of ``from_units``)."""
        codes = getattr(total, "codes", None)
        if codes is None:
            raise InputError("data", "per-group sums only", "per-unit rows with their groups (abstats.from_units)",
                             metric=self.name)
        return QuantileStats.from_units(
            values(self.value_column), codes, len(n), quantile=self.quantile,
            metric=where.metric, experiment=where.experiment, variant=where.variant,
        )


Metric = BinaryMetric | MeanMetric | RatioMetric | QuantileMetric
METRIC_TYPES: tuple[type, ...] = (BinaryMetric, MeanMetric, RatioMetric, QuantileMetric)


def check_metric(value: Any, field: str = "metric") -> Metric:
    """``value`` if it is a metric object, else a ConfigError saying what to pass."""
    if isinstance(value, METRIC_TYPES):
        return value  # type: ignore[return-value]
    raise ConfigError(
        field, value,
        "a metric object such as abstats.BinaryMetric('conversion'), MeanMetric(...), RatioMetric(...) or "
        "QuantileMetric(...)",
    )
