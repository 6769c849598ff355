"""What a method is: an object that owns its settings, its scoring, its rule texts and its display.

Methods live in their own packages (:mod:`abstats.frequentist`, :mod:`abstats.bayesian`,
:mod:`abstats.sequential`) and are found by name in :mod:`abstats.methods.registry`;
nothing else in abstats compares method names. A new method is one module that builds a
:class:`Method` and registers it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from abstats.comparisons import ComparisonSet
    from abstats.result.deferred import CodedLabels

Columns = dict[str, np.ndarray]
Row = Mapping[str, Any]
RecordedSettings = Mapping[str, Any]
# Formats the human-readable text of one rule code from a Result row and the recorded settings.
RuleText = Callable[[Row, RecordedSettings], str]


@dataclass(frozen=True)
class MethodSettings:
    """Base of every method's settings: a frozen value validated once in ``__post_init__``.

    Subclasses coerce each field once (``self._keep(name, value)``) so inner code trusts it.
    """

    method: ClassVar[str]

    def _keep(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """Every setting that changes a number, as recorded in the Result."""
        return {"method": self.method, **asdict(self)}


@dataclass(frozen=True)
class Scores:
    """What a method returns for the rows of some comparison sets.

    ``columns``: public Result columns (identity columns included; a column may be deferred, built when the
    Result's column is first read, see :mod:`abstats.result.deferred`); ``flags``: warning code ->
    boolean row mask; ``rules``: rule code per row, formatted into text only when read;
    ``recorded``: facts of the fit to record next to the settings (e.g. MCMC diagnostics).
    The arrays are handed over to the Result: a method builds them for this call and keeps no
    reference (the SRM gate writes ``investigate`` into ``decision`` and ``rules`` in place).
    """

    columns: Columns
    flags: dict[str, np.ndarray]
    rules: np.ndarray | CodedLabels
    recorded: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Display:
    """Which columns a method fills, for tables, plots and frames.

    Attributes
    ----------
    interval
        Column infix of the method's intervals: ``"ci"`` (``effect_ci_low``...) or ``"cred"``.
    interval_label
        Word for that interval in headers (``"CI"``, ``"cred."``).
    probability
        (column, header) of the number that decides: an adjusted p-value, P(beats)...
    extra
        Further (column, header, format spec) shown in the compact table.
    columns
        Every Result column the method fills (``to_frame()`` shows these by default).
    """

    interval: str
    interval_label: str
    probability: tuple[str, str] | None
    extra: tuple[tuple[str, str, str], ...] = ()
    columns: tuple[str, ...] = ()

    def interval_columns(self, scale: str) -> tuple[str, str]:
        """(low, high) column names of the absolute (``"absolute"``) or relative (``"relative"``) interval."""
        stem = "effect" if scale == "absolute" else "rel"
        return f"{stem}_{self.interval}_low", f"{stem}_{self.interval}_high"


@dataclass(frozen=True)
class Method:
    """A scoring method: everything about it in one object.

    Attributes
    ----------
    name
        The name users pass as ``method=`` and the Result records.
    label
        A few words for headers ("frequentist, fixed horizon").
    settings_type
        Its settings class; ``analyze(..., **options)`` builds one from the options.
    score
        Comparison sets and settings in, :class:`Scores` out.
    rules
        Rule code -> formatter of its reason text.
    display
        The columns it fills and shows.
    warnings
        Method-specific warning code -> message formatter (shared ones live in
        :mod:`abstats.result.warnings`).
    refused
        Option name -> why the method does not take it, for a precise error.
    tests_margins
        Whether the method tests a guardrail's non-inferiority margin (metrics with
        ``role="guardrail"`` are refused by methods that do not).
    effect_posterior
        Rebuilds each row's closed-form posterior of the effect from a Result's columns, for
        ``Result.plot_posteriors`` (see :func:`abstats.bayesian.posterior.effect_posteriors`);
        None for methods without one.
    reads_posterior
        Whether the method's reading is a posterior: valid after adaptive (bandit) allocation,
        which depends on the data only through what was observed (the likelihood principle),
        where fixed-horizon p-values and intervals are not.
    """

    name: str
    label: str
    settings_type: type[MethodSettings]
    score: Callable[[list[ComparisonSet], Any], Scores]
    rules: Mapping[str, RuleText]
    display: Display
    warnings: Mapping[str, RuleText] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)
    tests_margins: bool = False
    effect_posterior: Callable[..., list[Any]] | None = None
    reads_posterior: bool = False
