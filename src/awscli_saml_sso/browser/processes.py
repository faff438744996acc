"""Shut a browser down for good: quit, stop the driver, kill what is left, remove the profile."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable

from awscli_saml_sso.browser import quiet


def shutdown(driver: Any, service: Any, profile: Path, temp_profile: bool) -> None:
    """Quit the browser and driver, kill whatever is left, remove a throw-away profile.

    Every step runs even if one fails. Ordinary failures are ignored (this runs in ``finally``
    and must not hide the real error); an Interrupted/KeyboardInterrupt from a signal handler
    during cleanup is re-raised once cleanup is complete, never swallowed.
    """
    steps: list[tuple[str, Callable[[], object]]] = []
    if driver is not None:
        steps.append(("quitting the browser", driver.quit))
    if service is not None:
        steps.append(("stopping the driver", service.stop))
        steps.append(("killing the driver", lambda: _kill_process(service)))
    steps.append(("killing leftover browser processes", lambda: _kill_leftovers(str(profile))))
    if temp_profile:
        steps.append(("removing the profile", lambda: shutil.rmtree(profile, ignore_errors=True)))
    quiet.run_all(steps)


def _kill_process(service: Any) -> None:
    process = getattr(service, "process", None)
    if process is not None and process.poll() is None:
        process.kill()


def leftover_pids(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (Linux: /proc; elsewhere: none known)."""
    proc = Path("/proc")
    if not sys.platform.startswith("linux") or not proc.is_dir():
        return []
    needle = marker.encode()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline:
            found.append(int(entry.name))
    return found


def _kill_leftovers(marker: str, wait: float = 3.0) -> None:
    deadline = time.monotonic() + wait
    pids = leftover_pids(marker)
    while pids and time.monotonic() < deadline:  # quit() usually gets there on its own
        time.sleep(0.05)
        pids = leftover_pids(marker)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
