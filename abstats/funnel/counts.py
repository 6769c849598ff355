"""Units reaching each stage of a funnel, per variant, and the rates read from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from abstats.errors import ConfigError, InputError

if TYPE_CHECKING:
    import pandas as pd

    from abstats.data.experiment import ExperimentData
    from abstats.methods.base import MethodSettings
    from abstats.result import Result
    from abstats.vocabulary import OnSrm

FunnelBase = str  # "first", "previous" or "both"; checked in abstats.funnel.analysis


@dataclass(frozen=True, eq=False)
class FunnelCounts:
    """Units reaching each ordered stage, one row per variant.

    A unit counted at stage k reached every earlier stage (in order and within the window when the
    counts come from events with ``order="strict"``), so counts never grow along the funnel.

    Attributes
    ----------
    stages
        Stage names, in funnel order.
    variants
        Variant labels, one per row of ``counts``.
    counts
        Units reaching each stage: shape (variants, stages).
    order
        ``"strict"``, ``"reach"`` (from events) or ``"given"`` (counts given as aggregates).
    window_seconds
        Conversion window from each unit's first exposure (None: none).
    metrics
        Further metrics of the same units (revenue per visitor, order value), analysed with the stages.
    multi_variant_units
        Units seen in more than one variant, left out of the counts.

    Examples
    --------
    >>> import abstats
    >>> c = abstats.Funnel(["visit", "cart", "purchase"]).from_counts({"A": [1000, 300, 90], "B": [1000, 320, 110]})
    >>> c.overall().round(3).tolist(), c.bottleneck()["A"]
    ([0.09, 0.11], ('cart', 0.7))
    """

    stages: tuple[str, ...]
    variants: tuple[Any, ...]
    counts: np.ndarray
    order: str = "given"
    window_seconds: float | None = None
    metrics: tuple[ExperimentData, ...] = field(default=())
    multi_variant_units: int = 0

    # -- rates ---------------------------------------------------------------------------------------------
    def stage_conversion(self) -> np.ndarray:
        """Conversion of each stage k >= 1 from the stage before it: shape (variants, stages - 1)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.counts[:, 1:] / self.counts[:, :-1]

    def from_first(self) -> np.ndarray:
        """Share of first-stage units reaching each stage: shape (variants, stages)."""
        return self.counts / self.counts[:, :1]

    def overall(self) -> np.ndarray:
        """Last stage / first stage, per variant."""
        return self.counts[:, -1] / self.counts[:, 0]

    def drop_off(self) -> np.ndarray:
        """Share of a stage's units lost before the next stage: 1 - stage conversion, shape (variants, stages - 1)."""
        return 1.0 - self.stage_conversion()

    def bottleneck(self) -> dict[Any, tuple[str, float]]:
        """Per variant: the stage with the largest drop-off (the stage entered by fewest of the previous
        stage's units) and that drop-off. Ties go to the earlier stage."""
        drop = np.nan_to_num(self.drop_off(), nan=-1.0)
        worst = np.argmax(drop, axis=1)
        return {v: (self.stages[k + 1], float(drop[i, k])) for i, (v, k) in enumerate(zip(self.variants, worst,
                                                                                         strict=True))}

    def table(self) -> pd.DataFrame:
        """One row per variant x stage: units, conversion from the previous stage, from the first stage, drop-off.

        The first stage has no previous stage: its stage conversion and drop-off are NaN.
        """
        import pandas as pd

        n_var, n_stage = self.counts.shape
        stage_conv = np.hstack([np.full((n_var, 1), np.nan), self.stage_conversion()])
        return pd.DataFrame({
            "variant": np.repeat(np.asarray(self.variants, dtype=object), n_stage),
            "stage": np.tile(np.asarray(self.stages, dtype=object), n_var),
            "units": self.counts.ravel(),
            "stage_conversion": stage_conv.ravel(),
            "from_first": self.from_first().ravel(),
            "drop_off": (1.0 - stage_conv).ravel(),
        })

    def analyze(
        self,
        *,
        control: Any,
        method: str | MethodSettings = "frequentist",
        base: FunnelBase = "first",
        selection_alpha: float = 0.05,
        srm_alpha: float = 0.001,
        on_srm: OnSrm = "gate",
        **options: Any,
    ) -> Result:
        """Compare every stage between each treatment and the control.

        See :func:`abstats.funnel.analysis.analyze_funnel` for the rows, the options and the example.
        """
        from abstats.funnel.analysis import analyze_funnel

        return analyze_funnel(self, control=control, method=method, base=base, selection_alpha=selection_alpha,
                              srm_alpha=srm_alpha, on_srm=on_srm, options=options)

    # -- the record a Result keeps ---------------------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """JSON-ready description (stages, order, window, counts per variant) kept in the Result's settings."""
        return {
            "stages": list(self.stages),
            "order": self.order,
            "window_seconds": self.window_seconds,
            "variants": list(self.variants),
            "counts": [[float(x) for x in row] for row in self.counts],
            "multi_variant_units": self.multi_variant_units,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> FunnelCounts:
        """The counts back from :meth:`to_record` (without the attached metrics)."""
        return cls(tuple(record["stages"]), tuple(record["variants"]), np.asarray(record["counts"], dtype=float),
                   record["order"], record["window_seconds"], (), int(record.get("multi_variant_units", 0)))


def check_stage_names(stages: Any) -> tuple[str, ...]:
    """At least two distinct, non-empty stage names, in order."""
    if isinstance(stages, (str, bytes)) or not isinstance(stages, Sequence):
        raise ConfigError("stages", stages, "an ordered list of stage names (at least two)")
    names = tuple(stages)
    if len(names) < 2:
        raise ConfigError("stages", list(names), "at least two stages (a funnel needs a step)")
    for name in names:
        if not isinstance(name, str) or not name:
            raise ConfigError("stages", name, "a non-empty string naming each stage")
    dup = next((s for s in names if names.count(s) > 1), None)
    if dup is not None:
        raise ConfigError("stages", dup, "each stage name once")
    return names


def counts_from_mapping(stages: tuple[str, ...], counts: Any) -> FunnelCounts:
    """Validated :class:`FunnelCounts` from ``{variant: [units at stage 1, units at stage 2, ...]}``."""
    if not isinstance(counts, Mapping) or len(counts) < 2:
        raise InputError("counts", counts if not isinstance(counts, Mapping) else list(counts),
                         "a mapping variant -> units per stage with at least two variants (a control and a treatment)")
    rows = []
    for variant, values in counts.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            raise InputError("counts", values, f"a list of {len(stages)} unit counts, one per stage", variant=variant)
        try:
            row = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise InputError("counts", list(values), "numbers of units", variant=variant) from None
        if row.ndim != 1 or len(row) != len(stages):
            raise InputError("counts", list(values), f"{len(stages)} unit counts, one per stage {list(stages)}",
                             variant=variant)
        bad = ~np.isfinite(row) | (row < 0) | (row != np.round(row))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(f"units at stage {stages[k]!r}", values[k], "a whole number >= 0", variant=variant)
        if row[0] == 0:
            raise InputError(f"units at stage {stages[0]!r}", 0, "at least one unit at the first stage",
                             variant=variant)
        grows = np.flatnonzero(np.diff(row) > 0)
        if grows.size:
            k = int(grows[0]) + 1
            raise InputError(
                f"units at stage {stages[k]!r}", values[k],
                f"<= units at the stage before it, {stages[k - 1]!r} ({row[k - 1]:.0f}): a unit at a stage "
                "reached every earlier stage, so counts cannot grow along the funnel", variant=variant)
        rows.append(row)
    return FunnelCounts(stages, tuple(counts), np.vstack(rows))
