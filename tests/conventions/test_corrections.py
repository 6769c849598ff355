"""Hochberg, Sidak and Holm-Sidak, family by family against statsmodels.stats.multitest.multipletests."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

import abstats
from abstats.inference.multiple_testing import adjust_p_values, interval_alpha

PAIRS = [("hochberg", "simes-hochberg"), ("sidak", "sidak"), ("holm_sidak", "holm-sidak")]


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_families_of_unequal_sizes_match_statsmodels(ours, theirs):
    rng = np.random.default_rng(11)
    sizes = rng.integers(1, 9, size=60)
    group = np.repeat(np.arange(60), sizes)
    p = rng.uniform(size=len(group)) ** 3  # many small p-values
    p[3::10] = 0.01  # ties within and across families
    order = rng.permutation(len(p))  # families interleaved
    adjusted = adjust_p_values(p[order], group[order], ours)
    back = np.empty_like(adjusted)
    back[order] = adjusted
    for g in range(60):
        rows = group == g
        assert back[rows] == pytest.approx(multipletests(p[rows], method=theirs)[1], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_analyze_applies_them_per_experiment(ours, theirs):
    rng = np.random.default_rng(7)
    arms = 5
    n = rng.integers(2000, 4000, size=(30, arms))
    x = rng.binomial(n, 0.05 + 0.01 * rng.uniform(size=(30, arms)))
    table = {"experiment": np.repeat(np.arange(30), arms), "variant": np.tile(["c", "t1", "t2", "t3", "t4"], 30),
             "n": n.ravel(), "conversions": x.ravel()}
    r = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="c", experiment="experiment",
                        correction=ours)
    raw, adjusted = r.p_value.reshape(30, arms - 1), r.p_value_adjusted.reshape(30, arms - 1)
    for e in range(30):
        assert adjusted[e] == pytest.approx(multipletests(raw[e], method=theirs)[1], rel=1e-12, abs=1e-15)
    assert r.settings["ci_adjusted"] is True


def test_sidak_intervals_use_the_sidak_level():
    group = np.array([0, 0, 0, 1])
    expected = 1 - (1 - 0.05) ** (1 / 3)
    for method in ("sidak", "holm_sidak"):
        assert interval_alpha(0.05, group, method) == pytest.approx([expected] * 3 + [0.05], rel=1e-14)
    assert interval_alpha(0.05, group, "hochberg") == pytest.approx([0.05 / 3] * 3 + [0.05])


def test_group_sequential_keeps_bonferroni_type_corrections_only():
    from abstats.sequential import GroupSequentialDesign
    from abstats.sequential.settings import GroupSequentialSettings

    with pytest.raises(abstats.ConfigError, match="correction"):
        GroupSequentialSettings(GroupSequentialDesign("pocock", looks=2), look=1, correction="sidak")
