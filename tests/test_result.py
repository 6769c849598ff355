"""The Result: schema-valid JSON, frames, renderings, decisions and reasons."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest

import abstats
from abstats.examples import checkout
from abstats.result.columns import NAMES

SCHEMA = abstats.result.result_schema()


@pytest.fixture(scope="module")
def demo_result():
    table, metrics = checkout()
    return abstats.analyze(table, metric=metrics, control="control")


def test_json_validates_against_committed_schema(demo_result):
    payload = json.loads(demo_result.to_json())
    jsonschema.validate(payload, SCHEMA)
    assert payload["schema_version"] == demo_result.schema_version == "1.2"
    assert len(payload["comparisons"]) == 10


def test_schema_lists_exactly_the_result_columns():
    item = SCHEMA["properties"]["comparisons"]["items"]
    assert set(item["properties"]) == set(NAMES) | {"warnings"}


@pytest.mark.parametrize("options", [{"alternative": "greater"}, {"margin": 0.01, "hypothesis": "non_inferiority"},
                                     {"binary_test": "fisher"}, {"relative_interval": "fieller"}])
def test_json_is_strict_for_one_sided_and_exact_tests(options):
    r = abstats.analyze({"variant": ["A", "B"], "n": [100, 100], "conversions": [0, 3]},
                        metric=abstats.BinaryMetric("m"), control="A", **options)
    payload = json.loads(r.to_json())  # allow_nan=False inside: would raise on NaN or inf
    jsonschema.validate(payload, SCHEMA)


def test_settings_record_method_and_variances(demo_result):
    s = demo_result.to_dict()["settings"]
    assert s["alpha"] == 0.05 and s["alternative"] == "two-sided" and s["correction"] == "holm"
    assert s["variance"]["binary_test"] == "pooled under H0" and s["variance"]["binary_interval"] == "unpooled"
    assert demo_result["test"][0] == "z_pooled"


def test_frame_has_the_method_columns_or_every_column(demo_result):
    every = demo_result.to_frame("all")
    assert list(every.columns) == [*[n for n in NAMES if n != "reason"], "reason", "warnings"]
    assert len(every) == 10 and every["reason"].str.len().min() > 20
    frame = demo_result.to_frame()
    assert "prob_beats_control" not in frame and "look" not in frame
    assert {"effect", "se", "p_value_adjusted", "decision", "rule", "reason", "warnings"} <= set(frame.columns)
    assert every[frame.columns].equals(frame)


def test_repr_is_a_short_summary(demo_result):
    text = repr(demo_result)
    assert text.startswith("<abstats.Result frequentist") and "10 comparisons" in text and len(text) < 200


def test_text_and_html(demo_result):
    text = str(demo_result)
    assert "bounce_rate" in text and "lower is better" in text
    html = demo_result._repr_html_()
    assert html.startswith("<div>") and "<table" in html and "one_page" in html


def test_direction_is_respected_for_bounce_rate(demo_result):
    rows = [i for i in range(len(demo_result)) if demo_result["metric"][i] == "bounce_rate"]
    for i in rows:
        if demo_result.decision[i] in ("stop_winner", "stop_loser"):
            worse = demo_result.effect[i] > 0  # more bounces
            assert demo_result.decision[i] == ("stop_loser" if worse else "stop_winner")


def _two_arm(x_c, x_t, n=10_000, **options):
    return abstats.analyze({"variant": ["A", "B"], "n": [n, n], "conversions": [x_c, x_t]},
                           metric=abstats.BinaryMetric("m"), control="A", **options)


def test_decisions():
    assert _two_arm(500, 600).decision[0] == "stop_winner"
    assert _two_arm(600, 500).decision[0] == "stop_loser"
    assert _two_arm(500, 510).decision[0] == "inconclusive"
    early = _two_arm(500, 600, planned_n=20_000)
    assert early.decision[0] == "continue" and "planned" in early.reasons[0]
    assert _two_arm(500, 600, planned_n=10_000).decision[0] == "stop_winner"
    lower_better = abstats.analyze({"variant": ["A", "B"], "n": [10_000] * 2, "conversions": [600, 500]},
                                   metric=abstats.BinaryMetric("bounce", higher_is_better=False), control="A")
    assert lower_better.decision[0] == "stop_winner"


def test_non_inferiority_margin():
    # treatment 0.2 points worse, margin 1 point: non-inferior; with margin 0.1 point: not shown
    ok = _two_arm(1000, 980, margin=0.01, hypothesis="non_inferiority")
    assert ok.decision[0] == "stop_winner" and "not worse than" in ok.reasons[0]
    assert np.isinf(ok["effect_ci_high"][0]) and ok["effect_ci_low"][0] > -0.01
    tight = _two_arm(1000, 980, margin=0.001, hypothesis="non_inferiority")
    assert tight.decision[0] == "inconclusive"
    rel = _two_arm(1000, 980, margin=0.10, margin_type="relative", hypothesis="non_inferiority")
    assert rel.decision[0] == "stop_winner" and rel["test"][0] == "z_log_ratio"


def test_superiority_margin_needs_the_effect_beyond_it():
    assert _two_arm(500, 600, margin=0.002).decision[0] == "stop_winner"
    assert _two_arm(500, 600, margin=0.02).decision[0] == "inconclusive"


def test_srm_warning_fires():
    r = abstats.analyze({"variant": ["A", "B"], "n": [10_000, 10_700], "conversions": [500, 520]},
                        metric=abstats.BinaryMetric("m"), control="A")
    assert r["srm_p_value"][0] < 0.001
    assert [w["code"] for w in r.warnings(0)] == ["srm"]


def test_bonferroni_widens_intervals_holm_reports_it():
    table = {"variant": ["A", "B", "C", "D"], "n": [5000] * 4, "conversions": [250, 270, 260, 300]}
    plain = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="A", correction="none")
    bonf = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="A", correction="bonferroni")

    def width(r):
        return r["effect_ci_high"] - r["effect_ci_low"]

    from scipy.stats import norm

    assert width(bonf) / width(plain) == pytest.approx(norm.isf(0.05 / 6) / norm.isf(0.025), rel=1e-12)
    assert bonf.to_dict()["settings"]["ci_adjusted"] is True
    bh = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control="A", correction="benjamini_hochberg")
    assert bh.to_dict()["settings"]["ci_adjusted"] is False


def test_family_experiment_spans_metrics():
    table, metrics = checkout()
    per_metric = abstats.analyze(table, metric=metrics, control="control", correction="bonferroni")
    per_experiment = abstats.analyze(table, metric=metrics, control="control", correction="bonferroni",
                                     family="experiment")
    ratio = per_experiment.p_value_adjusted / per_metric.p_value_adjusted
    unclipped = per_experiment.p_value_adjusted < 1
    assert np.allclose(ratio[unclipped], 5.0)


def test_unknown_column_lookup():
    r = _two_arm(1, 2)
    with pytest.raises(KeyError, match="not a Result column"):
        r["nope"]
    assert r["prob_beats_control"][0] is None


def test_forest_plot(demo_result, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    fig = demo_result.plot()
    assert len(fig.axes[0].get_yticklabels()) == len(demo_result)
    fig.savefig(tmp_path / "forest.png")
    assert (tmp_path / "forest.png").stat().st_size > 1000


def test_batch_results_with_integer_labels_are_schema_valid():
    from abstats.statistics import BinaryStats

    c = BinaryStats.from_arrays(n=[1000, 2000, 3000], conversions=[100, 150, 0])
    t = BinaryStats.from_arrays(n=[1000, 2000, 3000], conversions=[120, 150, 4])
    for method in ("frequentist", "bayesian", "msprt"):
        r = abstats.compare(c, t, metric=abstats.BinaryMetric("m"), method=method)
        jsonschema.validate(json.loads(r.to_json()), SCHEMA)
    table = {"experiment": [7, 7, 8, 8], "variant": [0, 1, 0, 1], "n": [100] * 4, "conversions": [5, 9, 5, 2]}
    r = abstats.analyze(table, metric=abstats.BinaryMetric("m"), control=0, experiment="experiment")
    payload = json.loads(r.to_json())
    jsonschema.validate(payload, SCHEMA)
    assert [row["experiment"] for row in payload["comparisons"]] == [7, 8]


def test_published_schema_is_built_from_the_columns_vocabulary_and_methods():
    from abstats.result.schema_source import build_schema

    assert build_schema() == SCHEMA  # run `python -m abstats.result.schema_source` after changing either
