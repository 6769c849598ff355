"""The hierarchical segment model reported as a Result (PyMC, small and seeded)."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest

import abstats
from abstats.bayesian.mcmc import SamplerSettings
from abstats.bayesian.segments import analyze_segments
from abstats.result.cells import effect_cell, probability_cell

SCHEMA = abstats.result.result_schema()
QUICK = SamplerSettings(draws=500, tune=500, chains=2, progress=False, seed=11)


@pytest.mark.pymc
def test_segments_recover_a_common_lift_and_report_diagnostics():
    # four segments with the same true lift 0.05 -> 0.06; the pooled 95% interval must hold 0.01
    rng = np.random.default_rng(8)
    n = np.array([8000, 6000, 5000, 4000])
    table = {
        "segment": np.repeat(["US", "DE", "FR", "BR"], 2),
        "variant": np.tile(["A", "B"], 4),
        "n": np.repeat(n, 2),
        "conversions": np.column_stack([rng.binomial(n, 0.05), rng.binomial(n, 0.06)]).ravel(),
    }
    r = analyze_segments(table, control="A", metric=abstats.BinaryMetric("cr"), sampler=QUICK)
    assert r["experiment"].tolist() == ["US", "DE", "FR", "BR", "overall"]
    assert r["effect_cred_low"][-1] <= 0.01 <= r["effect_cred_high"][-1]
    assert set(r.settings["diagnostics"]) == {"r_hat_max", "ess_bulk_min", "divergences"}
    assert r.settings["diagnostics"]["r_hat_max"] < 1.05
    jsonschema.validate(json.loads(r.to_json()), SCHEMA)
    flagged = r.warning_flags["mcmc_diagnostics"].any()
    assert flagged == bool(r.settings["diagnostic_warnings"])
    assert "hierarchical model" in r.reasons[0]


@pytest.mark.pymc
def test_segments_lower_is_better_flips_prob():
    table = {"segment": np.repeat(["a", "b", "c"], 2), "variant": np.tile(["A", "B"], 3),
             "n": [4000] * 6, "conversions": [800, 700, 820, 720, 790, 690]}
    r = analyze_segments(table, control="A", metric=abstats.BinaryMetric("bounce", higher_is_better=False),
                         sampler=QUICK)
    assert np.all(r["prob_beats_control"] > 0.9)
    assert r.decision[-1] == "stop_winner"


def test_segments_need_one_treatment_per_segment():
    table = {"segment": ["a"] * 3 + ["b"] * 3, "variant": ["A", "B", "C"] * 2, "n": [100] * 6, "conversions": [5] * 6}
    with pytest.raises(abstats.InputError, match="exactly one treatment"):
        analyze_segments(table, control="A", metric=abstats.BinaryMetric("cr"), sampler=QUICK)


@pytest.mark.pymc
def test_hierarchical_result_renders_its_credible_intervals_everywhere():
    """Text, HTML and plot read the method's own interval columns; plot rows name the segments."""
    import matplotlib

    matplotlib.use("Agg")
    table = {"segment": np.repeat(["US", "DE", "FR"], 2), "variant": np.tile(["A", "B"], 3),
             "n": [6000] * 6, "conversions": [300, 360, 290, 340, 310, 335]}
    r = analyze_segments(table, control="A", metric=abstats.BinaryMetric("cr"), sampler=QUICK)
    low, high = r.effect_interval("relative")
    assert np.all(np.isfinite(low)) and np.all(low < high)
    text, page = str(r), r._repr_html_()
    frame = r.summary_frame()
    cells = frame[next(c for c in frame.columns if c.startswith("relative ["))].tolist()
    for i, segment in enumerate(["US", "DE", "FR", "overall"]):
        shown = effect_cell(r["rel_effect"][i], low[i], high[i], kind="binary", relative=True)
        assert cells[i] == shown and shown in page
        assert frame["experiment"][i] == segment and segment in text
    assert "[-, -]" not in frame.to_string()
    assert frame["P(beats)"].tolist() == [probability_cell(p) for p in r["prob_beats_control"]]
    ax = r.plot().axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["US · cr: B vs A", "DE · cr: B vs A", "FR · cr: B vs A", "overall · cr: B vs A"]
    lines = [line for line in ax.get_lines() if len(set(line.get_ydata())) == 1 and len(line.get_xdata()) == 2]
    assert sorted(round(min(line.get_xdata()), 9) for line in lines) == sorted(np.round(low, 9).tolist())
