"""The browser layer against a real headless Chromium and IdP-shaped pages on loopback.

Every test checks three things beyond its own point: the SAMLResponse is byte-exact what the page
posted, the listener standing in for AWS received nothing, and no browser or driver process is
left behind.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # tests/pages, whether or not tests/ is a package

from browserlogins import browser_login
from pages.fixtures import idp, sink  # noqa: F401 - fixtures, used by name
from pages.idp import OTP, USERS
from pages.listeners import RecordingTcp

from awscli_saml_sso.browser import BrowserLogin, autofill, capture_saml_response
from awscli_saml_sso.errors import (
    AuthError,
    BrowserError,
    CaptureTimeout,
    Interrupted,
    MissingAnswerError,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (shutil.which("chromium") or shutil.which("google-chrome")),
        reason="needs Chromium",
    ),
]

PASSWORD = USERS["alice"]


@pytest.fixture(scope="module")
def display():
    """An X display for the visible modes: the one we have, or a private Xvfb."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        pytest.skip("needs an X display or Xvfb")
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    number = xvfb.stdout.readline().decode().strip()
    os.environ["DISPLAY"] = f":{number}"
    try:
        yield os.environ["DISPLAY"]
    finally:
        del os.environ["DISPLAY"]
        xvfb.terminate()
        xvfb.wait(5)


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("SE_OFFLINE", "true")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    monkeypatch.delenv("ASS_SAML_ENDPOINTS", raising=False)
    monkeypatch.delenv("ASS_TEST_HOST_RESOLVER_RULES", raising=False)


@pytest.fixture
def saml(idp, sink):
    """A fresh SAMLResponse value for each test, posted to the recording listener."""
    idp.saml_target = sink.url
    idp.saml_value = base64.b64encode(secrets.token_bytes(3000)).decode()
    sink.requests.clear()
    idp.seen.clear()
    yield idp.saml_value
    time.sleep(0.1)  # a request in flight would land now
    leaked = [(m, p, b[:40], idp.saml_value[:20] in b.decode(errors="replace")) for m, p, b in sink.requests]
    assert leaked == [], "a request reached the listener standing in for AWS"


@pytest.fixture
def make_login(idp, sink, tmp_path):
    profile = tmp_path / "profile"
    messages: list[str] = []

    def make(path: str, **overrides) -> BrowserLogin:
        values = dict(
            idp_url=idp.base + path,
            endpoints=(sink.url,),
            username="alice",
            password=lambda: PASSWORD,
            timeout=20.0,
            profile_dir=profile,
            diagnostics_dir=tmp_path / "diag",
            status=messages.append,
        )
        values.update(overrides)
        return browser_login(**values)

    make.messages = messages
    yield make
    assert leftovers(str(profile)) == []


def leftovers(marker: str) -> list[str]:
    """Browser processes of this test (by profile path) and drivers started by this process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if marker in cmdline or (ppid == os.getpid() and "chromedriver" in cmdline):
            found.append(f"{entry.name}: {cmdline[:120]}")
    return found


# ---- flows that end in a capture ----------------------------------------------------------------


def test_one_page_form_large_response(make_login, saml, idp):
    idp.saml_value = base64.b64encode(secrets.token_bytes(230_000)).decode()  # ~300 KB
    assert len(idp.saml_value) > 300_000
    login = make_login("/a")
    assert capture_saml_response(login) == idp.saml_value
    assert ("POST", "/a") in idp.seen
    assert any("started in" in m for m in make_login.messages)
    assert any("submitting the password" in m for m in make_login.messages)


def test_a_proxy_in_the_environment_is_not_used_for_the_driver_or_devtools(make_login, saml, monkeypatch):
    """Corporate machines set HTTP(S)_PROXY, often without NO_PROXY for 127.0.0.1. The browser's
    DevTools connection is a pipe now (no loopback HTTP to send through a proxy at all), and the
    browser itself bypasses proxies for the loopback IdP: the login works with a dead proxy."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens: any use of it fails
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, dead)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert capture_saml_response(make_login("/a")) == saml


def test_username_then_password_same_document(make_login, saml, monkeypatch, sink):
    monkeypatch.setenv("ASS_SAML_ENDPOINTS", sink.url)  # the environment route for endpoints
    login = make_login("/b", endpoints=())
    assert capture_saml_response(login) == saml
    assert any("submitting the username" in m for m in make_login.messages)


def test_one_time_code(make_login, saml, idp):
    asked = []
    login = make_login("/c", mfa_code=lambda: asked.append(1) or OTP)
    assert capture_saml_response(login) == saml
    assert asked == [1] and idp.codes[-1] == OTP


def test_stay_signed_in(make_login, saml, idp):
    assert capture_saml_response(make_login("/d")) == saml
    assert idp.kmsi_answers[-1] == "yes"


