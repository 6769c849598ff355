"""Headless Chromium for the browser tests: Debian's ``chromium``, installed here when missing and we are root."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile

import pytest

_APT = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def _install_chromium() -> str:
    """Why Chromium could not be installed ('' when it was)."""
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine (install Debian's `chromium` package, or Chromium on PATH)"
    if os.geteuid() != 0:
        return "not root, so `apt-get install -y chromium` cannot run (install it, then rerun)"
    # both pytest-xdist workers may get here at once: apt waits for the other's dpkg lock instead of failing
    install = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends", "chromium"]
    done = subprocess.run(install, capture_output=True, text=True, env=_APT, timeout=900)
    if done.returncode != 0:  # a fresh machine has no package lists yet
        subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=_APT, timeout=600)
        done = subprocess.run(install, capture_output=True, text=True, env=_APT, timeout=900)
    if done.returncode != 0:
        return f"`apt-get install -y chromium` failed: {done.stderr.strip().splitlines()[-1:]}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of the chromium binary; the test is skipped, saying why, only where it cannot be installed."""
    found = shutil.which("chromium")
    if found is None:
        with open(os.path.join(tempfile.gettempdir(), "abstats-chromium-install.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one install at a time; the second worker then finds it
            why = "" if shutil.which("chromium") else _install_chromium()
        found = shutil.which("chromium")
        if found is None:
            pytest.skip(f"headless Chromium unavailable: {why or 'installed, but not on PATH'}")
    return found
