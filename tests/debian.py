"""Real peers from Debian (prometheus, chromium) for the tests: found on PATH, or installed with
apt-get when the tests run as root on Debian (CI does), or a clear failure naming the package."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def debian_binary(command: str, package: str | None = None) -> str:
    package = package or command
    found = shutil.which(command)
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", package],
            check=True,
            capture_output=True,
            timeout=1200,
            env=env,
        )
        found = shutil.which(command)
    if not found:
        pytest.fail(f"the Debian package {package!r} is needed: apt-get install {package}")
    return found
