"""Pure parts of the browser layer: endpoints, options, form bodies, scrubbing. No browser."""

from __future__ import annotations

import fnmatch
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from awscli_saml_sso.browser import BrowserLogin, drivers, processes
from awscli_saml_sso.browser import endpoints as ep
from awscli_saml_sso.browser.autofill import Autofill
from awscli_saml_sso.browser.capture import Capture, saml_response_from
from awscli_saml_sso.browser.diagnostics import scrub
from awscli_saml_sso.options import BrowserOptions, IdpOptions


@pytest.mark.parametrize(
    "url",
    [
        "https://signin.aws.amazon.com/saml",
        "https://signin.aws.amazon.com/saml/",
        "https://signin.aws.amazon.com:443/saml?SAMLRelayState=x",
        "https://eu-central-1.signin.aws.amazon.com/saml",
        "https://us-east-1.signin.aws.amazon.com/saml/acs/SAMLSP4SHN3UIS2D558H46",
        "https://signin.amazonaws-us-gov.com/saml",
        "https://signin.amazonaws.cn/saml/acs/abc",
        "HTTPS://SIGNIN.AWS.AMAZON.COM/saml",
    ],
)
def test_saml_endpoints(url):
    assert ep.is_saml_endpoint(url)
    # and on an AWS sign-in host: Chromium intercepts (fetch_patterns) and cannot resolve them
    assert any(fnmatch.fnmatchcase(urlsplit(url).hostname, host) for host in ep.SIGNIN_HOSTS)


@pytest.mark.parametrize(
    "url",
    [
        "http://signin.aws.amazon.com/saml",  # not https
        "https://signin.aws.amazon.com/samlx",
        "https://signin.aws.amazon.com/federation",
        "https://evil.com/saml",
        "https://signin.aws.amazon.com.evil.com/saml",
        "https://a.b.signin.aws.amazon.com/saml",  # one label only
        "https://signin.aws.amazon.com:8443/saml",
        "not a url",
    ],
)
def test_not_saml_endpoints(url):
    assert not ep.is_saml_endpoint(url)


def test_environment_adds_endpoints(monkeypatch):
    monkeypatch.setenv("ASS_SAML_ENDPOINTS", " http://127.0.0.1:8123/saml ,,http://localhost:1/x")
    found = ep.effective_endpoints()
    assert found[: len(ep.DEFAULT_SAML_ENDPOINTS)] == ep.DEFAULT_SAML_ENDPOINTS
    assert found[-2:] == ("http://127.0.0.1:8123/saml", "http://localhost:1/x")
    assert ep.is_saml_endpoint("http://127.0.0.1:8123/saml/acs/1", found)
    assert not ep.is_saml_endpoint("http://127.0.0.1:8124/saml", found)


def test_fetch_patterns_cover_hosts_and_endpoints():
    patterns = [p["urlPattern"] for p in ep.fetch_patterns(("http://127.0.0.1:8123/saml",))]
    assert "https://signin.aws.amazon.com/*" in patterns
    assert "https://*.signin.aws.amazon.com/*" in patterns
    assert "http://127.0.0.1:8123/*" in patterns
    assert all(p["requestStage"] == "Request" for p in ep.fetch_patterns())


def test_strip_query():
    assert ep.strip_query("https://idp/x?token=1#frag") == "https://idp/x"


def test_resolver_rules(monkeypatch):
    for var in drivers.PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv(drivers.ENV_TEST_RESOLVER_RULES, raising=False)
    rules = drivers.resolver_rules()
    assert "MAP signin.aws.amazon.com ~NOTFOUND" in rules
    assert "MAP *.signin.amazonaws.cn ~NOTFOUND" in rules
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    assert drivers.resolver_rules() is None  # the proxy resolves names, not the browser
    monkeypatch.setenv(drivers.ENV_TEST_RESOLVER_RULES, "MAP a 127.0.0.1:1")
    assert drivers.resolver_rules() == "MAP a 127.0.0.1:1"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX euid")
def test_chromium_arguments(tmp_path, monkeypatch):
    monkeypatch.setattr(drivers.os, "geteuid", lambda: 1000)
    args = drivers.chromium_arguments("headless", tmp_path)
    assert "--headless=new" in args and "--no-sandbox" not in args
    assert f"--user-data-dir={tmp_path}" in args
    monkeypatch.setattr(drivers.os, "geteuid", lambda: 0)
    shown = drivers.chromium_arguments("show", tmp_path)
    assert "--headless=new" not in shown and "--no-sandbox" in shown
    assert drivers.CHROMIUM_PREFS["net.network_prediction_options"] == 2


