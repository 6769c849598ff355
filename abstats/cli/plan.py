"""``abstats plan``: sample size per arm, total n and days for a planned test (or its MDE / power)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from abstats.cli.output import abstats_errors
from abstats.errors import ConfigError
from abstats.vocabulary import DEFAULT_ALTERNATIVE, DEFAULT_CORRECTION, DEFAULT_MARGIN_TYPE

if TYPE_CHECKING:
    from abstats.metrics import Metric
    from abstats.planning import PlanningSettings
    from abstats.planning.duration import DurationPlan
    from abstats.planning.group_sequential import GroupSequentialPlan
    from abstats.planning.plan import SampleSizePlan


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to ``app``."""
    app.command("plan")(plan)


def plan(
    metric: str = typer.Option("binary", help="binary, mean or ratio"),
    lower_is_better: bool = typer.Option(
        False, "--lower-is-better", help="a decrease is the win (bounce rate): the direction of a margin test"
    ),
    baseline: float | None = typer.Option(None, help="control conversion rate (binary) or mean (mean)"),
    sd: float | None = typer.Option(None, help="per-unit standard deviation (mean metric)"),
    pre_period: str | None = typer.Option(
        None, "--pre-period", help="ratio metric: JSON of n, num_sum, den_sum, num_sum_sq, den_sum_sq, num_den_sum"
    ),
    mde: float | None = typer.Option(None, help="effect to detect; omit with --n-per-arm to solve for the MDE"),
    relative: bool = typer.Option(True, "--relative/--absolute", help="mde relative to the baseline or absolute"),
    alpha: float = typer.Option(0.05, help="significance level of the whole test"),
    power: float = typer.Option(0.8, help="target power"),
    alternative: str = typer.Option(DEFAULT_ALTERNATIVE, help="two-sided, greater or less (treatment - control)"),
    allocation: float = typer.Option(1.0, help="n_treatment / n_control"),
    treatments: int = typer.Option(1, help="treatment arms, each compared with the control"),
    correction: str = typer.Option(
        DEFAULT_CORRECTION, help="holm, bonferroni (both plan at alpha / treatments) or none"
    ),
    hypothesis: str = typer.Option("superiority", help="superiority or non_inferiority (with --margin)"),
    margin: float | None = typer.Option(None, help="margin of a one-sided test in the metric's better direction"),
    margin_type: str = typer.Option(DEFAULT_MARGIN_TYPE, "--margin-type", help="absolute or relative (to baseline)"),
    variance: str | None = typer.Option(None, help="pooled_null, unpooled, arcsine (binary); normal, t (mean)"),
    n_per_arm: float | None = typer.Option(None, "--n-per-arm", help="given control-arm size: solve for MDE or power"),
    design: str | None = typer.Option(
        None, help="group-sequential design (obrien_fleming, pocock, lan_demets_...): adds max and expected n"
    ),
    looks: int | None = typer.Option(None, help="equally spaced looks of the group-sequential design"),
    daily_traffic: float | None = typer.Option(None, "--daily-traffic", help="eligible units per day"),
    traffic_share: float = typer.Option(1.0, "--traffic-share", help="share of daily traffic in the test"),
    round_to: str = typer.Option("day", "--round-to", help="day or week"),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Size a test: n per arm, total n and days; or the MDE / power at a given n per arm.

    Example: abstats plan --metric binary --baseline 0.05 --mde 0.1 --relative --power 0.8 --daily-traffic 20000
    """
    # imported here, not at the top: `abstats --help` must not pay for numpy and scipy
    from abstats.planning import plan_group_sequential, plan_mde, plan_power, plan_sample_size
    from abstats.planning.duration import plan_duration

    with abstats_errors():
        if fmt not in ("table", "json"):
            raise ConfigError("format", fmt, "'table' or 'json'")
        chosen = _metric(metric, higher_is_better=not lower_is_better)
        settings: PlanningSettings = {
            "baseline": baseline,
            "sd": sd,
            "pre_period": None if pre_period is None else _json_sums(pre_period),
            "mde_type": "relative" if relative else "absolute",
            "alpha": alpha,
            "alternative": alternative,  # type: ignore[typeddict-item]  # checked by the planner
            "hypothesis": hypothesis,  # type: ignore[typeddict-item]
            "margin": margin,
            "margin_type": margin_type,  # type: ignore[typeddict-item]
            "allocation": allocation,
            "treatments": treatments,
            "correction": correction,  # type: ignore[typeddict-item]
            "variance": variance,
        }
        sequential = None
        if design is not None:
            if n_per_arm is not None or mde is None:
                raise ConfigError("design", design, "a sample-size plan (--mde given, no --n-per-arm)")
            sequential = plan_group_sequential(chosen, mde=mde, power=power, design=design, looks=looks, **settings)
            result = sequential.fixed
        elif n_per_arm is None:
            if mde is None:
                raise ConfigError("mde", None, "an effect to detect (or --n-per-arm to solve for the MDE)")
            result = plan_sample_size(chosen, mde=mde, power=power, **settings)
        elif mde is None:
            result = plan_mde(chosen, n_per_arm=n_per_arm, power=power, **settings)
        else:
            result = plan_power(chosen, n_per_arm=n_per_arm, mde=mde, **settings)
        duration = None
        if daily_traffic is not None:
            # A sequential test must be able to run to its maximum size.
            n_run = result.n_total if sequential is None else sequential.n_max_total
            duration = plan_duration(n_run, daily_traffic, traffic_share, round_to)
        if fmt == "json":
            payload = result.to_dict() if sequential is None else sequential.to_dict()
            if duration is not None:
                payload["duration"] = duration.to_dict()
            typer.echo(json.dumps(payload, indent=2))
        else:
            _print_table(result, sequential, duration)


def _metric(kind: str, *, higher_is_better: bool) -> Metric:
    """The metric object the planner takes, named after its kind (the command plans one metric)."""
    from abstats.metrics import BinaryMetric, MeanMetric, RatioMetric

    classes: dict[str, type[BinaryMetric | MeanMetric]] = {"binary": BinaryMetric, "mean": MeanMetric}
    if kind == "ratio":
        return RatioMetric("ratio", higher_is_better=higher_is_better)
    if kind not in classes:
        raise ConfigError("metric", kind, "one of 'binary', 'mean', 'ratio'")
    return classes[kind](kind, higher_is_better=higher_is_better)


def _json_sums(text: str) -> dict[str, Any]:
    try:
        sums = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError("pre_period", text, "a JSON object of pre-period sums") from None
    if not isinstance(sums, dict):
        raise ConfigError("pre_period", text, "a JSON object of pre-period sums")
    return sums


def _margin_rows(result: SampleSizePlan) -> list[tuple[str, str]]:
    if result.margin is None:
        return []
    return [("hypothesis", result.hypothesis), (f"margin ({result.margin_type})", f"{float(result.margin):.6g}")]


def _print_table(result: SampleSizePlan, sequential: GroupSequentialPlan | None, duration: DurationPlan | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"abstats plan · {result.metric.kind} · solved for {result.solved_for}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = []
    if result.baseline is not None:
        rows.append(("baseline", f"{float(result.baseline):.6g}"))
    rows += [
        (f"mde ({result.mde_type})", f"{float(result.mde):.6g}"),
        ("mde (absolute)", f"{float(result.mde_absolute):.6g}"),
        ("alpha per comparison", f"{float(result.alpha_per_comparison):.6g}"),
        ("power", f"{float(result.power):.4f}"),
        ("alternative", result.alternative),
        ("correction", result.correction),
        *_margin_rows(result),
        ("n per arm (control)", f"{int(result.n_per_arm_ceil):,}"),
    ]
    if int(result.treatments) > 1 or float(result.allocation) != 1.0:
        rows.append(("n per treatment arm", f"{int(result.n_treatment_ceil):,}"))
    rows.append(("total n", f"{int(result.n_total):,}"))
    if sequential is not None:
        rows += [
            (
                f"{sequential.design.label}, {sequential.design.looks} looks: inflation",
                f"{float(sequential.inflation_factor):.4f}",
            ),
            ("max total n", f"{int(sequential.n_max_total):,}"),
            ("expected total n under H1", f"{float(sequential.expected_n_total):,.0f}"),
        ]
    if duration is not None:
        label = "days" if sequential is None else "days to the maximum n"
        rows.append((f"{label} (rounded to a {duration.round_to})", f"{int(duration.days):,}"))
    for name, value in rows:
        table.add_row(name, value)
    console = Console()
    console.print(table)
    console.print(f"variance: {result.variance} — {result.method}", highlight=False)
