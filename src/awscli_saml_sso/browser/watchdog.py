"""A watchdog for the one case our own clean-up cannot cover: the CLI killed outright (SIGKILL,
the OOM killer), when no ``finally`` runs.

A small separate process (this module's :func:`main` under ``python -I -S``, in its own session
so a Ctrl-C to the terminal's process group does not reach it) reads from a pipe whose other end
only the CLI holds. The CLI writes the run's scratch directory and then the driver's and the
browser's process ids into it. When the pipe reaches its end, because the CLI closed it after its
own clean-up or because the kernel did so when the CLI died, the watchdog kills the processes it
was told about that are still the same (same command line, so a reused pid is never hit) and
every process whose command line or environment names the scratch directory (a unique path: the
throw-away profile is in it, and it is the driver's and the browser's $TMPDIR), then removes that
directory. After a normal run there is nothing left for it to do.

Linux only (it reads /proc); elsewhere :func:`start` returns None.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from awscli_saml_sso.browser.processes import leftover_pids, read_proc

log = logging.getLogger(__name__)

# The watchdog's own command line: this module from where it is installed, nothing else (-I: no
# environment variables or user site; -S: no site-packages). The scratch path comes by the pipe,
# so the watchdog is never one of the processes that name it.
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from awscli_saml_sso.browser import watchdog; watchdog.main()"
CALM_ROUNDS = 2  # sweeps in a row that find nothing, after a dead CLI
SWEEP_EVERY = 0.05
SWEEP_FOR = 5.0


def main() -> None:
    """In the watchdog process: the scratch path, then pids, until the pipe ends; then sweep."""
    scratch = sys.stdin.readline().rstrip("\n")
    mark = scratch if os.path.isabs(scratch) and len(scratch) > 8 else None
    watched: dict[int, bytes | None] = {}
    for line in sys.stdin:
        with contextlib.suppress(ValueError):
            pid = int(line)
            watched[pid] = read_proc(pid, "cmdline")
    told = {pid for pid, seen in watched.items() if seen and read_proc(pid, "cmdline") == seen}
    if _sweep(told, mark):
        # the CLI died mid-run: a driver may still be starting a browser, which would bring the
        # profile back; sweep until some rounds in a row find nothing
        deadline, calm = time.monotonic() + SWEEP_FOR, 0
        while calm < CALM_ROUNDS and time.monotonic() < deadline:
            time.sleep(SWEEP_EVERY)
            calm = 0 if _sweep(set(), mark) else calm + 1


def _sweep(doomed: set[int], mark: str | None) -> bool:
    """Kill ``doomed`` and whatever names the scratch directory (a throw-away profile on the
    command line, the $TMPDIR the driver and the browser were given), then remove it. True if
    there was anything to do."""
    if mark is not None:
        doomed = doomed | set(leftover_pids(mark, parts=("cmdline", "environ")))
    for pid in doomed:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    there = mark is not None and os.path.lexists(mark)
    if there:
        shutil.rmtree(mark, ignore_errors=True)
    return bool(doomed) or there


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
            [sys.executable, "-I", "-S", "-c", _BOOT, str(Path(__file__).resolve().parents[2])],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
            cwd="/",
        )
    except OSError as exc:  # best effort: the login does not depend on it
        log.debug("no watchdog: %s", exc)
        return None
    guard = Watchdog(process)
    guard.send(os.fsencode(scratch) + b"\n")
    return guard


def browser_pids(service: object, profile: Path) -> list[int]:
    """The driver's pid and every process naming the profile (the browser's) on its command line."""
    pids = []
    process = getattr(service, "process", None)
    if process is not None and getattr(process, "pid", None):
        pids.append(int(process.pid))
    return [*pids, *leftover_pids(str(profile))]
