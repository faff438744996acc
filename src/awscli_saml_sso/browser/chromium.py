"""Start Chromium, Chrome or Edge ourselves and talk to it over ``--remote-debugging-pipe``.

No chromedriver, and no TCP port: the DevTools connection is a pair of pipes only this process
holds (the browser reads commands on its fd 3 and writes answers on its fd 4), so no other local
user can attach to the browser and read the password or the SAML response off it. When this
process dies, the kernel closes the pipes and the browser exits with it.

The browser runs in a session (and process group) of its own: a Ctrl-C in the terminal reaches
only us, and we end the whole group at once when we are done.

Windows has no ``posix_spawn`` and Python cannot hand a child fds 3 and 4 there: the browser gets
``--remote-debugging-port=0`` instead (a random loopback port, read back from the profile's
``DevToolsActivePort``), see docs/security.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from awscli_saml_sso import hardexit, paths
from awscli_saml_sso.browser import cdp

log = logging.getLogger(__name__)

PIPE_FLAG = "--remote-debugging-pipe"
USE_PIPE = hasattr(os, "posix_spawn")
FIRST_PAGE = "data:,"


class BrowserProcess:
    """The browser we started: its pid (the leader of its process group) and how to end it."""

    def __init__(self, pid: int, popen: subprocess.Popen[bytes] | None = None) -> None:
        self.pid = pid
        self._popen = popen
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            if self._popen is not None:
                self.returncode = self._popen.poll()
            else:
                with contextlib.suppress(ChildProcessError):
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                    if pid == 0:
                        return None
                    self.returncode = os.waitstatus_to_exitcode(status)
                if self.returncode is None:  # reaped elsewhere
                    self.returncode = -1
        return self.returncode

    def wait(self, timeout: float) -> bool:
        """True once the browser's main process has exited (and is reaped)."""
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def kill_group(self, wait: float = 2.0) -> None:
        """SIGKILL the browser and every process of its group (renderers, GPU, zygote), and
        reap it (waiting at most ``wait``: a killed process writes nothing more)."""
        if self._popen is not None:  # Windows: no process groups to signal
            with contextlib.suppress(OSError):
                self._popen.kill()
        else:
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            hardexit.discard_group(self.pid)
        with contextlib.suppress(Exception):
            self.wait(wait)


def _high_fd(fd: int) -> int:
    """The same pipe end on a descriptor above 9 (and non-inheritable), so that duplicating it
    onto 3 or 4 in the child never collides with the other end."""
    import fcntl  # POSIX only

    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def launch(
    binary: str, args: list[str], env: dict[str, str], log_file: Path | None
) -> tuple[BrowserProcess, cdp.Connection]:
    """Start the browser on an empty page and connect to it."""
    if not USE_PIPE:
        return _launch_with_port(binary, args, env, log_file)
    command_read, command_write = (_high_fd(fd) for fd in os.pipe())
    answer_read, answer_write = (_high_fd(fd) for fd in os.pipe())
    log_target = str(log_file) if log_file is not None else os.devnull
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, log_target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        (os.POSIX_SPAWN_DUP2, command_read, 3),
        (os.POSIX_SPAWN_DUP2, answer_write, 4),
    ]
    # "data:," as chromedriver does: on about:blank a visible Chromium keeps the keyboard focus
    # in the address bar, and what the person types for the IdP would go there
    argv = [binary, *args, PIPE_FLAG, FIRST_PAGE]
    try:
        # posix_spawn: no Python runs in the child (unlike preexec_fn), so it is safe while
        # other threads (imports, the password prompt) run; setsid: a group of its own.
        # umask 077: the profile's files (Preferences, Last Version, ...) private whatever ours is
        with paths.private_umask():
            try:
                pid = os.posix_spawnp(binary, argv, env, file_actions=actions, setsid=True)
            except NotImplementedError:  # no POSIX_SPAWN_SETSID here: a process group will do
                pid = os.posix_spawnp(binary, argv, env, file_actions=actions, setpgroup=0)
    finally:
        os.close(command_read)
        os.close(answer_write)
    hardexit.add_group(pid)
    log.debug("browser launched (pid %d), DevTools over a pipe", pid)
    process = BrowserProcess(pid)
    return process, cdp.Connection(cdp.PipeTransport(command_write, answer_read))


def _launch_with_port(
    binary: str, args: list[str], env: dict[str, str], log_file: Path | None
) -> tuple[BrowserProcess, cdp.Connection]:
    profile = next(Path(a.split("=", 1)[1]) for a in args if a.startswith("--user-data-dir="))
    port_file = profile / "DevToolsActivePort"
    with contextlib.suppress(OSError):
        port_file.unlink()
    flags = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    with open(log_file or os.devnull, "wb") as log, paths.private_umask():
        popen = subprocess.Popen(
            [binary, *args, "--remote-debugging-port=0", FIRST_PAGE],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            creationflags=flags,
        )
    process = BrowserProcess(popen.pid, popen)
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(OSError, ValueError):
            port, path = port_file.read_text().split()[:2]
            transport = cdp.WebSocketTransport(f"ws://127.0.0.1:{int(port)}{path}")
            return process, cdp.Connection(transport)
        if popen.poll() is not None or time.monotonic() > deadline:
            process.kill_group()
            raise cdp.CdpError("the browser did not open its DevTools port", closed=True)
        time.sleep(0.05)


def write_preferences(profile: Path, prefs: dict[str, Any]) -> None:
    """Merge dotted ``prefs`` into the profile's ``Default/Preferences`` (what chromedriver's
    ``prefs`` option did): read at start, before any page loads."""
    path = profile / "Default" / "Preferences"
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(current, dict):
            current = {}
    except (OSError, ValueError):
        current = {}
    for dotted, value in prefs.items():
        node = current
        *parents, leaf = dotted.split(".")
        for key in parents:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[leaf] = value
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        if hasattr(os, "fchmod"):  # an existing file keeps its mode otherwise
            os.fchmod(handle.fileno(), 0o600)
        json.dump(current, handle)


def last_log_line(log_file: Path | None) -> str:
    """The browser's last stderr line, to say why it did not start."""
    if log_file is None:
        return ""
    with contextlib.suppress(OSError):
        lines = [ln.strip() for ln in log_file.read_text(errors="replace").splitlines() if ln.strip()]
        return lines[-1][:200] if lines else ""
    return ""
