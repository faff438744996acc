"""The visible modes under a virtual display (Xvfb, started by the ``display`` fixture of
test_browser_capture.py unless a display is already there).

``--show-browser``: the real CLI drives a visible Chromium through the local SimpleSAMLphp and
writes a working profile. ``--use-browser``: the test plays the person with ``xdotool``, typing
real X key events into the visible window, and the tool only waits; nothing it types itself.
Firefox: both modes against the IdP-shaped pages. No browser or driver process is left after any
of them (:func:`test_browser_firefox.no_process_left`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from clirun import run_cli
from test_browser_capture import display  # noqa: F401 - fixture
from test_browser_firefox import (  # noqa: F401 - fixtures
    gecko,
    idp,
    make_login,
    marked_processes,
    no_process_left,
    offline,
    saml,
    shared_profile,
    sink,
)

from awscli_saml_sso.browser import capture_saml_response
from devstack import realm

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")


@pytest.fixture
def chromium():
    if not CHROMIUM:
        pytest.skip("needs Chromium (apt-get install chromium)")


class CommandLines:
    """Collects the command lines of this test's processes while a CLI run is under way."""

    def __init__(self, token: str) -> None:
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(token,), daemon=True)
        self._thread.start()

    def _watch(self, token: str) -> None:
        while not self._stop.wait(0.2):
            self.seen.update(cmd for _, cmd in marked_processes(token))

    def stop(self) -> set[str]:
        self._stop.set()
        self._thread.join()
        return self.seen


def browser_main(cmdlines: set[str]) -> list[str]:
    """The browser's main process: the one given a profile directory."""
    return [c for c in cmdlines if "--user-data-dir=" in c or " -profile " in c]


@pytest.fixture
def scratch():
    """The CLI run's TMPDIR, where the throw-away profile of an --idp-url login goes. Short: a
    visible Chromium puts a socket under it, and socket paths have ~100 characters at most."""
    path = Path(tempfile.mkdtemp(prefix="ass-vis-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def visible_env(cli_env, display, scratch):
    return {**cli_env, "DISPLAY": display, "TMPDIR": str(scratch)}


def test_show_browser_cli_end_to_end(chromium, aws, cli_env, display, no_process_left, scratch):
    watch = CommandLines(no_process_left)
    try:
        result = run_cli(
            [
                "--show-browser",
                "--browser",
                "chromium",
                "--idp-url",
                aws.idp_url,
                "--username",
                "aws_user",
                "--password-stdin",
                "--endpoint-url",
                aws.aws_endpoint_url,
                "--timeout",
                "60",
            ],
            env=visible_env(cli_env, display, scratch),
            stdin="aws_user\n",
        )
    finally:
        seen = watch.stop()
    assert result.code == 0, result
    main = browser_main(seen)
    assert main and not any("--headless" in c for c in main), main  # a real window
    assert list(scratch.iterdir()) == []  # the throw-away profile is gone
    arn = (
        boto3.Session(profile_name="saml").client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    )
    assert arn == f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/Role.User/aws_user"


def xdotool(*args: str, timeout: float = 20) -> str:
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, check=True, timeout=timeout
    ).stdout.strip()


class Lines:
    """A child's stderr, read as it comes (a thread), so that a test can wait for one line."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            with self._changed:
                self.lines.append(raw.decode(errors="replace"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # end of the stream
            self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> None:
        """Until a line holds ``text``; fails (with what was said) at the end of the stream."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(text in line for line in self.lines) or "" in self.lines, timeout
            )
            assert found and "" not in self.lines, f"no {text!r} from the tool:\n{self.text()}"

    def text(self) -> str:
        return "".join(self.lines)

    def join(self) -> str:
        self._thread.join()
        return self.text()


def test_use_browser_the_person_logs_in(chromium, aws, cli_env, display, no_process_left, scratch):
    """The tool has no username and no password (no --username, no --password-stdin, no
    terminal, no keyring): only the person, typing into the window, can log in.

    The person types once the page is there, known from the tool's own line "log in in the
    browser window", said after the page's load event, when the page's onload script has put
    the focus in the username field (before: a fixed 20 s for the window to appear and 0.5 s for
    the focus, both too short on a loaded machine)."""
    if not shutil.which("xdotool"):
        pytest.skip("needs xdotool (apt-get install xdotool) to type like a person")
    env = visible_env(cli_env, display, scratch)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "awscli_saml_sso",
            "--log-level",
            "INFO",  # progress lines on stderr, without a terminal
            "--use-browser",
            "--browser",
            "chromium",
            "--idp-url",
            aws.idp_url,
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--timeout",
            "120",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    said = Lines(proc.stderr)
    try:
        said.wait_for("log in in the browser window", timeout=120)
        window = xdotool(
            "search", "--sync", "--onlyvisible", "--name", "Enter your username and password", timeout=60
        ).splitlines()[0]
        xdotool("windowfocus", "--sync", window, timeout=60)
        xdotool("type", "--delay", "30", "aws_user", timeout=60)  # into the autofocused username field
        xdotool("key", "Tab")
        xdotool("type", "--delay", "30", "aws_user", timeout=60)
        xdotool("key", "Return")
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = said.join()
    assert proc.returncode == 0, err
    assert list(scratch.iterdir()) == []
    arn = (
        boto3.Session(profile_name="saml").client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    )
    assert arn.endswith(":assumed-role/Role.User/aws_user")


# ---- Firefox, visible ---------------------------------------------------------------------------


def test_firefox_show_browser(make_login, saml, display, idp, no_process_left):
    watch = CommandLines(no_process_left)
    try:
        assert capture_saml_response(make_login("/a", mode="show")) == saml
    finally:
        seen = watch.stop()
    main = browser_main(seen)
    assert main and not any("-headless" in c for c in main), main  # a real window
    assert "starting Firefox" in make_login.messages
    assert ("POST", "/a") in idp.seen


def test_firefox_manual_mode_fills_nothing(make_login, saml, display, idp):
    assert capture_saml_response(make_login("/m", mode="manual", password=None)) == saml
    assert ("POST", "/a") not in idp.seen
    assert any("log in in the browser window" in m for m in make_login.messages)
