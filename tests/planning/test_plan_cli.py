"""``abstats plan`` through typer's CliRunner on a local app."""

from __future__ import annotations

import json

import pytest
import typer
from scipy import stats
from typer.testing import CliRunner

from abstats.cli.plan import register

app = typer.Typer()
register(app)


@app.callback()
def _root() -> None:
    """Keeps ``plan`` a named subcommand, as in the real app."""


runner = CliRunner()
ARGS = [
    "plan",
    "--metric",
    "binary",
    "--baseline",
    "0.05",
    "--mde",
    "0.1",
    "--relative",
    "--power",
    "0.8",
    "--daily-traffic",
    "20000",
]


def test_table_prints_n_total_and_days() -> None:
    result = runner.invoke(app, ARGS)
    assert result.exit_code == 0, result.output
    # Reference: R power.prop.test formula, n = 31233.44 per arm (shared case plan_binary_rformula_0.05_0.1_0.05_0.8).
    assert "31,234" in result.output
    assert "62,468" in result.output
    assert "days" in result.output and " 4 " in result.output


def test_json_has_the_same_numbers() -> None:
    result = runner.invoke(app, [*ARGS, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["n_per_arm"] == pytest.approx(31233.437940129967, rel=1e-6)
    assert payload["n_per_arm_ceil"] == 31234
    assert payload["n_total"] == 62468
    assert payload["duration"]["days"] == 4  # ceil(62468 / 20000)
    assert payload["variance"] == "pooled_null"


def test_weekly_rounding_and_traffic_share() -> None:
    result = runner.invoke(app, [*ARGS, "--traffic-share", "0.1", "--round-to", "week", "--format", "json"])
    assert json.loads(result.output)["duration"]["days"] == 35  # 62468 / 2000 = 31.2 days -> 5 weeks


def test_solves_mde_and_power_at_given_n() -> None:
    mde = runner.invoke(
        app, ["plan", "--metric", "mean", "--sd", "2", "--absolute", "--n-per-arm", "500", "--format", "json"]
    )
    assert mde.exit_code == 0, mde.output
    expected = (stats.norm.isf(0.025) + stats.norm.ppf(0.8)) * 2 * (2 / 500) ** 0.5  # closed form, scipy
    assert json.loads(mde.output)["mde"] == pytest.approx(expected, rel=1e-12)
    power = runner.invoke(
        app,
        [
            "plan",
            "--baseline",
            "0.5",
            "--mde",
            "0.25",
            "--absolute",
            "--n-per-arm",
            "76.70692845177742",
            "--format",
            "json",
        ],
    )
    assert json.loads(power.output)["power"] == pytest.approx(0.9, abs=1e-6)  # R power.prop.test doc example


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["plan", "--baseline", "0.6", "--mde", "0.8"], "mde"),
        (["plan", "--baseline", "0.05", "--mde", "0.1", "--power", "0.04"], "power"),
        ([*ARGS[:-2], "--daily-traffic", "0"], "daily_traffic"),
        (["plan", "--baseline", "0.05"], "mde"),
        ([*ARGS, "--format", "xml"], "format"),
        (["plan", "--metric", "ratio", "--mde", "0.1", "--pre-period", "{nope"], "pre_period"),
    ],
)
def test_bad_input_exits_2_with_the_message(args: list[str], field: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert field in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_group_sequential_design_adds_max_and_expected_n() -> None:
    result = runner.invoke(app, [*ARGS, "--design", "obrien_fleming", "--looks", "5", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    # Shared case gs_inflation_obrien_fleming_K5_power0.8: R = 1.0283 (abs 0.003).
    assert payload["inflation_factor"] == pytest.approx(1.0283494970870661, abs=0.003)
    assert payload["n_total"] == 62468
    assert payload["n_max_total"] > payload["n_total"] > payload["expected_n_total"]
    assert payload["duration"]["days"] == 4  # ceil(~64,240 / 20,000)
    table = runner.invoke(app, [*ARGS, "--design", "pocock", "--looks", "2"])
    assert table.exit_code == 0 and "max total n" in table.output


def test_metric_option_builds_the_metric_object_and_margins_follow_its_direction() -> None:
    base = ["plan", "--baseline", "0.4", "--mde", "0", "--absolute", "--margin", "0.02"]
    ni = [*base, "--hypothesis", "non_inferiority", "--format", "json"]
    higher = json.loads(runner.invoke(app, ni).output)
    lower = json.loads(runner.invoke(app, [*ni, "--lower-is-better"]).output)
    assert higher["metric"] == "binary" and higher["metric_kind"] == "binary"
    assert higher["alternative"] == "greater" and lower["alternative"] == "less"
    assert higher["margin_type"] == "absolute" and higher["n_per_arm"] == pytest.approx(lower["n_per_arm"])
    relative = json.loads(runner.invoke(app, [*ni, "--margin-type", "relative"]).output)
    assert relative["variance"] == "log_ratio" and relative["n_per_arm"] > higher["n_per_arm"]


def test_correction_words_are_analyzes() -> None:
    three = [*ARGS[:-2], "--treatments", "3", "--format", "json"]
    holm = json.loads(runner.invoke(app, three).output)
    none = json.loads(runner.invoke(app, [*three, "--correction", "none"]).output)
    assert holm["correction"] == "holm" and holm["alpha_per_comparison"] == pytest.approx(0.05 / 3)
    assert none["alpha_per_comparison"] == 0.05


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["plan", "--metric", "revenue", "--baseline", "0.05", "--mde", "0.1"], "metric"),
        (["plan", "--baseline", "0.05", "--mde", "0.1", "--alternative", "one-sided"], "alternative"),
        (["plan", "--baseline", "0.05", "--mde", "0.1", "--correction", "benjamini_hochberg"], "correction"),
        (["plan", "--baseline", "0.05", "--mde", "-0.1", "--alternative", "greater"], "mde"),
    ],
)
def test_new_vocabulary_errors_exit_2(args: list[str], field: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert field in result.output and "Traceback" not in result.output
