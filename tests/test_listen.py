"""``--listen``: the loopback ACS. Unit tests drive the listener with plain HTTP; the end-to-end
test has a real headless Chromium log in to the real SimpleSAMLphp, which posts to the listener
of the real CLI (a subprocess), and the profile then works against the strict STS."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest

from awscli_saml_sso import loopback
from awscli_saml_sso.errors import CaptureTimeout, UsageError
from awscli_saml_sso.sources import listen


class RecordingUI:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def status(self, message: str) -> None:
        self.lines.append(message)

    def warn(self, message: str) -> None:
        self.lines.append("warning: " + message)

    @contextlib.contextmanager
    def waiting(self, label: str):
        yield


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on ``port`` (Linux /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(
                        socket.inet_ntoa(bytes.fromhex(address)[::-1]) if len(address) == 8 else "ipv6:" + address
                    )
    return found


def oversized_post(port: int, length: int) -> bytes:
    """Announce a huge body, send a little of it: the answer must come without reading it all."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"POST /saml HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: %s\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\nSAMLResponse=AAAA" % (port, IDP_ORIGIN.encode(), length)
        )
        return sock.recv(4096)


IDP_ORIGIN = "https://idp.example"  # the origin of the IdP URL the Listening helper listens for


def form(origin: str | None = IDP_ORIGIN, **fields: str) -> tuple[bytes, dict[str, str]]:
    """A form post as the IdP's page makes it (its ``Origin``), or from ``origin``."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin is not None:
        headers["Origin"] = origin
    return urllib.parse.urlencode(fields).encode(), headers


def wait_listening(port: int, deadline: float = 5.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise AssertionError(f"nothing listens on {port}")


class Listening:
    """``receive_saml_response`` in a thread; ``.result`` / ``.error`` when it returns."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.port, self.ui = port, RecordingUI()
        self.result: str | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(timeout,), daemon=True)
        self.thread.start()
        wait_listening(port)

    def _run(self, timeout: float) -> None:
        try:
            self.result = listen.receive_saml_response("https://idp.example/sso", self.port, timeout, self.ui)
        except BaseException as exc:  # handed to the test
            self.error = exc

    def join(self) -> None:
        self.thread.join(15)
        assert not self.thread.is_alive()


@pytest.fixture(autouse=True)
def _no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(listen.NO_BROWSER_ENV, "1")


def test_stray_requests_are_refused_and_the_real_post_ends_the_wait() -> None:
    port = free_port()
    run = Listening(port)
    assert request(port, "GET", "/saml")[0] == 405
    assert request(port, "GET", "/")[0] == 404
    assert request(port, "POST", "/other", *form(SAMLResponse="x"))[0] == 404
    assert request(port, "POST", "/saml", *form(RelayState="r"))[0] == 400
    assert request(port, "POST", "/saml", b"", {"Content-Type": "text/plain", "Origin": IDP_ORIGIN})[0] == 400
    assert oversized_post(port, listen.MAX_BODY_BYTES + 1).startswith(b"HTTP/1.1 413")
    assert request(port, "POST", "/saml", b"SAMLResponse=x", {"Content-Length": "abc", "Origin": IDP_ORIGIN})[0] == 411
    assert run.thread.is_alive() and run.result is None
    status, page = request(port, "POST", "/saml?x=1", *form(SAMLResponse="PHNhbWw+", RelayState="r"))
    assert status == 200 and b"close this window" in page
    run.join()
    assert run.error is None and run.result == "PHNhbWw+"
    assert f"listening on http://127.0.0.1:{port}/saml" in run.ui.lines
    with pytest.raises(OSError):  # stopped: the port is closed again
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.mark.skipif(sys.platform != "linux", reason="all of 127/8 is loopback on Linux only")
def test_binds_127_0_0_1_only() -> None:
    port = free_port()
    run = Listening(port, timeout=5)
    # Bound to 0.0.0.0 it would answer on 127.0.0.2 (and on every interface) too.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", port), timeout=1).close()
    assert listening_addresses(port) == ["127.0.0.1"]
    request(port, "POST", "/saml", *form(SAMLResponse="done"))
    run.join()


def test_timeout_is_a_capture_timeout_and_frees_the_port() -> None:
    port = free_port()
    with pytest.raises(CaptureTimeout) as caught:
        listen.receive_saml_response("https://idp.example/sso", port, 0.3, RecordingUI())
    assert f"http://127.0.0.1:{port}/saml" in caught.value.hint
    with socket.socket() as s:  # free again
        s.bind(("127.0.0.1", port))


