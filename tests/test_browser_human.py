"""The human steps of a login against imitation vendor pages (tests/pages/human.py) in a real
headless Chromium: number matching relayed to the person, push approval by "the phone" (the test,
over loopback HTTP), factor choice, a portal opening the IdP in a popup, and the IdP's refusals
reported in its own words after exactly one password POST.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import sys
import threading
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from browserlogins import browser_login
from pages.fixtures import sink  # noqa: F401 - fixture, used by name
from pages.human import CODE, DISABLED, PASSWORD, HumanIdp
from test_browser_capture import display, leftovers, offline  # noqa: F401 - fixtures

from awscli_saml_sso.browser import BrowserLogin, capture_saml_response
from awscli_saml_sso.errors import AuthError, UsageError

pytestmark = [
    pytest.mark.browser,
    # driven over its DevTools pipe: no chromedriver needed (issue 16)
    pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="needs Chromium"),
]


@pytest.fixture(scope="module")
def human():
    server = HumanIdp()
    yield server
    server.close()


@pytest.fixture
def saml(human, sink):
    human.saml_target = sink.url
    human.saml_value = base64.b64encode(secrets.token_bytes(2000)).decode()
    human.reset()
    sink.requests.clear()
    yield human.saml_value
    time.sleep(0.1)
    assert sink.requests == [], "a request reached the listener standing in for AWS"


class Person:
    """Reads the lines meant for the person (with the time each came) and answers on the phone."""

    def __init__(self, idp: HumanIdp, answer: str | None = "approve") -> None:
        self.idp, self.answer = idp, answer
        self.lines: list[tuple[float, str]] = []
        self.status: list[tuple[float, str]] = []

    def notice(self, line: str) -> None:
        self.lines.append((time.monotonic(), line))
        number = re.search(r": (\d+)$", line)
        if self.answer:
            query = f"?number={number.group(1)}" if number else ""
            threading.Thread(target=self._phone, args=(f"/_test/{self.answer}{query}",), daemon=True).start()

    def _phone(self, path: str) -> None:
        time.sleep(0.5)  # a person reading the number and tapping it
        with urllib.request.urlopen(self.idp.base + path, timeout=5) as reply:
            assert reply.read() == b"ok"

    def step(self, line: str) -> None:
        self.status.append((time.monotonic(), line))

    def when(self, text: str) -> float:
        return next(t for t, line in self.status if text in line)


@pytest.fixture
def make_login(human, sink, tmp_path):
    profile = tmp_path / "profile"

    def make(path: str, person: Person, **overrides) -> BrowserLogin:
        values = dict(
            idp_url=human.base + path,
            endpoints=(sink.url,),
            username="alice",
            password=lambda: PASSWORD,
            timeout=60.0,
            profile_dir=profile,
            diagnostics_dir=tmp_path / "diag",
            status=person.step,
            notice=person.notice,
        )
        values.update(overrides)
        return browser_login(**values)

    yield make
    assert leftovers(str(profile)) == []


# ---- number matching and push -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ms", "/gg", "/okta"], ids=["entra-like", "google-like", "okta-widget-like"])
def test_number_challenge_relayed_and_approved(make_login, saml, human, path):
    person = Person(human)
    assert capture_saml_response(make_login(path, person)) == saml
    number = next(c["number"] for c in human.challenges.values())
    assert [line for _, line in person.lines] == [f"approve the sign-in on your phone: {number}"]
    shown = human.seen_at()
    assert shown is not None
    assert person.lines[0][0] - shown < 1.0, "the number reached the person more than 1 s late"
    assert len(human.password_posts) == 1


def test_denied_push_is_reported_as_denied(make_login, saml, human):
    person = Person(human, answer="deny")
    with pytest.raises(AuthError) as err:
        capture_saml_response(make_login("/ms", person))
    assert str(err.value).startswith("the sign-in request was denied: Request denied.")
    assert time.monotonic() - person.lines[0][0] < 5
    assert len(human.password_posts) == 1


# ---- portals, factor choice ---------------------------------------------------------------------


def test_portal_with_only_sign_in_with_sso_opens_the_idp_in_a_popup(make_login, saml, human):
    person = Person(human, answer=None)
    assert capture_saml_response(make_login("/portal", person)) == saml
    assert human.password_posts == ["/plain"]
    assert any("only sign-in control" in line for _, line in person.status)


def test_mfa_method_not_offered_lists_what_is(make_login, saml, human):
    person = Person(human, answer=None)
    with pytest.raises(UsageError) as err:
        capture_saml_response(make_login("/f5", person, mfa_method="email"))
    assert "--mfa-method email" in str(err.value)
    assert "push (Duo Push)" in str(err.value) and "totp (Passcode)" in str(err.value)
    assert human.mfa == []


# ---- the IdP says no ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, username, password, code, sentence, label, posts",
    [
        ("/ms", "dora", PASSWORD, None, DISABLED, "account disabled", 1),
        ("/ms", "alice", "nope", None, "Your account or password is incorrect.", "wrong username or password", 1),
        ("/plain", "alice", "nope", None, "Incorrect user ID or password.", "wrong username or password", 1),
        ("/f5", "alice", PASSWORD, "000000", "Invalid passcode. Try again.", "wrong one-time code", 1),
        (
            "/adfs",
            "alice",
            PASSWORD,
            None,
            "Enter your user ID in the format domain\\user or user@domain.",
            "format",
            0,
        ),
    ],
    ids=["disabled", "wrong-password-elsewhere", "wrong-password", "wrong-code", "format-hint"],
)
def test_refusal_in_the_idps_words(make_login, saml, human, path, username, password, code, sentence, label, posts):
    person = Person(human, answer=None)
    login = make_login(
        path,
        person,
        username=username,
        password=lambda: password,
        mfa_code=(lambda: code) if code else None,
        prefer_code=bool(code),
    )
    with pytest.raises(AuthError) as err:
        capture_saml_response(login)
    ended = time.monotonic()
    assert f"({label})" in str(err.value) and sentence in str(err.value), str(err.value)
    assert ended - person.when("submitting the") < 5
    assert len(human.password_posts) == posts


# ---- the real CLI, no terminal, default log level ------------------------------------------------


@pytest.mark.e2e
def test_cli_prints_the_number_on_stderr_and_finishes_the_login(aws, cli_env, human):
    """What a person running the tool sees: the number as its own stderr line (no --log-level, no
    terminal: progress lines are off), at once; after the approval, a working profile."""
    import subprocess

    import boto3
    from pages.listeners import RecordingTcp

    trap = RecordingTcp()
    human.reset()
    human.saml_target = "https://signin.aws.amazon.com/saml"
    human.saml_value = aws.saml_response_for("aws_user")
    env = {**cli_env, "ASS_TEST_HOST_RESOLVER_RULES": f"MAP signin.aws.amazon.com 127.0.0.1:{trap.port}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "awscli_saml_sso",
            "--idp-url",
            human.base + "/ms",
            "--browser",
            "chromium",
            "--username",
            "alice",
            "--password-stdin",
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--timeout",
            "60",
        ],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    lines: list[tuple[float, str]] = []
    try:
        proc.stdin.write((PASSWORD + "\n").encode())
        proc.stdin.close()
        person = Person(human)
        for raw in proc.stderr:
            lines.append((time.monotonic(), raw.decode().rstrip("\n")))
            if lines[-1][1].startswith("approve the sign-in"):
                person.notice(lines[-1][1])
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        trap.close()
    assert code == 0, lines
    number = next(c["number"] for c in human.challenges.values())
    relayed = [(t, line) for t, line in lines if line == f"approve the sign-in on your phone: {number}"]
    assert len(relayed) == 1, lines
    assert relayed[0][0] - human.seen_at() < 1.0
    assert trap.connections == [] and len(human.password_posts) == 1
    arn = (
        boto3.Session(profile_name="saml").client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    )
    assert arn.endswith(":assumed-role/Role.User/aws_user")


# ---- hand-over ----------------------------------------------------------------------------------


def test_security_key_without_a_terminal_is_one_clear_error(make_login, saml, human):
    from awscli_saml_sso.errors import BrowserError

    person, noted = Person(human, answer=None), []
    login = make_login("/key", person, remember_step=noted.append)
    began = time.monotonic()
    with pytest.raises(BrowserError) as err:
        capture_saml_response(login)
    assert time.monotonic() - began < 15
    assert str(err.value).startswith("the IdP asks for a security key")
    assert "--show-browser" in err.value.hint
    assert noted == ["a security key"]
    assert human.password_posts == ["/key"]


@pytest.mark.e2e
@pytest.mark.parametrize("kmsi", [False, True], ids=["saml-after-key", "stay-signed-in-after-key"])
def test_security_key_handed_over_to_a_visible_window_in_a_pty(aws, cli_env, human, display, tmp_path, kmsi):
    """A person at a terminal: the tool says what the page wants, offers the visible window; the
    test plays the person touching the key once the page shows in a visible (not headless)
    browser, which has the headless login's session cookie; the tool then finishes the login,
    answering "Stay signed in?" in that window itself (within 5 s of the person's step)."""
    import tempfile

    import boto3
    import pexpect

    human.reset()
    human.kmsi_after_key = kmsi
    human.saml_target = "https://signin.aws.amazon.com/saml"
    human.saml_value = aws.saml_response_for("aws_user")
    scratch = tempfile.mkdtemp(prefix="ass-ho-", dir="/tmp")  # short: a socket path goes under it
    env = {**cli_env, "DISPLAY": display, "TMPDIR": scratch}
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "awscli_saml_sso",
            "--idp-url",
            human.base + "/key",
            "--browser",
            "chromium",
            "--username",
            "alice",
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--timeout",
            "90",
        ],
        env=env,
        timeout=60,
        encoding="utf-8",
    )
    try:
        child.expect("Password for alice")
        child.sendline(PASSWORD)
        child.expect(r"the IdP asks for a security key.*visible window.*\[y/N\]")
        child.sendline("y")
        deadline = time.monotonic() + 60
        while not any("Headless" not in ua for ua in human.key_pages):
            assert time.monotonic() < deadline, human.key_pages
            assert child.isalive(), child.before
            time.sleep(0.2)
        touched = time.monotonic()
        with urllib.request.urlopen(human.base + "/_test/key", timeout=5) as reply:
            assert reply.read() == b"ok"  # the person touched the key in the visible window
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close(force=True)
        shutil.rmtree(scratch, ignore_errors=True)
    assert child.exitstatus == 0, child.before
    assert any("Headless" in ua for ua in human.key_pages)  # first shown headless
    assert len(human.password_posts) == 1  # the visible window went on with the same session
    if kmsi:
        assert len(human.kmsi_answered) == 1 and human.kmsi_answered[0] - touched < 5.0
    arn = (
        boto3.Session(profile_name="saml").client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    )
    assert arn.endswith(":assumed-role/Role.User/aws_user")


