"""Issue 22, item 3: the network guard. Once the password has been typed, no request carrying it
leaves the browser for an origin the login does not trust, whatever the page does with it: a
form that posts elsewhere, a ``document.write`` popup, a frame of another origin that reaches the
field through ``document.domain``, the trusted page's own script (fetch, XHR, sendBeacon,
WebSocket, an image URL). The login ends with one line naming the origin and how to allow it.

Real CLI, real headless Chromium, loopback pages (:mod:`pages.exfil`); the untrusted origin
records all it receives. Each case runs with a password on stdin and with a stored IdP."""

from __future__ import annotations

import sys

import pytest
from clirun import run_cli
from pages.exfil import SENDERS, Sink, TrustedSite
from test_browser_firefox import FIREFOX, GECKODRIVER, SKIP_REASON

from awscli_saml_sso.errors import ExitCode

pytestmark = pytest.mark.browser  # real Chromium / Firefox on loopback pages

PASSWORD = "s3cret Pa55+wörd"  # a space, a plus and a non-ASCII letter: every encoding differs
CASES = ["/action", "/popup", "/domain", *(f"/script/{how}" for how in SENDERS)]


@pytest.fixture
def sites():
    sink = Sink()
    site = TrustedSite(sink)
    yield site, sink
    site.close()
    sink.close()


@pytest.fixture
def env(cli_env, tmp_path):
    return dict(cli_env, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", XDG_DATA_HOME=str(tmp_path))


def login(env: dict[str, str], url: str, stored: bool, *browser: str) -> object:
    common = ["--timeout", "40", *browser]
    if not stored:
        args = ["--idp-url", url, "--username", "alice", "--password-stdin", *common]
        return run_cli(args, env, stdin=PASSWORD + "\n", timeout=120)
    add = run_cli(["idp", "add", "corp", "--url", url, "--username", "alice", "--password-stdin"], env, PASSWORD + "\n")
    assert add.code == 0, add
    return run_cli(["--idp-nickname", "corp", "--use-stored", *common], env, timeout=120)


@pytest.mark.browser
@pytest.mark.parametrize("stored", [False, True], ids=["stdin", "stored"])
@pytest.mark.parametrize("path", CASES)
def test_the_password_never_reaches_another_origin(sites, env, path, stored):
    assert_stopped(*sites, path, stored, login(env, sites[0].base + path, stored))


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/action", "/popup", "/script/fetch", "/script/blob", "/script/img"])
def test_firefox_keeps_the_password_too(sites, env, path):
    """The same guard through WebDriver BiDi (every request is held there anyway). Not a
    WebSocket: Firefox's interception does not hold its handshake (docs/security.md)."""
    if not (FIREFOX and GECKODRIVER and sys.platform.startswith("linux")):
        pytest.skip(SKIP_REASON)
    firefox = ("--browser", "firefox", "--driver-path", str(GECKODRIVER))
    assert_stopped(*sites, path, False, login(env, sites[0].base + path, False, *firefox))


def assert_stopped(site: TrustedSite, sink: Sink, path: str, stored: bool, run: object) -> None:
    assert sink.taken() == [], run  # nothing reached the untrusted origin, not even a request
    assert run.code == ExitCode.USAGE, run
    lines = [line for line in run.err.splitlines() if sink.base in line]
    doing = "opening a WebSocket (with the password typed)" if path.endswith("ws") else "sending the password"
    said = f"stopped the page {doing} to {sink.base}, an origin "
    assert len(lines) == 1 and said in lines[0], run  # one line, with how to allow it
    allow = (
        f"idp set corp --allow-origin {sink.base}" if stored else f"idp add NICK --url URL --allow-origin {sink.base}"
    )
    assert allow in lines[0], run
    assert PASSWORD not in run.err + run.out
