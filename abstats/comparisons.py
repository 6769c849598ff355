"""Treatment-vs-control comparison rows of one metric: the input every method scores.

Method-neutral: every method (frequentist, sequential, Bayesian) reads these sets, and
this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from abstats.data import ExperimentData
from abstats.data.columns import FactorisedLabels
from abstats.errors import ConfigError, InputError
from abstats.inference.srm import TwoArmSrmP, exact_binomial_p_value, srm_p_values
from abstats.metrics import Metric
from abstats.result.result import constant
from abstats.statistics import SufficientStats
from abstats.vocabulary import Family, SrmTest


@dataclass(frozen=True, eq=False)
class ComparisonSet:
    """Paired control / treatment statistics of one metric, with the Result's identity columns.

    ``experiment_code`` numbers the experiments (families of multiple-testing corrections);
    ``row_values`` holds per-row values of settings given as a :class:`~abstats.Column`
    (e.g. ``planned_n``), one per comparison row; ``one_per_experiment``: known by construction to
    hold one comparison per experiment (every correction within an experiment then leaves it as it is).
    """

    metric: Metric
    control: SufficientStats
    treatment: SufficientStats
    identity: dict[str, np.ndarray]
    experiment_code: np.ndarray
    row_values: dict[str, np.ndarray] = field(default_factory=dict)
    one_per_experiment: bool = False

    def __len__(self) -> int:
        return len(self.control)

    def take(self, rows: np.ndarray) -> ComparisonSet:
        """The comparison rows ``rows`` (a boolean mask or indices), every column kept aligned."""
        return ComparisonSet(
            self.metric,
            self.control.take(rows),
            self.treatment.take(rows),
            {name: np.asarray(values)[rows] for name, values in self.identity.items()},
            self.experiment_code[rows],
            {name: values[rows] for name, values in self.row_values.items()},
            self.one_per_experiment,  # a subset of rows keeps it
        )

    def no_traffic(self) -> np.ndarray:
        """Rows whose control or treatment received no units (n = 0): nothing to compare."""
        return (self.control.n == 0) | (self.treatment.n == 0)


def from_experiment_data(
    data: ExperimentData,
    control: Any,
    expected_split: Mapping[Any, float] | np.ndarray | None,
    row_values: Mapping[str, np.ndarray] | None = None,
    srm: SrmTest = "chi_square",
) -> ComparisonSet:
    """Pair every treatment row with its experiment's control and run the SRM check per experiment.

    ``control`` is one variant name or an array naming each row's control; ``expected_split`` a
    mapping of variant -> share, or an array with each row's planned share; ``row_values`` arrays
    aligned with the data's rows, kept for the treatment rows.
    """
    p = data.pair(control)
    c, t = p.control_rows, p.treatment_rows
    srm_p = srm_p_values(data.stats.n, p.experiment_code, _expected_share(data, expected_split), srm)
    variants = data.factorisation(data.variant)
    identity = {
        "experiment": data.experiment[t],
        "control": _labels_of(data.variant, c, variants),
        "treatment": _labels_of(data.variant, t, variants),
        "srm_p_value": srm_p[p.experiment_code[t]],
    }
    kept = {name: np.asarray(values)[t] for name, values in (row_values or {}).items()}
    return _build(data.metric, data.stats.take(c), data.stats.take(t), identity, p.experiment_code[t], kept,
                  one_per_experiment=len(t) == p.n_experiments)


def from_pairs(
    metric: Metric,
    control: SufficientStats,
    treatment: SufficientStats,
    experiment: np.ndarray | None,
    treatment_share: float,
    srm: SrmTest = "chi_square",
) -> ComparisonSet:
    """Rows already paired (row i of ``control`` against row i of ``treatment``): the batch fast path."""
    rows = len(control)
    codes = np.arange(rows)  # each row its own experiment
    labels = codes if experiment is None else np.asarray(experiment)
    srm_p: np.ndarray | TwoArmSrmP
    if srm == "exact":
        srm_p = exact_binomial_p_value(treatment.n, control.n + treatment.n, np.full(rows, treatment_share))
    else:  # computed when the Result's column is first read; the SRM gate reads TwoArmSrmP.below
        srm_p = TwoArmSrmP(control.n, treatment.n, treatment_share)
    identity = {
        "experiment": labels,
        "control": constant("control", rows),
        "treatment": constant("treatment", rows),
        # a deferred column passes for an array: every numpy reader gets the p-values through __array__
        "srm_p_value": cast(np.ndarray, srm_p),
    }
    return _build(metric, control, treatment, identity, codes, one_per_experiment=True)


def family_groups(sets: list[ComparisonSet], family: Family) -> np.ndarray:
    """Family id per row: experiment x metric, or experiment x role across metrics (one family per role)."""
    if len(sets) == 1:
        return sets[0].experiment_code
    codes, _ = pd.factorize(np.concatenate([s.identity["experiment"] for s in sets]))
    if family == "experiment":
        roles = ("primary", "secondary", "guardrail")
        role_index = np.concatenate([np.full(len(s), roles.index(s.metric.role)) for s in sets])
        return codes * len(roles) + role_index
    metric_index = np.concatenate([np.full(len(s), i) for i, s in enumerate(sets)])
    return codes * len(sets) + metric_index


CUPED_COLUMNS = ("cuped", "cuped_theta", "variance_reduction")


def with_cuped_columns(sets: list[ComparisonSet]) -> list[ComparisonSet]:
    """The sets, where some metric is CUPED-adjusted and others not, all with the CUPED columns (False / NaN)."""
    if not any("cuped" in s.identity for s in sets) or all("cuped" in s.identity for s in sets):
        return sets
    out = []
    for s in sets:
        if "cuped" not in s.identity:
            rows = len(s)
            filled = {"cuped": np.zeros(rows, dtype=bool), "cuped_theta": np.full(rows, np.nan),
                      "variance_reduction": np.full(rows, np.nan)}
            s = ComparisonSet(s.metric, s.control, s.treatment, {**s.identity, **filled}, s.experiment_code,
                              s.row_values, s.one_per_experiment)
        out.append(s)
    return out


def _build(
    metric: Metric,
    control: SufficientStats,
    treatment: SufficientStats,
    identity: dict[str, np.ndarray],
    experiment_code: np.ndarray,
    row_values: dict[str, np.ndarray] | None = None,
    one_per_experiment: bool = False,
) -> ComparisonSet:
    """The comparison set; statistics with a pre-period covariate are CUPED-adjusted here, once, for every method."""
    rows = len(control)
    covariate = getattr(metric, "covariate", None)
    with np.errstate(divide="ignore", invalid="ignore"):  # rows without units: 0 / 0, reported as no_traffic
        adjustment = control.regression_adjusted(treatment, interaction=bool(covariate and covariate.interaction))
    if covariate is not None and adjustment is None:
        raise InputError("covariate", covariate.describe(), "statistics with the covariate's pre-period sums "
                         "(pre_sum, pre_sum_sq, pre_cross_sum; a ratio's PRE_RATIO_FIELDS)", metric=metric.name)
    columns = {
        "experiment": identity["experiment"],
        "metric": constant(metric.name, rows),
        "metric_type": constant(metric.kind, rows),
        "higher_is_better": constant(metric.higher_is_better, rows),
        "role": constant(metric.role, rows),
        "control": identity["control"],
        "treatment": identity["treatment"],
        "control_n": control.n,
        "treatment_n": treatment.n,
        "srm_p_value": identity["srm_p_value"],
    }
    if adjustment is not None:
        control, treatment = adjustment.control, adjustment.treatment
        columns.update(adjustment.columns())
    return ComparisonSet(metric, control, treatment, columns, experiment_code, row_values or {}, one_per_experiment)


def _labels_of(labels: np.ndarray, rows: np.ndarray, factorised: FactorisedLabels | None) -> np.ndarray:
    """``labels[rows]``; one label repeated (a read-only view) when the codes show every row holds the same
    one, e.g. the control's name: picking 1e5 object pointers costs as much as a p-value column."""
    if factorised is not None and len(rows):
        codes = factorised.codes[rows]
        if (codes == codes[0]).all():
            return np.broadcast_to(labels[rows[:1]], (len(rows),))  # the label object itself, same dtype
    return labels[rows]


def _expected_share(d: ExperimentData, expected_split: Mapping[Any, float] | np.ndarray | None) -> np.ndarray | None:
    """Each row's planned share (None: an equal split)."""
    if expected_split is None:
        return None
    if isinstance(expected_split, np.ndarray):
        bad = ~np.isfinite(expected_split) | (expected_split <= 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ConfigError("expected_split", expected_split[row], "a positive share in every row",
                              variant=d.variant[row], experiment=d.experiment[row])
        return expected_split
    for name, share in expected_split.items():
        if not (isinstance(share, (int, float)) and np.isfinite(share) and share > 0):
            raise ConfigError("expected_split", {name: share}, "a positive share for every variant")
    missing = [v for v in pd.unique(d.variant) if v not in expected_split]
    if missing:
        raise ConfigError("expected_split", dict(expected_split), f"a share for every variant (missing {missing[0]!r})")
    return np.array([expected_split[v] for v in d.variant], dtype=float)
