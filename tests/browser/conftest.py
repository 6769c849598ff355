"""Headless Chromium for the browser tests: Debian's ``chromium``, installed here when missing and we are root."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

_APT = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def _install_chromium() -> str:
    """Why Chromium could not be installed ('' when it was)."""
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine (install Debian's `chromium` package, or Chromium on PATH)"
    if os.geteuid() != 0:
        return "not root, so `apt-get install -y chromium` cannot run (install it, then rerun)"
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
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
        why = _install_chromium()
        found = shutil.which("chromium")
        if found is None:
            pytest.skip(f"headless Chromium unavailable: {why or 'installed, but not on PATH'}")
    return found
