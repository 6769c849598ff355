"""The HTML report opens in headless Chromium with no console message and shows the verdict.

The report has no script, so any console message (an error, a failed parse reported by the page) is a
defect: the test asserts there is none. A control page with a console error proves the same harness
sees one on this Chromium, so the check cannot pass by not looking. A screenshot is written under
``benchmarks/results/`` for a person to look at.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import abstats
from abstats.result.report import REPORT_PLOTS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "checkout" / "spec.yaml"
SHOTS = ROOT / "benchmarks" / "results"
# the flags a container needs: no sandbox (root), no GPU, no first-run or D-Bus chatter that matters
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
          "--enable-logging=stderr", "--v=0"]
_CONSOLE = re.compile(r":CONSOLE[:(\]].*")


def _open(chromium: str, page: Path, *extra: str) -> tuple[str, list[str]]:
    """(DOM after load, console lines) of ``page``."""
    done = subprocess.run([chromium, *_FLAGS, *extra, page.resolve().as_uri()], capture_output=True, text=True,
                          timeout=180, cwd=page.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [m.group(0) for m in _CONSOLE.finditer(done.stderr)]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout example's report, written by the console script as a CI job would."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    cli = Path(sys.executable).with_name("abstats")
    done = subprocess.run([str(cli), "report", str(SPEC), "--output", str(path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return path


def test_the_harness_sees_console_errors(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); missingFunction();</script>")
    _, console = _open(chromium, page, "--dump-dom")
    assert any("boom" in line for line in console) and any("missingFunction" in line for line in console)


def test_report_loads_without_console_messages_and_shows_the_verdict(chromium: str, report: Path) -> None:
    dom, console = _open(chromium, report, "--dump-dom")
    assert console == []
    text = re.sub(r"<[^>]+>", " ", dom)  # the rendered DOM's text
    assert re.search(r"Verdict\s+ship\s+\(new_checkout\):", text), text[:800]
    for section in ("verdict", "table", "plots", "notes", "settings"):
        assert f'id="{section}"' in dom
    expected = sum(plot.applies(abstats.ExperimentSpec.from_file(SPEC).run()) for plot in REPORT_PLOTS)
    assert dom.count("<svg") == expected >= 1 and "stop_winner" in dom


def test_screenshot_for_a_person(chromium: str, report: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "report-screenshot.png"
    shot.unlink(missing_ok=True)
    (SHOTS / "report.html").write_text(report.read_text())
    _, console = _open(chromium, report, "--hide-scrollbars", "--window-size=1280,1800", f"--screenshot={shot}")
    assert console == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a blank page compresses to a few kB
