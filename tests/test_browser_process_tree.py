"""Ctrl-C kills every process of a Chromium-family login, also those outside its group.

Ctrl-C and SIGTERM kill the browser's process group at once (no polite quit). Chromium's crash
handlers (``chrome_crashpad_handler``, started even with ``--disable-crash-reporter``) run in
sessions of their own: the group's SIGKILL does not reach them, and they exit only when they
notice the browser is gone; under load that took long enough for the suite to see one left
behind. Here they are stopped (SIGSTOP: as if the machine gave them no CPU), and so is the
watchdog process (which sweeps the scratch directory's processes too, but after the CLI let go
of it): only the CLI's own clean-up can end them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from awscli_saml_sso.browser import drivers

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("chromium"), reason="needs Chromium"),
]


def naming(marker: str) -> dict[int, int]:
    """pid -> process group of every live process whose command line names ``marker``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            group = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
        except (OSError, IndexError, ValueError):
            continue
        if marker.encode() in cmdline:  # a zombie's is empty: it has exited
            found[int(entry.name)] = group
    return found


def test_a_hurried_close_leaves_no_process_even_outside_the_group():
    session = drivers.start("chromium", None, None, "headless", None, lambda _: None)
    scratch = str(session.scratch)  # every process of the login names it (profile, crash database)
    group = session.service.pid
    outside = []
    watchdog = session.watchdog._process.pid if session.watchdog is not None else None
    try:
        ours = naming(scratch)
        assert list(ours.values()).count(group) > 2  # the browser, zygotes, ...: the walk sees them
        outside = [pid for pid, pgid in ours.items() if pgid != group]
        for pid in [*outside, *([watchdog] if watchdog else [])]:
            os.kill(pid, signal.SIGSTOP)
        session.close(hurry=True)
        deadline = time.monotonic() + 5
        while naming(scratch) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert naming(scratch) == {}
    finally:
        if watchdog is not None:
            os.kill(watchdog, signal.SIGCONT)
        for pid in outside:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
