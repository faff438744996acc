"""Issue 18, item 7: where the password goes. It is typed only into HTTPS pages or plain HTTP on
this machine, and only into the IdP URL's origin or one the stored IdP remembers; a new origin
is confirmed on a terminal (then remembered), refused without one.

The policy is pure (``origins.decide``) and unit-tested; the end-to-end tests drive the real CLI
with a real headless Chromium through loopback pages: a login that lands on a second, untrusted
origin, and one served over plain HTTP under a name that is not loopback (Chromium maps the name
to 127.0.0.1 with its host-resolver rules; to the tool it is another machine)."""

from __future__ import annotations

import json
import sys

import pexpect
import pytest
from clirun import run_cli
from pages.idp import USERS, IdpServer
from pages.serving import QuietHandler, Served

from awscli_saml_sso import idps, origins
from awscli_saml_sso.errors import ExitCode, UsageError
from awscli_saml_sso.options import Answers, IdpOptions
from awscli_saml_sso.sources.browser import origin_guard

D = origins.Decision


# -- the pure policy --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "trusted", "expected"),
    [
        ("https://idp.example.com/login?x=1", ["https://idp.example.com/sso"], (D.ALLOWED, "https://idp.example.com")),
        ("https://IDP.example.com:443/", ["https://idp.example.com"], (D.ALLOWED, "https://idp.example.com")),
        (
            "https://login.partner.example/p",
            ["https://idp.example.com/sso"],
            (D.NEEDS_CONFIRMATION, "https://login.partner.example"),
        ),
        (
            "https://idp.example.com:8443/",
            ["https://idp.example.com/sso"],
            (D.NEEDS_CONFIRMATION, "https://idp.example.com:8443"),
        ),
        ("http://idp.example.com/login", ["http://idp.example.com/sso"], (D.REFUSED, "http://idp.example.com")),
        ("http://127.0.0.1:8080/a", ["http://127.0.0.1:8080/"], (D.ALLOWED, "http://127.0.0.1:8080")),
        ("http://127.3.4.5:81/a", [], (D.NEEDS_CONFIRMATION, "http://127.3.4.5:81")),
        ("http://localhost:8080/a", ["http://localhost:8080"], (D.ALLOWED, "http://localhost:8080")),
        ("http://[::1]:8080/a", ["http://[::1]:8080"], (D.ALLOWED, "http://[::1]:8080")),
        (
            "http://127.0.0.1.evil.example/a",
            ["http://127.0.0.1.evil.example"],
            (D.REFUSED, "http://127.0.0.1.evil.example"),
        ),
        ("data:text/html,<input type=password>", ["https://idp.example.com"], (D.REFUSED, "")),
        ("about:blank", [], (D.REFUSED, "")),
    ],
)
def test_decide(url, trusted, expected):
    assert origins.decide(url, trusted) == expected


@pytest.mark.parametrize("bad", ["idp.example.com", "https://idp.example.com/path", "ftp://x", "https://u@x.example"])
def test_an_origin_given_by_a_person_must_be_one(bad):
    with pytest.raises(ValueError):
        origins.normalize(bad)
    assert origins.normalize("HTTPS://Login.Example.com:443/") == "https://login.example.com"


class NoTerminal:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def status(self, message: str) -> None:
        self.lines.append(message)

    def tty(self) -> None:
        return None


def test_the_guard_names_the_origin_typed_into_and_refuses_new_ones_without_a_terminal():
    ui = NoTerminal()
    idp = IdpOptions(
        url="https://idp.example.com/sso", nickname="corp", allowed_origins=("https://login.partner.example",)
    )
    check = origin_guard(idp, Answers(), ui)
    check("https://idp.example.com/login")
    check("https://login.partner.example/p")
    assert ui.lines == ["typing into https://idp.example.com", "typing into https://login.partner.example"]
    with pytest.raises(UsageError) as refused:
        check("https://phish.example/login")
    assert str(refused.value) == (
        "refusing to type the password into https://phish.example, an origin the IdP "
        "corp does not trust (there is no terminal to confirm it on)"
    )
    assert (
        refused.value.hint
        == "if it is your IdP's, allow it: awscli_saml_sso idp set corp --allow-origin https://phish.example"
    )
    with pytest.raises(UsageError, match="plain HTTP to another machine"):
        check("http://idp.example.com/login")