def test_choose_browser(monkeypatch):
    monkeypatch.setattr(drivers, "find_binary", lambda kind: "/x/firefox" if kind.name == "firefox" else None)
    kind, binary = drivers.choose_browser(None, None)
    assert (kind.name, binary) == ("firefox", "/x/firefox")
    kind, binary = drivers.choose_browser("chromium", "/opt/c")
    assert (kind.name, binary) == ("chromium", "/opt/c")
    with pytest.raises(Exception, match="unknown browser"):
        drivers.choose_browser("netscape", None)


def test_form_bodies():
    assert saml_response_from(b"RelayState=&SAMLResponse=PHg%2B%2F%3D%3D", "") == "PHg+/=="
    assert saml_response_from(b"SAMLResponse=", "application/x-www-form-urlencoded") == ""
    assert saml_response_from(b"other=1", "") is None
    assert saml_response_from(None, "") is None
    body = b'--XX\r\nContent-Disposition: form-data; name="SAMLResponse"\r\n\r\nPHg+/==\r\n--XX--\r\n'
    assert saml_response_from(body, "multipart/form-data; boundary=XX") == "PHg+/=="


def test_scrub_removes_secrets():
    page = (
        '<input type="password" name="p" value="hunter22"><input name=SAMLResponse value=abc>'
        '<input name="u" value="alice"><p>echo hunter22</p>'
    )
    clean = scrub(page, ["hunter22"])
    assert "hunter22" not in clean and "abc" not in clean and 'value="alice"' in clean


def test_firefox_says_so_before_starting(monkeypatch):
    from browserlogins import browser_login

    from awscli_saml_sso.browser import capture_saml_response
    from awscli_saml_sso.errors import BrowserError

    monkeypatch.setattr(drivers, "find_binary", lambda kind: "/x/firefox")
    with pytest.raises(BrowserError, match="Firefox") as err:
        capture_saml_response(browser_login(idp_url="http://127.0.0.1:9/", browser="firefox"))
    assert "chromium" in err.value.hint


