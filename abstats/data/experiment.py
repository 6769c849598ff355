"""The container every method consumes: labelled rows of sufficient statistics for one metric."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    """

    metric: Metric
    experiment: np.ndarray
    variant: np.ndarray
    stats: SufficientStats

    def __len__(self) -> int:
        return len(self.stats)

    def pair(self, control: str | int) -> Pairing:
        """Match every treatment row with its experiment's control row, vectorised."""
        return pair_rows(self.experiment, self.variant, control, self.metric.name)


@dataclass(frozen=True, eq=False)
class Pairing:
    """Row indices of each treatment-vs-control comparison (in input order of treatments)."""

    control_rows: np.ndarray
    treatment_rows: np.ndarray
    experiment_code: np.ndarray  # per input row: index of its experiment
    n_experiments: int


def pair_rows(experiment: np.ndarray, variant: np.ndarray, control: str | int, metric: str) -> Pairing:
    codes, uniques = pd.factorize(experiment, sort=False)
    is_control = variant == control
    if not is_control.any():
        known = ", ".join(repr(v) for v in pd.unique(variant)[:10])
        raise InputError("control", control, f"one of the variant names ({known})", metric=metric)
    n_exp = len(uniques)
    per_exp = np.bincount(codes, minlength=n_exp)
    controls_per_exp = np.bincount(codes[is_control], minlength=n_exp)
    missing = np.flatnonzero(controls_per_exp == 0)
    if len(missing):
        raise InputError(
            "control", control, "a variant present in every experiment", metric=metric, experiment=uniques[missing[0]]
        )
    dup = np.flatnonzero(controls_per_exp > 1)
    if len(dup):
        raise InputError(
            "variant", control, "each variant once per experiment (found the control twice)",
            metric=metric, experiment=uniques[dup[0]],
        )
    single = np.flatnonzero(per_exp < 2)
    if len(single):
        raise InputError(
            "variant", f"only {control!r}", "at least two variants (a control and a treatment)",
            metric=metric, experiment=uniques[single[0]],
        )
    # Duplicate treatment names within one experiment would silently double-count a comparison.
    variant_code, variant_names = pd.factorize(variant, sort=False)
    cell = codes.astype(np.int64) * len(variant_names) + variant_code
    if np.bincount(cell).max() > 1:
        first_seen = pd.Index(cell).duplicated()
        row = int(np.flatnonzero(first_seen)[0])
        raise InputError(
            "variant", variant[row], "each variant once per experiment", metric=metric, experiment=uniques[codes[row]]
        )
    control_row_of_exp = np.empty(n_exp, dtype=np.intp)
    control_idx = np.flatnonzero(is_control)
    control_row_of_exp[codes[control_idx]] = control_idx
    treatment_rows = np.flatnonzero(~is_control)
    return Pairing(control_row_of_exp[codes[treatment_rows]], treatment_rows, codes, n_exp)
