"""Exit can never hang: after the first Ctrl-C/SIGTERM/SIGHUP the clean-up has a deadline, and a
second signal ends the process at once.

The clean-up after a signal (kill the browser, remove the scratch) normally takes well under a
second, but the interpreter's own exit can block on things we do not control (a library's
connection-pool clean-up once waited 11 minutes on a socket). So once our clean-up is done the
process ends with ``os._exit`` (:func:`exit_now`), and the first signal also arms a timer;
when it fires, or when a second signal comes, the browser's process groups are killed and the
process ends with ``os._exit`` and the signal's exit code. (The watchdog removes what is left of
the run's scratch directory once we are gone.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

DEADLINE = 1.5  # seconds from the first signal to a forced exit
_armed: list[threading.Timer] = []
_groups: set[int] = set()  # process groups of browsers we started (chromium.launch)


def add_group(pgid: int) -> None:
    _groups.add(pgid)


def discard_group(pgid: int) -> None:
    _groups.discard(pgid)


def arm(code: int, deadline: float = DEADLINE) -> None:
    """On a signal: the first arms the timer, the next one forces the exit now."""
    if _armed:
        force(code)
    timer = threading.Timer(deadline, force, args=(code,))
    timer.daemon = True
    _armed.append(timer)
    timer.start()


def exit_now(code: int) -> None:
    """After a signal, once our own clean-up has run: end without the interpreter's teardown
    (module finalisers, a library's pool clean-up, a daemon import still running), which is
    where an exit could hang or take half a second."""
    import logging

    with contextlib.suppress(Exception):
        logging.shutdown()
    force(code)


def quiet_exit(signum: int, _frame: object = None) -> None:
    """A signal handler for after the command (``cli.main``): one line, and the signal's exit
    code (128+N), now. Nothing of ours is left to clean up, and Python's own handler, or ours
    that raises, would print a traceback from the interpreter's teardown (atexit code)."""
    with contextlib.suppress(Exception):  # a second Ctrl-C from here on changes nothing
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    from awscli_saml_sso.errors import Interrupted  # light

    interrupted = Interrupted(signum)
    with contextlib.suppress(OSError):
        os.write(2, f"error: {interrupted.message}\n".encode())
    force(int(interrupted.exit_code))


def force(code: int) -> None:
    for pgid in list(_groups):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