def test_visible_browser_needs_a_display(monkeypatch):
    from awscli_saml_sso.errors import BrowserError

    monkeypatch.setattr(drivers.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(drivers, "find_binary", lambda kind: "/x/chromium")
    with pytest.raises(BrowserError, match="display"):
        drivers.start(None, None, None, "manual", None, lambda m: None)


def test_a_persistent_profile_forgets_its_session_state_but_keeps_cookies(tmp_path):
    """Session-restore files hold the tabs' POST bodies (the SAML response): removed at shutdown."""
    profile = tmp_path / "profile"
    (profile / "Default" / "Sessions").mkdir(parents=True)
    (profile / "Default" / "Sessions" / "Session_1").write_text("SAMLResponse=secret")
    (profile / "Default" / "Current Session").write_text("SAMLResponse=secret")
    (profile / "sessionstore-backups").mkdir()
    (profile / "sessionstore-backups" / "recovery.jsonlz4").write_text("x")
    (profile / "Default" / "Cookies").write_text("idp session cookie")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("not ours")
    (profile / "sessionstore.jsonlz4").symlink_to(elsewhere)
    processes.shutdown(None, None, profile, temp_profile=False)
    left = sorted(str(p.relative_to(profile)) for p in profile.rglob("*"))
    assert left == ["Default", "Default/Cookies"]
    assert elsewhere.read_text() == "not ours"  # a symlink is removed, never followed


def test_profile_parents_created_private_whatever_the_umask(tmp_path):
    from awscli_saml_sso.browser import drivers

    old = os.umask(0)
    try:
        drivers.prepare_profile(tmp_path / "home" / "browser-profiles" / "corp")
    finally:
        os.umask(old)
    for directory in ("home", "home/browser-profiles", "home/browser-profiles/corp"):
        assert (tmp_path / directory).stat().st_mode & 0o777 == 0o700, directory


def test_a_killed_chromium_leaves_no_socket_directory_in_tmp():
    """The Ctrl-C path kills the browser: its $TMPDIR/org.chromium.Chromium.* directory would stay."""
    import glob
    import tempfile

    from awscli_saml_sso.browser import drivers as d

    os.environ.setdefault("SE_OFFLINE", "true")
    session = d.start(None, None, None, "headless", None, lambda message: None)
    socket_dir = os.path.dirname(os.readlink(session.profile_dir / "SingletonSocket"))
    assert os.path.isdir(socket_dir) and socket_dir.startswith(tempfile.gettempdir())
    session.close(hurry=True)
    assert not os.path.exists(socket_dir)
    assert not session.profile_dir.exists()
    assert socket_dir not in glob.glob(os.path.join(tempfile.gettempdir(), "org.chromium.Chromium.*"))


class NoBrowser(Capture):
    """A capture with nothing to guard: the value comes through ``_deliver`` as from its thread."""

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


class ReplacedWhileRead:
    """Selenium's driver (the boundary) on the page that posts the SAMLResponse, as Firefox
    answers it when the held POST is answered while the page is being read: the script's document
    goes away and the answer is null. The capture has the value by then."""

    window_handles = ["w1"]
    current_window_handle = "w1"

    def __init__(self, capture) -> None:
        self.capture = capture
        self.scripts = 0
        self.switch_to = self

    def default_content(self) -> None:
        pass

    def execute_script(self, script, *args):
        self.scripts += 1
        self.capture._deliver("PHNhbWw+")  # the capture thread answered the POST meanwhile
        return None


def test_a_page_replaced_while_read_is_read_again_not_a_crash():
    capture = NoBrowser()
    driver = ReplacedWhileRead(capture)
    login = BrowserLogin(IdpOptions(username="aws_user"), BrowserOptions(timeout=5))
    assert Autofill(driver, login, capture).run(time.monotonic() + 5) == "PHNhbWw+"
    assert driver.scripts == 1


class RecordingProcess(subprocess.Popen):
    """A driver process that never exits on its own; records who waited on it, and how long."""

    waits: list

    def wait(self, timeout=None):
        self.waits.append(timeout)
        return super().wait(timeout)


class NoShutdownHandler(http.server.BaseHTTPRequestHandler):
    """geckodriver's HTTP side: ``GET /shutdown`` is not a route (404)."""

    def do_GET(self):
        self.send_error(404)

    def log_message(self, *args):
        pass


def test_a_driver_without_shutdown_is_not_waited_for():
    """geckodriver answers /shutdown with 404 and keeps running: waiting 2 s for it to exit cost
    every Firefox login 2 s. Only the terminate step may wait for it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NoShutdownHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    process = RecordingProcess([sys.executable, "-c", "import time; time.sleep(60)"])
    process.waits = []
    terminated = []

    def terminate():
        terminated.append(list(process.waits))
        process.kill()
        process.wait()

    service = SimpleNamespace(
        service_url=f"http://127.0.0.1:{server.server_port}", process=process, _terminate_process=terminate
    )
    try:
        processes._stop_driver(service)
    finally:
        server.shutdown()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert terminated == [[]]  # terminated without any wait before it


def test_a_capture_that_cannot_connect_is_one_browser_error():
    """Nothing listens where the browser said its protocol was: one BrowserError naming it."""
    from awscli_saml_sso.browser import capture_bidi
    from awscli_saml_sso.errors import BrowserError

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # a port nobody listens on
    endpoints = ("https://signin.aws.amazon.com/saml",)
    with pytest.raises(BrowserError) as err:
        driver = SimpleNamespace(
            capabilities={"webSocketUrl": f"ws://127.0.0.1:{port}/session", "browserVersion": "153.0"}
        )
        capture_bidi.start_capture(driver, endpoints)
    assert str(err.value).startswith("could not guard the SAML endpoints through Firefox 153.0's WebDriver BiDi: ")
    assert "refused" in str(err.value)


def test_a_cdp_capture_on_a_browser_that_is_gone_is_one_browser_error():
    """The browser's end of the DevTools pipe is closed (it died): one BrowserError, no hang."""
    from awscli_saml_sso.browser import capture_cdp, cdp
    from awscli_saml_sso.browser.pagedriver import CdpDriver
    from awscli_saml_sso.errors import BrowserError

    commands_read, commands_write = os.pipe()
    answers_read, answers_write = os.pipe()
    os.close(commands_read)
    os.close(answers_write)  # the browser's ends: gone
    driver = CdpDriver(cdp.Connection(cdp.PipeTransport(commands_write, answers_read)))
    began = time.monotonic()
    with pytest.raises(BrowserError) as err:
        capture_cdp.start_capture(driver, ("https://signin.aws.amazon.com/saml",))
    assert str(err.value).startswith("could not guard the browser's tabs: ")
    # and every later command fails at once: "closed" when the reader saw the end first, "lost"
    # when the write did (a race between the two threads; either is the same end)
    with pytest.raises(cdp.CdpError, match="closed|lost"):
        driver.connection.call("Browser.getVersion", timeout=30)
    assert time.monotonic() - began < 5
    driver.connection.close()
