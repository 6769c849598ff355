"""Issue 9, "no silent wrong answer": variance from n, sum, sum_sq must not cancel.

Every expected number is computed outside abstats from the raw rows: scipy's Welch
t-test (``scipy.stats.ttest_ind(..., equal_var=False)``), the delta method written
out with numpy on centred rows, or mpmath at 50 digits. Where a mean is large
against the spread, the scipy reference is run on the rows minus one of them
(``x - c`` with c = the first control row): a t-test is translation-invariant, and
``x - c`` is exact in float64 when x and c are within a factor 2 of each other
(Sterbenz's lemma), so the reference itself is free of the cancellation under test.

Tolerances. The rows themselves are float64 values near the offset, and so is each
arm's estimate (the mean): a mean near 1e12 can only be represented to
``np.spacing(1e12)`` = 1.2e-4. The effect (a difference of two such means, in
abstats and in scipy on raw rows alike) therefore carries up to a couple of ulps of
the offset; the p-value inherits that through t = effect / se. Standard errors,
Welch's df and interval widths depend only on deviations from the mean, which are
exact here, so they agree to ~1e-12 (asserted at 1e-9).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import mpmath
import numpy as np
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import abstats
from abstats import MeanMetric, RatioMetric
from abstats.errors import InputError, PrecisionWarning
from abstats.inference.welch import welch_df
from abstats.statistics import MeanStats, RatioStats, concat

mpmath.mp.dps = 50


# --------------------------------------------------------------------------- helpers


def _units(a: np.ndarray, b: np.ndarray, **extra: np.ndarray) -> dict[str, object]:
    return {"variant": np.array(["A"] * len(a) + ["B"] * len(b), dtype=object), "x": np.r_[a, b], **extra}


def _analyze_units(a: np.ndarray, b: np.ndarray) -> abstats.Result:
    return abstats.analyze(abstats.from_units(_units(a, b), MeanMetric("x")), control="A")


def _raw_aggregates(a: np.ndarray, b: np.ndarray) -> dict[str, list[float]]:
    """What a warehouse query returns: SUM(x), SUM(x * x) of the raw values."""
    return {"variant": ["A", "B"], "n": [len(a), len(b)], "sum": [a.sum(), b.sum()],
            "sum_sq": [(a * a).sum(), (b * b).sum()]}


@dataclass(frozen=True)
class WelchReference:
    """scipy's Welch test of treatment - control, on rows translated by ``c`` (see the module docstring)."""

    effect: float
    se: float
    df: float
    p: float
    low: float
    high: float

    @classmethod
    def of(cls, a: np.ndarray, b: np.ndarray, c: float | None = None) -> WelchReference:
        c = a[0] if c is None else c
        a_c, b_c = a - c, b - c
        res = scipy.stats.ttest_ind(b_c, a_c, equal_var=False)
        ci = res.confidence_interval(0.95)
        se = np.sqrt(np.var(a_c, ddof=1) / len(a) + np.var(b_c, ddof=1) / len(b))
        return cls(float(np.mean(b_c) - np.mean(a_c)), float(se), float(res.df), float(res.pvalue), float(ci.low),
                   float(ci.high))


def _assert_matches_welch(r: abstats.Result, ref: WelchReference) -> None:
    # the effect is a difference of two float64 means near the offset: each is rounded to
    # half an ulp of its magnitude when shift + sum / n is formed, so 2 ulps bound the difference;
    # 1e-12 se covers the other regime, spread >> offset, where the means are small and carry
    # the rounding of their sums instead (a few eps x spread, and se ~ spread / 20 here)
    effect_tol = 2 * np.spacing(max(abs(r["control_estimate"][0]), abs(r["treatment_estimate"][0]))) + 1e-12 * ref.se
    assert abs(r.effect[0] - ref.effect) <= effect_tol
    # se, df, width: sums of exact deviations on both sides, a few hundred eps-sized roundings
    assert r["se"][0] == pytest.approx(ref.se, rel=1e-9)
    assert r["df"][0] == pytest.approx(ref.df, rel=1e-9)
    width = r["effect_ci_high"][0] - r["effect_ci_low"][0]
    assert width == pytest.approx(ref.high - ref.low, rel=1e-9)
    assert abs(r["effect_ci_low"][0] - ref.low) <= effect_tol + 1e-9 * width
    # p moves with t = effect / se; the t density is below 0.4, two tails double it
    t_tol = effect_tol / ref.se + 1e-9 * abs(ref.effect / ref.se)
    assert abs(r.p_value[0] - ref.p) <= 0.8 * t_tol + 1e-9


