"""Every stage of a funnel compared between variants, with any registered method, as one Result.

Rows (each treatment against the control):

* ``<stage>`` (``base="first"``, the default): units reaching the stage out of the first stage's units.
  Every unit that entered the funnel is in the denominator of both arms, so the comparison keeps the
  randomisation: these rows are the ones to decide on.
* ``<stage> | <previous>`` (``base="previous"``): the stage-to-stage conversion, conditional on the
  previous stage. The units reaching the previous stage are a selected group - a treatment that
  brings weaker visitors to the cart changes who is compared at checkout - so these comparisons are
  NOT randomised; they locate a change, they do not prove it. A row gets the warning
  ``funnel_selection`` when its denominators differ between arms beyond chance (a pooled two-proportion
  z-test of the share of first-stage units reaching the previous stage, p < ``selection_alpha``).
* ``overall``: last stage out of first stage, the funnel's conversion (role ``primary``: it decides
  the experiment's verdict, with any attached metric of role primary).
* the attached metrics (revenue per visitor, average order value...), as they were defined.

The tests themselves are the method's: the rows are binary sufficient statistics (n = the
denominator's units, conversions = the stage's units) scored by :func:`abstats.analyze`, so the
frequentist z-test, the Bayesian beta-binomial and the sequential methods all apply unchanged.
The multiple-testing correction of methods that have one runs over the stage rows as one family
(``family="experiment"``: one family per role; stage rows have role ``secondary``), recorded in the
Result's settings.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np

from abstats.checks import check_open_unit
from abstats.data.experiment import ExperimentData
from abstats.errors import ConfigError, InputError
from abstats.metrics import BinaryMetric
from abstats.statistics import BinaryStats

if TYPE_CHECKING:
    from abstats.funnel.counts import FunnelCounts
    from abstats.methods.base import MethodSettings
    from abstats.result import Result
    from abstats.vocabulary import OnSrm

BASES = ("first", "previous", "both")
OVERALL = "overall"


def analyze_funnel(
    counts: FunnelCounts,
    *,
    control: Any,
    method: str | MethodSettings,
    base: str,
    selection_alpha: float,
    srm_alpha: float,
    on_srm: OnSrm,
    options: dict[str, Any],
) -> Result:
    """Compare every stage of ``counts`` between each treatment and ``control``.

    Parameters
    ----------
    counts
        Units per variant and stage (:meth:`abstats.Funnel.from_counts` / :meth:`~abstats.Funnel.from_events`).
    control
        The control variant.
    method, options
        A registered method's name and its options (``alpha``, ``correction``...) or its settings
        object, as in :func:`abstats.analyze`. For a method with multiple-testing families the
        default family here is ``"experiment"`` (the stage rows are corrected together).
    base
        ``"first"`` (default): each stage out of the first stage's units (randomised);
        ``"previous"``: each stage out of the previous stage's units (conditional, not randomised);
        ``"both"``.
    selection_alpha
        Level of the test that flags conditional rows whose denominators differ between arms.
    srm_alpha, on_srm
        As in :func:`abstats.analyze`; the SRM check is on the first stage's units.

    Returns
    -------
    Result
        Rows per treatment: the stages, ``overall`` and the attached metrics. ``settings["funnel"]``
        holds the counts, the bottleneck of every variant and the stage where each treatment differs
        most; the overall row's reason names them; ``Result.plot_funnel()`` and
        ``Result.plot_stage_effects()`` draw them.

    Examples
    --------
    >>> import abstats
    >>> counts = abstats.Funnel(["visit", "cart", "purchase"]).from_counts(
    ...     {"control": [10000, 3000, 900], "treatment": [10000, 3300, 1000]})
    >>> r = counts.analyze(control="control")
    >>> r["metric"].tolist(), r.decision.tolist()
    (['cart', 'purchase', 'overall'], ['stop_winner', 'stop_winner', 'stop_winner'])
    """
    from abstats.analysis import analyze
    from abstats.methods.base import MethodSettings
    from abstats.methods.registry import METHODS
    from abstats.result import Result

    if not isinstance(method, (str, MethodSettings)):  # analyze's None (a bandit's default) has no funnel meaning
        raise ConfigError("method", method, "a registered method's name or its settings object")
    if base not in BASES:
        raise ConfigError("base", base, "'first' (randomised, default), 'previous' (conditional) or 'both'")
    selection_alpha = check_open_unit("selection_alpha", selection_alpha)
    if control not in counts.variants:
        raise InputError("control", control, f"one of the funnel's variants {list(counts.variants)}")
    options = dict(options)
    if isinstance(method, str) and "family" not in options:
        found = METHODS.get(method)
        if "family" in {f.name for f in fields(found.settings_type)}:
            options["family"] = "experiment"  # the stage rows (role secondary) form one family
    stages = counts.stages
    names = [m.metric.name for m in counts.metrics]
    reserved = {*stages[1:], OVERALL, *(f"{s} | {p}" for p, s in zip(stages, stages[1:], strict=False))}
    clash = next((n for n in names if n in reserved), None)
    if clash is not None:
        raise ConfigError("metrics", clash, "a metric name different from the funnel's row names "
                          f"({', '.join(sorted(reserved))})")
    first, rows = counts.counts[:, 0], {}
    main: list[ExperimentData] = []
    if base in ("first", "both"):
        for k in range(1, len(stages)):
            main.append(_stage_data(counts, stages[k], first, counts.counts[:, k], "secondary"))
            rows[stages[k]] = {"kind": "stage", "stage": stages[k]}
    main.append(_stage_data(counts, OVERALL, first, counts.counts[:, -1], "primary"))
    rows[OVERALL] = {"kind": "overall", "stage": stages[-1]}
    main.extend(_same_experiment(m, counts) for m in counts.metrics)
    conditional: list[ExperimentData] = []
    if base in ("previous", "both"):
        # with "both" the second stage's conditional row would repeat its unconditional one
        for k in range(1 if base == "previous" else 2, len(stages)):
            name = f"{stages[k]} | {stages[k - 1]}"
            conditional.append(_stage_data(counts, name, counts.counts[:, k - 1], counts.counts[:, k], "secondary"))
            rows[name] = {"kind": "conditional", "stage": stages[k], "previous": stages[k - 1]}
    common = {"control": control, "method": method, "srm_alpha": srm_alpha}
    result = analyze(main, on_srm=on_srm, **common, **options)
    if conditional:
        # The stage sizes of conditional rows are not the randomised split: scored without the SRM
        # gate, then given the experiment's SRM check (first stage) and the selection check.
        extra = analyze(conditional, on_srm="warn", **common, **options)
        result = _with_conditional(result, extra, on_srm)
    treatments = [v for v in counts.variants if v != control]
    c = counts.variants.index(control)
    selection: dict[str, dict[str, float]] = {}
    for name, row in rows.items():
        if row["kind"] != "conditional":
            continue
        previous = stages.index(row["stage"]) - 1
        t_idx = np.array([counts.variants.index(t) for t in treatments])
        p = _reach_p_value(counts.counts[c, previous], first[c], counts.counts[t_idx, previous], first[t_idx])
        for t, value in zip(treatments, p.tolist(), strict=True):
            selection.setdefault(str(t), {})[name] = float(value)
    record = {
        **counts.to_record(),
        "control": control,
        "base": base,
        "rows": rows,
        "selection_alpha": selection_alpha,
        "selection_p": selection,
        "bottleneck": [{"variant": v, "stage": s, "drop_off": d} for v, (s, d) in counts.bottleneck().items()],
        "differs_most": _differs_most(counts, control, treatments),
        "decisions_from": "first-stage (randomised) comparisons and the overall row; conditional rows "
                          "(<stage> | <previous>) are not randomised",
        "correction_over": _correction_text(result.settings, base),
    }
    metric_names = np.asarray(result["metric"], dtype=object)
    treatment_names = np.asarray(result["treatment"], dtype=object)
    selected = np.array([
        selection.get(str(t), {}).get(m, 1.0) < selection_alpha for m, t in zip(metric_names, treatment_names,
                                                                                 strict=True)
    ], dtype=bool)
    flags = dict(result.warning_flags)
    if selected.any():
        flags["funnel_selection"] = selected
    settings = {**result.settings, "funnel": record}
    return Result(result.method, settings, result.columns, result.rules, flags)


def _reach_p_value(x_c: Any, n_c: Any, x_t: np.ndarray, n_t: np.ndarray) -> np.ndarray:
    """Two-sided pooled z-test p-value of the share of first-stage units reaching a stage, control vs treatment:
    the randomised test of whether a conditional row's denominators were selected differently. 1 where
    the share is the same by construction (the first stage; every unit or none reaching it)."""
    from abstats.frequentist.proportions import pooled_z
    from abstats.inference.normal import sf

    n_c = np.broadcast_to(np.asarray(n_c, dtype=float), np.shape(n_t))
    x_c = np.broadcast_to(np.asarray(x_c, dtype=float), np.shape(x_t))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = pooled_z(x_c, n_c, np.asarray(x_t, dtype=float), np.asarray(n_t, dtype=float))
    p = 2.0 * sf(np.abs(z))
    return np.where(np.isfinite(p), np.minimum(p, 1.0), 1.0)


def _stage_data(counts: FunnelCounts, name: str, n: np.ndarray, reached: np.ndarray, role: str) -> ExperimentData:
    metric = BinaryMetric(name, role=role)  # type: ignore[arg-type]
    stats = BinaryStats.from_arrays(n, reached, metric=name, variant=np.asarray(counts.variants, dtype=object))
    experiment = np.full(len(counts.variants), "funnel", dtype=object)
    return ExperimentData(metric, experiment, np.asarray(counts.variants, dtype=object), stats)


def _same_experiment(data: ExperimentData, counts: FunnelCounts) -> ExperimentData:
    """An attached metric's data labelled as the funnel's experiment, after checking it has the funnel's variants."""
    from dataclasses import replace

    if sorted(map(str, data.variant)) != sorted(map(str, counts.variants)):
        raise InputError("metrics", f"{data.metric.name!r} with variants {list(data.variant)}",
                         f"the funnel's variants {list(counts.variants)}, one row each")
    return replace(data, experiment=np.full(len(data), "funnel", dtype=object))


