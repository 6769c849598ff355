"""CUPED for ratio metrics against numpy on raw rows, per-unit and aggregate inputs, every method, the fallback.

Ratio: the independent computation works on simulated raw rows only. Each unit's post ratio is
linearised by the delta method around its arm's ratio, ``z = R_a + (x - R_a y) / y_bar_a``, and its
pre-period ratio likewise, ``z0 = R0_a + (u - R0_a v) / v_bar_a``; then CUPED exactly as the
reference cases define it (``np.cov`` theta over both arms pooled, per arm the ddof = 1 variance of
``z - theta z0`` over n). abstats gets there from nine sums per arm by the multivariate delta method
over the four means. Both are the same first-order estimator written two ways (per-unit values vs
sums of products), so they must agree to float rounding: 1e-9 relative, far above the ~1e-13 the
two summation orders differ by and far below any modelling difference (a second-order delta term
or another theta would move the numbers by 1e-3 or more).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import abstats
from abstats import Covariate, CupedWarning
from abstats.methods import registry
from abstats.sequential import GroupSequentialDesign
from abstats.statistics import MeanStats

TOL = 1e-9


def _ratio_rows(seed: int, n_c: int = 3000, n_t: int = 3500, lift: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_c + n_t
    treated = np.r_[np.zeros(n_c), np.ones(n_t)]
    activity = rng.gamma(2.0, 2.0, n)  # a unit's propensity, shared by both periods
    pre_den = rng.poisson(activity) + 1.0
    pre_num = rng.binomial(pre_den.astype(int), np.clip(0.05 + 0.02 * activity / 4, 0, 1)).astype(float)
    den = rng.poisson(activity) + 1.0
    num = rng.binomial(den.astype(int), np.clip((0.05 + 0.02 * activity / 4) * (1 + lift * treated), 0, 1))
    return pd.DataFrame({"variant": np.where(treated == 1, "t", "c"), "clicks": num.astype(float), "views": den,
                         "pre_clicks": pre_num, "pre_views": pre_den})


def _numpy_ratio_cuped(df: pd.DataFrame) -> dict[str, float]:
    """CUPED on delta-method linearised per-unit values (independent of abstats)."""
    z, z0, arm = [], [], []
    for name in ("c", "t"):
        d = df[df.variant == name]
        x, y, u, v = (d[k].to_numpy() for k in ("clicks", "views", "pre_clicks", "pre_views"))
        r, r0 = x.sum() / y.sum(), u.sum() / v.sum()
        z.append(r + (x - r * y) / y.mean())
        z0.append(r0 + (u - r0 * v) / v.mean())
        arm.append(np.full(len(x), name))
    zz, zz0 = np.concatenate(z), np.concatenate(z0)
    cov = np.cov(zz0, zz)
    theta = cov[0, 1] / cov[0, 0]
    adjusted = [a - theta * (b - zz0.mean()) for a, b in zip(z, z0, strict=True)]
    diff = adjusted[1].mean() - adjusted[0].mean()
    var = sum(np.var(a, ddof=1) / len(a) for a in adjusted)
    unadjusted = sum(np.var(a, ddof=1) / len(a) for a in z)
    return {"theta": theta, "diff": diff, "se": np.sqrt(var), "variance_reduction": 1 - var / unadjusted,
            "control": z[0].mean()}


RATIO = abstats.RatioMetric("ctr", numerator="clicks", denominator="views",
                            covariate=Covariate(column="pre_clicks", denominator="pre_views"))


def _ratio_aggregates(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, d in df.groupby("variant"):
        x, y, u, v = (d[k].to_numpy() for k in ("clicks", "views", "pre_clicks", "pre_views"))
        rows.append({"variant": name, "n": len(d), "num_sum": x.sum(), "den_sum": y.sum(), "num_sum_sq": x @ x,
                     "den_sum_sq": y @ y, "num_den_sum": x @ y, "pre_num_sum": u.sum(), "pre_den_sum": v.sum(),
                     "pre_num_sum_sq": u @ u, "pre_den_sum_sq": v @ v, "pre_num_den_sum": u @ v,
                     "num_pre_num_sum": x @ u, "num_pre_den_sum": x @ v, "den_pre_num_sum": y @ u,
                     "den_pre_den_sum": y @ v})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_ratio_matches_cuped_on_linearised_raw_rows(seed):
    df = _ratio_rows(seed)
    expected = _numpy_ratio_cuped(df)
    for r in (abstats.analyze(abstats.from_units(df, RATIO), control="c"),
              abstats.analyze(_ratio_aggregates(df), metric=RATIO, control="c")):
        assert bool(r["cuped"][0])
        assert r["cuped_theta"][0] == pytest.approx(expected["theta"], rel=TOL)
        assert r.effect[0] == pytest.approx(expected["diff"], rel=TOL)
        assert r["se"][0] == pytest.approx(expected["se"], rel=TOL)
        assert r["variance_reduction"][0] == pytest.approx(expected["variance_reduction"], rel=TOL)
        # the relative uplift divides by the unadjusted control ratio
        assert r["control_estimate"][0] == pytest.approx(expected["control"], rel=1e-12)
        assert r.rel_effect[0] == pytest.approx(expected["diff"] / expected["control"], rel=TOL)


def _mean_rows(seed: int, n: int = 4000, offset: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(10.0, 3.0, n)
    treated = rng.random(n) < 0.5
    y = offset + 2.0 + 0.7 * x + rng.normal(0, 2.0, n) + 0.1 * treated
    b = (rng.random(n) < 1 / (1 + np.exp(-(x - 10) / 2))).astype(float)
    return pd.DataFrame({"variant": np.where(treated, "t", "c"), "y": y, "x": offset + x, "b": b})


def _numpy_mean_cuped(y: np.ndarray, x: np.ndarray, treated: np.ndarray) -> tuple[float, float, float]:
    cov = np.cov(x, y)
    theta = cov[0, 1] / cov[0, 0]
    adj = y - theta * (x - x.mean())
    t, c = adj[treated], adj[~treated]
    return theta, t.mean() - c.mean(), np.sqrt(np.var(t, ddof=1) / len(t) + np.var(c, ddof=1) / len(c))


@pytest.mark.parametrize("kind", ["mean", "binary"])
def test_from_units_matches_numpy_on_raw_rows(kind):
    df = _mean_rows(11)
    column = "y" if kind == "mean" else "b"
    metric = (abstats.MeanMetric if kind == "mean" else abstats.BinaryMetric)(column, covariate=Covariate(column="x"))
    r = abstats.analyze(abstats.from_units(df, metric), control="c")
    theta, diff, se = _numpy_mean_cuped(df[column].to_numpy(), df.x.to_numpy(), (df.variant == "t").to_numpy())
    assert r["cuped_theta"][0] == pytest.approx(theta, rel=TOL)
    assert r.effect[0] == pytest.approx(diff, rel=TOL)
    assert r["se"][0] == pytest.approx(se, rel=TOL)


def test_large_offset_covariate_does_not_cancel():
    """Metric and covariate around 1e9 with unit spread: the centred sums of from_units keep every digit.

    Raw sums of squares of 1e9 + N(0, 3) lose ~18 digits; the centred design (group means carried as
    shifts) keeps theta and the se to 1e-7 of numpy's two-pass computation on the same rows.
    """
    small, big = _mean_rows(12), _mean_rows(12, offset=1e9)
    r_small = abstats.analyze(abstats.from_units(small, abstats.MeanMetric("y", covariate=Covariate("x"))),
                              control="c")
    r_big = abstats.analyze(abstats.from_units(big, abstats.MeanMetric("y", covariate=Covariate("x"))), control="c")
    assert r_big["cuped_theta"][0] == pytest.approx(r_small["cuped_theta"][0], rel=1e-7)
    assert r_big["se"][0] == pytest.approx(r_small["se"][0], rel=1e-7)
    assert r_big.effect[0] == pytest.approx(r_small.effect[0], rel=1e-5)  # 1e9 * eps / 0.1 ~ 2e-6


def _cuped_pair():
    df = _mean_rows(13)
    return abstats.from_units(df, abstats.MeanMetric("y", covariate=Covariate(column="x")))


@pytest.mark.parametrize("method", sorted(set(registry.METHODS.names()) - {"bayesian_hierarchical"}))
def test_every_method_scores_the_adjusted_effect(method):
    data = _cuped_pair()
    options = {}
    if method == "group_sequential":
        options = {"design": GroupSequentialDesign("lan_demets_obrien_fleming", looks=3), "look": 3}
    freq = abstats.analyze(data, control="c")
    r = abstats.analyze(data, control="c", method=method, **options)
    assert bool(r["cuped"][0]) and r["cuped_theta"][0] == freq["cuped_theta"][0]
    assert r.effect[0] == pytest.approx(freq.effect[0], rel=1e-12)
    low, high = r.effect_interval()
    unadjusted = abstats.analyze(abstats.from_units(_mean_rows(13), abstats.MeanMetric("y")), control="c",
                                 method=method, **options)
    u_low, u_high = unadjusted.effect_interval()
    assert high[0] - low[0] < u_high[0] - u_low[0]  # the adjustment narrows every method's interval


def test_binary_under_bayesian_says_it_uses_a_normal_approximation():
    df = _mean_rows(14)
    metric = abstats.BinaryMetric("b", covariate=Covariate(column="x"))
    r = abstats.analyze(abstats.from_units(df, metric), control="c", method="bayesian")
    codes = [w["code"] for w in r.warnings(0)]
    assert "cuped_binary_normal" in codes
    assert bool(r["cuped"][0])


def test_constant_covariate_warns_and_falls_back_to_the_unadjusted_analysis():
    c = MeanStats.from_arrays([100, 100], [50.0, 50.0], [60.0, 60.0], pre_sum=[300.0, 200.0],
                              pre_sum_sq=[900.0, 500.0], pre_cross_sum=[150.0, 110.0])
    t = MeanStats.from_arrays([100, 100], [60.0, 60.0], [70.0, 70.0], pre_sum=[300.0, 220.0],
                              pre_sum_sq=[900.0, 600.0], pre_cross_sum=[180.0, 140.0])
    plain = abstats.compare(MeanStats.from_arrays([100], [50.0], [60.0]), MeanStats.from_arrays([100], [60.0], [70.0]),
                            metric=abstats.MeanMetric("m"), distribution="normal")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = abstats.compare(c, t, metric=abstats.MeanMetric("m"))
    assert any(issubclass(w.category, CupedWarning) for w in caught)
    assert r["cuped"].tolist() == [False, True]
    assert np.isnan(r["cuped_theta"][0]) and np.isnan(r["variance_reduction"][0])
    assert np.isfinite(r["cuped_theta"][1])
    assert r.effect[0] == pytest.approx(plain.effect[0], rel=1e-14)
    assert r["se"][0] == pytest.approx(plain["se"][0], rel=1e-14)
    assert "cuped_fallback" in [w["code"] for w in r.warnings(0)]


def test_metric_with_covariate_needs_pre_period_sums():
    table = {"variant": ["c", "t"], "n": [100, 100], "sum": [5.0, 6.0], "sum_sq": [60.0, 70.0]}
    with pytest.raises(abstats.InputError, match="pre_sum"):
        abstats.analyze(table, metric=abstats.MeanMetric("m", covariate=Covariate()), control="c")
    with pytest.raises(abstats.InputError, match="pre_sum"):
        MeanStats.from_arrays([100], [5.0], [60.0], pre_sum=[3.0])


def test_metrics_with_and_without_covariate_in_one_result():
    df = _mean_rows(15)
    r = abstats.analyze([abstats.from_units(df, abstats.MeanMetric("y", covariate=Covariate("x"))),
                         abstats.from_units(df, abstats.MeanMetric("y2", column="y"))], control="c")
    assert r["cuped"].tolist() == [True, False]
    assert np.isnan(r["variance_reduction"][1])
    assert r["se"][0] < r["se"][1]


def test_lin_interaction_point_estimate_matches_ols_with_interaction():
    """Lin (2013): the coefficient of the arm in y ~ arm + xc + arm:xc (xc centred on the pooled mean), statsmodels."""
    import statsmodels.api as sm

    rng = np.random.default_rng(16)
    n = 3000
    treated = rng.random(n) < 0.4
    x = rng.normal(0, 1, n)
    y = 1.0 + np.where(treated, 1.2, 0.4) * x + 0.2 * treated + rng.normal(0, 1, n)  # slopes differ by arm
    df = pd.DataFrame({"variant": np.where(treated, "t", "c"), "y": y, "x": x})
    metric = abstats.MeanMetric("y", covariate=Covariate(column="x", interaction=True))
    r = abstats.analyze(abstats.from_units(df, metric), control="c")
    xc = x - x.mean()
    design = sm.add_constant(np.column_stack([treated.astype(float), xc, treated * xc]))
    fit = sm.OLS(y, design).fit(cov_type="HC0")
    assert r.effect[0] == pytest.approx(fit.params[1], rel=1e-9)
    pooled = abstats.analyze(abstats.from_units(df, abstats.MeanMetric("y", covariate=Covariate("x"))), control="c")
    assert abs(r.effect[0] - pooled.effect[0]) > 1e-4  # it differs from the pooled theta where slopes differ
    # abstats' variance = the arm-wise residual variances (HC0 up to O(n^-1/2) leverage terms and ddof, 2 % at
    # n = 3000) plus the super-population term (theta_t - theta_c)^2 Var(x) / N that HC0, conditional on x, omits
    gap = fit.params[3]  # theta_t - theta_c
    expected = np.sqrt(fit.bse[1] ** 2 + gap**2 * np.var(x, ddof=1) / n)
    assert r["se"][0] == pytest.approx(expected, rel=0.02)


def test_cuped_result_json_follows_the_schema():
    import json

    import jsonschema

    from abstats.result.result import result_schema

    df = _mean_rows(17)
    r = abstats.analyze([abstats.from_units(df, abstats.MeanMetric("y", covariate=Covariate("x"))),
                         abstats.from_units(df, abstats.MeanMetric("y2", column="y"))], control="c")
    doc = json.loads(r.to_json())
    jsonschema.validate(doc, result_schema())
    assert [row["cuped"] for row in doc["comparisons"]] == [True, False]


def test_an_arm_without_units_is_not_a_cuped_fallback():
    c = MeanStats.from_arrays([100, 0], [50.0, 0], [60.0, 0], pre_sum=[300.0, 0], pre_sum_sq=[1000.0, 0],
                              pre_cross_sum=[160.0, 0])
    t = MeanStats.from_arrays([100, 100], [60.0, 60], [70.0, 70], pre_sum=[300.0, 220.0], pre_sum_sq=[1000.0, 600.0],
                              pre_cross_sum=[190.0, 140.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from 0 / 0, no CupedWarning
        r = abstats.compare(c, t, metric=abstats.MeanMetric("m"))
    assert r["cuped"].tolist() == [True, False]
    assert str(r.decision[1]) == "investigate"
