"""Columns the batch path builds on first read (decision / rule strings from label codes, the two-arm SRM
p-value) equal what an eager computation gives, and reading them changes nothing a user sees."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import abstats
from abstats.inference.srm import TwoArmSrmP
from abstats.result.deferred import CodedLabels, ResultColumns
from abstats.statistics import BinaryStats


def _experiments(seed: int, rows: int = 2_000, empty_arm: bool = True) -> tuple[BinaryStats, BinaryStats]:
    """Random two-arm experiments; a few with a broken split (SRM), no conversions, one arm without units."""
    rng = np.random.default_rng(seed)
    total = rng.integers(50, 20_000, rows)
    n_t = rng.binomial(total, 0.5)
    total[:10] = 10_000
    n_t[:10] = 5_600  # a broken split: chi-square 64, p ~ 1e-15
    n = np.column_stack([total - n_t, n_t]).astype(float)
    x = rng.binomial(n.astype(int), rng.uniform(0.0, 0.2, (rows, 1))).astype(float)
    x[10:15, 0] = 0.0  # relative effect undefined
    if empty_arm:
        n[15, 1] = x[15, 1] = 0.0  # no traffic
    return BinaryStats.from_arrays(n[:, 0], x[:, 0]), BinaryStats.from_arrays(n[:, 1], x[:, 1])


@pytest.mark.parametrize("empty_arm", [False, True])  # True: the path that sets rows without units aside
def test_deferred_columns_equal_an_independent_eager_computation(empty_arm):
    control, treatment = _experiments(int(empty_arm), empty_arm=empty_arm)
    r = abstats.compare(control, treatment, metric=abstats.BinaryMetric("cr"))
    assert isinstance(r.columns, ResultColumns) is not empty_arm  # deferred on the fast path
    # SRM: Pearson's chi-square of each row by scipy (1 df), and the gate by its p-value
    observed = np.column_stack([control.n, treatment.n])
    with np.errstate(invalid="ignore"):
        expected = stats.chisquare(observed, axis=1).pvalue
    np.testing.assert_allclose(r["srm_p_value"], expected, rtol=1e-10, atol=1e-300)
    gated = r["srm_p_value"] < 0.001
    assert gated[:10].all() and np.array_equal(r.warning_flags["srm"], gated)
    # decisions and rules: the fixed-horizon rule written with np.select over plain strings
    p, effect = r["p_value_adjusted"], r["effect"]
    no_traffic = (control.n == 0) | (treatment.n == 0)
    cases = [gated, no_traffic, np.isnan(p), (p < 0.05) & (effect > 0), p < 0.05]  # the SRM gate comes last
    decision = np.select(cases, ["investigate", "investigate", "inconclusive", "stop_winner", "stop_loser"],
                         "inconclusive")
    rule = np.select(cases, ["srm", "no_traffic", "test_undefined", "significant", "significant"], "not_significant")
    assert r.decision.dtype == object and r.rules.dtype == object
    assert r.decision.tolist() == decision.tolist()
    assert r.rules.tolist() == rule.tolist()


def test_reading_columns_first_changes_nothing_a_user_sees():
    control, treatment = _experiments(2, empty_arm=False)
    fresh = abstats.compare(control, treatment, metric=abstats.BinaryMetric("cr"))
    read = abstats.compare(control, treatment, metric=abstats.BinaryMetric("cr"))
    columns = {name: read.columns[name] for name in read.columns}  # builds every deferred column
    assert read.columns["decision"] is columns["decision"]  # built once, then kept
    assert fresh.to_json() == read.to_json()
    assert fresh.to_json(orient="columns") == read.to_json(orient="columns")
    assert len(fresh) == len(read) == len(control)
    again = pickle.loads(pickle.dumps(fresh))
    assert again.to_json() == read.to_json()


def test_the_result_stays_frozen():
    control, treatment = _experiments(3, rows=20)
    r = abstats.compare(control, treatment, metric=abstats.BinaryMetric("cr"))
    with pytest.raises(AttributeError):
        r.rules = np.array([])  # type: ignore[misc]


def test_no_warning_for_an_experiment_without_units():
    control = BinaryStats.from_arrays([0, 1000], [0, 100])
    treatment = BinaryStats.from_arrays([0, 1000], [0, 120])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = abstats.compare(control, treatment, metric=abstats.BinaryMetric("cr"))
        assert np.isnan(r["srm_p_value"][0]) and r.rules.tolist()[0] == "no_traffic"


@settings(max_examples=200, deadline=None)
@given(
    n_c=st.lists(st.integers(0, 10**7), min_size=1, max_size=30),
    skew=st.floats(0.8, 1.25),
    share=st.floats(0.01, 0.99),
    alpha=st.sampled_from([1e-12, 1e-6, 0.001, 0.01, 0.05, 0.2, 0.3173, 0.5, 0.9]),
)
def test_the_srm_gate_read_from_z_is_the_p_value_below_alpha(n_c, skew, share, alpha):
    n_c_arr = np.asarray(n_c, dtype=float)
    n_t = np.round(n_c_arr * skew * share / (1 - share))
    srm = TwoArmSrmP(n_c_arr, n_t, share)
    p = TwoArmSrmP(n_c_arr, n_t, share).materialise()
    assert np.array_equal(srm.below(alpha), p < alpha)


def test_label_codes_of_several_tables_concatenate_into_one():
    a = CodedLabels(np.array([0, 1], dtype=np.int8), ("x", "y"))
    b = CodedLabels(np.array([1, 0, 1], dtype=np.int8), ("z", "y"))
    both = CodedLabels.concat([a, b])
    assert both.materialise().tolist() == ["x", "y", "y", "z", "y"]
    assert np.asarray(both).tolist() == both.materialise().tolist()


def test_decisions_are_read_by_their_codes_after_their_strings_were_built():
    """``to_frame`` builds the decision strings; ``label_codes`` (the verdicts, ``to_json``) still reads the
    codes they were built from, on the Result and on a copy sharing its columns."""
    import dataclasses

    r = abstats.compare(*_experiments(3, empty_arm=False), metric=abstats.BinaryMetric("cr"))
    held = r.columns.raw("decision")
    assert isinstance(held, CodedLabels)
    r.to_frame()
    assert r.columns["decision"].dtype == object and r.columns.raw("decision") is held
    codes, labels = dataclasses.replace(r).label_codes("decision")
    assert codes is held.codes and labels == held.labels
    assert [labels[c] for c in codes.tolist()] == r.decision.tolist()