def _with_conditional(main: Result, extra: Result, on_srm: str) -> Result:
    """``main`` followed by the conditional rows, these carrying ``main``'s SRM p-value, flag and gate."""
    from abstats.result import Result

    both = Result.concat([main, extra])
    columns = dict(both.columns)
    srm_by_treatment = dict(zip(np.asarray(main["treatment"]).tolist(), np.asarray(main["srm_p_value"]).tolist(),
                                strict=False))
    m = len(main)
    srm_p = np.asarray(columns["srm_p_value"], dtype=float).copy()
    treatments = np.asarray(both["treatment"], dtype=object)
    srm_p[m:] = [srm_by_treatment[t] for t in treatments[m:].tolist()]
    columns["srm_p_value"] = srm_p
    srm = srm_p < float(main.settings["srm_alpha"])
    rules = np.array(both.rules, dtype=object)
    flags = {code: np.asarray(mask, dtype=bool).copy() for code, mask in both.warning_flags.items()}
    flags["srm"] = srm
    if on_srm == "gate" and srm[m:].any():
        decision = np.array(columns["decision"], dtype=object)
        gate = np.zeros(len(srm), dtype=bool)
        gate[m:] = srm[m:]
        decision[gate] = "investigate"
        rules[gate] = "srm"
        columns["decision"] = decision
    settings = {**main.settings, "metrics": {**main.settings["metrics"], **extra.settings["metrics"]}}
    return Result(main.method, settings, columns, rules, flags)


