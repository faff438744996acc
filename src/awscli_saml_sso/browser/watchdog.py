"""A watchdog for the one case our own clean-up cannot cover: the CLI killed outright (SIGKILL,
the OOM killer), when no ``finally`` runs.

A small separate process (``python -S``, stdlib only, its own session so a Ctrl-C to the
terminal's process group does not reach it) that reads from a pipe whose other end only the CLI
holds. The CLI writes the driver's and the browser's process ids into it once they run. When the
pipe reaches its end, because the CLI closed it after its own clean-up or because the kernel did
so when the CLI died, the watchdog kills those processes that are still the ones it was told
about (same command line, so a reused pid is never hit), and removes the run's scratch directory
(the throw-away profile, the browser's temporary files). After a normal run there is nothing left
for it to do.

Linux only (it reads /proc); elsewhere :func:`start` returns None.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Iterable

log = logging.getLogger(__name__)

_CODE = r"""
import os, shutil, signal, sys, time
scratch = sys.stdin.readline().rstrip("\n")  # not on our command line: we are not one to kill
mark = os.fsencode(scratch) if os.path.isabs(scratch) and len(scratch) > 8 else None
watched = {}
def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return None
def naming_scratch():
    # whatever names the scratch directory (a throw-away profile on the command line, the
    # $TMPDIR the driver and the browser were given), even if it started after the last pid
    found = set()
    if mark is None:
        return found
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            for part in ("cmdline", "environ"):
                try:
                    with open("/proc/%s/%s" % (entry, part), "rb") as f:
                        if mark in f.read():
                            found.add(int(entry))
                            break
                except OSError:
                    pass
    return found
def sweep(doomed):
    for pid in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    there = mark is not None and os.path.lexists(scratch)
    if there:
        shutil.rmtree(scratch, ignore_errors=True)
    return bool(doomed) or there
for line in sys.stdin:
    try:
        pid = int(line)
    except ValueError:
        continue
    watched[pid] = cmdline(pid)
doomed = {pid for pid, seen in watched.items() if seen and cmdline(pid) == seen}
if sweep(doomed | naming_scratch()):
    # the CLI died mid-run: a driver may still be starting a browser, which would bring the
    # profile back; sweep until three rounds in a row find nothing (5 s at most)
    deadline, calm = time.monotonic() + 5, 0
    while calm < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
        calm = 0 if sweep(naming_scratch()) else calm + 1
"""


class Watchdog:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._pipe: IO[bytes] | None = process.stdin

    def watch(self, pids: Iterable[int]) -> None:
        self.send(b"".join(b"%d\n" % pid for pid in pids))

    def send(self, data: bytes) -> None:
        if self._pipe is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self._pipe.write(data)
            self._pipe.flush()

    def release(self) -> None:
        """After our own clean-up: the watchdog checks, finds nothing, and exits."""
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            with contextlib.suppress(OSError, ValueError):
                pipe.close()


def start(scratch: Path) -> Watchdog | None:
    if not sys.platform.startswith("linux") or not Path("/proc/self/cmdline").exists():
        return None
    try:
        process = subprocess.Popen(
            [sys.executable, "-S", "-c", _CODE],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=True, start_new_session=True, cwd="/",
        )
    except OSError as exc:  # best effort: the login does not depend on it
        log.debug("no watchdog: %s", exc)
        return None
    guard = Watchdog(process)
    guard.send(os.fsencode(scratch) + b"\n")
    return guard


def browser_pids(service: object, profile: Path) -> list[int]:
    """The driver's pid and every process naming the profile (the browser's) on its command line."""
    from awscli_saml_sso.browser.processes import leftover_pids

    pids = []
    process = getattr(service, "process", None)
    if process is not None and getattr(process, "pid", None):
        pids.append(int(process.pid))
    return [*pids, *leftover_pids(str(profile))]
