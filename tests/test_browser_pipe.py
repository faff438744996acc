"""The Chromium family is driven over ``--remote-debugging-pipe`` (issue 16): while a headless
login runs, no process of the tool's browser listens on any TCP port (no DevTools port another
local user could attach to and read the password or the SAML response from), and no chromedriver
runs. The browser also leaves nothing in the person's home (Chromium's ``Crash Reports``)."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from browserlogins import browser_login
from pages.fixtures import idp, sink  # noqa: F401 - fixtures, used by name
from pages.idp import USERS

from awscli_saml_sso.browser import capture_saml_response

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("chromium"), reason="needs Chromium"),
]
LISTEN = "0A"  # TCP state in /proc/net/tcp{,6}


def _ppid(pid: int) -> int | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
        return int(raw[raw.rindex(")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (by parent pid), however deep."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _ppid(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def listening_inodes(pids: list[int]) -> dict[str, str]:
    """inode -> local address of every listening TCP socket in the network namespaces of
    ``pids`` (each process's own /proc/PID/net view)."""
    found = {}
    for pid in pids:
        for name in ("tcp", "tcp6"):
            try:
                lines = Path(f"/proc/{pid}/net/{name}").read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if len(fields) > 9 and fields[3] == LISTEN:
                    found[fields[9]] = f"{name} {fields[1]}"
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_no_tcp_port_and_no_chromedriver_during_a_headless_login(idp, sink, tmp_path):
    idp.saml_target = sink.url
    idp.saml_value = base64.b64encode(secrets.token_bytes(3000)).decode()
    seen: dict[str, object] = {}

    def password() -> str:
        """Asked for while the browser shows the IdP's password form: mid-login."""
        tree = descendants(os.getpid())
        browsers = [p for p in tree if "chrom" in cmdline(p) and "chromedriver" not in cmdline(p)]
        listening = listening_inodes(tree + [os.getpid()])
        seen["browsers"] = browsers
        seen["drivers"] = [p for p in tree if "chromedriver" in cmdline(p)]
        # The browser's processes and whatever they started: not the rest of pytest's tree (a
        # session-wide IdP stack started by an earlier test listens, as it should).
        ours = set(browsers).union(*(descendants(b) for b in browsers))
        seen["ports"] = [(p, listening[i]) for p in sorted(ours) for i in socket_inodes(p) if i in listening]
        seen["port_flags"] = [p for p in tree if "--remote-debugging-port" in cmdline(p)]
        seen["pipe_flag"] = [p for p in browsers if "--remote-debugging-pipe" in cmdline(p)]
        return USERS["alice"]

    login = browser_login(
        idp_url=idp.base + "/a", endpoints=(sink.url,), username="alice", password=password, timeout=30.0
    )
    assert capture_saml_response(login) == idp.saml_value
    assert len(seen["browsers"]) >= 2, seen  # the browser and its helpers were looked at
    assert seen["pipe_flag"], seen
    assert seen["drivers"] == [], seen
    assert seen["ports"] == [], seen
    assert seen["port_flags"] == [], seen
    assert sink.requests == []


def test_the_walk_does_see_a_listening_port(tmp_path):
    """The check above would notice a port: a child that listens on loopback is found."""
    import socket
    import subprocess

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen();"
                " print(s.getsockname()[1], flush=True); time.sleep(30)"
            ),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        port = int(child.stdout.readline())
        tree = descendants(os.getpid())
        listening = listening_inodes(tree)
        found = [listening[i] for i in socket_inodes(child.pid) if i in listening]
        assert found and found[0].endswith(f":{port:04X}")
        assert socket.socket  # the module is used for the child only
    finally:
        child.kill()
        child.wait()


def test_chromium_leaves_nothing_in_home(idp, sink, tmp_path, monkeypatch):
    """Chromium creates ~/.config/chromium/Crash Reports (and a dconf cache) even with crash
    reporting off: a login must leave the person's home as it was."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    idp.saml_target = sink.url
    idp.saml_value = base64.b64encode(secrets.token_bytes(300)).decode()
    login = browser_login(
        idp_url=idp.base + "/a", endpoints=(sink.url,), username="alice", password=lambda: USERS["alice"], timeout=30.0
    )
    assert capture_saml_response(login) == idp.saml_value
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
