"""How a Result looks: formatting by metric kind, one precision per interval, coloured decisions,
grouped notes, compact and full tables, and the self-contained HTML report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import abstats
from abstats.result import report as report_module
from abstats.result.cells import effect_cell, value_pair
from abstats.result.decision_style import DECISION_COLOURS
from abstats.result.report import REPORT_PLOTS, ReportPlot

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def checkout() -> abstats.Result:
    from abstats.examples import checkout as example

    table, metrics = example()
    return abstats.analyze(table, metric=metrics, control="control")


@pytest.fixture(autouse=True)
def _agg_backend() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _decimals(number: str) -> int:
    digits = re.sub(r"[^\d.]", "", number)
    return len(digits.split(".")[1]) if "." in digits else 0


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(est=finite, a=finite, b=finite, kind=st.sampled_from(["binary", "mean", "ratio"]), relative=st.booleans())
def test_an_effect_and_its_interval_share_one_precision(est, a, b, kind, relative) -> None:
    cell = effect_cell(est, min(a, b), max(a, b), kind=kind, relative=relative)
    numbers = re.findall(r"[+-]?\d[\d.]*", cell)
    assert len(numbers) == 3, cell
    assert len({_decimals(n) for n in numbers}) == 1, cell
    assert not re.search(r"(?<![\d.])-0(\.0+)?(?![\d.]*[1-9])", cell), cell  # no negative zero


def test_units_by_metric_kind() -> None:
    assert effect_cell(0.0064, 0.0020, 0.0108, kind="binary") == "+0.64 [+0.20, +1.08] pp"
    assert effect_cell(0.0064, 0.0020, 0.0108, kind="binary", relative=True).endswith("%]")
    assert effect_cell(2.5, -1.3, 6.3, kind="mean") == "+2.5 [-1.3, +6.3]"  # a mean in its own unit
    assert value_pair(0.05, 0.0564, kind="binary") == ("5.00%", "5.64%")
    assert value_pair(4.02, 4.055, kind="mean") == ("4.020", "4.055")
    assert value_pair(63.99, 1234.5, kind="ratio") == ("63.99", "1234.50")


def test_rendering_never_changes_stored_values(checkout, tmp_path) -> None:
    before = {k: np.array(v, copy=True) for k, v in checkout.columns.items()}
    json_before = checkout.to_json()
    str(checkout), checkout._repr_html_(), checkout.to_html("full"), checkout.summary_frame("full")
    checkout.to_html_report(tmp_path / "r.html")
    for name, values in before.items():
        np.testing.assert_array_equal(checkout.columns[name], values)
    assert checkout.to_json() == json_before


def test_compact_by_default_full_on_request(checkout) -> None:
    compact = checkout.summary_frame()
    assert list(compact.columns) == ["metric", "comparison", "control", "treatment", "effect [95% CI, adj.]",
                                     "relative [95% CI, adj.]", "p adj", "decision"]
    row = compact.iloc[0]
    assert row["control"].endswith("%") and row["effect [95% CI, adj.]"].endswith(" pp")
    full = checkout.summary_frame("full")
    assert {"control n", "treatment n", "role", "rule", "warnings"} <= set(full.columns)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", full["control n"][0])  # counts as integers
    with pytest.raises(abstats.ConfigError, match="detail"):
        checkout.summary_frame("everything")


def test_html_colours_decisions_and_groups_notes(checkout) -> None:
    page = checkout._repr_html_()
    for decision in set(checkout.decision.tolist()):
        assert f'color:{DECISION_COLOURS[decision]};font-weight:600">{decision}</td>' in page
    # each metric once in the notes, its comparisons under it; not "one_page: ..." per row
    notes = page[page.index("</table>"):]
    for metric in set(checkout["metric"].tolist()):
        assert notes.count(f"<b>{metric}</b>") == 1
    assert notes.count("one_page vs control:") == 5


def test_a_warning_shared_by_every_comparison_is_listed_once() -> None:
    table = {"variant": ["A", "B"], "n": [10_000, 10_700], "conversions": [500, 520], "visits": [900, 960],
             "visits_sq": [1500, 1600]}
    r = abstats.analyze(table, control="A", on_srm="warn", metric=[
        abstats.BinaryMetric("signup"), abstats.MeanMetric("visits", sum_field="visits", sum_sq_field="visits_sq")])
    assert all("srm" in [w["code"] for w in r.warnings(i)] for i in range(len(r)))
    text, page = str(r), r._repr_html_()
    assert text.count("[srm]") == 1 and "(every comparison)" in text
    assert page.count("warning [srm]") == 1


def test_several_experiments_are_named_in_the_notes() -> None:
    table = {"experiment": ["e1", "e1", "e2", "e2"], "variant": ["A", "B"] * 2, "n": [1000] * 4,
             "conversions": [100, 130, 100, 101]}
    r = abstats.analyze(table, control="A", metric=abstats.BinaryMetric("signup"), experiment="experiment")
    text = str(r)
    notes = text[text.index("\n- ") if "\n- " in text else 0:]
    assert "e1" in notes and "e2" in notes


def test_report_is_self_contained(checkout, tmp_path) -> None:
    path = checkout.to_html_report(tmp_path / "report.html", title="checkout <test>")
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and "checkout &lt;test&gt;" in page
    for forbidden in ("http:", "https:", "file:", "<script", "<link", "<iframe", "src=", "@import", "//"):
        assert forbidden not in page, forbidden
    # the only references are to elements of the page itself (SVG clip paths and markers)
    assert not re.search(r"url\((?!#)|href=[\"'](?!#)", page)
    assert "<style>" in page and page.count("<svg") == _applicable(checkout) >= 1
    for section in ("verdict", "table", "plots", "notes", "settings"):
        assert f"id='{section}'" in page
    assert checkout.verdicts()[0]["reason"].split(":")[0] in page
    assert "correction" in page and "holm" in page  # the settings
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())  # an ordinary file, not mkstemp's 0600


def _applicable(result) -> int:
    """How many of the report's plots apply to ``result`` (each drawn as one inline SVG)."""
    return sum(plot.applies(result) for plot in REPORT_PLOTS)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_every_applicable_plot_joins_the_report(checkout, tmp_path, monkeypatch) -> None:
    calls = []

    def absolute(result):
        calls.append(len(result))
        return result.plot(kind="absolute")

    extra = ReportPlot("Absolute effects", lambda r: True, absolute)
    never = ReportPlot("Never drawn", lambda r: False, absolute)
    monkeypatch.setattr(report_module, "REPORT_PLOTS", (*REPORT_PLOTS, extra, never))
    page = checkout.to_html_report(tmp_path / "r.html").read_text()
    assert page.count("<svg") == _applicable(checkout) + 1 and "Absolute effects" in page
    assert "Never drawn" not in page
    assert calls == [len(checkout)]
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # two plots on one page share no element id


