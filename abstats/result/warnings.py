"""Warnings that any method may attach to result rows: a stable code and a message naming the numbers.

A method's own warnings (e.g. MCMC diagnostics) live in its ``Method.warnings``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from abstats.funnel.reasons import selection_warning
from abstats.result.reasons import ColumnText, Rows, texts

Row = Mapping[str, Any]
Settings = Mapping[str, Any]


def _srm_many(rows: Rows, settings: Settings) -> list[str]:
    head = f"sample-ratio mismatch: {'exact-test' if settings.get('srm_test') == 'exact' else 'chi-square'} p = "
    tail = (f" < {settings.get('srm_alpha', 0.001):g} against the planned split; the assignment may be broken "
            "and effects biased")
    return [f"{head}{p}{tail}" for p in texts(rows["srm_p_value"], ".3g")]


_srm = ColumnText(_srm_many)


def _few_conversions(row: Row, settings: Settings) -> str:
    return (
        "fewer than 10 conversions or non-conversions in an arm: the normal approximation is unreliable; "
        "consider binary_test='fisher' and binary_interval='newcombe'"
    )


def _zero_variance(row: Row, settings: Settings) -> str:
    return "both arms have zero variance (all units identical): the test is degenerate"


def _relative_undefined_many(rows: Rows, settings: Settings) -> list[str]:
    tail = "): needs positive estimates" + (
        " and a control mean significantly different from 0 (Fieller)"
        if settings.get("relative_interval") == "fieller"
        else ""
    )
    return [f"relative effect or its interval is undefined (control = {c}, treatment = {t}{tail}"
            for c, t in zip(texts(rows["control_estimate"], ".4g"), texts(rows["treatment_estimate"], ".4g"),
                            strict=True)]


_relative_undefined = ColumnText(_relative_undefined_many)


def _heavy_tail(row: Row, settings: Settings) -> str:
    return (
        "mostly-zero, heavy-tailed values: too few non-zero units for the normal approximation of the mean "
        "(rule: n > 355 skewness^2 and >= 30 non-zero units per arm; Kohavi et al. 2014); intervals and "
        "p-values may be off, collect more data or use the revenue model"
    )


def _cuped_fallback(row: Row, settings: Settings) -> str:
    return (
        "CUPED not applied: the pre-period covariate has no variance across the two arms (a constant covariate "
        "cannot predict anything); this row is the unadjusted analysis"
    )


def _cuped_binary_normal(row: Row, settings: Settings) -> str:
    return (
        "CUPED on a binary metric: the regression-adjusted rate difference (y - theta x is no longer 0/1) is "
        "read by a normal approximation with ddof = 1 variances, not by exact Beta-Binomial posteriors, "
        "Fisher's test or the pooled z-test"
    )


def _adaptive_allocation(row: Row, settings: Settings) -> str:
    return (
        "adaptively allocated (bandit) data: the split followed the outcomes, so fixed-horizon p-values and "
        "intervals can be biased; read the posterior (method='bayesian'), stratify by allocation period if "
        "conversion varies over time, and the SRM check expects the traffic-weighted allocation history"
    )


MESSAGES: dict[str, Callable[[Row, Settings], str]] = {
    "srm": _srm,
    "few_conversions": _few_conversions,
    "zero_variance": _zero_variance,
    "relative_undefined": _relative_undefined,
    "heavy_tail": _heavy_tail,
    "funnel_selection": selection_warning,
    "cuped_fallback": _cuped_fallback,
    "cuped_binary_normal": _cuped_binary_normal,
    "adaptive_allocation": _adaptive_allocation,
}


