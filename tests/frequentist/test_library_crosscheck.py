"""Plain cases against scipy and statsmodels, computed independently of abstats."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

import abstats

RNG = np.random.default_rng(20261123)
N = RNG.integers(50, 50_000, size=(40, 2))
X = np.floor(N * RNG.uniform(0.01, 0.6, size=(40, 2)))


def _binary_batch(**options):
    table = {
        "experiment": np.repeat(np.arange(40), 2),
        "variant": np.tile(["c", "t"], 40),
        "n": N.ravel(),
        "conversions": X.ravel(),
    }
    return abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="c", experiment="experiment", **options)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_z_test_matches_statsmodels(alternative):
    r = _binary_batch(alternative=alternative)
    sm_alt = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[alternative]
    for i in range(40):
        z, p = proportions_ztest([X[i, 1], X[i, 0]], [N[i, 1], N[i, 0]], alternative=sm_alt)
        assert r["statistic"][i] == pytest.approx(z, rel=1e-10)
        assert r.p_value[i] == pytest.approx(p, rel=1e-9, abs=1e-300)


def test_wald_and_newcombe_match_statsmodels():
    wald = _binary_batch()
    newcombe = _binary_batch(binary_interval="newcombe")
    for i in range(40):
        lo, hi = confint_proportions_2indep(X[i, 1], N[i, 1], X[i, 0], N[i, 0], method="wald", compare="diff")
        assert (wald["effect_ci_low"][i], wald["effect_ci_high"][i]) == pytest.approx((lo, hi), rel=1e-10)
        lo, hi = confint_proportions_2indep(X[i, 1], N[i, 1], X[i, 0], N[i, 0], method="newcomb", compare="diff")
        assert (newcombe["effect_ci_low"][i], newcombe["effect_ci_high"][i]) == pytest.approx((lo, hi), rel=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_fisher_matches_scipy(alternative):
    r = _binary_batch(binary_test="fisher", alternative=alternative)
    for i in range(0, 40, 7):
        table = [[X[i, 1], N[i, 1] - X[i, 1]], [X[i, 0], N[i, 0] - X[i, 0]]]
        expected = stats.fisher_exact(np.asarray(table, dtype=np.int64), alternative=alternative).pvalue
        assert r.p_value[i] == pytest.approx(expected, rel=1e-12)


def test_yates_matches_scipy_chi2_contingency():
    r = _binary_batch(continuity_correction=True)
    for i in range(40):
        table = [[X[i, 1], N[i, 1] - X[i, 1]], [X[i, 0], N[i, 0] - X[i, 0]]]
        chi2, p, _, _ = stats.chi2_contingency(table, correction=True)
        assert r["statistic"][i] ** 2 == pytest.approx(chi2, rel=1e-9)
        assert r.p_value[i] == pytest.approx(p, rel=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_welch_matches_scipy(alternative):
    samples = [
        (RNG.exponential(3.0, size=int(RNG.integers(5, 400))), RNG.exponential(3.3, size=int(RNG.integers(5, 400))))
        for _ in range(15)
    ]
    table = {"experiment": [], "variant": [], "n": [], "sum": [], "sum_sq": []}
    for e, (a, b) in enumerate(samples):
        for name, x in (("c", a), ("t", b)):
            table["experiment"].append(e)
            table["variant"].append(name)
            table["n"].append(len(x))
            table["sum"].append(x.sum())
            table["sum_sq"].append((x**2).sum())
    r = abstats.analyze(
        table, metric=abstats.MeanMetric("m"), control="c", experiment="experiment", alternative=alternative
    )
    for i, (a, b) in enumerate(samples):
        ref = stats.ttest_ind(b, a, equal_var=False, alternative=alternative)
        assert r["statistic"][i] == pytest.approx(ref.statistic, rel=1e-8)
        assert r.p_value[i] == pytest.approx(ref.pvalue, rel=1e-7)
        assert r["df"][i] == pytest.approx(ref.df, rel=1e-8)
        lo, hi = ref.confidence_interval(0.95)
        assert r["effect_ci_low"][i] == pytest.approx(lo, rel=1e-7, abs=1e-12)
        assert r["effect_ci_high"][i] == pytest.approx(hi, rel=1e-7, abs=1e-12)


@pytest.mark.parametrize(
    ("ours", "theirs"), [("holm", "holm"), ("bonferroni", "bonferroni"), ("benjamini_hochberg", "fdr_bh")]
)
def test_corrections_match_statsmodels_per_experiment(ours, theirs):
    rng = np.random.default_rng(7)
    arms = 5
    n = rng.integers(2000, 4000, size=(30, arms))
    x = rng.binomial(n, 0.05 + 0.01 * rng.uniform(size=(30, arms)))
    table = {
        "experiment": np.repeat(np.arange(30), arms),
        "variant": np.tile(["c", "t1", "t2", "t3", "t4"], 30),
        "n": n.ravel(),
        "conversions": x.ravel(),
    }
    r = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="c", experiment="experiment", correction=ours)
    raw = r.p_value.reshape(30, arms - 1)
    adjusted = r.p_value_adjusted.reshape(30, arms - 1)
    for e in range(30):
        assert adjusted[e] == pytest.approx(multipletests(raw[e], method=theirs)[1], rel=1e-12, abs=1e-15)


def test_fieller_matches_textbook_quadratic():
    # Fieller's interval for m_t / m_c solved independently with numpy.roots.
    m_c, m_t, v_c, v_t = 10.0, 11.5, 0.25, 0.36
    z = stats.norm.isf(0.025)
    roots = np.sort(np.roots([m_c**2 - z**2 * v_c, -2 * m_t * m_c, m_t**2 - z**2 * v_t]).real)
    from abstats.inference.relative import fieller_interval

    lo, hi = fieller_interval(np.array([m_c]), np.array([v_c]), np.array([m_t]), np.array([v_t]), z, "two-sided")
    assert (lo[0] + 1, hi[0] + 1) == pytest.approx(tuple(roots), rel=1e-12)
