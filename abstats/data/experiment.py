"""The container every method consumes: labelled rows of sufficient statistics for one metric."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from abstats.data.columns import FactorisedLabels
from abstats.errors import InputError
from abstats.metrics import Metric
from abstats.statistics import SufficientStats


@dataclass(frozen=True, eq=False)
class ExperimentData:
    """Sufficient statistics of one metric, one row per experiment x variant.

    Attributes
    ----------
    metric
        The metric definition (name, kind, direction).
    experiment, variant
        Labels of each row (object arrays of equal length).
    stats
        :class:`~abstats.statistics.BinaryStats`, :class:`~abstats.statistics.MeanStats`
        or :class:`~abstats.statistics.RatioStats` aligned with the labels.
    factorised
        Factorisations of the label arrays the reader already made (optional); one is used only
        while it describes the very array held (``dataclasses.replace`` of the labels drops it).
    """

    metric: Metric
    experiment: np.ndarray
    variant: np.ndarray
    stats: SufficientStats
    factorised: tuple[FactorisedLabels, ...] = field(default=(), repr=False)

    def __len__(self) -> int:
        return len(self.stats)

    def factorisation(self, labels: np.ndarray) -> FactorisedLabels | None:
        """The reader's factorisation of ``labels`` (``self.experiment`` or ``self.variant``), if it made one."""
        return next((f for f in self.factorised if f.values is labels), None)

    def pair(self, control: Any) -> Pairing:
        """Match every treatment row with its experiment's control row, vectorised.

        ``control`` is one variant name, or an array giving each row's experiment's control.
        """
        return pair_rows(self.experiment, self.variant, control, self.metric.name,
                         experiment_labels=self.factorisation(self.experiment),
                         variant_labels=self.factorisation(self.variant))


@dataclass(frozen=True, eq=False)
class Pairing:
    """Row indices of each treatment-vs-control comparison (in input order of treatments)."""

    control_rows: np.ndarray
    treatment_rows: np.ndarray
    experiment_code: np.ndarray  # per input row: index of its experiment
    n_experiments: int


def pair_rows(
    experiment: np.ndarray,
    variant: np.ndarray,
    control: Any,
    metric: str,
    *,
    experiment_labels: FactorisedLabels | None = None,
    variant_labels: FactorisedLabels | None = None,
) -> Pairing:
    """Pair every treatment row with its experiment's control row (``*_labels``: factorisations of
    ``experiment`` and ``variant`` the reader already made, so their labels are not hashed again)."""
    if experiment_labels is not None:
        codes, uniques = experiment_labels.codes, experiment_labels.uniques
    else:
        codes, uniques = pd.factorize(experiment, sort=False)
    n_exp = len(uniques)
    per_row = np.ndim(control) > 0
    if per_row:
        # one control name per experiment: every row of an experiment must name the same one
        first = np.zeros(n_exp, dtype=np.intp)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        control_of_exp = np.asarray(control, dtype=object)[first]
        differs = np.flatnonzero(np.asarray(control, dtype=object) != control_of_exp[codes])
        if len(differs):
            row = int(differs[0])
            raise InputError("control", control[row], f"one control per experiment (this experiment names "
                             f"{control_of_exp[codes[row]]!r} too)", metric=metric, experiment=uniques[codes[row]])
        is_control = variant == control_of_exp[codes]
    else:
        # one name for every experiment: a broadcast view, not n_exp object pointers (read in errors only)
        control_of_exp = np.broadcast_to(np.asarray(control, dtype=object), (n_exp,))
        named = None if variant_labels is None else np.flatnonzero(variant_labels.uniques == control)
        if variant_labels is not None and named is not None and len(named) <= 1:
            # the distinct names compared, then their codes
            is_control = variant_labels.codes == (named[0] if len(named) else -1)
        else:
            is_control = variant == control
        if not is_control.any():
            known = ", ".join(repr(v) for v in pd.unique(variant)[:10])
            raise InputError("control", control, f"one of the variant names ({known})", metric=metric)
    per_exp = np.bincount(codes, minlength=n_exp)
    control_idx = np.flatnonzero(is_control)
    control_codes = codes[control_idx]
    controls_per_exp = np.bincount(control_codes, minlength=n_exp)
    missing = np.flatnonzero(controls_per_exp == 0)
    if len(missing):
        raise InputError(
            "control", control_of_exp[missing[0]], "a variant of that experiment", metric=metric,
            experiment=uniques[missing[0]],
        )
    dup = np.flatnonzero(controls_per_exp > 1)
    if len(dup):
        raise InputError(
            "variant", control_of_exp[dup[0]], "each variant once per experiment (found the control twice)",
            metric=metric, experiment=uniques[dup[0]],
        )
    single = np.flatnonzero(per_exp < 2)
    if len(single):
        raise InputError(
            "variant", f"only {control_of_exp[single[0]]!r}", "at least two variants (a control and a treatment)",
            metric=metric, experiment=uniques[single[0]],
        )
    # Duplicate treatment names within one experiment would silently double-count a comparison. With one
    # control each, only experiments of three or more rows hold two treatments that could share a name.
    wide = np.flatnonzero(per_exp[codes] > 2) if n_exp and per_exp.max() > 2 else ()
    if len(wide):
        variant_code, variant_names = pd.factorize(variant[wide], sort=False)
        cell = codes[wide].astype(np.int64) * len(variant_names) + variant_code
        if np.bincount(cell).max() > 1:
            first_seen = pd.Index(cell).duplicated()
            row = int(wide[np.flatnonzero(first_seen)[0]])
            raise InputError(
                "variant", variant[row], "each variant once per experiment", metric=metric,
                experiment=uniques[codes[row]],
            )
    control_row_of_exp = np.empty(n_exp, dtype=np.intp)
    control_row_of_exp[control_codes] = control_idx
    treatment_rows = np.flatnonzero(~is_control)
    return Pairing(control_row_of_exp[codes[treatment_rows]], treatment_rows, codes, n_exp)
