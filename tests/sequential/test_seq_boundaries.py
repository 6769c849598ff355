"""Boundaries and exit probabilities checked against independent computations.

Independent references: scipy ``multivariate_normal.cdf`` (Genz quasi-Monte Carlo, not the
recursion used by abstats) for the joint law of (Z_1..Z_K) with corr sqrt(t_i/t_j), and the
published constants of Jennison & Turnbull (2000), Tables 2.1-2.4.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.stats import multivariate_normal, norm

from abstats.errors import ConfigError
from abstats.sequential import GroupSequentialDesign, boundaries, recursion, spend
from abstats.sequential.recursion import exit_probabilities

# Jennison & Turnbull (2000) Table 2.1 (Pocock C_P) and 2.3 (O'Brien-Fleming C_B), alpha = 0.05 two-sided.
JT_POCOCK = {1: 1.960, 2: 2.178, 3: 2.289, 4: 2.361, 5: 2.413, 10: 2.555}
JT_OBF = {1: 1.960, 2: 1.977, 3: 2.004, 4: 2.024, 5: 2.040, 10: 2.087}
# Jennison & Turnbull (2000) Tables 2.2 / 2.4: maximum-sample-size inflation R(K, alpha=0.05, beta).
JT_INFLATION = {
    ("pocock", 0.2): {2: 1.110, 3: 1.166, 4: 1.202, 5: 1.229},
    ("pocock", 0.1): {2: 1.100, 3: 1.151, 4: 1.183, 5: 1.207},
    ("obrien_fleming", 0.2): {2: 1.008, 3: 1.017, 4: 1.024, 5: 1.028},
    ("obrien_fleming", 0.1): {2: 1.007, 3: 1.016, 4: 1.022, 5: 1.026},
}


def _corr(t: np.ndarray) -> np.ndarray:
    return np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))


def _mvn_no_crossing(t, lower, upper, drift=0.0) -> float:
    """P(lower_k < Z_k < upper_k for all k) by Genz integration (independent of the recursion)."""
    mean = drift * np.sqrt(t)
    mvn = multivariate_normal(mean=mean, cov=_corr(t), abseps=1e-7, releps=1e-7, maxpts=200000)
    return float(mvn.cdf(np.asarray(upper), lower_limit=np.asarray(lower)))


@pytest.mark.parametrize("k", sorted(JT_POCOCK))
def test_classical_pocock_constants(k):
    # Published to 3 decimals, so 6e-4 covers rounding.
    got = GroupSequentialDesign("pocock", looks=k).efficacy_boundaries()
    np.testing.assert_allclose(got, JT_POCOCK[k], atol=6e-4)


@pytest.mark.parametrize("k", sorted(JT_OBF))
def test_classical_obf_constants(k):
    got = GroupSequentialDesign("obrien_fleming", looks=k).efficacy_boundaries()
    np.testing.assert_allclose(got, JT_OBF[k] * np.sqrt(k / np.arange(1, k + 1)), atol=6e-4 * np.sqrt(k))


@pytest.mark.parametrize(("kind", "beta"), sorted(JT_INFLATION))
def test_inflation_factors_match_published_tables(kind, beta):
    for k, published in JT_INFLATION[(kind, beta)].items():
        got = GroupSequentialDesign(kind, looks=k).inflation_factor(1 - beta)
        # Required: within 0.5 %; published to 3 decimals.
        assert abs(got / published - 1) < 5e-3, (kind, beta, k, got, published)
        assert abs(got - published) < 1e-3, (kind, beta, k, got, published)


def test_exit_probabilities_match_genz_with_drift_and_asymmetric_bounds():
    t = np.array([0.25, 0.6, 1.0])
    lower = np.array([-1.0, 0.2, 1.5])
    upper = np.array([3.0, 2.4, 1.9])
    up, down = exit_probabilities(t, lower, upper, drift=2.0)
    # Stopping-at-last-look mass forced: P(no exit before K) - P(no exit at all) split across sides.
    assert up.sum() + down.sum() == pytest.approx(1 - _mvn_no_crossing(t, lower, upper, 2.0), abs=2e-6)
    first_two = 1 - _mvn_no_crossing(t[:2], lower[:2], upper[:2], 2.0)
    assert up[:2].sum() + down[:2].sum() == pytest.approx(first_two, abs=2e-6)
    # P(exit above at look 1) is univariate.
    assert up[0] == pytest.approx(norm.sf(3.0 - 2.0 * 0.5), abs=1e-12)


@settings(max_examples=12, deadline=None)
@given(
    st.lists(st.floats(0.1, 0.95), min_size=1, max_size=2, unique=True),
    st.sampled_from(["lan_demets_obrien_fleming", "lan_demets_pocock", "lan_demets_power", "lan_demets_hsd"]),
    st.sampled_from([0.01, 0.05, 0.1]),
)
def test_spending_design_spends_exactly_alpha(interim, kind, alpha):
    # Invariant: for any (unequal) look times the two-sided null crossing probability is alpha (Genz check).
    t = np.array(sorted(interim) + [1.0])
    assume(np.all(np.diff(t) >= 0.03))
    design = GroupSequentialDesign(kind, information_fractions=tuple(t), alpha=alpha, rho=2.0)
    b = design.efficacy_boundaries()
    assert 1 - _mvn_no_crossing(t, -b, b) == pytest.approx(alpha, abs=3e-5 + 1e-4 * alpha)
    spent = design.alpha_spent()
    assert spent[-1] == pytest.approx(alpha, rel=1e-12)
    assert np.all(np.diff(spent) >= 0)


@pytest.mark.parametrize("kind", ["pocock", "obrien_fleming"])
def test_classical_constant_spends_alpha_one_sided_at_unequal_looks(kind):
    # The constant is root-found over the whole recursion; Genz integration checks the crossing probability
    # (its randomised 4-dimensional estimate strays by up to ~1e-5 between runs, hence the tolerance).
    t = np.array([0.15, 0.4, 0.55, 1.0])
    design = GroupSequentialDesign(kind, information_fractions=tuple(t), alpha=0.025, alternative="greater")
    b = design.efficacy_boundaries()
    assert 1 - _mvn_no_crossing(t, np.full(4, -np.inf), b) == pytest.approx(0.025, abs=2e-5)
    shape = np.ones(4) if kind == "pocock" else 1 / np.sqrt(t)
    np.testing.assert_allclose(b / shape, b[-1] / shape[-1], rtol=1e-12)
    assert design.alpha_spent()[-1] == pytest.approx(0.025, abs=1e-9)


def test_look_too_early_to_spend_gets_the_no_stop_bound():
    # O'Brien-Fleming-type spending at t = 0.001 spends ~1e-300: no bound below 20 spends that little.
    design = GroupSequentialDesign("lan_demets_obrien_fleming", looks=4)
    observed = design.boundaries_at([0.001, 0.5])
    assert observed.efficacy[0] == 20.0
    # The next look spends the O'Brien-Fleming-type alpha of one side at t = 0.5 (look 1 crossing is ~0).
    one_side = 2 * norm.sf(norm.isf(0.0125) / np.sqrt(0.5))
    assert norm.sf(observed.efficacy[1]) == pytest.approx(one_side, rel=1e-6)


def test_one_sided_boundaries_spend_alpha():
    t = np.array([0.3, 0.7, 1.0])
    design = GroupSequentialDesign(
        "lan_demets_pocock", information_fractions=tuple(t), alpha=0.025, alternative="greater"
    )
    b = design.efficacy_boundaries()
    assert 1 - _mvn_no_crossing(t, np.full(3, -np.inf), b) == pytest.approx(0.025, abs=3e-6)
    # First look spends alpha log(1 + (e - 1) 0.3) one-sided: univariate check.
    assert norm.sf(b[0]) == pytest.approx(0.025 * np.log1p((np.e - 1) * 0.3), rel=1e-8)


def test_power_family_rho_one_is_linear_spending():
    spent = spend("power", np.array([0.0, 0.5, 1.0]), 0.05, rho=1.0)
    np.testing.assert_allclose(spent, [0.0, 0.025, 0.05])


def test_binding_futility_spends_alpha_and_beta():
    t = np.array([1 / 3, 2 / 3, 1.0])
    design = GroupSequentialDesign(
        "lan_demets_obrien_fleming", looks=3, alpha=0.025, alternative="greater",
        beta_spending="obrien_fleming", binding=True, power=0.9,
    )
    b, a = design.efficacy_boundaries(), design.futility_boundaries()
    assert a[-1] == b[-1]
    drift = design.planned.drift
    # Type I with binding futility = alpha: P(stop for efficacy) = 1 - P(no upper crossing before falling below a).
    p_efficacy_null = _efficacy_probability(t, a, b, 0.0)
    assert p_efficacy_null == pytest.approx(0.025, abs=2e-5)
    assert _efficacy_probability(t, a, b, drift) == pytest.approx(0.9, abs=2e-5)
    # Beta spent at look 1 is univariate: P(Z_1 <= a_1 | drift) = 2(1 - Phi(z_{1-beta/2} / sqrt(1/3))).
    spent_1 = 2 * norm.sf(norm.isf(0.1 / 2) / np.sqrt(1 / 3))  # O'Brien-Fleming-type spending of beta = 0.1
    assert norm.cdf(a[0] - drift * np.sqrt(1 / 3)) == pytest.approx(spent_1, rel=1e-7)


def test_non_binding_futility_keeps_efficacy_bounds_and_is_conservative():
    kwargs = dict(looks=3, alpha=0.025, alternative="greater")
    plain = GroupSequentialDesign("lan_demets_obrien_fleming", **kwargs)
    nonbinding = GroupSequentialDesign("lan_demets_obrien_fleming", beta_spending="pocock", power=0.8, **kwargs)
    np.testing.assert_allclose(nonbinding.efficacy_boundaries(), plain.efficacy_boundaries(), atol=1e-9)
    t = np.array([1 / 3, 2 / 3, 1.0])
    a, b = nonbinding.futility_boundaries(), nonbinding.efficacy_boundaries()
    assert _efficacy_probability(t, a, b, 0.0) < 0.025
    assert _efficacy_probability(t, a, b, nonbinding.planned.drift) == pytest.approx(0.8, abs=2e-5)
    assert nonbinding.inflation_factor() > plain.inflation_factor(0.8)


def _efficacy_probability(t, a, b, drift) -> float:
    """P(cross b before a) by Genz: sum over k of P(a_j < Z_j < b_j for j < k, Z_k >= b_k)."""
    total = 0.0
    for k in range(len(t)):
        inside = _mvn_no_crossing(t[: k + 1], np.r_[a[:k], b[k]], np.r_[b[:k], np.inf], drift) if k else norm.sf(
            b[0] - drift * np.sqrt(t[0])
        )
        total += inside
    return total


def test_unplanned_looks_recompute_spending():
    design = GroupSequentialDesign("lan_demets_obrien_fleming", looks=4)
    observed = design.boundaries_at([0.3, 0.55, 0.8, 1.0])
    assert observed.alpha_spent[-1] == pytest.approx(0.05)
    t = np.array([0.3, 0.55, 0.8, 1.0])
    b = observed.efficacy
    assert 1 - _mvn_no_crossing(t, -b, b) == pytest.approx(0.05, abs=5e-5)
    # Interim look only: spends the O'Brien-Fleming-type function at t = 0.3 (univariate check).
    first = design.boundaries_at([0.3]).efficacy[0]
    assert 2 * norm.sf(first) == pytest.approx(2 * 2 * norm.sf(norm.isf(0.0125) / np.sqrt(0.3)), rel=1e-8)
    # Overrunning the planned information at the last look spends all alpha there.
    over = design.boundaries_at([0.25, 0.5, 0.75, 1.2])
    assert over.alpha_spent[-1] == pytest.approx(0.05)
    t_over = np.array([0.25, 0.5, 0.75, 1.2])
    assert 1 - _mvn_no_crossing(t_over, -over.efficacy, over.efficacy) == pytest.approx(0.05, abs=5e-5)


def test_classical_design_rejects_unplanned_looks():
    with pytest.raises(ConfigError):
        GroupSequentialDesign("pocock", looks=3).boundaries_at([0.3, 0.6])


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kind="nope", looks=3),
        dict(kind="pocock"),
        dict(kind="pocock", looks=3, information_fractions=(0.5, 1.0)),
        dict(kind="pocock", looks=0),
        dict(kind="lan_demets_pocock", information_fractions=(0.5, 0.4, 1.0)),
        dict(kind="lan_demets_pocock", information_fractions=(0.5, 0.9)),
        dict(kind="lan_demets_power", looks=3),
        dict(kind="lan_demets_power", looks=3, rho=-1.0),
        dict(kind="lan_demets_hsd", looks=3),
        dict(kind="lan_demets_pocock", looks=3, beta_spending="hsd"),
        dict(kind="pocock", looks=3, alpha=1.5),
        dict(kind="pocock", looks=3, alternative="both"),
        dict(kind="pocock", looks=3, beta_spending="pocock"),
        dict(kind="lan_demets_pocock", looks=3, beta_spending="power"),
    ],
)
def test_bad_designs_raise_config_error(kwargs):
    with pytest.raises(ConfigError):
        GroupSequentialDesign(**kwargs)


def test_expected_sample_size_below_maximum_and_above_first_look():
    design = GroupSequentialDesign("pocock", looks=5)
    ess = design.expected_sample_size(0.9)
    assert 0.2 * design.inflation_factor(0.9) < ess < design.inflation_factor(0.9)


def test_matches_gsdesign_default_design():
    # gsDesign's default design, gsDesign(k = 3, test.type = 4, alpha = 0.025, beta = 0.1,
    # sfu = sfHSD, sfupar = -4, sfl = sfHSD, sflpar = -2), as printed in the gsDesign documentation
    # (gsDesign() reference example and normalGrid() example with n.fix = 1000):
    # lower Z -0.24 0.94 2.00, upper Z 3.01 2.55 2.00, sample-size ratio 1.070,
    # E{N} = 791.3 (theta = delta) and 624.9 (theta = 0) per 1000 fixed, upper crossing under
    # theta = 0 (futility obeyed) 0.0013 0.0049 0.0171, alpha spent 0.0013 0.0049 0.0188.
    design = GroupSequentialDesign(
        "lan_demets_hsd", looks=3, alpha=0.025, alternative="greater",
        rho=-4.0, beta_spending="hsd", beta_rho=-2.0, power=0.9,
    )
    np.testing.assert_allclose(design.efficacy_boundaries(), [3.01, 2.55, 2.00], atol=0.005)
    np.testing.assert_allclose(design.futility_boundaries(), [-0.24, 0.94, 2.00], atol=0.005)
    assert design.inflation_factor() == pytest.approx(1.070, abs=5e-4)
    assert design.expected_sample_size() == pytest.approx(0.7913, abs=5e-5)
    assert design.expected_sample_size(effect_ratio=0.0) == pytest.approx(0.6249, abs=5e-5)
    np.testing.assert_allclose(np.diff(design.alpha_spent(), prepend=0), [0.0013, 0.0049, 0.0188], atol=5e-5)
    t = np.array(design.information_fractions)
    up, _ = exit_probabilities(t, design.futility_boundaries(), design.efficacy_boundaries(), 0.0)
    np.testing.assert_allclose(up, [0.0013, 0.0049, 0.0171], atol=5e-5)


def test_hsd_spending_gamma_zero_is_linear():
    np.testing.assert_allclose(spend("hsd", np.array([0.25, 1.0]), 0.05, rho=0.0), [0.0125, 0.05])
    # gamma = 1: a (1 - e^{-t}) / (1 - e^{-1}) at t = 0.5, by hand.
    assert spend("hsd", np.array([0.5]), 0.05, rho=1.0)[0] == pytest.approx(
        0.05 * (1 - np.exp(-0.5)) / (1 - np.exp(-1.0)), rel=1e-12
    )


def test_secant_raises_when_the_bracket_closes_on_a_jump():
    # f changes sign at 1.3 without a root there (a wrong evaluation looks like this): bisection closes the
    # bracket on the jump, which must not be returned as a root.
    def step(x: float) -> float:
        return -1.0 if x < 1.3 else 1.0

    with pytest.raises(ValueError, match="jumps"):
        boundaries._secant(step, 1.0, 1.0, 0.5, 3.0, 1e-9)
    # Never positive: the search closes on the upper end without a sign change.
    with pytest.raises(ValueError, match="no root"):
        boundaries._secant(lambda x: -1.0 - x, 1.0, 1.0, 0.5, 3.0, 1e-9)


@pytest.mark.parametrize("accept_unevaluated", [None, lambda x: True])
def test_secant_finds_the_root_of_a_probit_curve(accept_unevaluated):
    # A curved, increasing probit-scale function like the drift excess; root by scipy's brentq.
    def f(x: float) -> float:
        return float(norm.isf(0.1) - norm.isf(norm.cdf(0.8 * x - 1.5) ** 1.3))

    root = brentq(f, 0.5, 9.0, xtol=1e-14)
    found = boundaries._secant(f, 2.0, 1.0, 0.5, 9.0, 1e-10, accept_unevaluated=accept_unevaluated)
    assert found == pytest.approx(root, abs=1e-10)


def test_futility_bounds_interpolated_in_the_drift_match_bounds_solved_there(monkeypatch):
    # gsDesign's default design with 10 looks ends its drift search between trials: its bounds are
    # interpolated through the trials' bounds, which must match the bounds solved at that drift.
    interpolated = []
    original = boundaries._interpolated_bounds

    def recording(trials, drift):
        result = original(trials, drift)
        interpolated.append(result is not None)
        return result

    monkeypatch.setattr(boundaries, "_interpolated_bounds", recording)
    design = GroupSequentialDesign(
        "lan_demets_hsd", looks=10, alpha=0.025, alternative="greater",
        rho=-4.0, beta_spending="hsd", beta_rho=-2.0, power=0.9,
    )
    planned = design.planned
    assert interpolated == [True]
    solved = boundaries.spending_boundaries(
        design._plan, np.asarray(design.information_fractions), final=True, drift=planned.drift, beta=0.1
    )
    np.testing.assert_allclose(planned.efficacy, solved.efficacy, rtol=0, atol=1e-9)
    np.testing.assert_allclose(planned.futility, solved.futility, rtol=0, atol=1e-9)


def test_mixture_density_on_a_wide_grid_matches_the_direct_sum():
    # A one-sided null recursion's grid (open below) is much wider than the kernel at K = 10 spacing, so the
    # density drops the far kernel terms blockwise; it must equal the mixture summed term by term with scipy.
    law = recursion.transition(None, 0.9, 0.0)
    previous = recursion.restrict(law, 0.9, 0.0, -np.inf, 2.2)
    law = recursion.transition(previous, 1.0, 0.0)
    z, _ = recursion.grid(0.0, -np.inf, 2.0)
    centre = law.scaled * law.scale
    direct = norm.pdf(z[:, None], loc=centre, scale=law.scale) @ law.weight
    assert (z[-1] - z[0]) / law.scale > 2 * recursion.KERNEL_CUT  # the blockwise path is the one tested
    np.testing.assert_allclose(law.density(z), direct, rtol=1e-12, atol=1e-17)