def test_report_of_an_empty_result(tmp_path) -> None:
    from abstats.statistics.binary import BinaryStats

    empty = BinaryStats.from_arrays([], [])
    r = abstats.compare(empty, empty, metric=abstats.BinaryMetric("cr"))
    page = r.to_html_report(tmp_path / "empty.html").read_text()
    assert "No comparisons." in page and "<svg" not in page


def test_report_bad_paths_are_named_errors(checkout, tmp_path, monkeypatch) -> None:
    with pytest.raises(abstats.OutputError, match="path = .*no_such_folder.*an existing folder"):
        checkout.to_html_report(tmp_path / "no_such_folder" / "r.html")
    with pytest.raises(abstats.OutputError, match="not a folder"):
        checkout.to_html_report(tmp_path)
    target = tmp_path / "kept.html"
    target.write_text("old")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(abstats.OutputError, match="Permission denied"):
        checkout.to_html_report(target)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.html"]


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "abstats.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_cli_report(tmp_path) -> None:
    out = _run_cli("report", str(ROOT / "examples/checkout/spec.yaml"), "--output", str(tmp_path / "r.html"))
    assert out.returncode == 0, out.stderr
    assert "Verdict" in (tmp_path / "r.html").read_text()
    for args, words in (
        (["report", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "x.html")], ["nope.yaml", "an existing file"]),
        (["report", str(ROOT / "examples/checkout/spec.yaml"), "-o", str(tmp_path / "missing" / "x.html")],
         ["--output", "an existing folder"]),
    ):
        bad = _run_cli(*args)
        assert bad.returncode == 2 and bad.stdout == "", bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1 and all(w in bad.stderr for w in words), bad.stderr
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("method", ["frequentist", "bayesian", "msprt", "confidence_sequence", "group_sequential"])
def test_every_method_renders_compact_full_and_as_a_report(method, tmp_path) -> None:
    from abstats.sequential import GroupSequentialDesign

    options = {"design": GroupSequentialDesign("lan_demets_obrien_fleming", looks=3), "look": 2} \
        if method == "group_sequential" else {}
    table = {"variant": ["A", "B", "C"], "n": [5000, 5000, 5000], "conversions": [250, 300, 240],
             "rev": [9000.0, 9800.0, 8800.0], "rev_sq": [90000.0, 99000.0, 88000.0]}
    r = abstats.analyze(table, control="A", method=method, **options, metric=[
        abstats.BinaryMetric("signup"), abstats.MeanMetric("revenue", sum_field="rev", sum_sq_field="rev_sq")])
    for detail in ("compact", "full"):
        frame = r.summary_frame(detail)
        assert len(frame) == len(r) and not frame.isna().any().any()
        assert "[-, -]" not in frame.to_string()  # the method's own interval is shown
    assert "…" not in str(r) and "decision" in r._repr_html_()
    page = r.to_html_report(tmp_path / "r.html").read_text()
    assert page.count("<svg") == _applicable(r) >= 1 and "Verdict" in page
