"""Sequential methods through abstats.analyze / compare: same Result, decisions from the chosen rule."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest

import abstats
from abstats.sequential import GroupSequentialDesign, group_sequential_decision, msprt_p_value
from abstats.sequential.msprt import default_mixing_variance
from abstats.statistics import BinaryStats

SCHEMA = abstats.result.result_schema()
TABLE = {"variant": ["A", "B"], "n": [10_000, 10_000], "conversions": [500, 600]}
METRIC = abstats.BinaryMetric("cr")


def test_group_sequential_uses_the_boundary_at_this_look():
    design = GroupSequentialDesign("lan_demets_obrien_fleming", looks=4)
    r = abstats.analyze(TABLE, metric=METRIC, control="A", method="group_sequential", design=design, look=3)
    direct = group_sequential_decision(r["statistic"], design=design, look=3)
    assert r.decision[0] == direct["decision"][0] == "stop_winner"
    assert r["efficacy_boundary"][0] == pytest.approx(direct["efficacy_boundary"][0])
    assert r["alpha_spent"][0] == pytest.approx(direct["alpha_spent"][0])
    assert r["look"][0] == 3 and np.isnan(r.p_value[0])
    # repeated confidence interval at the boundary
    half = r["effect_ci_high"][0] - r.effect[0]
    se = r.effect[0] / r["statistic"][0]  # pooled z: close to, not equal to, the unpooled se
    assert half == pytest.approx(direct["efficacy_boundary"][0] * se, rel=0.01)
    assert "look 3 of 4" in r.reasons[0] and "z = +" in r.reasons[0]
    jsonschema.validate(json.loads(r.to_json()), SCHEMA)


def test_group_sequential_early_look_continues():
    design = GroupSequentialDesign("lan_demets_obrien_fleming", looks=4)
    r = abstats.analyze(TABLE, metric=METRIC, control="A", method="group_sequential", design=design, look=1)
    assert r.decision[0] == "continue"


def test_group_sequential_bonferroni_across_treatments():
    table = {"variant": ["A", "B", "C"], "n": [10_000] * 3, "conversions": [500, 600, 540]}
    design = GroupSequentialDesign("pocock", looks=2)
    r = abstats.analyze(table, metric=METRIC, control="A", method="group_sequential", design=design, look=2)
    half_alpha = GroupSequentialDesign("pocock", looks=2, alpha=0.025)
    assert r["efficacy_boundary"][0] == pytest.approx(half_alpha.efficacy_boundaries()[1])
    assert "alpha = 0.025" in r.reasons[0]


def test_msprt_p_value_is_the_always_valid_one():
    r = abstats.analyze(TABLE, metric=METRIC, control="A", method="msprt", tuning_n=20_000)
    var = 0.05 * 0.95 / 10_000 + 0.06 * 0.94 / 10_000
    tau2 = default_mixing_variance(var, 20_000, alpha=0.05, tuning_n=20_000)
    assert r.p_value[0] == pytest.approx(msprt_p_value(0.01, var, tau2)[0], rel=1e-12)
    assert r.decision[0] == ("stop_winner" if r.p_value[0] <= 0.05 else "continue")
    assert r["effect_ci_low"][0] <= r.effect[0] <= r["effect_ci_high"][0]
    jsonschema.validate(json.loads(r.to_json()), SCHEMA)


def test_msprt_and_confidence_sequence_are_duals():
    a = abstats.analyze(TABLE, metric=METRIC, control="A", method="msprt", tuning_n=20_000, correction="none")
    b = abstats.analyze(TABLE, metric=METRIC, control="A", method="confidence_sequence", tuning_n=20_000,
                        correction="none")
    assert a.p_value[0] == pytest.approx(b.p_value[0], rel=1e-12)
    assert a["effect_ci_low"][0] == pytest.approx(b["effect_ci_low"][0], rel=1e-9)


def test_sequential_settings_errors():
    with pytest.raises(abstats.ConfigError, match="design"):
        abstats.analyze(TABLE, metric=METRIC, control="A", method="group_sequential", look=1)
    design = GroupSequentialDesign("pocock", looks=2)
    with pytest.raises(abstats.ConfigError, match="look"):
        abstats.analyze(TABLE, metric=METRIC, control="A", method="group_sequential", design=design, look=3)
    with pytest.raises(abstats.ConfigError, match="correction"):
        abstats.analyze(TABLE, metric=METRIC, control="A", method="group_sequential", design=design, look=1,
                        correction="benjamini_hochberg")
    with pytest.raises(abstats.ConfigError, match="planned_n"):
        abstats.analyze(TABLE, metric=METRIC, control="A", method="msprt", planned_n=100)


@pytest.mark.simulation
def test_analyze_with_msprt_holds_alpha_when_read_at_every_look():
    """2,000 A/A experiments read through abstats.compare at 50 looks: the share ever stopped stays <= alpha.

    Binomial SE of a rate near 0.05 with 2,000 experiments is 0.0049; allow alpha + 3 SE. The same
    paths read with the fixed-horizon z-test must inflate beyond 2 alpha (so the check is not vacuous).
    """
    rng = np.random.default_rng(55)
    experiments, looks, batch, p = 2_000, 50, 200, 0.1
    x = rng.binomial(batch, p, size=(2, experiments, looks)).cumsum(axis=2)
    stopped_av = np.zeros(experiments, dtype=bool)
    stopped_naive = np.zeros(experiments, dtype=bool)
    for k in range(looks):
        n = np.full(experiments, batch * (k + 1))
        c, t = BinaryStats.from_arrays(n, x[0, :, k]), BinaryStats.from_arrays(n, x[1, :, k])
        av = abstats.compare(c, t, metric=METRIC, method="msprt", tuning_n=2 * batch * looks)
        naive = abstats.compare(c, t, metric=METRIC)
        stopped_av |= np.char.startswith(av.decision.astype(str), "stop")
        stopped_naive |= np.char.startswith(naive.decision.astype(str), "stop")
    se = np.sqrt(0.05 * 0.95 / experiments)
    assert stopped_av.mean() <= 0.05 + 3 * se, stopped_av.mean()
    assert stopped_naive.mean() > 0.10, stopped_naive.mean()
