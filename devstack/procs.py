"""Background servers in their own process group, found again through pid files.

Each server is started in a new session (``setsid``), so its process group id is its pid and
``down`` can kill the whole group: PHP's built-in server with ``PHP_CLI_SERVER_WORKERS`` forks
workers that would otherwise keep the port after the parent dies.
"""

from __future__ import annotations

import errno
import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

# Popen objects of servers this Python process started, so ``stop`` can reap them (no zombies
# when the stack runs inside pytest).
_CHILDREN: dict[int, subprocess.Popen] = {}


class StackError(Exception):
    """A clear one-line reason why the stack cannot start or stop."""


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR: a port in TIME_WAIT is free for a server; a listening one is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start(name: str, argv: list[str], *, run_dir: Path, env: dict[str, str], cwd: Path) -> int:
    """Start ``argv`` detached in a new session; output goes to ``run_dir/name.log``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    (run_dir / f"{name}.pid").write_text(f"{proc.pid}\n")
    return proc.pid


def read_pid(name: str, run_dir: Path) -> int | None:
    try:
        return int((run_dir / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid`` (no /proc: the group exists)."""
    if not Path("/proc/self/stat").exists():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def is_running(name: str, run_dir: Path) -> bool:
    pid = read_pid(name, run_dir)
    return pid is not None and bool(group_members(pid))


def _reap(pid: int) -> None:
    proc = _CHILDREN.pop(pid, None)
    if proc is not None:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def stop(name: str, run_dir: Path, timeout: float = 5.0) -> bool:
    """Kill the server's whole process group; True if something was running."""
    pid = read_pid(name, run_dir)
    (run_dir / f"{name}.pid").unlink(missing_ok=True)
    if pid is None or not group_members(pid):
        if pid is not None:
            _reap(pid)
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _reap_if_exited(pid)
            if not group_members(pid):
                _reap(pid)
                return True
            time.sleep(0.05)
    _reap(pid)
    if group_members(pid):
        raise StackError(f"could not stop {name} (process group {pid})")
    return True


def _reap_if_exited(pid: int) -> None:
    proc = _CHILDREN.get(pid)
    if proc is not None:
        proc.poll()


def wait_http(
    url_host: str,
    port: int,
    path: str,
    *,
    pid: int,
    name: str,
    log: Path,
    timeout: float = 20.0,
    interval: float = 0.05,
) -> None:
    """Poll until ``GET path`` answers below 500; fail at once if the server died."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        _reap_if_exited(pid)
        if not group_members(pid):
            raise StackError(f"{name} exited during start-up:\n{tail(log)}")
        try:
            conn = http.client.HTTPConnection(url_host, port, timeout=2)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status < 500:
                return
            last = f"HTTP {status}"
        except OSError as err:
            last = str(err)
        time.sleep(interval)
    raise StackError(f"{name} not ready on port {port} after {timeout:.0f}s ({last}):\n{tail(log)}")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
