"""The words every part of abstats uses for its settings, defined once.

Analysis (``analyze``/``compare``), planning (``plan_*``), sequential designs, the
CLI and the Result's JSON schema all take these values, so a setting means the same
thing wherever it is given:

* ``alternative``: about treatment - control, ``"two-sided"``, ``"greater"`` or ``"less"``;
* ``correction``: the multiple-testing correction; ``"none"`` (a string) turns it off;
* ``margin_type``: a margin in the metric's own units (``"absolute"``, the default
  everywhere) or as a share of the control value (``"relative"``);
* ``hypothesis``: ``"superiority"`` or ``"non_inferiority"``;
* ``role`` of a metric: ``"primary"`` (decides), ``"secondary"`` (reported) or ``"guardrail"``
  (must not be harmed: a non-inferiority test against its own margin);
* ``verdict`` of an experiment: ``"ship"``, ``"dont_ship"``, ``"keep_running"`` or ``"investigate"``;
* ``srm_test``: the sample-ratio-mismatch test, ``"chi_square"`` or ``"exact"``;
* ``rule`` of a bandit allocation: ``"thompson"`` (weights = P(best)) or ``"top_two"`` (Russo 2020);
* ``alpha`` is a test's level; ``ci_level`` (Bayesian) the credible level of an interval.

Examples
--------
>>> from abstats.vocabulary import ALTERNATIVES, CORRECTIONS
>>> ALTERNATIVES
('two-sided', 'greater', 'less')
>>> CORRECTIONS[0]
'none'
"""

from __future__ import annotations

from typing import Literal, get_args

Alternative = Literal["two-sided", "greater", "less"]
Correction = Literal[
    "none", "bonferroni", "holm", "benjamini_hochberg", "benjamini_yekutieli", "hochberg", "sidak", "holm_sidak"
]
MarginType = Literal["absolute", "relative"]
Hypothesis = Literal["superiority", "non_inferiority"]
Family = Literal["experiment_metric", "experiment"]
MdeType = Literal["relative", "absolute"]
MetricKind = Literal["binary", "mean", "ratio", "quantile"]
Decision = Literal["stop_winner", "stop_loser", "stop_futility", "inconclusive", "continue", "investigate"]
Role = Literal["primary", "secondary", "guardrail"]
Verdict = Literal["ship", "dont_ship", "keep_running", "investigate"]
OnSrm = Literal["gate", "warn"]
SrmTest = Literal["chi_square", "exact"]
AllocationRule = Literal["thompson", "top_two"]

ALTERNATIVES: tuple[Alternative, ...] = get_args(Alternative)
CORRECTIONS: tuple[Correction, ...] = get_args(Correction)
MARGIN_TYPES: tuple[MarginType, ...] = get_args(MarginType)
HYPOTHESES: tuple[Hypothesis, ...] = get_args(Hypothesis)
FAMILIES: tuple[Family, ...] = get_args(Family)
MDE_TYPES: tuple[MdeType, ...] = get_args(MdeType)
METRIC_KINDS: tuple[MetricKind, ...] = get_args(MetricKind)
RATE_KINDS: frozenset[MetricKind] = frozenset({"binary"})
"""Metric kinds whose estimates are proportions: shown as percentages, their differences in percentage points."""
DECISIONS: tuple[Decision, ...] = get_args(Decision)
ROLES: tuple[Role, ...] = get_args(Role)
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
ON_SRM: tuple[OnSrm, ...] = get_args(OnSrm)
SRM_TESTS: tuple[SrmTest, ...] = get_args(SrmTest)
ALLOCATION_RULES: tuple[AllocationRule, ...] = get_args(AllocationRule)

# Corrections that control the family-wise error rate, and so come with simultaneous confidence
# intervals: at the Bonferroni level alpha / m (Bonferroni, Holm, Hochberg) or the Sidak level
# 1 - (1 - alpha)^(1/m) (Sidak, Holm-Sidak).
FAMILYWISE_CORRECTIONS: tuple[Correction, ...] = ("bonferroni", "holm", "hochberg", "sidak", "holm_sidak")
SIDAK_CORRECTIONS: tuple[Correction, ...] = ("sidak", "holm_sidak")

DEFAULT_ALTERNATIVE: Alternative = "two-sided"
DEFAULT_CORRECTION: Correction = "holm"
DEFAULT_MARGIN_TYPE: MarginType = "absolute"
