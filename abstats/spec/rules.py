"""The rules a CI check applies to a Result: a winner when required, no harmed guardrail, no SRM, enough sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from abstats.result import Result
    from abstats.spec.model import CheckRules, ExperimentSpec

# rule codes, in the order failures are reported
RULES = ("srm", "guardrail", "require_winner", "min_sample")


@dataclass(frozen=True)
class CheckOutcome:
    """What ``abstats check`` decided.

    Attributes
    ----------
    passed
        True when every declared rule holds (exit code 0; 1 otherwise).
    failures
        ``(rule, reason)`` per failing rule and place, rule one of ``srm``, ``guardrail``,
        ``require_winner``, ``min_sample``.
    verdicts
        ``Result.verdicts()``: one verdict per experiment, with its reason.
    """

    passed: bool
    failures: list[tuple[str, str]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "failures": [{"rule": rule, "reason": reason} for rule, reason in self.failures],
            "verdicts": self.verdicts,
        }


def check_rules(result: Result, spec: ExperimentSpec | CheckRules) -> CheckOutcome:
    """Apply the spec's check rules to ``result``.

    Parameters
    ----------
    result
        The spec's Result (``spec.run()``).
    spec
        The spec (its ``rules``), or the :class:`~abstats.spec.model.CheckRules` themselves.

    Examples
    --------
    >>> from abstats import ExperimentSpec
    >>> spec = ExperimentSpec.model_validate({
    ...     "data": {"aggregates": {"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 104]}},
    ...     "control": "A", "metrics": [{"kind": "binary", "name": "signup"}],
    ...     "rules": {"require_winner": True},
    ... })
    >>> outcome = check_rules(spec.run(), spec)
    >>> outcome.passed, [rule for rule, _ in outcome.failures]
    (False, ['require_winner'])
    """
    from abstats.spec.model import CheckRules

    rules = spec if isinstance(spec, CheckRules) else spec.rules
    verdicts = result.verdicts()
    failures: list[tuple[str, str]] = []
    experiment = np.asarray(result["experiment"], dtype=object)
    role = np.asarray(result["role"], dtype=object)
    decision = np.asarray(result["decision"], dtype=object)
    where = [_where(result, i) for i in range(len(result))]

    if rules.fail_on_srm:
        srm = np.asarray(result.warning_flags.get("srm", np.zeros(len(result), dtype=bool)), dtype=bool)
        for exp in dict.fromkeys(experiment[srm].tolist()):
            first = int(np.flatnonzero(srm & (experiment == exp))[0])
            p = float(result["srm_p_value"][first])
            failures.append(("srm", f"{_experiment(result, exp)}sample-ratio mismatch: SRM p = {p:.3g} < "
                                    f"srm_alpha = {result.settings.get('srm_alpha')}; the assignment may be broken"))
    if rules.fail_on_guardrail:
        rule = np.asarray(result.rules, dtype=object)
        harmed = (role == "guardrail") & ((decision == "stop_loser") | (rule == "margin_not_met"))
        failures += [("guardrail", f"{where[i]}: {result.reason(i)}") for i in np.flatnonzero(harmed).tolist()]
    if rules.require_winner:
        for exp in dict.fromkeys(experiment.tolist()):
            mine = experiment == exp
            primary = mine & (role == "primary")
            if not primary.any():
                failures.append(("require_winner", f"{_experiment(result, exp)}no primary metric declared"))
                continue
            treatments = np.asarray(result["treatment"], dtype=object)
            won = any(
                bool((decision[primary & (treatments == t)] == "stop_winner").all())
                for t in dict.fromkeys(treatments[primary].tolist())
            )
            if not won:
                row = int(np.flatnonzero(primary & (decision != "stop_winner"))[0])
                failures.append(("require_winner", f"no treatment won every primary metric; {where[row]}: "
                                                   f"{decision[row]}: {result.reason(row)}"))
    if rules.min_sample is not None:
        n = np.minimum(np.asarray(result["control_n"], dtype=float), np.asarray(result["treatment_n"], dtype=float))
        failures += [
            ("min_sample", f"{where[i]}: {int(n[i]):,} units in the smaller arm, below min_sample {rules.min_sample:,}")
            for i in np.flatnonzero(n < rules.min_sample).tolist()
        ]
    return CheckOutcome(passed=not failures, failures=failures, verdicts=verdicts)


def _experiment(result: Result, exp: Any) -> str:
    return f"experiment {exp}: " if len(set(result["experiment"].tolist())) > 1 else ""


def _where(result: Result, i: int) -> str:
    prefix = _experiment(result, result["experiment"][i])
    return (f"{prefix}{result['metric'][i]} ({result['role'][i]}), "
            f"{result['treatment'][i]} vs {result['control'][i]}")
