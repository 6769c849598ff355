"""Treatment-vs-control comparison rows of one metric: the input every method scores.

Method-neutral: every method (frequentist, sequential, Bayesian) reads these sets, and
this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from abstats.data import ExperimentData
from abstats.errors import ConfigError
from abstats.inference.srm import srm_test, srm_two_arm
from abstats.metrics import Metric
from abstats.result.result import constant
from abstats.statistics import SufficientStats
from abstats.vocabulary import Family


@dataclass(frozen=True, eq=False)
class ComparisonSet:
    """Paired control / treatment statistics of one metric, with the Result's identity columns.

    ``experiment_code`` numbers the experiments (families of multiple-testing corrections).
    """

    metric: Metric
    control: SufficientStats
    treatment: SufficientStats
    identity: dict[str, np.ndarray]
    experiment_code: np.ndarray

    def __len__(self) -> int:
        return len(self.control)


def from_experiment_data(
    data: ExperimentData, control: str | int, expected_split: Mapping[str, float] | None
) -> ComparisonSet:
    """Pair every treatment row with its experiment's control and run the SRM check per experiment."""
    p = data.pair(control)
    c, t = p.control_rows, p.treatment_rows
    _, srm_p = srm_test(data.stats.n, p.experiment_code, _expected_share(data, expected_split))
    identity = {
        "experiment": data.experiment[t],
        "control": data.variant[c],
        "treatment": data.variant[t],
        "srm_p_value": srm_p[p.experiment_code[t]],
    }
    return _build(data.metric, data.stats.take(c), data.stats.take(t), identity, p.experiment_code[t])


def from_pairs(
    metric: Metric,
    control: SufficientStats,
    treatment: SufficientStats,
    experiment: np.ndarray | None,
    treatment_share: float,
) -> ComparisonSet:
    """Rows already paired (row i of ``control`` against row i of ``treatment``): the batch fast path."""
    rows = len(control)
    labels = np.arange(rows) if experiment is None else np.asarray(experiment)
    _, srm_p = srm_two_arm(control.n, treatment.n, treatment_share)
    identity = {
        "experiment": labels,
        "control": constant("control", rows),
        "treatment": constant("treatment", rows),
        "srm_p_value": srm_p,
    }
    return _build(metric, control, treatment, identity, np.arange(rows))


def family_groups(sets: list[ComparisonSet], family: Family) -> np.ndarray:
    """Family id per row: experiment x metric, or experiment across metrics."""
    if len(sets) == 1:
        return sets[0].experiment_code
    codes, _ = pd.factorize(np.concatenate([s.identity["experiment"] for s in sets]))
    if family == "experiment":
        return codes
    metric_index = np.concatenate([np.full(len(s), i) for i, s in enumerate(sets)])
    return codes * len(sets) + metric_index


def _build(
    metric: Metric,
    control: SufficientStats,
    treatment: SufficientStats,
    identity: dict[str, np.ndarray],
    experiment_code: np.ndarray,
) -> ComparisonSet:
    rows = len(control)
    columns = {
        "experiment": identity["experiment"],
        "metric": constant(metric.name, rows),
        "metric_type": constant(metric.kind, rows),
        "higher_is_better": constant(metric.higher_is_better, rows),
        "control": identity["control"],
        "treatment": identity["treatment"],
        "control_n": control.n,
        "treatment_n": treatment.n,
        "srm_p_value": identity["srm_p_value"],
    }
    return ComparisonSet(metric, control, treatment, columns, experiment_code)


def _expected_share(d: ExperimentData, expected_split: Mapping[str, float] | None) -> np.ndarray:
    if expected_split is None:
        return np.ones(len(d))
    for name, share in expected_split.items():
        if not (isinstance(share, (int, float)) and np.isfinite(share) and share > 0):
            raise ConfigError("expected_split", {name: share}, "a positive share for every variant")
    missing = [v for v in pd.unique(d.variant) if v not in expected_split]
    if missing:
        raise ConfigError("expected_split", dict(expected_split), f"a share for every variant (missing {missing[0]!r})")
    return np.array([expected_split[v] for v in d.variant], dtype=float)
