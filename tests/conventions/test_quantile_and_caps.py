"""Quantile metrics and winsorization caps: numbers computed independently with numpy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import abstats
from abstats import Cap, MeanMetric, QuantileMetric, RatioMetric
from abstats.statistics import QuantileStats

Z95 = stats.norm.isf(0.025)


def _units(seed=3, n=(800, 900), shift=0.0):
    rng = np.random.default_rng(seed)
    a = rng.lognormal(1.0, 0.8, size=n[0])
    b = rng.lognormal(1.0, 0.8, size=n[1]) + shift
    return {"variant": np.r_[["A"] * n[0], ["B"] * n[1]], "load": np.r_[a, b]}, a, b


def _hand_se(x, q):
    """Order-statistic (Price & Bonett 2001) se, written out with numpy: ranks around (n + 1) q."""
    s, n = np.sort(x), len(x)
    half = Z95 * np.sqrt(n * q * (1 - q))
    lo = int(np.clip(np.round((n + 1) * q - half), 1, n))
    hi = int(np.clip(np.round((n + 1) * q + half), 1, n))
    return (s[hi - 1] - s[lo - 1]) * np.sqrt(n * q * (1 - q)) / (hi - lo)


@pytest.mark.parametrize("q", [0.5, 0.9, 0.1])
def test_quantile_estimate_and_se_match_numpy(q):
    table, a, b = _units()
    r = abstats.analyze(abstats.from_units(table, QuantileMetric("load", quantile=q)), control="A")
    assert r["control_estimate"][0] == pytest.approx(np.quantile(a, q), rel=1e-14)
    assert r["treatment_estimate"][0] == pytest.approx(np.quantile(b, q), rel=1e-14)
    se = np.hypot(_hand_se(a, q), _hand_se(b, q))
    assert r["se"][0] == pytest.approx(se, rel=1e-12)
    diff = np.quantile(b, q) - np.quantile(a, q)
    assert r["effect_ci_low"][0] == pytest.approx(diff - Z95 * se, rel=1e-10)
    assert r.p_value[0] == pytest.approx(2 * stats.norm.sf(abs(diff) / se), rel=1e-10)
    assert r["metric_type"][0] == "quantile"


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_quantile_se_is_close_to_the_asymptotic_one_with_the_true_density(q):
    # q (1 - q) / (n f(x_q)^2) with the lognormal's own density. One se is noisy (relative sd ~ 11 % at
    # n = 5000, q = 0.9), so average 400 samples: the mean's own sd is ~0.6 %; 3 % leaves room for the
    # O(1/sqrt(n)) bias of the spacing (about 1.7 % here).
    rng = np.random.default_rng(9)
    reps, n = 400, 5000
    x = rng.lognormal(0.0, 1.0, size=reps * n)
    truth = np.sqrt(q * (1 - q) / n) / stats.lognorm.pdf(stats.lognorm.ppf(q, 1.0), 1.0)
    got = QuantileStats.from_units(x, np.repeat(np.arange(reps), n), reps, quantile=q).se
    assert got.mean() == pytest.approx(truth, rel=0.03)


def test_every_method_scores_quantiles_through_the_protocol():
    table, _, _ = _units(shift=1.0)
    data = abstats.from_units(table, QuantileMetric("load", higher_is_better=False))
    for method in ("frequentist", "bayesian", "msprt", "confidence_sequence"):
        r = abstats.analyze(data, control="A", method=method)
        assert r["effect"][0] > 0
        assert r.decision[0] in ("stop_loser", "inconclusive", "continue")
    assert abstats.analyze(data, control="A").decision[0] == "stop_loser"  # slower pages lose


def test_quantile_from_precomputed_aggregates_and_refused_from_sums():
    metric = QuantileMetric("p90", quantile=0.9)
    r = abstats.analyze({"variant": ["A", "B"], "n": [500, 500], "quantile": [10.0, 11.0], "quantile_se": [0.3, 0.4]},
                        metric=metric, control="A")
    assert r["se"][0] == pytest.approx(0.5) and r["effect"][0] == pytest.approx(1.0)
    with pytest.raises(abstats.InputError, match="cannot be computed from sums"):
        abstats.analyze({"variant": ["A", "B"], "n": [500, 500], "sum": [1.0, 2.0]}, metric=metric, control="A")


@pytest.mark.parametrize("q", [0.0, 1.0, -0.1, 1.5, "0.5", True])
def test_quantile_outside_the_open_unit_interval_is_a_config_error(q):
    with pytest.raises(abstats.ConfigError, match="quantile"):
        QuantileMetric("x", quantile=q)


@pytest.mark.parametrize("kwargs", [{"upper": -1.0}, {"percentile": 0.0}, {"percentile": 1.0}, {"percentile": 1.2},
                                    {}, {"upper": 5.0, "percentile": 0.9}, {"upper": "10"}])
def test_bad_caps_are_config_errors(kwargs):
    with pytest.raises(abstats.ConfigError):
        Cap(**kwargs)


def test_cap_must_be_a_cap_object():
    with pytest.raises(abstats.ConfigError, match="cap"):
        MeanMetric("revenue", cap=100.0)


def _mean_table(x, variant):
    groups = ["A", "B"]
    return {"variant": groups, "n": [np.sum(variant == g) for g in groups],
            "sum": [x[variant == g].sum() for g in groups], "sum_sq": [(x[variant == g] ** 2).sum() for g in groups]}


def test_percentile_cap_is_pooled_over_arms_and_equals_a_hand_capped_analysis():
    rng = np.random.default_rng(21)
    variant = np.repeat(["A", "B"], [3000, 2000])
    revenue = np.where(rng.uniform(size=5000) < 0.2, rng.lognormal(3.0, 1.5, size=5000), 0.0)
    revenue[variant == "B"] *= 1.5  # arms differ: a per-arm percentile would differ from the pooled one
    cap = Cap(percentile=0.99)
    pooled = np.quantile(revenue, 0.99)
    assert np.unique(cap.thresholds(revenue)) == pytest.approx([pooled], rel=1e-15)
    assert pooled != pytest.approx(np.quantile(revenue[variant == "A"], 0.99))
    capped = np.minimum(revenue, pooled)
    ours = abstats.analyze(abstats.from_units({"variant": variant, "revenue": revenue}, MeanMetric("revenue", cap=cap)),
                           control="A")
    hand = abstats.analyze(_mean_table(capped, variant), metric=MeanMetric("revenue"), control="A")
    for column in ("control_estimate", "treatment_estimate", "se", "p_value", "effect_ci_low", "rel_ci_high"):
        assert ours[column][0] == pytest.approx(hand[column][0], rel=1e-12)
    fixed = abstats.analyze(abstats.from_units({"variant": variant, "revenue": revenue},
                                               MeanMetric("revenue", cap=Cap(upper=100.0))), control="A")
    hand = abstats.analyze(_mean_table(np.minimum(revenue, 100.0), variant), metric=MeanMetric("revenue"), control="A")
    assert fixed["treatment_estimate"][0] == pytest.approx(hand["treatment_estimate"][0], rel=1e-12)


def test_percentile_cap_is_pooled_within_each_experiment():
    rng = np.random.default_rng(4)
    experiment = np.repeat([1, 2], 1000)
    x = rng.exponential(np.where(experiment == 1, 1.0, 50.0))
    variant = np.tile(["A", "B"], 1000)
    data = abstats.from_units({"experiment": experiment, "variant": variant, "x": x},
                              MeanMetric("x", cap=Cap(percentile=0.9)), experiment="experiment")
    for e in (1, 2):
        sel = experiment == e
        capped = np.minimum(x[sel], np.quantile(x[sel], 0.9))
        for g, row in zip(("A", "B"), np.flatnonzero(data.experiment == e), strict=False):
            # centred sums (from_units sums x - shift): the raw total is n * shift + sum
            raw = data.stats.n[row] * data.stats.shift[row] + data.stats.sum[row]
            assert raw == pytest.approx(capped[variant[sel] == g].sum(), rel=1e-12)


def test_ratio_caps_numerator_and_denominator_independently():
    rng = np.random.default_rng(8)
    variant = np.repeat(["A", "B"], 1500)
    clicks = rng.poisson(rng.lognormal(0.0, 1.2, size=3000)).astype(float)
    views = clicks + rng.poisson(rng.lognormal(2.0, 1.0, size=3000)) + 1.0
    metric = RatioMetric("ctr", numerator="clicks", denominator="views",
                         numerator_cap=Cap(percentile=0.95), denominator_cap=Cap(upper=40.0))
    data = abstats.from_units({"variant": variant, "clicks": clicks, "views": views}, metric)
    x, y = np.minimum(clicks, np.quantile(clicks, 0.95)), np.minimum(views, 40.0)
    s = data.stats
    for row, g in enumerate(("A", "B")):
        sel = variant == g
        # centred sums (from_units sums deviations from each group's mean, the shifts): rebuild raw totals
        n, sx, sy = s.n[row], s.num_shift[row], s.den_shift[row]
        assert n * sx + s.num_sum[row] == pytest.approx(x[sel].sum(), rel=1e-12)
        assert n * sy + s.den_sum[row] == pytest.approx(y[sel].sum(), rel=1e-12)
        raw_cross = s.num_den_sum[row] + sx * s.den_sum[row] + sy * s.num_sum[row] + n * sx * sy
        assert raw_cross == pytest.approx((x * y)[sel].sum(), rel=1e-12)
    assert metric.numerator_cap == Cap(percentile=0.95)  # the metric carries its cap (recorded with it)


@pytest.mark.simulation
@pytest.mark.parametrize("q", [0.5, 0.9])
def test_quantile_difference_intervals_cover_at_their_nominal_rate(q):
    """2,000 simulated experiments, 1,000 lognormal units per arm, treatment values x 1.1 (true
    difference 0.1 exp(z_q)). Coverage of the 95 % interval of the quantile difference must be within
    3 binomial SE of 0.95, SE = sqrt(0.95 * 0.05 / 2000) = 0.0049 (tolerance 0.0146)."""
    rng = np.random.default_rng(20261125 + int(100 * q))
    experiments, n = 2000, 1000
    codes = np.repeat(np.arange(experiments), n)
    control, treatment = (QuantileStats.from_units(rng.lognormal(0.0, 1.0, size=experiments * n) * scale, codes,
                                                   experiments, quantile=q) for scale in (1.0, 1.1))
    # paired arrays of 2,000 experiments through the batch path (from_units of a labelled table is
    # checked above; here the sorting of 4 million labelled rows would only cost time)
    r = abstats.compare(control, treatment, metric=QuantileMetric("t", quantile=q), correction="none")
    assert len(r) == experiments
    truth = 0.1 * np.exp(stats.norm.ppf(q))
    coverage = np.mean((r["effect_ci_low"] <= truth) & (truth <= r["effect_ci_high"]))
    tol = 3 * np.sqrt(0.95 * 0.05 / experiments)
    assert abs(coverage - 0.95) <= tol, coverage


def test_a_cap_on_a_table_of_aggregates_is_refused_not_ignored():
    table = {"variant": ["A", "B"], "n": [100, 100], "sum": [50.0, 60.0], "sum_sq": [100.0, 120.0]}
    with pytest.raises(abstats.ConfigError, match="per-unit rows"):
        abstats.analyze(table, metric=MeanMetric("m", cap=Cap(upper=10.0)), control="A")


def test_quantile_and_one_sided_results_are_schema_valid_json():
    import json

    import jsonschema

    from abstats.sequential import GroupSequentialDesign

    schema = abstats.result.result_schema()
    table, _, _ = _units(shift=0.5)
    data = abstats.from_units(table, QuantileMetric("load", quantile=0.9, higher_is_better=False))
    runs = [("frequentist", {}), ("frequentist", {"relative_interval": "delta", "correction": "holm_sidak"}),
            ("bayesian", {}), ("msprt", {"alternative": "less"}), ("confidence_sequence", {"alternative": "greater"}),
            ("group_sequential", {"design": GroupSequentialDesign("pocock", looks=2), "look": 1})]
    for method, options in runs:
        r = abstats.analyze(data, control="A", method=method, **options)
        jsonschema.validate(json.loads(r.to_json()), schema)
        assert str(r)  # renders