def test_code_chosen_behind_another_way_on_a_number_page(make_login, saml, human):
    """Entra-like: with --mfa-code, "I can't use my Authenticator app" then "Use a verification
    code"; the number is never relayed (nothing to approve)."""
    person = Person(human, answer=None)
    assert capture_saml_response(make_login("/ms", person, mfa_code=lambda: CODE, prefer_code=True)) == saml
    assert human.mfa == [("otp", CODE)] and person.lines == []


@pytest.mark.parametrize("how", [{"mfa_method": "totp"}, {"prefer_code": True}])
def test_method_dropdown_defaulting_to_push_gets_the_code_method(make_login, saml, human, how):
    person = Person(human, answer=None)
    assert capture_saml_response(make_login("/f5", person, mfa_code=lambda: CODE, **how)) == saml
    assert human.mfa == [("passcode", CODE)]


def test_push_preferred_without_a_code_and_relayed(make_login, saml, human):
    person, asked = Person(human), []
    login = make_login("/f5", person, mfa_code=lambda: asked.append(1) or CODE)
    assert capture_saml_response(login) == saml
    assert human.mfa == [("push", "")] and asked == []
    assert [line for _, line in person.lines] == ["approve the sign-in request sent to your phone"]


def test_a_page_not_understood_offers_the_window_and_declined_keeps_the_diagnostics(
    make_login, saml, human, monkeypatch, display
):
    from awscli_saml_sso.browser import autofill
    from awscli_saml_sso.errors import BrowserError

    monkeypatch.setattr(autofill, "STUCK_AFTER", 1.5)
    person, asked, noted = Person(human, answer=None), [], []
    login = make_login("/odd", person, confirm=lambda q: asked.append(q) or False, remember_step=noted.append)
    with pytest.raises(BrowserError) as err:
        capture_saml_response(login)
    assert asked == [
        "the IdP asks for a step the tool does not understand, which cannot be done "
        "headless. Open this sign-in in a visible window to do it there?"
    ]
    assert str(err.value).startswith("cannot handle the login page 'Pick one'") and ".png" in str(err.value)
    assert noted == []  # a page we could not read is no fact about the IdP


