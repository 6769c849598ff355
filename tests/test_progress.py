"""Progress display: shown in a terminal or Jupyter, silent when not interactive (CI logs) or with progress=False."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import textwrap
from contextlib import nullcontext
from types import SimpleNamespace

import pytest
from pty_output import read_until_closed

from abstats.bayesian.mcmc import SamplerSettings, sample
from abstats.errors import ConfigError
from abstats.progress import ProgressBar, show_progress

# One script per long step; PROGRESS is replaced by True, False or None.
STEPS = {
    "from_events": """
        import pandas as pd, abstats
        from ibis import _
        from abstats.data.events import converted
        events = pd.DataFrame({"user": range(400), "variant": ["A", "B"] * 200,
                               "day": pd.Timestamp("2026-01-01") + pd.to_timedelta([i % 4 for i in range(400)], "D"),
                               "bought": [i % 7 == 0 for i in range(400)]})
        metrics = {abstats.BinaryMetric("cr"): converted(_.bought)}
        abstats.from_events(events, metrics, unit="user", progress=PROGRESS)
        looks = abstats.cumulative_from_events(events, metrics, unit="user", timestamp="day", progress=PROGRESS)
        abstats.effect_path(looks, control="A", progress=PROGRESS)
        print("done")
    """,
    "bayesian_plan": """
        import abstats
        from abstats.planning.bayesian import plan_bayesian_sample_size
        plan_bayesian_sample_size(abstats.BinaryMetric("cr"), baseline=0.1, mde=0.2, threshold=0.002,
                                  simulations=100, n_grid=[500, 1000, 2000], progress=PROGRESS)
        print("done")
    """,
}
SHOWN = {"from_events": ["aggregating raw events", "building looks", "scoring looks"],
         "bayesian_plan": ["simulating 100 experiments per candidate n"]}


def _run(step: str, progress: str, *, terminal: bool) -> tuple[str, str]:
    """(stdout, stderr) of the step in a fresh interpreter, stderr a pseudo-terminal or a pipe."""
    code = textwrap.dedent(STEPS[step]).replace("PROGRESS", progress)
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("JPY_PARENT_PID", None)
    if not terminal:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        return out.stdout, out.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=follower, env=env)
    os.close(follower)
    terminal_output = read_until_closed(leader)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.wait() == 0
    return stdout, terminal_output.decode(errors="replace")


@pytest.mark.parametrize("step", list(STEPS))
def test_progress_is_shown_in_a_terminal_and_silenced_by_progress_false(step: str) -> None:
    stdout, shown = _run(step, "None", terminal=True)
    assert stdout.strip() == "done"
    for text in SHOWN[step]:
        assert text in shown
    _, silenced = _run(step, "False", terminal=True)
    assert not any(text in silenced for text in SHOWN[step])
    assert "━" not in silenced  # no bar characters either


@pytest.mark.parametrize("step", list(STEPS))
def test_nothing_is_printed_when_not_interactive(step: str) -> None:
    stdout, stderr = _run(step, "None", terminal=False)
    assert stdout.strip() == "done"
    assert not any(text in stderr for text in SHOWN[step]) and "━" not in stderr


def test_progress_true_shows_it_in_a_pipe_too() -> None:
    _, stderr = _run("bayesian_plan", "True", terminal=False)
    assert SHOWN["bayesian_plan"][0] in stderr


def test_auto_progress_follows_the_terminal_and_jupyter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", SimpleNamespace(isatty=lambda: False))
    assert show_progress(None) is False
    monkeypatch.setattr(sys, "stderr", SimpleNamespace(isatty=lambda: True))
    assert show_progress(None) is True and show_progress(False) is False
    monkeypatch.setattr(sys, "stderr", SimpleNamespace(isatty=lambda: False))

    class ZMQInteractiveShell:  # the class name IPython's kernel shell has
        pass

    monkeypatch.setitem(sys.modules, "IPython", SimpleNamespace(get_ipython=lambda: ZMQInteractiveShell()))
    assert show_progress(None) is True
    monkeypatch.setitem(sys.modules, "IPython", SimpleNamespace(get_ipython=lambda: None))
    assert show_progress(None) is False


def test_bad_progress_values_are_named_errors() -> None:
    for bad in ("yes", 1, 0.0):
        with pytest.raises(ConfigError, match="progress"):
            show_progress(bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="progress"):
        SamplerSettings(progress="no")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="progress"):
        ProgressBar("x", progress="no")  # type: ignore[arg-type]


def test_pymc_gets_its_progress_bar_only_when_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    monkeypatch.setitem(sys.modules, "pymc", SimpleNamespace(sample=lambda **kw: seen.append(kw["progressbar"])))
    monkeypatch.setattr(sys, "stderr", SimpleNamespace(isatty=lambda: True))
    for settings in (SamplerSettings(), SamplerSettings(progress=False), SamplerSettings(progressbar=False)):
        sample(nullcontext(), settings)
    monkeypatch.setattr(sys, "stderr", SimpleNamespace(isatty=lambda: False))
    sample(nullcontext(), SamplerSettings())
    assert seen == [True, False, False, False]