# --------------------------------------------------------------------------- reproducers, as found


def test_aa_at_1e12_through_from_units_matches_scipy_on_the_raw_rows():
    """1e12 + N(0, 1), A/A: was p = 0, stop_winner, zero_variance; scipy on the raw rows gives ~0.8."""
    rng = np.random.default_rng(20261123)
    a, b = 1e12 + rng.standard_normal(1000), 1e12 + rng.standard_normal(1000)
    r = _analyze_units(a, b)
    raw = scipy.stats.ttest_ind(b, a, equal_var=False)  # the raw rows, untranslated: fine at mean/sd = 1e12
    # p tolerance: t moves by the effect's rounding (2 ulps of 1e12 = 2.4e-4) over se (0.045)
    assert r.p_value[0] == pytest.approx(raw.pvalue, abs=0.8 * 2 * np.spacing(1e12) / r["se"][0])
    assert r.decision[0] == "inconclusive"
    assert "zero_variance" not in [w["code"] for w in r.warnings(0)]
    _assert_matches_welch(r, WelchReference.of(a, b))


def test_aa_at_1e12_raw_aggregates_warn_instead_of_answering_silently():
    rng = np.random.default_rng(20261123)
    a, b = 1e12 + rng.standard_normal(1000), 1e12 + rng.standard_normal(1000)
    with pytest.warns(PrecisionWarning, match=r"metric 'x', variant 'A'.*sum_sq - sum\*\*2 / n"):
        abstats.analyze(_raw_aggregates(a, b), metric=MeanMetric("x"), control="A")


def test_aa_at_1e12_centred_aggregates_with_a_shift_column_match_scipy():
    rng = np.random.default_rng(20261123)
    a, b = 1e12 + rng.standard_normal(1000), 1e12 + rng.standard_normal(1000)
    shift = 1e12  # a stated round number near the mean: the user's query sums x - 1e12
    table = {"variant": ["A", "B"], "n": [1000, 1000], "sum_shift": [shift, shift],
             "sum": [(a - shift).sum(), (b - shift).sum()],
             "sum_sq": [((a - shift) ** 2).sum(), ((b - shift) ** 2).sum()]}
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        r = abstats.analyze(table, metric=MeanMetric("x"), control="A")
    _assert_matches_welch(r, WelchReference.of(a, b))
    mean_a = float(mpmath.fsum(map(mpmath.mpf, a)) / len(a))
    assert abs(r["control_estimate"][0] - mean_a) <= np.spacing(1e12)  # the shift is added back


@pytest.mark.parametrize("offset", [1e8, 1e9])
def test_standard_error_at_mean_over_sd_1e8_and_1e9(offset):
    """Was 4x (1e8) and 47x (1e9) off."""
    rng = np.random.default_rng(int(np.log10(offset)))
    a, b = offset + rng.standard_normal(1000), offset + rng.standard_normal(1000)
    r = _analyze_units(a, b)
    raw = scipy.stats.ttest_ind(b, a, equal_var=False)
    se_raw = (b.mean() - a.mean()) / raw.statistic
    # scipy on raw rows centres on a mean rounded to ~1e-7 (1e9): its variance is off by (1e-7)^2 relative
    assert r["se"][0] == pytest.approx(se_raw, rel=1e-9)
    _assert_matches_welch(r, WelchReference.of(a, b))


@pytest.mark.parametrize("n", [1000, 100_000])
def test_interval_at_mean_over_sd_1e3_with_sd_1e3(n):
    """mean 1, sd 1e-3 (mean/sd = 1e3): the interval was reported 43x too wide."""
    rng = np.random.default_rng(n)
    a, b = 1.0 + 1e-3 * rng.standard_normal(n), 1.0 + 1e-3 * rng.standard_normal(n)
    r = _analyze_units(a, b)
    raw = scipy.stats.ttest_ind(b, a, equal_var=False).confidence_interval()
    width = r["effect_ci_high"][0] - r["effect_ci_low"][0]
    assert width == pytest.approx(raw.high - raw.low, rel=1e-9)
    _assert_matches_welch(r, WelchReference.of(a, b))


