"""``analyze``: data -> sufficient statistics -> method -> estimate -> decision -> Result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from abstats.checks import check_choice, check_open_unit
from abstats.data import ExperimentData, from_aggregates
from abstats.data.experiment import Pairing
from abstats.errors import ConfigError, InputError
from abstats.frequentist.decision import fixed_horizon_decision
from abstats.frequentist.engine import score_pairs
from abstats.frequentist.multiple_testing import adjust_p_values, interval_alpha
from abstats.frequentist.settings import FrequentistSettings
from abstats.frequentist.srm import srm_test
from abstats.metrics import Metric
from abstats.result import Result

METHODS = ("frequentist",)


def analyze(
    data: Any,
    *,
    control: str,
    metric: Metric | Sequence[Metric] | None = None,
    method: str = "frequentist",
    variant: str = "variant",
    experiment: str | None = None,
    expected_split: Mapping[str, float] | None = None,
    srm_alpha: float = 0.001,
    **options: Any,
) -> Result:
    """Score every treatment against the control, for one or many experiments and metrics.

    Parameters
    ----------
    data
        :class:`~abstats.data.ExperimentData`, a list of them (one per metric), or a
        pandas/polars DataFrame or mapping of aggregates (then ``metric`` says which columns).
    control
        Name of the control variant (the same in every experiment).
    metric
        Metric(s) to read from an aggregate table.
    method
        ``"frequentist"``.
    expected_split
        Planned share of units per variant for the sample-ratio-mismatch check
        (default: equal split).
    srm_alpha
        SRM p-value below which the ``srm`` warning fires (default 0.001).
    **options
        Method settings, e.g. for ``"frequentist"`` the fields of
        :class:`~abstats.frequentist.settings.FrequentistSettings`
        (``alpha``, ``alternative``, ``correction``, ``binary_test``, ``margin``...).

    Returns
    -------
    Result
        One row per experiment x metric x treatment.

    Examples
    --------
    >>> import abstats
    >>> table = {"variant": ["control", "B"], "n": [10000, 10000], "conversions": [500, 560]}
    >>> r = abstats.analyze(table, metric=abstats.BinaryMetric("signup"), control="control")
    >>> float(r.p_value[0].round(4)), r.decision[0]
    (0.0583, 'inconclusive')
    """
    check_choice("method", method, METHODS)
    check_open_unit("srm_alpha", srm_alpha)
    settings = _frequentist_settings(options)
    datasets = _as_datasets(data, metric, variant, experiment)
    pairings = [d.pair(control) for d in datasets]

    base = [_identity_columns(d, p, control, expected_split) for d, p in zip(datasets, pairings)]
    groups = _family_groups(datasets, pairings, settings.family)
    ci_alpha = interval_alpha(settings.alpha, groups, settings.correction)

    parts, flag_parts = [], []
    offset = 0
    for d, p in zip(datasets, pairings):
        rows = len(p.treatment_rows)
        cols, flags = score_pairs(
            d.stats.take(p.control_rows),
            d.stats.take(p.treatment_rows),
            settings,
            higher_is_better=d.metric.higher_is_better,
            interval_alpha=ci_alpha[offset : offset + rows],
        )
        parts.append(cols)
        flag_parts.append(flags)
        offset += rows

    columns = _concat([{**b, **c} for b, c in zip(base, parts)])
    flags = _concat_flags(flag_parts)
    flags["srm"] = columns["srm_p_value"] < srm_alpha
    columns["p_value_adjusted"] = _adjust(columns["p_value"], groups, settings.correction)
    decision, rules = fixed_horizon_decision(
        columns["p_value_adjusted"],
        columns["effect"],
        columns["higher_is_better"].astype(bool),
        columns["control_n"],
        columns["treatment_n"],
        settings,
    )
    columns["decision"] = decision
    recorded = {
        **settings.to_dict(),
        "control": control,
        "srm_alpha": srm_alpha,
        "expected_split": dict(expected_split) if expected_split else "equal",
    }
    return Result("frequentist", recorded, columns, rules, {k: v for k, v in flags.items()})


def _frequentist_settings(options: Mapping[str, Any]) -> FrequentistSettings:
    allowed = {f.name for f in fields(FrequentistSettings)}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(unknown[0], options[unknown[0]], "a frequentist option: " + ", ".join(sorted(allowed)))
    return FrequentistSettings(**options)


def _as_datasets(data: Any, metric: Any, variant: str, experiment: str | None) -> list[ExperimentData]:
    if isinstance(data, ExperimentData):
        return [data]
    if isinstance(data, Sequence) and data and all(isinstance(d, ExperimentData) for d in data):
        return list(data)
    if metric is None:
        raise InputError("metric", None, "a metric (or list of metrics) saying which aggregate columns to read")
    metrics = list(metric) if isinstance(metric, Sequence) else [metric]
    return [from_aggregates(data, m, variant=variant, experiment=experiment) for m in metrics]


def _identity_columns(
    d: ExperimentData, p: Pairing, control: str, expected_split: Mapping[str, float] | None
) -> dict[str, np.ndarray]:
    c, t = p.control_rows, p.treatment_rows
    share = _expected_share(d, expected_split)
    _, srm_p = srm_test(d.stats.n, p.experiment_code, share)
    rows = len(t)
    return {
        "experiment": d.experiment[t],
        "metric": np.full(rows, d.metric.name, dtype=object),
        "metric_type": np.full(rows, d.metric.kind, dtype=object),
        "higher_is_better": np.full(rows, d.metric.higher_is_better),
        "control": d.variant[c],
        "treatment": d.variant[t],
        "control_n": d.stats.n[c],
        "treatment_n": d.stats.n[t],
        "srm_p_value": srm_p[p.experiment_code[t]],
    }


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


def _family_groups(datasets: list[ExperimentData], pairings: list[Pairing], family: str) -> np.ndarray:
    experiments = np.concatenate([d.experiment[p.treatment_rows] for d, p in zip(datasets, pairings)])
    codes, _ = pd.factorize(experiments)
    if family == "experiment":
        return codes
    metric_index = np.concatenate([np.full(len(p.treatment_rows), i) for i, p in enumerate(pairings)])
    return codes * len(datasets) + metric_index


def _adjust(p: np.ndarray, groups: np.ndarray, correction: str) -> np.ndarray:
    """Adjust the defined p-values; rows whose test is undefined stay NaN and leave their family."""
    ok = ~np.isnan(p)
    out = np.full(len(p), np.nan)
    out[ok] = adjust_p_values(p[ok], groups[ok], correction)
    return out


def _concat_flags(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Warning flags of every metric; a code one metric kind never raises is False for its rows."""
    codes = list(dict.fromkeys(code for part in parts for code in part))
    return {
        code: np.concatenate([part.get(code, np.zeros(len(next(iter(part.values()))), dtype=bool)) for part in parts])
        for code in codes
    }


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if len(parts) == 1:
        return dict(parts[0])
    keys = parts[0].keys()
    return {k: np.concatenate([part[k] for part in parts]) for k in keys}
