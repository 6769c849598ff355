"""Planning takes analyze's metric objects and words, and refuses the old ones with a named error."""

from __future__ import annotations

import numpy as np
import pytest

from abstats.errors import ConfigError, InputError
from abstats.metrics import BinaryMetric, MeanMetric, RatioMetric
from abstats.planning import (
    plan_bayesian_sample_size,
    plan_group_sequential,
    plan_mde,
    plan_power,
    plan_sample_size,
    power_curve,
    sample_size_table,
)
from abstats.planning.inputs import SETTING_NAMES, PlanningSettings
from abstats.vocabulary import ALTERNATIVES

SIGNUP = BinaryMetric("signup")
BOUNCE = BinaryMetric("bounce", higher_is_better=False)
REVENUE = MeanMetric("revenue")


@pytest.mark.parametrize("kind", ["binary", "mean", "ratio", "conversion"])
def test_a_kind_name_is_refused_with_what_to_pass(kind: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(kind, baseline=0.05, mde=0.1)  # type: ignore[arg-type]
    assert excinfo.value.field == "metric"
    assert "Metric(" in str(excinfo.value) and "analyze" in str(excinfo.value)
    with pytest.raises(ConfigError, match="metric"):
        plan_bayesian_sample_size(kind, baseline=0.05, mde=0.1, threshold=0.001)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda m: plan_sample_size(m, baseline=0.05, mde=0.1),
        lambda m: plan_mde(m, baseline=0.05, n_per_arm=1000),
        lambda m: plan_power(m, baseline=0.05, mde=0.1, n_per_arm=1000),
        lambda m: plan_group_sequential(m, baseline=0.05, mde=0.1, looks=2),
        lambda m: power_curve(m, baseline=0.05, mde=[0.1], n_per_arm=[1000]),
        lambda m: sample_size_table(m, baseline=0.05, mde=[0.1], power=[0.8]),
    ],
)
def test_every_entry_point_refuses_a_string_metric(call) -> None:
    with pytest.raises(ConfigError) as excinfo:
        call("binary")
    assert excinfo.value.field == "metric"
    assert call(SIGNUP) is not None  # and takes the metric object


def test_the_metric_is_recorded_in_the_plan() -> None:
    plan = plan_sample_size(SIGNUP, baseline=0.05, mde=0.1)
    assert plan.metric is SIGNUP
    assert plan.to_dict()["metric"] == "signup" and plan.to_dict()["metric_kind"] == "binary"
    assert set(plan.to_frame()["metric"]) == {"signup"}
    with pytest.raises(ConfigError, match="BinaryMetric"):
        plan_bayesian_sample_size(REVENUE, baseline=0.05, mde=0.1, threshold=0.001)


def test_the_shared_keywords_are_the_typed_dict() -> None:
    assert set(SETTING_NAMES) == set(PlanningSettings.__annotations__)
    assert {"alternative", "correction", "margin", "margin_type", "hypothesis"} <= set(SETTING_NAMES)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"direction": "decrease"}, "direction"),  # plan_mde's old keyword: the alternative says it now
        ({"alternative": "one-sided"}, "alternative"),
        ({"correction": None}, "correction"),
        ({"correction": "benjamini_hochberg"}, "correction"),
        ({"correction": "benjamini_yekutieli"}, "correction"),
        ({"margin_type": "percent"}, "margin_type"),
        ({"hypothesis": "equivalence"}, "hypothesis"),
        ({"hypothesis": "non_inferiority"}, "margin"),
        ({"alphaa": 0.05}, "alphaa"),
    ],
)
def test_old_or_unknown_words_are_config_errors(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        plan_mde(SIGNUP, baseline=0.05, n_per_arm=10_000, **kwargs)
    assert excinfo.value.field == field


def test_fdr_refusal_says_why() -> None:
    with pytest.raises(ConfigError, match="no fixed level to plan at"):
        plan_sample_size(SIGNUP, baseline=0.05, mde=0.1, treatments=3, correction="benjamini_hochberg")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("alpha", "0.05"),
        ("alpha", True),
        ("alpha", np.bool_(True)),
        ("alpha", ["0.05"]),
        ("alpha", np.array([True, False])),
        ("power", "0.8"),
        ("allocation", "1"),
        ("treatments", False),
        ("margin", "0.01"),
        ("alpha", None),
        ("alpha", {"a": 1}),
    ],
)
def test_numbers_refuse_strings_and_booleans(field: str, value) -> None:
    kwargs = {"baseline": 0.05, "mde": 0.1, field: value}
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(SIGNUP, **kwargs)
    assert excinfo.value.field == field


@pytest.mark.parametrize("field", ["baseline", "mde"])
def test_inputs_refuse_strings_with_a_named_error(field: str) -> None:
    kwargs = {"baseline": 0.05, "mde": 0.1, field: "0.1"}
    with pytest.raises(InputError) as excinfo:
        plan_sample_size(SIGNUP, **kwargs)
    assert excinfo.value.field == field