# ---- Firefox (best effort: everything but the hand-over, which needs CDP) ------------------------


@pytest.mark.parametrize("path", ["/ms", "/gg", "/okta", "/portal"])
def test_firefox_relays_numbers_and_follows_the_portal(make_login, saml, human, path):
    from test_browser_firefox import SKIP_REASON, geckodriver_path

    driver = geckodriver_path()
    if not (shutil.which("firefox-esr") or shutil.which("firefox")) or not driver:
        pytest.skip(SKIP_REASON)
    person = Person(human)
    # Firefox starts in ~2 s idle but 20 s and more on a loaded CI box: a generous deadline
    login = make_login(path, person, browser="firefox", driver_path=driver, timeout=120.0)
    assert capture_saml_response(login) == saml
    numbers = [c["number"] for c in human.challenges.values()]
    assert [line for _, line in person.lines] == [f"approve the sign-in on your phone: {n}" for n in numbers]
    assert len(human.password_posts) == 1


# ---- account pickers ----------------------------------------------------------------------------


def test_account_picker_chooses_the_given_user(make_login, saml, human):
    person = Person(human, answer=None)
    assert capture_saml_response(make_login("/pick", person)) == saml
    assert human.password_posts == ["/plain"]


def test_account_picker_without_the_user_is_a_step_for_a_person(make_login, saml, human):
    from awscli_saml_sso.errors import BrowserError

    person = Person(human, answer=None)
    with pytest.raises(BrowserError) as err:
        capture_saml_response(make_login("/pick", person, username="carol"))
    assert str(err.value).startswith("the IdP asks for a choice of account")
    assert human.password_posts == []
