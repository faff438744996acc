"""The watchdog that cleans up after a CLI killed outright: what it kills and what it spares."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from awscli_saml_sso.browser import watchdog

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only (/proc)")

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _gone(process: subprocess.Popen, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return True
        time.sleep(0.05)
    return False


def test_kills_what_names_the_scratch_and_spares_the_rest(tmp_path):
    scratch = tmp_path / "awscli-saml-sso-x"
    (scratch / "tmp").mkdir(parents=True)
    guard = watchdog.start(scratch)
    assert guard is not None
    ours = subprocess.Popen(SLEEPER, env={**os.environ, "TMPDIR": str(scratch / "tmp")})
    told = subprocess.Popen(SLEEPER)  # named to it by pid
    other = subprocess.Popen(SLEEPER)  # a process of the same user it was never told about
    try:
        guard.watch([told.pid])
        time.sleep(0.2)  # let it read the pid and note the command line
        guard.release()  # as the kernel does when the CLI dies
        assert _gone(ours) and _gone(told)
        assert other.poll() is None
        assert _gone_path(scratch)
    finally:
        for process in (ours, told, other):
            if process.poll() is None:
                process.kill()
            process.wait()


def test_a_pid_that_runs_something_else_now_is_spared(tmp_path):
    """A pid it was told about whose command line has changed since (as when a pid is reused)
    is not the process it was told about: spared."""
    scratch = tmp_path / "awscli-saml-sso-y"
    scratch.mkdir()
    guard = watchdog.start(scratch)
    assert guard is not None
    changes = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, time; time.sleep(0.3); os.execv(os.path.realpath('/bin/sleep'), ['sleep', '60'])",
        ]
    )
    try:
        guard.watch([changes.pid])
        deadline = time.monotonic() + 5
        while b"sleep\x0060" not in open(f"/proc/{changes.pid}/cmdline", "rb").read():
            assert time.monotonic() < deadline, "the process did not exec"
            time.sleep(0.05)
        guard.release()
        assert not _gone(changes, within=1.0)
        assert _gone_path(scratch)  # the directory goes all the same
    finally:
        if changes.poll() is None:
            changes.kill()
        changes.wait()


def _gone_path(path, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not path.exists()
