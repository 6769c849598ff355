"""`make demo` at 80 columns: no cell cut short, piped or on a terminal; on a terminal no line wider than 80.

The terminal case runs the console script on a pseudo-terminal of 80 x 24 (what a person sees); the
piped case is what CI logs and `abstats demo > file` get.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from pty_output import read_until_closed

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_LABELS = ("conversion", "revenue_per_visitor", "average_order_value", "ctr", "stop_winner", "inconclusive")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cache = tmp_path_factory.getbasetemp() / "abstats-cache"  # the raw events, generated once per worker
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "GITHUB_STEP_SUMMARY")}
    return {**base, "COLUMNS": "80", "LINES": "24", "TERM": "xterm-256color", "ABSTATS_CACHE_DIR": str(cache)}


def _abstats() -> str:
    return str(Path(sys.executable).with_name("abstats"))


def _on_terminal(args: list[str], env: dict[str, str]) -> str:
    """Everything the command writes to an 80 x 24 pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    output = read_until_closed(master)
    assert proc.wait(timeout=300) == 0, output.decode(errors="replace")[-2000:]
    return output.decode()


def test_demo_on_an_80_column_terminal(env: dict[str, str]) -> None:
    raw = _on_terminal([_abstats(), "demo"], env)
    text = _ANSI.sub("", raw).replace("\r\n", "\n")
    lines = text.splitlines()
    assert "…" not in text
    too_wide = [line for line in lines if len(line.rstrip()) > 80]
    assert too_wide == [], too_wide
    for label in _LABELS:
        assert label in text, label
    # decisions in their colour (abstats.result.decision_style): bold green winners
    assert re.search(r"\x1b\[1;32m\s*stop_winner", raw), raw[:2000]


def test_demo_piped_at_80_columns(env: dict[str, str]) -> None:
    out = subprocess.run([_abstats(), "demo"], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "…" not in out.stdout and "\x1b[" not in out.stdout  # piped: no cut cells, no colour codes
    table = out.stdout[out.stdout.index("abstats ·"):].split("\nverdict ")[0]  # the note lines above run on
    assert max(len(line.rstrip()) for line in table.splitlines()) <= 80
    rows = [line for line in table.splitlines() if line.startswith(_LABELS[:4])]
    assert len(rows) == 8  # 4 metrics x 2 treatments, each on its own row
    for row in rows:  # each effect with its interval whole on its row: "+0.96 [+0.49, +1.42] pp"
        assert re.search(r"[+-][\d.]+ \[[+-][\d.]+, [+-][\d.]+\]( pp)?", row), row