def test_numpy_scalars_and_ints_are_numbers() -> None:
    a = plan_sample_size(SIGNUP, baseline=np.float32(0.05), mde=np.float64(0.1), alpha=np.float64(0.05), treatments=1)
    b = plan_sample_size(SIGNUP, baseline=0.05, mde=0.1, treatments=np.int64(1), allocation=1)
    assert float(a.n_per_arm) == pytest.approx(float(b.n_per_arm), rel=1e-6)


def test_alternative_words_are_analyzes() -> None:
    assert ALTERNATIVES == ("two-sided", "greater", "less")
    two = plan_sample_size(SIGNUP, baseline=0.05, mde=0.1)
    greater = plan_sample_size(SIGNUP, baseline=0.05, mde=0.1, alternative="greater")
    less = plan_sample_size(SIGNUP, baseline=0.05, mde=-0.1, alternative="less")
    assert two.alternative == "two-sided" and greater.alternative == "greater" and less.alternative == "less"
    assert float(greater.n_per_arm) < float(two.n_per_arm)
    # One-sided at alpha is two-sided at 2 alpha, for the same direction.
    doubled = plan_sample_size(SIGNUP, baseline=0.05, mde=-0.1, alpha=0.1)
    assert float(less.n_per_arm) == pytest.approx(float(doubled.n_per_arm), rel=1e-12)


@pytest.mark.parametrize(("alternative", "mde"), [("greater", -0.1), ("less", 0.1), ("greater", 0.0)])
def test_one_sided_plan_with_an_effect_of_the_other_sign_is_an_input_error(alternative: str, mde: float) -> None:
    with pytest.raises(InputError, match=alternative) as excinfo:
        plan_sample_size(SIGNUP, baseline=0.05, mde=mde, alternative=alternative)
    assert excinfo.value.field == "mde"


def test_one_sided_power_refuses_the_other_sign_but_takes_zero() -> None:
    with pytest.raises(InputError) as excinfo:
        plan_power(SIGNUP, baseline=0.05, mde=-0.1, n_per_arm=1000, alternative="greater")
    assert excinfo.value.field == "mde"
    null = plan_power(SIGNUP, baseline=0.05, mde=0.0, n_per_arm=1000, alternative="less")
    assert float(null.power) == pytest.approx(0.05)


def test_plan_mde_direction_is_the_alternative_and_the_increase_when_two_sided() -> None:
    up = plan_mde(SIGNUP, baseline=0.3, n_per_arm=5000)
    down = plan_mde(SIGNUP, baseline=0.3, n_per_arm=5000, alternative="less", alpha=0.025)
    assert float(up.mde) > 0 > float(down.mde)
    # The decrease a two-sided 5 % test detects is the one-sided 'less' 2.5 % test's (far tail ignored).
    back = plan_sample_size(SIGNUP, baseline=0.3, mde=float(down.mde))
    assert float(back.n_per_arm) == pytest.approx(5000, rel=1e-9)


def test_absolute_margin_is_absolute_as_in_analyze() -> None:
    """Issue 8: margin=0.01 with baseline 0.05 planned 2,349,372 per arm (read as 1 % of 0.05) instead of 5,874."""
    ni = {"baseline": 0.05, "mde": 0.0, "mde_type": "absolute", "margin": 0.01, "hypothesis": "non_inferiority"}
    plan = plan_sample_size(SIGNUP, **ni)
    assert int(plan.n_per_arm_ceil) == 5874
    assert plan.margin_type == "absolute" and plan.alternative == "greater" and plan.variance == "unpooled"
    # mde_type does not change how the margin is read.
    assert int(plan_sample_size(SIGNUP, **(ni | {"mde_type": "relative"})).n_per_arm_ceil) == 5874
    relative = plan_sample_size(SIGNUP, **(ni | {"margin_type": "relative"}))
    assert relative.variance == "log_ratio" and int(relative.n_per_arm_ceil) > 2_000_000


def test_margin_direction_follows_the_metric() -> None:
    ni = {"baseline": 0.4, "mde": 0.0, "margin": 0.02, "hypothesis": "non_inferiority"}
    bounce = plan_sample_size(BOUNCE, **ni)
    signup = plan_sample_size(SIGNUP, **ni)
    assert bounce.alternative == "less" and signup.alternative == "greater"
    # Same variance at mde 0: only the side differs.
    assert float(bounce.n_per_arm) == pytest.approx(float(signup.n_per_arm), rel=1e-12)
    assert float(plan_mde(BOUNCE, n_per_arm=1e7, **{k: v for k, v in ni.items() if k != "mde"}).mde) > 0
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(BOUNCE, alternative="greater", **ni)
    assert excinfo.value.field == "alternative" and "higher_is_better=False" in str(excinfo.value)


