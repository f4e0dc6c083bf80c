"""Real peers from Debian (prometheus, chromium) for the tests: found on PATH, or installed with
apt-get when the tests may (as root, as CI runs, or with password-less sudo), or a clear failure
naming the package. Test processes (pytest-xdist) install one at a time: a lock file, and apt's
own lock waited for rather than failed on."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

LOCK = Path(tempfile.gettempdir()) / "claimflow-tests-apt.lock"


def _apt_prefix() -> list[str] | None:
    """How apt-get may be run here: directly as root, through password-less sudo, or not at all."""
    if not shutil.which("apt-get"):
        return None
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True, check=False).returncode == 0:
        return [sudo, "-n"]
    return None


def debian_binary(command: str, package: str | None = None) -> str:
    package = package or command
    found = shutil.which(command)
    if not found and (prefix := _apt_prefix()) is not None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        with LOCK.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another test process may be installing it now
            found = shutil.which(command)
            if not found:
                wait = ["-o", "DPkg::Lock::Timeout=600"]
                for args, timeout in ((["update", "-qq"], 600), (["install", "-y", "-qq", package], 1200)):
                    done = subprocess.run(
                        [*prefix, "apt-get", *wait, *args],
                        capture_output=True,
                        text=True,
                        timeout=timeout,
                        env=env,
                    )
                    if done.returncode != 0:
                        pytest.fail(
                            f"apt-get {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-500:]}"
                        )
                found = shutil.which(command)
    if not found:
        pytest.fail(
            f"the Debian package {package!r} is needed: apt-get install {package} "
            "(the tests install it themselves when run as root or with password-less sudo)"
        )
    return found
