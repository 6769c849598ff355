"""``abstats serve``: options, refused settings, and a real uvicorn process on loopback that stops gracefully."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from abstats.cli.main import app

pytestmark = pytest.mark.http
runner = CliRunner()


def test_serve_help_lists_the_options() -> None:
    out = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert out.exit_code == 0
    for option in ("--host", "--port", "--workers", "--token", "--max-body-mb", "--max-batch", "--allow-data"):
        assert option in out.output


@pytest.mark.parametrize("args", [["--port", "0"], ["--workers", "0"], ["--max-body-mb", "0"],
                                  ["--allow-data", "/no/such/folder"]])
def test_bad_settings_exit_2_before_serving(args: list[str]) -> None:
    out = runner.invoke(app, ["serve", *args])
    assert out.exit_code == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_live_server_answers_on_loopback_and_shuts_down_on_sigint() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "abstats.cli.main", "serve", "--port", str(port), "--token", "t0k"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.25)
        assert httpx.post(f"{url}/v1/plan", json={}, timeout=10).status_code == 401
        r = httpx.post(f"{url}/v1/plan", json={"metric": {"kind": "binary"}, "baseline": 0.05, "mde": 0.1},
                       headers={"authorization": "Bearer t0k"}, timeout=10)
        assert r.status_code == 200 and r.json()["n_per_arm_ceil"] == 31234
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, err.decode()
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    assert any('"path":"/v1/plan"' in line and '"status":401' in line for line in lines)
    assert b"Shutting down" in err or b"shutdown" in err.lower()
