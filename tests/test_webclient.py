"""webclient: cookies as browsers keep them (loopback counts as secure), proxies from the
environment, bounded bodies; against a real loopback server."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from awscli_saml_sso.sources import webclient


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        type(self).seen.append(self.headers.get("Cookie", ""))
        if self.path == "/set":
            self.send_response(302)
            self.send_header("Location", "/next")
            self.send_header("Set-Cookie", "KC=abc; Path=/; Secure; HttpOnly; SameSite=None")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"x" * (webclient.MAX_BODY + 10) if self.path == "/big" else b"<html>ok</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_secure_cookie_goes_back_to_loopback_http(server):
    client = webclient.WebClient(environ={})
    deadline = time.monotonic() + 10
    first = client.request("GET", server + "/set", deadline)
    assert first.status == 302 and first.location == "/next"
    client.request("GET", server + "/next", deadline)
    assert _Handler.seen[-1] == "KC=abc"


def test_plain_policy_would_not_send_it():
    import http.cookiejar
    import urllib.request

    jar = http.cookiejar.CookieJar()
    cookie = http.cookiejar.Cookie(
        0, "KC", "abc", None, False, "127.0.0.1", True, False, "/", True, True, None, False, None, None, {}
    )
    jar.set_cookie(cookie)
    request = urllib.request.Request("http://127.0.0.1:1/x")
    jar.add_cookie_header(request)
    assert not request.has_header("Cookie")  # what the loopback policy fixes
    ours = webclient.new_jar()
    ours.set_cookie(cookie)
    request = urllib.request.Request("http://127.0.0.1:1/x")
    ours.add_cookie_header(request)
    assert request.get_header("Cookie") == "KC=abc"
    request = urllib.request.Request("http://idp.example/x")
    ours.add_cookie_header(request)
    assert not request.has_header("Cookie")


def test_body_is_bounded(server):
    answer = webclient.WebClient(environ={}).request("GET", server + "/big", time.monotonic() + 10)
    assert answer.truncated and len(answer.body) == webclient.MAX_BODY


def test_unreachable_is_one_line():
    with pytest.raises(webclient.WebError, match="connection refused"):
        webclient.WebClient(environ={}).request("GET", "http://127.0.0.1:9/", time.monotonic() + 5)


def test_proxy_from_environment_and_no_proxy():
    env = {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "localhost,.corp.example,10.0.0.1"}
    assert webclient._proxy_for("https://idp.example/x", env) == "http://proxy:3128"
    assert webclient._proxy_for("https://login.corp.example/x", env) is None
    assert webclient._proxy_for("https://corp.example/x", env) is None
    assert webclient._proxy_for("http://idp.example/x", env) is None  # no HTTP_PROXY
