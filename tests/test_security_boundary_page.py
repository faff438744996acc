"""Issue 22, items 1, 2 and 4: a secret goes only where it is trusted, whatever the page claims.

The real CLI drives a real headless Chromium through hostile loopback pages (pages/boundary.py),
each run twice: with ``--password-stdin`` and with a stored IdP (password in the keyring). The
first two also with Firefox (Selenium, geckodriver and its BiDi sandbox), where installed.

- A trusted sign-on URL answers 302 to another origin whose page fakes its URL (JSON.stringify,
  Object.keys, Array.prototype.map and a Proxy replaced): the origin comes from the browser, so
  the password is refused there and nothing is posted.
- A trusted login page holds a frame of another origin that takes the keyboard focus back on
  blur: not one key reaches the frame, the login stops with one line.
- A second factor on its own origin (Duo-style): the question and the refusal name a one-time
  code, not the password; a code confirmed there is typed, and that origin is not remembered.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from clirun import run_cli
from hostile.harness import short_tmpdir
from pages.boundary import Site, big_page, duo_pair, fake_url_pair, focus_thief_pair
from pages.idp import OTP, USERS
from test_browser_firefox import FIREFOX, GECKODRIVER, SKIP_REASON

from awscli_saml_sso import idps
from awscli_saml_sso.errors import ExitCode
from awscli_saml_sso.options import Answers, IdpOptions
from awscli_saml_sso.sources.browser import origin_guard

pytestmark = pytest.mark.browser  # real Chromium / Firefox on loopback pages

assert short_tmpdir  # a fixture, used by name below
PASSWORD = USERS["alice"]
WAYS = ["stdin", "stored"]
BROWSERS = ["chromium", "firefox"]


def browser_args(browser: str) -> list[str]:
    """The options that pick the browser (Chromium: the default)."""
    if browser == "chromium":
        return []
    if not (FIREFOX and GECKODRIVER and sys.platform.startswith("linux")):
        pytest.skip(SKIP_REASON)
    return ["--browser", "firefox", "--driver-path", str(GECKODRIVER)]


@pytest.fixture
def env(cli_env, tmp_path, short_tmpdir):
    return dict(
        cli_env,
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        TMPDIR=str(short_tmpdir),
        TERM="dumb",
        NO_COLOR="1",
    )


@pytest.fixture
def sites():
    made = [Site(), Site()]
    yield made
    for site in made:
        site.close()


def login_args(way: str, url: str, env: dict[str, str], *extra: str) -> tuple[list[str], str]:
    """The login command line (and its stdin) for a password from stdin or a stored IdP."""
    if way == "stdin":
        return ["--idp-url", url, "--username", "alice", "--password-stdin", "--timeout", "40", *extra], PASSWORD
    add = run_cli(["idp", "add", "corp", "--url", url, "--username", "alice", "--password-stdin"], env, PASSWORD)
    assert add.code == 0, add
    return ["--idp-nickname", "corp", "--use-stored", "--timeout", "40", *extra], ""


def posts(site: Site) -> list[tuple[str, str, str]]:
    return [s for s in site.seen if s[0] == "POST"]


@pytest.mark.parametrize("browser", BROWSERS)
@pytest.mark.parametrize("way", WAYS)
def test_a_page_that_fakes_its_url_gets_no_password(env, sites, way, browser):
    trusted, untrusted = sites
    args, stdin = login_args(way, fake_url_pair(trusted, untrusted), env, *browser_args(browser))
    run = run_cli(args, env, stdin, timeout=120)
    assert run.code == ExitCode.USAGE, run
    assert f"refusing to type the password into {untrusted.base}" in run.err
    assert f"typing into {trusted.base}" not in run.err
    assert ("GET", "/login", "") in untrusted.seen and posts(untrusted) == []  # shown, nothing sent
    assert PASSWORD not in untrusted.bodies()


@pytest.mark.parametrize("browser", BROWSERS)
@pytest.mark.parametrize("way", WAYS)
def test_a_frame_that_steals_the_focus_gets_no_keystroke(env, sites, way, browser):
    trusted, thief = sites
    args, stdin = login_args(way, focus_thief_pair(trusted, thief), env, *browser_args(browser))
    run = run_cli(args, env, stdin, timeout=120)
    assert run.code == ExitCode.BROWSER, run
    assert "stopped typing: something on the page took the keyboard focus away from the field" in run.err
    assert ("GET", "/frame", "") in thief.seen  # the frame was there, and got nothing
    assert [s for s in thief.seen if s[1] == "/leak" and s[2]] == [], thief.seen
    assert posts(trusted) == []
    assert "Traceback" not in run.err


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("engine", ["browser", "auto"])  # auto: the plain-HTTP engine types them
def test_a_second_factor_elsewhere_is_refused_as_a_code_without_a_terminal(env, sites, way, engine):
    env = {**env, "ASS_ENGINE": engine}
    trusted, duo = sites
    args, stdin = login_args(way, duo_pair(trusted, duo), env, "--mfa-code", OTP)
    run = run_cli(args, env, stdin, timeout=120)
    assert run.code == ExitCode.USAGE, run
    assert f"refusing to type the one-time code into {duo.base}" in run.err
    assert "password into" not in run.err
    assert [p for _m, p, _b in posts(trusted)] == ["/login"]  # the password went to its own origin
    assert posts(duo) == []


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("engine", ["browser", "auto"])  # auto: the plain-HTTP engine types them
def test_a_second_factor_elsewhere_is_asked_about_as_a_code(env, sites, way, engine):
    env = {**env, "ASS_ENGINE": engine}
    trusted, duo = sites
    args, stdin = login_args(way, duo_pair(trusted, duo), env, "--mfa-code", OTP)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "awscli_saml_sso", *args],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 250),
    )
    try:
        if stdin:
            child.sendline(stdin)
        child.expect(rf"asks for a one-time code \(not the password\) at {duo.base}, not at the IdP's")
        child.expect(r"Type the code there\?")
        assert posts(duo) == []  # nothing typed before the answer
        child.sendline("y")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert [(p, b) for _m, p, b in posts(duo)] == [("/duo", f"passcode={OTP}")]
    if way == "stored":
        assert idps.get("corp", env).allowed_origins is None  # a code's origin is not trusted with the password
    # the page's SAML response is a placeholder: the login ends at the SAML check, past the code
    assert child.exitstatus == ExitCode.SAML


def test_a_huge_page_is_read_within_bounds_and_the_exit_keeps_to_the_timeout(env, sites, tmp_path):
    """A 20 MB title: the old code held 189 MB, saved a 21 MB HTML and exited 9 s after --timeout."""
    url = big_page(sites[0], 20)
    diagnostics = tmp_path / "home" / ".awscli_saml_sso" / "diagnostics"
    timeout = 8
    began = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "awscli_saml_sso", "--idp-url", url, "--username", "alice"]
        + ["--password-stdin", "--timeout", str(timeout)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    peak = 0
    with child:
        child.stdin.write(PASSWORD.encode() + b"\n")
        child.stdin.close()
        while child.poll() is None:  # VmHWM: the highest RSS so far, read until the end
            # a process that has just ended (a zombie) has no VmHWM line: IndexError
            with contextlib.suppress(OSError, ValueError, IndexError):
                status = Path(f"/proc/{child.pid}/status").read_text()
                peak = max(peak, int(status.split("VmHWM:")[1].split()[0]) // 1024)
            time.sleep(0.02)
        took = time.monotonic() - began
        err = child.stderr.read().decode()
    assert child.returncode == ExitCode.TIMEOUT, err
    assert peak <= 150, f"{peak} MB"
    # --timeout counts from the browser's start; Python's own start comes before (~1 s)
    assert took <= timeout + 4, f"{took:.1f} s"
    saved = list(diagnostics.glob("*.html")) if diagnostics.is_dir() else []
    assert all(p.stat().st_size <= 1_100_000 for p in saved), [(p.name, p.stat().st_size) for p in saved]


class Terminal:
    """A person at a terminal who answers yes to every question, and what was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.lines: list[str] = []

    def status(self, message: str) -> None:
        self.lines.append(message)

    def tty(self) -> str:
        return "/dev/tty"

    def confirm(self, question: str, option: str) -> bool:
        self.asked.append(question)
        return True


def test_a_code_confirmed_elsewhere_does_not_trust_that_origin_with_the_password():
    ui, remembered = Terminal(), []
    idp = IdpOptions(url="https://idp.example.com/sso", nickname="corp")
    check = origin_guard(idp, Answers(remember_origin=remembered.append), ui)
    check("https://api-1.duo.example", "one-time code")
    check("https://api-1.duo.example", "one-time code")  # asked once per run
    assert ui.asked == [
        "The login asks for a one-time code (not the password) at https://api-1.duo.example, "
        "not at the IdP's https://idp.example.com. Type the code there?"
    ]
    assert remembered == []
    check("https://api-1.duo.example")  # the password there: the password's own question
    assert ui.asked[1].startswith("The login asks for the password at https://api-1.duo.example")
    assert ui.asked[1].endswith("Type it there and trust that origin from now on?")
    assert remembered == ["https://api-1.duo.example"]