def _differs_most(counts: FunnelCounts, control: Any, treatments: list[Any]) -> list[dict[str, Any]]:
    """Per treatment: the stage whose stage-to-stage conversion differs most from the control's, relatively.

    Descriptive (the conditional rates locate the change; the randomised rows test it).
    """
    conv = counts.stage_conversion()
    c = counts.variants.index(control)
    out = []
    for t in treatments:
        i = counts.variants.index(t)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = conv[i] / conv[c] - 1.0
        finite = np.where(np.isfinite(rel), np.abs(rel), -1.0)
        k = int(np.argmax(finite))
        out.append({"treatment": t, "stage": counts.stages[k + 1], "control_rate": float(conv[c, k]),
                    "treatment_rate": float(conv[i, k]), "rel_diff": float(rel[k])})
    return out


def _correction_text(settings: Any, base: str) -> str:
    correction = settings.get("correction")
    if correction is None:
        return "none (the method has no multiple-testing correction)"
    if correction == "none":
        return "none"
    family = settings.get("family")
    if family == "experiment":
        stage_rows = ("the first-stage rows and, apart, the conditional rows" if base == "both"
                      else "the stage rows")
        return (f"{correction} over {stage_rows} (role secondary) of every treatment, each set one family; "
                "overall and the primary metrics apart")
    return f"{correction} within each metric (family={family!r}): each stage row is its own family"