def test_means_near_1e150_give_a_finite_welch_df():
    """Squaring variances of ~1e297 overflowed Welch's df to NaN (scipy's own ttest_ind overflows here too)."""
    rng = np.random.default_rng(150)
    a, b = 1e150 + 1e149 * rng.standard_normal(1000), 1e150 + 1e149 * rng.standard_normal(1000)
    # reference: the rows times 2^-500, an exact power-of-two scaling the t-test is invariant to
    ref = scipy.stats.ttest_ind(np.ldexp(b, -500), np.ldexp(a, -500), equal_var=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning, no PrecisionWarning
        for r in (_analyze_units(a, b), abstats.analyze(_raw_aggregates(a, b), metric=MeanMetric("x"), control="A")):
            assert np.isfinite(r["df"][0])
            assert r["df"][0] == pytest.approx(ref.df, rel=1e-9)
            assert r.p_value[0] == pytest.approx(ref.pvalue, rel=1e-9)


def test_ratio_with_denominator_offset_1e8_passes_cauchy_schwarz_and_matches_the_delta_method():
    """y = 1e8 + N(0, 1), x = y / 2 + N(0, 1): valid rows that failed the Cauchy-Schwarz check."""
    rng = np.random.default_rng(8)
    n = 500
    y = 1e8 + rng.standard_normal(2 * n)
    x = 0.5 * y + rng.standard_normal(2 * n)
    data = abstats.from_units(_units(x[:n], x[n:], y=y), RatioMetric("r", numerator="x", denominator="y"))
    r = abstats.analyze(data, control="A")

    def delta(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
        # Deng et al. 2018, linearised on rows centred on their means (float64, numpy, not abstats)
        mx, my = xs.mean(), ys.mean()
        ratio = mx / my
        resid = (xs - mx) - ratio * (ys - my)
        return ratio, float(resid.var(ddof=1) / len(xs) / my**2)

    (r_c, v_c), (r_t, v_t) = delta(x[:n], y[:n]), delta(x[n:], y[n:])
    assert r["se"][0] == pytest.approx(np.sqrt(v_c + v_t), rel=1e-9)
    # the effect is ~1e-10 (a ratio near 0.5 with spread 1e-8): rounding of each ratio is 1 ulp of 0.5
    assert r.effect[0] == pytest.approx(r_t - r_c, abs=4 * np.spacing(0.5))
    z = (r_t - r_c) / np.sqrt(v_c + v_t)
    assert r.p_value[0] == pytest.approx(2 * scipy.stats.norm.sf(abs(z)), abs=0.8 * 4 * np.spacing(0.5) / r["se"][0])


def test_ratio_delta_method_against_mpmath():
    """The ratio's variance of estimate, every sum in 50-digit arithmetic from the raw rows."""
    rng = np.random.default_rng(9)
    y = 1e8 + np.round(rng.normal(0, 3, 300))
    x = 2.0 * y + rng.normal(0, 1, 300)
    stats = abstats.from_units({"variant": ["A"] * 300, "x": x, "y": y},
                               RatioMetric("r", numerator="x", denominator="y")).stats
    xs, ys = [mpmath.mpf(float(v)) for v in x], [mpmath.mpf(float(v)) for v in y]
    n = len(xs)
    mx, my = mpmath.fsum(xs) / n, mpmath.fsum(ys) / n
    vx = mpmath.fsum((v - mx) ** 2 for v in xs) / (n - 1)
    vy = mpmath.fsum((v - my) ** 2 for v in ys) / (n - 1)
    cxy = mpmath.fsum((u - mx) * (v - my) for u, v in zip(xs, ys, strict=True)) / (n - 1)
    var = (vx / my**2 - 2 * mx * cxy / my**3 + mx**2 * vy / my**4) / n
    # the delta-method expression itself subtracts terms ~1e3x its value (x tracks 2y closely)
    assert stats.variance_of_estimate()[0] == pytest.approx(float(var), rel=1e-9)
    assert stats.estimate()[0] == pytest.approx(float(mx / my), rel=1e-15)


def test_ratio_raw_aggregates_at_offset_1e8_warn_and_centred_ones_do_not():
    rng = np.random.default_rng(8)
    y = 1e8 + rng.standard_normal(1000)
    x = 0.5 * y + rng.standard_normal(1000)
    raw = dict(n=[1000], num_sum=[x.sum()], den_sum=[y.sum()], num_sum_sq=[(x * x).sum()],
               den_sum_sq=[(y * y).sum()], num_den_sum=[(x * y).sum()])
    with pytest.warns(PrecisionWarning, match="metric 'r'"):
        RatioStats.from_arrays(**raw, metric="r")  # warns, no longer a Cauchy-Schwarz InputError
    a, b = 5e7, 1e8  # stated shifts
    table = {"variant": ["A"], "n": [1000], "num_sum_shift": [a], "den_sum_shift": [b],
             "num_sum": [(x - a).sum()], "den_sum": [(y - b).sum()], "num_sum_sq": [((x - a) ** 2).sum()],
             "den_sum_sq": [((y - b) ** 2).sum()], "num_den_sum": [((x - a) * (y - b)).sum()]}
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        stats = abstats.from_aggregates(table, RatioMetric("r")).stats
    units = abstats.from_units({"variant": ["A"] * 1000, "x": x, "y": y},
                               RatioMetric("r", numerator="x", denominator="y")).stats
    assert stats.estimate()[0] == pytest.approx(units.estimate()[0], rel=1e-15)
    assert stats.variance_of_estimate()[0] == pytest.approx(units.variance_of_estimate()[0], rel=1e-9)


# --------------------------------------------------------------------------- checks and flags


def test_welch_df_neither_overflows_nor_underflows_against_mpmath():
    for v_c, v_t, n_c, n_t in [(3e300, 1e300, 10, 20), (3e-200, 1e-200, 10, 20), (1e308, 1e-308, 5, 7)]:
        vc, vt = mpmath.mpf(v_c), mpmath.mpf(v_t)
        expected = (vc + vt) ** 2 / (vc**2 / (n_c - 1) + vt**2 / (n_t - 1))
        got = welch_df(np.array([v_c]), np.array([float(n_c)]), np.array([v_t]), np.array([float(n_t)]))
        assert got[0] == pytest.approx(float(expected), rel=1e-14)


def test_zero_variance_is_not_fooled_by_cancellation():
    rng = np.random.default_rng(0)
    stats = abstats.from_units(_units(1e12 + rng.standard_normal(500), 1e12 + rng.standard_normal(500)),
                               MeanMetric("x")).stats
    assert (stats.unit_variance() > 0.5).all()
    # genuinely constant arms stay exactly zero (their deviations from the mean are 0), without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        constant = abstats.from_units(_units(np.full(5, 1e12 + 0.5), np.full(5, 7.25)), MeanMetric("x")).stats
    assert (constant.unit_variance() == 0).all()


def test_negative_variance_check_scales_with_the_data():
    # 10 values of ~1e-6 whose sum_sq is 1% short of sum^2 / n: the old max(|floor|, 1) * 1e-9 slack let it through
    with pytest.raises(InputError, match="sum_sq"):
        MeanStats.from_arrays(n=[10], sum=[1e-5], sum_sq=[0.99e-11])
    # a shortfall of one ulp is rounding, not an error; the variance is then unresolved, which warns
    with pytest.warns(PrecisionWarning):
        MeanStats.from_arrays(n=[10], sum=[1e-5], sum_sq=[np.nextafter(1e-11, 0)])


def test_cauchy_schwarz_check_scales_with_the_data():
    # centred sums with Sxx = Syy = 9e-18 and Sxy 10% beyond sqrt(Sxx Syy): the old fixed 1e-12 slack accepted it
    q = 9e-18
    centred = dict(n=[10], num_sum=[0.0], den_sum=[0.0], num_sum_sq=[q], den_sum_sq=[q], den_shift=[1.0])
    with pytest.raises(InputError, match="num_den_sum"):
        RatioStats.from_arrays(**centred, num_den_sum=[1.1 * q])
    RatioStats.from_arrays(**centred, num_den_sum=[0.9 * q])
    RatioStats.from_arrays(**centred, num_den_sum=[q * (1 + 4 * np.finfo(float).eps)])  # a few ulps over: rounding


def test_well_conditioned_raw_sums_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        MeanStats.from_arrays(n=[1000, 1000], sum=[5000.0, 5100.0], sum_sq=[50_000.0, 52_000.0])
        abstats.from_units(_units(np.arange(10.0), np.arange(10.0) + 1e3), MeanMetric("x"))


def test_precision_warning_is_a_user_warning_of_abstats():
    assert issubclass(PrecisionWarning, UserWarning)
    with pytest.warns(PrecisionWarning, match=r"experiment 'e2', variant 'B', row 1"):
        MeanStats.from_arrays(n=[4, 4], sum=[8.0, 4e12], sum_sq=[20.0, 4e24], metric="m",
                              experiment=["e1", "e2"], variant=["A", "B"])


# --------------------------------------------------------------------------- shift carried through take / concat


def test_shift_survives_take_and_concat():
    rng = np.random.default_rng(1)
    values = np.r_[1e12 + rng.standard_normal(50), 3.0 + rng.standard_normal(50), -1e9 + rng.standard_normal(50)]
    groups = np.repeat(["p", "q", "r"], 50)
    stats = abstats.from_units({"variant": groups, "x": values}, MeanMetric("x")).stats
    expected_mean = [float(mpmath.fsum(map(mpmath.mpf, values[i * 50:(i + 1) * 50])) / 50) for i in range(3)]
    expected_var = [np.var(values[i * 50:(i + 1) * 50] - values[i * 50], ddof=1) for i in range(3)]
    assert stats.estimate() == pytest.approx(expected_mean, rel=1e-15)
    assert stats.unit_variance() == pytest.approx(expected_var, rel=1e-12)
    taken = stats.take(np.array([2, 0]))
    assert taken.estimate() == pytest.approx([expected_mean[2], expected_mean[0]], rel=1e-15)
    raw = MeanStats.from_arrays(n=[3], sum=[6.0], sum_sq=[14.0])  # no shift given
    joined = concat([taken, raw])
    assert joined.estimate() == pytest.approx([expected_mean[2], expected_mean[0], 2.0], rel=1e-15)
    assert joined.unit_variance() == pytest.approx([expected_var[2], expected_var[0], 1.0], rel=1e-12)


def test_many_experiments_from_units_each_match_scipy():
    """Centring is per experiment x variant group (one bincount pass), offsets differing by 1e12 across groups."""
    rng = np.random.default_rng(3)
    rows_per_arm, experiments = 200, 12
    offsets = 10.0 ** rng.uniform(0, 12, experiments)
    exp = np.repeat(np.arange(experiments), 2 * rows_per_arm)
    var = np.tile(np.repeat(["A", "B"], rows_per_arm), experiments)
    x = offsets[exp] + rng.standard_normal(len(exp))
    order = rng.permutation(len(x))  # rows in any order
    data = abstats.from_units({"experiment": exp[order], "variant": var[order], "x": x[order]}, MeanMetric("x"),
                              experiment="experiment")
    r = abstats.analyze(data, control="A")
    for row, e in enumerate(r["experiment"]):
        a, b = x[(exp == e) & (var == "A")], x[(exp == e) & (var == "B")]
        ref = WelchReference.of(a, b)
        assert r["se"][row] == pytest.approx(ref.se, rel=1e-9)
        assert r["df"][row] == pytest.approx(ref.df, rel=1e-9)


# ------------------------------------------------------------------ property: offsets 0..1e12, spreads 1e-6..1e6


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offset_exp=st.one_of(st.none(), st.floats(0, 12)),
    negative=st.booleans(),
    spread_exp=st.floats(-6, 6),
    effect=st.floats(0, 0.5),
    n=st.tuples(st.integers(200, 400), st.integers(200, 400)),
    seed=st.integers(0, 2**32 - 1),
)
def test_welch_from_units_matches_scipy_for_any_offset_and_spread(offset_exp, negative, spread_exp, effect, n, seed):
    offset = 0.0 if offset_exp is None else (-1) ** negative * 10.0**offset_exp
    spread = 10.0**spread_exp
    rng = np.random.default_rng(seed)
    a = offset + spread * rng.standard_normal(n[0])
    b = offset + spread * (effect + rng.standard_normal(n[1]))
    r = _analyze_units(a, b)
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        # mean/sd up to 1e18: both arms rounded to one float each; the only honest answer is zero variance
        assert "zero_variance" in [w["code"] for w in r.warnings(0)]
        return
    # Tolerances (see _assert_matches_welch): se, df and the interval width to 1e-9 relative, since both
    # sides sum exact deviations from the mean; the effect, the interval's ends and p to 2 ulps of the
    # offset, the float64 resolution of the means themselves (in scipy on raw rows as in abstats).
    _assert_matches_welch(r, WelchReference.of(a, b))
