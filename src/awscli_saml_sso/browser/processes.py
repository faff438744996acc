"""Shut a browser down for good: quit, stop the driver, kill what is left, remove the profile."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from awscli_saml_sso.browser import quiet


def shutdown(
    driver: Any, service: Any, profile: Path, temp_profile: bool, hurry: bool = False, scratch: Path | None = None
) -> None:
    """Quit the browser and driver, kill whatever is left, remove a throw-away profile and the
    run's scratch directory (the browser's $TMPDIR).

    ``hurry`` (Ctrl-C, SIGTERM): no polite quit, which waits behind a driver command still
    running (a page load: up to its timeout); the driver and the browser are killed instead.

    Every step runs even if one fails. Ordinary failures are ignored (this runs in ``finally``
    and must not hide the real error); an Interrupted/KeyboardInterrupt from a signal handler
    during cleanup is re-raised once cleanup is complete, never swallowed.
    """
    steps: list[tuple[str, Callable[[], object]]] = []
    if driver is not None and not hurry:
        steps.append(("quitting the browser", lambda: _end_session(driver)))
    if service is not None:
        if not hurry:
            steps.append(("stopping the driver", lambda: _stop_driver(service)))
        steps.append(("killing the driver", lambda: _kill_process(service)))
    linger = 0.0 if hurry else 3.0  # time for the browser to exit on its own before SIGKILL
    _clean_up(steps, profile, temp_profile, scratch, linger)


def shutdown_chromium(
    driver: Any, process: Any, profile: Path, temp_profile: bool, hurry: bool = False, scratch: Path | None = None
) -> None:
    """The same for a browser we started and drive over its DevTools pipe: ``Browser.close``
    and a moment for it to exit, then SIGKILL to its whole process group.

    The polite close is for a persistent profile only (the browser writes its cookies out); a
    throw-away profile is deleted anyway, so its browser is killed at once: that saves the
    browser's own shutdown (0.1-0.3 s idle, seconds under load). Its temporary files are in our
    scratch directory, which goes too."""
    steps: list[tuple[str, Callable[[], object]]] = []
    if driver is not None and process is not None and not hurry and not temp_profile:
        steps.append(("closing the browser", lambda: _close_politely(driver, process)))
    if process is not None:
        steps.append(("killing the browser", lambda: process.kill_group(0.2 if hurry else 2.0)))
    if driver is not None:
        steps.append(("closing the DevTools pipe", driver.connection.close))
    _clean_up(steps, profile, temp_profile, scratch, 0.0)


def _close_politely(driver: Any, process: Any, wait: float = 3.0) -> None:
    driver.quit(wait)
    process.wait(wait)


def _clean_up(
    steps: list[tuple[str, Callable[[], object]]],
    profile: Path,
    temp_profile: bool,
    scratch: Path | None,
    linger: float,
) -> None:
    singleton = _singleton_dir(profile)  # read before the profile may be removed
    # by the profile, and by the scratch directory: Chromium's crash handlers are in sessions of
    # their own (a killed process group leaves them) and name only the scratch (their database)
    markers = (str(profile), *((str(scratch),) if scratch is not None else ()))
    steps.append(("killing leftover browser processes", lambda: _kill_leftovers(markers, linger)))
    if singleton is not None:  # a killed Chromium leaves it behind in $TMPDIR
        steps.append(("removing the browser's socket directory", lambda: shutil.rmtree(singleton, ignore_errors=True)))
    if temp_profile:
        steps.append(("removing the profile", lambda: shutil.rmtree(profile, ignore_errors=True)))
    else:
        steps.append(("forgetting the browser session", lambda: forget_session(profile)))
    if scratch is not None:
        steps.append(("removing the scratch directory", lambda: shutil.rmtree(scratch, ignore_errors=True)))
    quiet.run_all(steps)


# Session-restore state of a persistent profile: it records the tabs' history *with POST bodies*,
# i.e. the SAML response (a bearer token). Cookies are kept (the IdP's SSO cookie is the point of
# a persistent profile); these files are not needed for it. Chromium, then Firefox.
SESSION_STATE = (
    "Default/Sessions",
    "Default/Current Session",
    "Default/Current Tabs",
    "Default/Last Session",
    "Default/Last Tabs",
    "sessionstore.jsonlz4",
    "sessionstore.js",
    "sessionstore-backups",
)


def _singleton_dir(profile: Path) -> Path | None:
    """Chromium's ``SingletonSocket`` links into ``$TMPDIR/org.chromium.Chromium.XXXXXX``: that
    directory, if it is one of those (nothing else is ever removed)."""
    import tempfile

    try:
        target = Path(os.readlink(profile / "SingletonSocket")).parent
    except OSError:
        return None
    inside_tmp = target.parent.resolve() == Path(tempfile.gettempdir()).resolve()
    return target if inside_tmp and target.name.startswith("org.chromium.Chromium.") else None


def forget_session(profile: Path) -> None:
    """Remove the session-restore state once the browser is gone (never follows a symlink)."""
    for relative in SESSION_STATE:
        path = profile / relative
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def _end_session(driver: Any) -> None:
    """End the WebDriver session (the browser quits). The browser classes' ``quit`` would also
    call ``service.stop()``, whose shutdown request may go through a proxy: ``_stop_driver``
    does that part."""
    from selenium.webdriver.remote.webdriver import WebDriver as Remote

    Remote.quit(driver)


def _stop_driver(service: Any) -> None:
    """``service.stop()`` without its one flaw: Selenium sends the driver's ``GET /shutdown``
    (on 127.0.0.1) through HTTP(S)_PROXY when NO_PROXY does not name localhost. Sent direct
    here, and waited on only if the driver has it (chromedriver does, geckodriver answers 404:
    waiting for it cost every Firefox login 2 s); then Selenium's own process clean-up (pipes,
    terminate, kill)."""
    import urllib.request

    url = getattr(service, "service_url", None)
    process = getattr(service, "process", None)
    if url and process is not None and process.poll() is None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"{url}/shutdown", timeout=2):
                pass
        except OSError:  # geckodriver has no /shutdown (404): no point waiting for it to exit
            pass
        else:
            with contextlib.suppress(Exception):
                process.wait(timeout=2)
    terminate = getattr(service, "_terminate_process", None)  # selenium >= 4.11
    if callable(terminate):
        terminate()
    else:  # pragma: no cover - older selenium
        service.stop()


def _kill_process(service: Any) -> None:
    process = getattr(service, "process", None)
    if process is not None and process.poll() is None:
        process.kill()


def read_proc(pid: int, part: str) -> bytes | None:
    """``/proc/<pid>/<part>`` (``cmdline``, ``environ``), or None if it cannot be read."""
    try:
        return Path(f"/proc/{pid}/{part}").read_bytes()
    except OSError:
        return None


def leftover_pids(*markers: str, parts: tuple[str, ...] = ("cmdline",)) -> list[int]:
    """Processes whose command line (or another of ``parts``, e.g. ``environ``) mentions any of
    ``markers`` (Linux: /proc; elsewhere: none known), in one walk. An empty marker matches
    nothing."""
    proc = Path("/proc")
    needles = [os.fsencode(marker) for marker in markers if marker]
    if not needles or not sys.platform.startswith("linux") or not proc.is_dir():
        return []
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        texts = [read_proc(pid, part) or b"" for part in parts]
        if any(needle in text for needle in needles for text in texts):
            found.append(pid)
    return found


def _kill_leftovers(markers: tuple[str, ...], wait: float = 3.0) -> None:
    deadline = time.monotonic() + wait
    pids = leftover_pids(*markers)
    while pids and time.monotonic() < deadline:  # quit() usually gets there on its own
        time.sleep(0.05)
        pids = leftover_pids(*markers)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