def test_a_second_listen_right_after_the_first_can_bind_again() -> None:
    """Connections of the first run linger in TIME_WAIT on the port; a person who runs
    --listen again within a minute must not be told the port is in use."""
    port = free_port()
    run = Listening(port)
    request(port, "GET", "/saml")  # the listener answers and closes first: TIME_WAIT on its side
    request(port, "POST", "/saml", *form(SAMLResponse="first"))
    run.join()
    again = Listening(port)
    request(port, "POST", "/saml", *form(SAMLResponse="second"))
    again.join()
    assert again.error is None and again.result == "second"


def test_port_in_use_is_a_usage_error_with_a_hint() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(UsageError) as caught:
            listen.receive_saml_response("https://idp.example/sso", port, 1, RecordingUI())
    assert str(caught.value) == f"port {port} is in use"
    assert "--listen OTHER_PORT" in caught.value.hint


def test_opens_the_system_browser_at_the_idp(monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    monkeypatch.delenv(listen.NO_BROWSER_ENV)
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    port = free_port()
    run = Listening(port)
    request(port, "POST", "/saml", *form(SAMLResponse="ok"))
    run.join()
    assert opened == ["https://idp.example/sso"]
    assert "opened the browser at https://idp.example/sso" in run.ui.lines


# -- end to end: real Chromium → real SimpleSAMLphp → the real CLI's listener → strict STS ----
def chromium_login(url: str, username: str, password: str, tmp_path) -> str:
    """Log in at ``url`` with our own small headless Chromium (not the tool's browser layer: the
    tool drives no browser with --listen); return the final page's text."""
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(arg)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    driver = webdriver.Chrome(options=options)
    try:
        driver.get(url)
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.NAME, "password"))
        driver.find_element(By.NAME, "username").send_keys(username)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.NAME, "password").submit()
        WebDriverWait(driver, 30).until(lambda d: "close this window" in d.find_element(By.TAG_NAME, "body").text)
        return driver.find_element(By.TAG_NAME, "body").text
    finally:
        driver.quit()


@pytest.mark.e2e
def test_listen_end_to_end_with_a_real_browser_and_idp(aws, cli_env, home, tmp_path) -> None:
    import boto3

    from devstack import realm

    port = aws.listener_port
    cli_env[listen.NO_BROWSER_ENV] = "1"
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "awscli_saml_sso",
            "--listen",
            str(port),
            "--idp-url",
            aws.listener_idp_url,
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--role-arn",
            realm.ROLE_USER,
            "--timeout",
            "90",
        ],
        env=cli_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        try:
            wait_listening(port, deadline=30)
        except AssertionError:
            if cli.poll() is not None:  # it stopped before listening: show why
                raise AssertionError(f"CLI exited {cli.returncode}: {cli.stderr.read().decode()}") from None
            raise
        assert listening_addresses(port) == ["127.0.0.1"] or sys.platform != "linux"
        # Stray requests first: each refused, none ends the wait.
        assert request(port, "GET", "/saml")[0] == 405
        assert request(port, "POST", "/other", *form(SAMLResponse="x"))[0] == 404
        idp_origin = listen.origin_of(aws.listener_idp_url)
        assert request(port, "POST", "/saml", *form(idp_origin, RelayState="only"))[0] == 400
        # a forged post from another page open in the browser: refused, the wait goes on
        assert request(port, "POST", "/saml", *form("https://evil.example", SAMLResponse="PHNhbWw+"))[0] == 403
        assert cli.poll() is None
        page = chromium_login(aws.listener_idp_url, "aws_user", realm.USERS["aws_user"][0], tmp_path)
        assert "Signed in" in page
        out, err = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 0, err.decode()
    session = boto3.Session(profile_name="saml")
    s3 = session.client("s3", endpoint_url=aws.aws_endpoint_url, region_name="us-east-1")
    assert realm.BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    arn = session.client("sts", endpoint_url=aws.aws_endpoint_url, region_name="us-east-1").get_caller_identity()["Arn"]
    assert arn.endswith(":assumed-role/Role.User/aws_user")