def test_superiority_margin_shifts_the_null() -> None:
    """H0: effect <= margin, so detecting 3 beyond a margin of 1 is a one-sided test of a shift of 2."""
    common = {"sd": 10.0, "mde_type": "absolute"}
    by_margin = plan_sample_size(REVENUE, mde=3.0, margin=1.0, **common)
    shifted = plan_sample_size(REVENUE, mde=2.0, alternative="greater", **common)
    assert by_margin.hypothesis == "superiority" and by_margin.alternative == "greater"
    assert float(by_margin.n_per_arm) == pytest.approx(float(shifted.n_per_arm), rel=1e-12)
    back = plan_mde(REVENUE, n_per_arm=by_margin.n_per_arm, margin=1.0, **common)
    assert float(back.mde) == pytest.approx(3.0, rel=1e-12)
    with pytest.raises(InputError) as excinfo:
        plan_sample_size(REVENUE, mde=0.5, margin=1.0, **common)
    assert excinfo.value.field == "mde"


@pytest.mark.parametrize("metric", [SIGNUP, BOUNCE])
@pytest.mark.parametrize("hypothesis", ["superiority", "non_inferiority"])
def test_relative_margin_round_trips(metric: BinaryMetric, hypothesis: str) -> None:
    settings = {"baseline": 0.2, "margin": 0.05, "margin_type": "relative", "hypothesis": hypothesis}
    better = 1.0 if metric.higher_is_better else -1.0
    effect = better * (0.15 if hypothesis == "superiority" else 0.02)
    plan = plan_sample_size(metric, mde=effect, **settings)
    back = plan_mde(metric, n_per_arm=plan.n_per_arm, **settings)
    assert float(back.mde) == pytest.approx(effect, rel=1e-9)
    power = plan_power(metric, n_per_arm=plan.n_per_arm, mde=effect, **settings)
    assert float(power.power) == pytest.approx(0.8, rel=1e-9)


def test_relative_margin_refusals() -> None:
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(
            SIGNUP, baseline=0.2, mde=0.0, margin=1.0, margin_type="relative", hypothesis="non_inferiority"
        )
    assert excinfo.value.field == "margin"
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(REVENUE, sd=1.0, mde=0.1, mde_type="absolute", margin=0.1, margin_type="relative")
    assert excinfo.value.field == "baseline"
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(SIGNUP, baseline=0.2, mde=0.3, margin=0.1, margin_type="relative", variance="unpooled")
    assert excinfo.value.field == "variance" and "log ratio" in str(excinfo.value)


def test_holm_is_the_default_and_none_is_a_string() -> None:
    default = plan_sample_size(SIGNUP, baseline=0.05, mde=0.1, treatments=3)
    assert default.correction == "holm" and float(default.alpha_per_comparison) == pytest.approx(0.05 / 3)
    none = plan_sample_size(SIGNUP, baseline=0.05, mde=0.1, treatments=3, correction="none")
    assert none.correction == "none" and float(none.alpha_per_comparison) == 0.05
    one = plan_sample_size(SIGNUP, baseline=0.05, mde=0.1)
    assert float(one.n_per_arm) == float(plan_sample_size(SIGNUP, baseline=0.05, mde=0.1, correction="none").n_per_arm)


def test_grid_shape_errors_are_config_errors() -> None:
    with pytest.raises(ConfigError) as excinfo:
        plan_sample_size(SIGNUP, baseline=[0.05, 0.1], mde=[0.1, 0.2, 0.3])
    assert excinfo.value.field == "shape"
    with pytest.raises(ConfigError, match="10,000,000"):
        plan_power(SIGNUP, baseline=0.05, mde=np.full((5000, 1), 0.1), n_per_arm=np.full(5000, 1000.0))


def test_ratio_metric_object_plans_from_pre_period() -> None:
    pre = {
        "n": 5000,
        "num_sum": 2122.0,
        "den_sum": 44802.0,
        "num_sum_sq": 3824.0,
        "den_sum_sq": 440072.0,
        "num_den_sum": 20782.0,
    }
    plan = plan_sample_size(RatioMetric("ctr", numerator="clicks", denominator="impressions"), pre_period=pre, mde=0.05)
    assert plan.metric.kind == "ratio" and float(plan.n_per_arm) > 0
    with pytest.raises(InputError) as excinfo:
        plan_sample_size(RatioMetric("ctr"), pre_period={**pre, "n": "5000"}, mde=0.05)
    assert excinfo.value.field == "n"


def test_sidak_corrections_plan_at_the_sidak_level():
    from abstats import BinaryMetric
    from abstats.planning import plan_sample_size

    plan = plan_sample_size(BinaryMetric("cr"), baseline=0.05, mde=0.1, treatments=3, correction="sidak")
    assert float(plan.alpha_per_comparison) == pytest.approx(1 - 0.95 ** (1 / 3), rel=1e-14)
    holm = plan_sample_size(BinaryMetric("cr"), baseline=0.05, mde=0.1, treatments=3, correction="hochberg")
    assert float(holm.alpha_per_comparison) == pytest.approx(0.05 / 3, rel=1e-14)
