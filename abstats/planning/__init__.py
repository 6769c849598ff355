"""Sample-size planning: n, MDE or power of a test before it starts, its duration and its sequential inflation."""

from abstats.planning.bayesian import BayesianPlan, plan_bayesian_sample_size
from abstats.planning.cuped import expected_variance_reduction
from abstats.planning.curves import plot_power_curve, power_curve, sample_size_table
from abstats.planning.duration import DurationPlan, plan_duration
from abstats.planning.group_sequential import GroupSequentialPlan, plan_group_sequential
from abstats.planning.inputs import PlanningSettings
from abstats.planning.mde import plan_mde
from abstats.planning.mid_experiment import MidExperimentPower, mid_experiment_power
from abstats.planning.plan import SampleSizePlan
from abstats.planning.power import plan_power
from abstats.planning.sample_size import plan_sample_size

__all__ = [
    "BayesianPlan",
    "DurationPlan",
    "GroupSequentialPlan",
    "MidExperimentPower",
    "PlanningSettings",
    "SampleSizePlan",
    "expected_variance_reduction",
    "mid_experiment_power",
    "plan_bayesian_sample_size",
    "plan_duration",
    "plan_group_sequential",
    "plan_mde",
    "plan_power",
    "plan_sample_size",
    "plot_power_curve",
    "power_curve",
    "sample_size_table",
]