# -- issue 18: forged posts, bounds ------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},  # any page open in the browser
        {"Origin": "null"},  # a sandboxed frame, a data: page
        {"Origin": "http://idp.example"},  # the IdP's host over another scheme
        {"Origin": "https://idp.example:8443"},  # ... or on another port
        {"Referer": "https://evil.example/forge.html"},  # no Origin: the Referer's origin counts
        {},  # neither: the sender is unknown
        {"Origin": IDP_ORIGIN, "Host": "rebound.example:{port}"},  # DNS rebinding: not our Host
    ],
    ids=["other-origin", "null", "other-scheme", "other-port", "referer", "none", "host"],
)
def test_a_forged_post_is_refused_and_the_wait_goes_on(headers) -> None:
    port = free_port()
    run = Listening(port)
    body, base = form(origin=None, SAMLResponse="Rk9SR0VE")
    sent = {**base, **{k: v.format(port=port) for k, v in headers.items()}}
    status, answer = request(port, "POST", "/saml", body, sent)
    assert status == 403, answer
    assert run.thread.is_alive() and run.result is None
    # the IdP's own post, by Origin or (without one) by Referer, is still taken
    referer_only = {"Content-Type": "application/x-www-form-urlencoded", "Referer": IDP_ORIGIN + "/sso/post"}
    real = (
        (body.replace(b"Rk9SR0VE", b"UkVBTA%3D%3D"), referer_only)
        if "Origin" in headers
        else form(SAMLResponse="UkVBTA==")
    )
    assert request(port, "POST", "/saml", *real)[0] == 200
    run.join()
    assert run.error is None and run.result == "UkVBTA=="


def test_an_allowed_second_origin_is_taken(monkeypatch) -> None:
    port = free_port()
    ui, got = RecordingUI(), []
    worker = threading.Thread(
        target=lambda: got.append(
            listen.receive_saml_response(
                "https://idp.example/sso", port, 10, ui, allowed_origins=("https://login.partner.example/",)
            )
        ),
        daemon=True,
    )
    worker.start()
    wait_listening(port)
    assert request(port, "POST", "/saml", *form("https://login.partner.example", SAMLResponse="UA=="))[0] == 200
    worker.join(15)
    assert got == ["UA=="]


def test_a_form_of_too_many_fields_is_a_400_not_a_traceback(capfd) -> None:
    port = free_port()
    run = Listening(port)
    fields = {f"f{i}": "x" for i in range(listen.MAX_FIELDS + 10)}
    status, answer = request(port, "POST", "/saml", *form(SAMLResponse="x", **fields))
    assert status == 400 and b"more than 50 form fields" in answer
    assert run.thread.is_alive()
    request(port, "POST", "/saml", *form(SAMLResponse="ok"))
    run.join()
    assert "Traceback" not in capfd.readouterr().err


def test_connections_are_bounded_in_number() -> None:
    port = free_port()
    run = Listening(port)
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(loopback.MAX_CONNECTIONS)]
    try:
        # one more while every place is held by a client that sends nothing: the oldest is
        # closed for it (the deadline, 30 s, is far away; recv would time out after 10 s)
        assert request(port, "POST", "/saml", *form(SAMLResponse="ok"))[0] == 200
        assert idle[0].recv(100) == b""
    finally:
        for sock in idle:
            sock.close()
    run.join()
    assert run.result == "ok"


def test_the_idp_post_is_answered_at_once_beside_50_idle_connections(capfd) -> None:
    """Issue 22: 20 idle connections of a local process delayed the IdP's post by up to 27.6 s
    (a thread and one of 16 slots each, held until a 30 s deadline)."""
    port = free_port()
    run = Listening(port, timeout=60)
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(50)]
    try:
        for sock in idle[::2]:  # half of them start a request and stall
            sock.sendall(b"POST /saml HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        began = time.monotonic()
        assert request(port, "POST", "/saml", *form(SAMLResponse="ok"))[0] == 200
        took = time.monotonic() - began
    finally:
        for sock in idle:
            sock.close()
    run.join()
    assert run.result == "ok" and took < 1.0, took
    assert "Traceback" not in capfd.readouterr().err


def test_a_slow_connection_is_cut_at_the_deadline(monkeypatch, capfd) -> None:
    monkeypatch.setattr(listen, "CONNECTION_DEADLINE", 1.0)
    port = free_port()
    run = Listening(port)
    with socket.create_connection(("127.0.0.1", port), timeout=12) as slow:
        slow.sendall(b"POST /saml HTTP/1.1\r\n")  # and never the rest
        began = time.monotonic()
        assert slow.recv(100) == b""
        # cut by the deadline (1 s), not by the socket timeout (15 s) nor never
        assert time.monotonic() - began < 10
    assert request(port, "POST", "/saml", *form(SAMLResponse="ok"))[0] == 200
    run.join()
    assert run.result == "ok" and "Traceback" not in capfd.readouterr().err
