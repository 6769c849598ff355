"""``Result.reasons``: one row formatted when it is read, all rows in bulk (per rule code) when exported,
the same texts either way."""

from __future__ import annotations

import numpy as np
import pytest

import abstats
from abstats.result import reason_column
from abstats.sequential import GroupSequentialDesign
from abstats.statistics import BinaryStats

OPTIONS = {
    "frequentist": {},
    "bayesian": {"prob_threshold": 0.9},
    "msprt": {},
    "confidence_sequence": {},
    "group_sequential": {"design": GroupSequentialDesign("lan_demets_obrien_fleming", looks=3,
                                                         beta_spending="obrien_fleming"), "look": 2},
}


def _mixed(method: str, **options: object) -> abstats.Result:
    """Rows of many rule codes: winners, losers, no difference, an SRM, an empty arm, a tiny sample."""
    table = {
        "experiment": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
        "variant": ["A", "B"] * 6,
        "n": [20_000, 20_000, 20_000, 20_000, 1000, 1300, 50, 0, 3, 4, 20_000, 20_100],
        "conversions": [1000, 1200, 1000, 800, 100, 100, 5, 0, 0, 4, 1000, 1010],
    }
    return abstats.analyze(table, metric=abstats.BinaryMetric("conv"), control="A", experiment="experiment",
                           method=method, **OPTIONS[method], **options)


@pytest.mark.parametrize("method", sorted(OPTIONS))
def test_bulk_texts_are_the_row_texts(method):
    r = _mixed(method)
    assert len(set(r.rules.tolist())) >= 3, "several rule codes, each formatted in its own group"
    one_by_one = [r.reason(i) for i in range(len(r))]
    assert r.reasons.all() == one_by_one == list(r.reasons) == r.reasons
    assert r.reasons[1:4] == one_by_one[1:4] and r.reasons[-1] == one_by_one[-1]


def test_concatenated_settings_each_format_their_rows():
    a, b = _mixed("frequentist"), _mixed("frequentist", alpha=0.001, correction="none")
    both = abstats.Result.concat([a, b])
    assert both.reasons == [*a.reasons, *b.reasons]
    assert "Holm-adjusted p" in both.reasons[0] and "alpha = 0.001" in both.reasons[len(a)]
    # rows picked across both parts and rule codes, in a given order
    rows = np.array([len(a) + 1, 0, len(a), 3])
    assert both.reasons.take(rows) == [both.reason(i) for i in rows.tolist()]


def test_reading_a_row_formats_only_that_row(monkeypatch):
    rng = np.random.default_rng(3)
    n = rng.integers(1_000, 5_000, size=(2_000, 2))
    x = rng.binomial(n, 0.1)
    r = abstats.compare(BinaryStats.from_arrays(n[:, 0], x[:, 0]), BinaryStats.from_arrays(n[:, 1], x[:, 1]),
                        metric=abstats.BinaryMetric("conversion"))
    formatted = []
    bulk = reason_column.format_reasons
    monkeypatch.setattr(reason_column, "format_reasons",
                        lambda result, rows: formatted.append(len(rows)) or bulk(result, rows))
    assert r.reasons[5] == r.reason(5) and r.reasons[-2] == r.reason(len(r) - 2)
    assert formatted == [], "indexing formats the one row"
    assert r.reasons[10:13] == [r.reason(i) for i in (10, 11, 12)] and formatted == [3]
    texts = r.reasons.all()
    assert formatted == [3, len(r)] and r.reasons.all() is texts, "formatted once, then kept"
    with pytest.raises(IndexError):
        r.reasons[len(r)]


def test_a_plain_rule_text_is_called_row_by_row():
    """A rule text that is a plain function (a user's own method) still gives every row's text."""
    r = _mixed("frequentist")
    plain = {code: (lambda row, settings, code=code: f"{code}: {row['p_value']}") for code in set(r.rules.tolist())}
    object.__setattr__(r, "_rule_texts", plain)  # what a method registered with plain functions gives
    assert r.reasons.all() == [f"{code}: {p}" for code, p in zip(r.rules.tolist(), r.p_value.tolist(), strict=True)]


def _mean_rows_with_warnings() -> abstats.Result:
    """Mean rows carrying several warnings at once: SRM, zero variance, an undefined relative effect."""
    from abstats.statistics import MeanStats

    control = MeanStats.from_arrays(n=[1000, 1000, 500], sum=[0.0, 50.0, -20.0], sum_sq=[0.0, 400.0, 900.0])
    treatment = MeanStats.from_arrays(n=[1400, 1000, 520], sum=[0.0, 60.0, 10.0], sum_sq=[0.0, 500.0, 800.0])
    return abstats.compare(control, treatment, metric=abstats.MeanMetric("revenue"))


@pytest.mark.parametrize("build", [lambda: _mixed("frequentist"), lambda: _mixed("bayesian"), _mean_rows_with_warnings])
def test_bulk_warnings_are_the_row_warnings(build):
    r = build()
    both = abstats.Result.concat([r, build()])
    for result in (r, both):
        one_by_one = [result.warnings(i) for i in range(len(result))]
        assert any(len(w) >= 1 for w in one_by_one)
        assert result.warning_lists(0, len(result)) == one_by_one
        bulk = result.flagged_warnings(1, len(result))
        assert bulk == {i: w for i, w in enumerate(one_by_one) if w and i >= 1}


def test_a_row_with_several_warnings_keeps_their_order():
    r = _mean_rows_with_warnings()
    codes = [[w["code"] for w in r.warnings(i)] for i in range(len(r))]
    assert codes[0] == ["zero_variance", "relative_undefined", "srm"], codes
    assert "relative_undefined" in codes[2]
    assert r.warning_lists(0, len(r)) == [r.warnings(i) for i in range(len(r))]


_SPECS = [".3g", "+.4g", ".4g", ".0f", ".3f", "+.3f", ".1g", ".0g", ".2f", ".9g"]
_EDGES = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-7, 1e16, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
          0.5, 1.5, 2.5, 0.125, 0.0625, 999.5, 9995.0, 0.9995, 1e22, 1e23, 123456789.5, 1e9, 999999999.5, 0.05, 0.045,
          -0.0005, 0.00015, 1 / 3, 2 / 3, 0.1 + 0.2]


@pytest.mark.parametrize("spec", _SPECS)
def test_bulk_number_texts_are_format_of_each_value(spec):
    """``texts`` formats each distinct rounded decimal once; the texts are exactly Python's ``format``
    (ties, the 10**k boundaries, subnormals, signed zeros, non-finite values, random bit patterns)."""
    from abstats.result.reasons import texts

    rng = np.random.default_rng(7)
    values = np.concatenate([
        np.array(_EDGES * 3), rng.random(5_000), rng.normal(0, 0.01, 5_000),
        rng.integers(0, 2_000, 5_000) / 1000 + 0.0005,  # ties in decimal, not in binary
        rng.integers(0, 4_000, 5_000) / 8,  # exact binary ties
        10.0 ** rng.uniform(-330, 308, 5_000) * rng.choice([-1, 1], 5_000),
        np.frombuffer(rng.bytes(8 * 5_000), dtype=np.float64),  # any bits (NaN payloads included)
    ])
    assert texts(values, spec) == [format(v, spec) for v in values.tolist()]
