"""The README's code blocks run as written, so they cannot rot.

- ```python blocks run top to bottom in one namespace, from the repository root.
- ```sh / ```bash / ```shell blocks run with bash (``-e -u -o pipefail``) in a fresh temporary directory
  holding a copy of ``examples/`` (what a reader has in the checkout), with the repository's ``.venv/bin``
  first on ``PATH`` and ``PORT`` set to a free port (the HTTP quickstart reads ``${PORT:-8000}``). Each block
  runs in its own process group, which the test kills afterwards, so a server the block starts never outlives it.
- Not run: ```py (illustrations that need your own data or a cluster), ```yaml / ```json / plain fences
  (files and responses, not commands), and the ```console set-up block, whose ``make test`` is the very suite
  this test belongs to (it would recurse); that block is checked against the Makefile's targets instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TEXT = README.read_text()
PYTHON_BLOCKS = re.findall(r"^```python\n(.*?)^```", TEXT, flags=re.S | re.M)
SHELL_BLOCKS = re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", TEXT, flags=re.S | re.M)
CONSOLE_BLOCKS = re.findall(r"^```console\n(.*?)^```", TEXT, flags=re.S | re.M)
SHELL_TIMEOUT_S = 300  # a loaded 2-core machine: the server's start-up alone can take tens of seconds


def test_the_readme_has_examples():
    assert len(PYTHON_BLOCKS) >= 8
    assert len(SHELL_BLOCKS) >= 3  # CI quickstart, HTTP quickstart, command line


def test_every_fence_is_a_known_language():
    """A typo in a fence (```pyhton, ```Sh) would silently drop a block from the tests."""
    fences = re.findall(r"^```(\S*)$", TEXT, flags=re.M)
    opening = fences[::2]  # fences alternate opening / closing
    assert all(f == "" for f in fences[1::2]), fences
    assert set(opening) <= {"", "python", "py", "sh", "bash", "shell", "console", "yaml", "json"}, set(opening)


@pytest.mark.pymc  # one block fits the PyMC segment model
def test_every_python_block_runs_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    monkeypatch.chdir(README.parent)  # the examples name files relative to the repository
    matplotlib.use("Agg")
    namespace: dict[str, object] = {"__name__": "readme"}
    for i, block in enumerate(PYTHON_BLOCKS):
        try:
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as exc:  # name the block, then show the original error
            raise AssertionError(f"README python block {i + 1} failed:\n{block}") from exc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_shell_block(block: str, cwd: Path) -> tuple[int, str, str]:
    bin_dir = Path(sys.executable).parent  # the venv running the tests: the repository's .venv/bin under make
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PORT": str(_free_port()),
           "COLUMNS": "100"}
    env.pop("GITHUB_STEP_SUMMARY", None)  # `abstats check` would append to the CI runner's summary
    proc = subprocess.Popen(["bash", "-euo", "pipefail", "-c", block], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=SHELL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"README shell block timed out after {SHELL_TIMEOUT_S} s:\n{block}\nstdout:\n{out}\nstderr:\n{err}")
    finally:
        with contextlib.suppress(ProcessLookupError):  # anything the block left running (a server started with &)
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out, err


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=[f"sh-block-{i + 1}" for i in range(len(SHELL_BLOCKS))])
def test_every_shell_block_runs(block: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    code, out, err = _run_shell_block(block, tmp_path)
    assert code == 0, f"README shell block failed ({code}):\n{block}\nstdout:\n{out}\nstderr:\n{err}"
    assert out.strip(), f"README shell block printed nothing:\n{block}"
    if "abstats serve" in block:  # the HTTP quickstart answers what the README says, not just exit code 0
        compact = out.replace(" ", "")
        assert '"status":' in compact  # /v1/health
        assert '"verdict":"ship"' in compact  # /v1/analyze: 580 vs 500 conversions of 10,000 wins
        assert '"columns":{"experiment":["e1","e2"]' in compact  # /v1/compare?fields=...


def test_the_setup_commands_are_make_targets():
    [block] = CONSOLE_BLOCKS
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    dry = subprocess.run(["make", "-n", "demo", "test"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert dry.returncode == 0, dry.stderr
    assert "abstats demo" in dry.stdout and "pytest" in dry.stdout