# -- stored origins -----------------------------------------------------------------------------------
def test_allowed_origins_are_stored_canonical_in_a_version_2_file(home):
    env = {"ASS_HOME": str(home / "tool")}
    idps.save(idps.StoredIdp("corp", "https://idp.example.com/sso"), env)
    assert json.loads(idps.idps_path(env).read_text())["version"] == 1  # no origins: older tools still read it
    stored = idps.allow_origins("corp", ["https://Login.Partner.example/", "https://login.partner.example"], env)
    assert stored.allowed_origins == ["https://login.partner.example"]
    document = json.loads(idps.idps_path(env).read_text())
    assert document["version"] == 2
    assert document["idps"]["corp"]["allowed_origins"] == ["https://login.partner.example"]
    assert idps.get("corp", env).allowed_origins == ["https://login.partner.example"]
    with pytest.raises(UsageError, match="invalid origin"):
        idps.allow_origins("corp", ["https://x.example/path"], env)


def test_idp_add_allow_origin(cli_env):
    run = run_cli(
        [
            "idp",
            "add",
            "corp",
            "--url",
            "https://idp.example.com/sso",
            "--allow-origin",
            "https://a.example",
            "--allow-origin",
            "https://b.example:8443/",
        ],
        cli_env,
    )
    assert run.code == 0, run
    assert idps.get("corp", cli_env).allowed_origins == ["https://a.example", "https://b.example:8443"]
    bad = run_cli(["idp", "add", "x", "--url", "https://idp.example.com/sso", "--allow-origin", "a.example"], cli_env)
    assert bad.code == ExitCode.USAGE and "invalid origin: 'a.example'" in bad.err


# -- end to end: a real headless Chromium, loopback pages ----------------------------------------------
class Redirect(Served):
    """A first IdP origin whose sign-on URL sends the browser on to another origin's login page."""

    def __init__(self, to: str) -> None:
        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("Location", to)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._serve(Handler)
        self.url = f"{self.base}/start"


@pytest.fixture
def chain():
    second = IdpServer()  # the login form, on a second origin
    second.saml_target = "https://signin.aws.amazon.com/saml"
    first = Redirect(second.base + "/a")
    yield first, second
    first.close()
    second.close()


def posted(idp: IdpServer) -> bool:
    return any(method == "POST" for method, _path in idp.seen)


@pytest.mark.browser
def test_a_new_origin_of_a_stored_idp_is_refused_without_a_terminal(cli_env, chain):
    first, second = chain
    idps.save(idps.StoredIdp("corp", first.url, username="alice"), cli_env)
    run = run_cli(
        ["--idp-nickname", "corp", "--password-stdin", "--timeout", "60"],
        cli_env,
        stdin=USERS["alice"] + "\n",
        timeout=120,
    )
    assert run.code == ExitCode.USAGE, run
    assert f"refusing to type the password into {second.base}, an origin the IdP corp does not trust" in run.err
    assert f"idp set corp --allow-origin {second.base}" in run.err
    assert ("GET", "/a") in second.seen and not posted(second)  # the page was shown, nothing typed or sent
    assert idps.get("corp", cli_env).allowed_origins is None


@pytest.mark.browser
def test_a_new_origin_confirmed_on_a_terminal_is_used_and_remembered(cli_env, chain):
    first, second = chain
    idps.save(idps.StoredIdp("corp", first.url, username="alice"), cli_env)
    env = dict(cli_env, TERM="dumb", NO_COLOR="1")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "awscli_saml_sso", "--idp-nickname", "corp", "--timeout", "60"],
        env=env,
        encoding="utf-8",
        timeout=90,
        dimensions=(40, 250),
    )
    try:
        child.expect(rf"asks for the password at {second.base}, not at the IdP's {first.url.rsplit('/', 1)[0]}\.")
        assert not posted(second)  # nothing typed before the answer
        child.sendline("y")
        child.expect(f"typing into {second.base}")  # the progress line names the origin
        child.expect("Password for alice: ")
        child.sendline(USERS["alice"])
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert ("POST", "/a") in second.seen  # the password went to the confirmed origin
    assert idps.get("corp", cli_env).allowed_origins == [second.base]
    # the page's SAML response is a placeholder: the login ends at the SAML check, past the origin
    assert child.exitstatus == ExitCode.SAML


@pytest.mark.browser
def test_no_password_over_plain_http_to_another_machine(cli_env):
    idp = IdpServer()
    port = idp.server.server_address[1]
    cli_env["ASS_TEST_HOST_RESOLVER_RULES"] = f"MAP idp.example.test 127.0.0.1:{port}"
    try:
        run = run_cli(
            ["--idp-url", "http://idp.example.test/a", "--username", "alice", "--password-stdin", "--timeout", "60"],
            cli_env,
            stdin=USERS["alice"] + "\n",
            timeout=120,
        )
    finally:
        idp.close()
    assert run.code == ExitCode.USAGE, run
    assert "refusing to type the password into http://idp.example.test: plain HTTP to another machine" in run.err
    assert ("GET", "/a") in idp.seen and not posted(idp)