def test_login_in_popup(make_login, saml):
    assert capture_saml_response(make_login("/e")) == saml


def test_fields_without_ids_or_names(make_login, saml):
    asked = []
    login = make_login("/f", password=lambda: asked.append(1) or PASSWORD)
    assert capture_saml_response(login) == saml
    assert asked == [1]


def test_real_aws_url_never_reached(make_login, idp, monkeypatch):
    """The form targets https://signin.aws.amazon.com/saml, resolved to a loopback listener."""
    tcp = RecordingTcp()
    try:
        monkeypatch.setenv("ASS_TEST_HOST_RESOLVER_RULES", f"MAP signin.aws.amazon.com 127.0.0.1:{tcp.port}")
        idp.saml_target = "https://signin.aws.amazon.com/saml"
        idp.saml_value = base64.b64encode(secrets.token_bytes(2000)).decode()
        login = make_login("/a", endpoints=browser_login(idp_url="x").endpoints)
        assert capture_saml_response(login) == idp.saml_value
        time.sleep(0.3)  # a late preconnect would show up here
        assert tcp.connections == []
    finally:
        tcp.close()


def test_manual_mode_fills_nothing(make_login, saml, idp, display):
    messages = []
    login = make_login("/m", mode="manual", password=None, status=messages.append)
    assert capture_saml_response(login) == saml
    assert ("POST", "/a") not in idp.seen
    assert any("log in in the browser window" in m for m in messages)


# ---- failures -----------------------------------------------------------------------------------


def test_wrong_password(make_login, saml, idp):
    calls = []
    login = make_login("/a", password=lambda: calls.append(1) or "nope")
    with pytest.raises(AuthError) as err:
        capture_saml_response(login)
    assert str(err.value) == (
        "the IdP rejected the login (wrong username or password): Incorrect username or password."
    )
    assert calls == [1]
    assert [s for s in idp.seen if s == ("POST", "/a")] == [("POST", "/a")]  # filled once


def test_unknown_user_in_single_page_app(make_login, saml):
    login = make_login("/b", username="mallory")
    with pytest.raises(AuthError, match="couldn't find an account"):
        capture_saml_response(login)


@pytest.mark.parametrize(
    "interruption",
    [
        MissingAnswerError("the IdP password", "--password-stdin"),
        Interrupted(signal.SIGTERM),
        KeyboardInterrupt(),
    ],
)
def test_answers_and_signals_propagate_after_cleanup(make_login, saml, tmp_path, monkeypatch, interruption):
    import tempfile

    scratch = tmp_path / "scratch"  # the throw-away profile lands here and must be removed
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def no_answer() -> str:
        raise interruption

    with pytest.raises(type(interruption)):
        capture_saml_response(make_login("/a", password=no_answer, profile_dir=None))
    assert list(scratch.iterdir()) == []
    assert leftovers(str(scratch)) == []


def test_page_it_cannot_handle(make_login, saml, tmp_path, monkeypatch):
    monkeypatch.setattr(autofill, "STUCK_AFTER", 1.5)
    began = time.monotonic()
    with pytest.raises(BrowserError) as err:
        capture_saml_response(make_login("/h"))
    assert time.monotonic() - began < 10
    diag = tmp_path / "diag"
    files = sorted(diag.iterdir())
    assert [f.suffix for f in files] == [".html", ".png"]
    assert stat.S_IMODE(diag.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert "smart card" in files[0].read_text()
    assert str(files[0]) in str(err.value) and "Certificate" in str(err.value)
    assert "--show-browser" in err.value.hint


def test_timeout_names_the_page_without_its_query(make_login, saml):
    # The browser's start counts against --timeout: leave it time to read the page (which says
    # "approve") before the deadline even on a loaded 2-core machine; 3 s failed 1 run in 3.
    login = make_login("/i?token=SECRET123", timeout=8.0)
    began = time.monotonic()
    with pytest.raises(CaptureTimeout) as err:
        capture_saml_response(login)
    assert 8.0 <= time.monotonic() - began < 16
    assert "/i" in str(err.value) and "SECRET123" not in str(err.value)
    assert any("approve" in m for m in make_login.messages)


def test_no_browser_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    from awscli_saml_sso.browser import drivers

    monkeypatch.setattr(drivers, "KINDS", {k: v for k, v in drivers.KINDS.items()})
    for kind in list(drivers.KINDS):
        monkeypatch.setitem(
            drivers.KINDS, kind, drivers.KINDS[kind].__class__(kind, kind, "none", ("no-such-browser",), ())
        )
    with pytest.raises(BrowserError) as err:
        capture_saml_response(browser_login(idp_url="http://127.0.0.1:9/"))
    assert "apt-get install chromium)" in err.value.hint  # no driver to install for Chromium
