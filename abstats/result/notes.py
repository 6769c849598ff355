"""The notes under a Result's table, grouped by experiment and metric.

Each comparison's reason is listed under its metric, and a warning that applies to several
comparisons of an experiment (a sample-ratio mismatch hits every metric) is listed once, naming the
comparisons it applies to, instead of once per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from abstats.result.result import Result


@dataclass(frozen=True)
class MetricNotes:
    """One metric's comparisons (``"B vs A"``) and the reason of each decision."""

    metric: str
    reasons: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class WarningNote:
    """A warning and where it applies: ``"every comparison"`` or the ``"metric: B vs A"`` rows."""

    code: str
    message: str
    where: str


@dataclass(frozen=True)
class ExperimentNotes:
    """The notes of one experiment: reasons by metric, then its warnings (each once)."""

    experiment: Any
    metrics: tuple[MetricNotes, ...]
    warnings: tuple[WarningNote, ...]


def grouped_notes(result: Result, rows: int | None = None) -> list[ExperimentNotes]:
    """The reasons and warnings of the first ``rows`` comparisons (all by default), grouped.

    Examples
    --------
    >>> import abstats
    >>> r = abstats.analyze({"variant": ["A", "B", "C"], "n": [1000] * 3, "conversions": [100, 130, 95]},
    ...                     metric=abstats.BinaryMetric("signup"), control="A")
    >>> notes = grouped_notes(r)
    >>> [m.metric for m in notes[0].metrics], [c for c, _ in notes[0].metrics[0].reasons]
    (['signup'], ['B vs A', 'C vs A'])
    """
    n = len(result) if rows is None else min(rows, len(result))
    experiments = result["experiment"][:n].tolist()
    metrics = result["metric"][:n].tolist()
    comparisons = [f"{t} vs {c}" for t, c in zip(result["treatment"][:n].tolist(), result["control"][:n].tolist(),
                                                  strict=True)]
    order: dict[Any, list[int]] = {}
    for i, experiment in enumerate(experiments):
        order.setdefault(experiment, []).append(i)
    out = []
    for experiment, indices in order.items():
        by_metric: dict[str, list[tuple[str, str]]] = {}
        by_warning: dict[tuple[str, str], list[int]] = {}
        for i in indices:
            by_metric.setdefault(str(metrics[i]), []).append((comparisons[i], result.reason(i)))
            for w in result.warnings(i):
                by_warning.setdefault((w["code"], w["message"]), []).append(i)
        warnings = tuple(
            WarningNote(code, message, "every comparison" if len(hit) == len(indices) and len(hit) > 1
                        else "; ".join(f"{metrics[i]}: {comparisons[i]}" for i in hit))
            for (code, message), hit in by_warning.items()
        )
        out.append(ExperimentNotes(experiment, tuple(MetricNotes(m, tuple(r)) for m, r in by_metric.items()),
                                   warnings))
    return out
