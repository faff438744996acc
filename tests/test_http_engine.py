"""--engine auto|http end to end: the real CLI, the real SimpleSAMLphp (and Keycloak through
``idp_aws``), the strict STS; no browser started where the pages are plain HTML, the browser
taking over where a page needs script, the IdP's session kept between runs in a private jar."""

from __future__ import annotations

import http.server
import os
import stat
import threading
from pathlib import Path

import boto3
import pytest
from clirun import run_cli

from awscli_saml_sso import cookiestore
from devstack import realm

NO_BROWSER = "/nonexistent/no-browser-here"  # a browser start would fail at once on this path


def caller_arn(aws) -> str:
    session = boto3.Session(profile_name="saml")
    return session.client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]


def login(aws, env, user, *extra, password=None):
    args = ["--idp-url", aws.idp_url, "--username", user, "--password-stdin"]
    args += ["--endpoint-url", aws.aws_endpoint_url, "--timeout", "60", *extra]
    return run_cli(args, env=env, stdin=(password or realm.USERS[user][0]) + "\n")


@pytest.fixture
def env(cli_env):
    return {**cli_env, "ASS_ENGINE": "auto"}


def test_http_engine_logs_in_without_a_browser(idp_aws, env, home):
    result = login(idp_aws, env, "aws_user", "--engine", "http", "--browser-path", NO_BROWSER)
    assert result.code == 0, result
    assert caller_arn(idp_aws).endswith(":assumed-role/Role.User/aws_user")


def test_wrong_password_over_http_is_the_idps_sentence_posted_once(idp_aws, env, home):
    result = login(idp_aws, env, "aws_user", "--browser-path", NO_BROWSER, password="wrong")
    assert result.code == 3, result
    assert "rejected" in result.err and ("Incorrect username or password" in result.err or "Invalid" in result.err)
    assert "Traceback" not in result.err


def test_auto_is_the_default_and_needs_no_browser_on_plain_pages(aws, env, home):
    env = {k: v for k, v in env.items() if k != "ASS_ENGINE"}
    result = login(aws, env, "aws_admin", "--role-selection", "1", "--browser-path", NO_BROWSER)
    assert result.code == 0, result


def test_stored_idp_keeps_its_session_in_a_private_jar(remembering_idp, env, home):
    aws = remembering_idp
    env = {**env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    added = run_cli(["idp", "add", "dev", "--url", aws.idp_url, "--username", "aws_user"], env=env)
    assert added.code == 0, added
    args = ["--idp-nickname", "dev", "--endpoint-url", aws.aws_endpoint_url, "--browser-path", NO_BROWSER]
    first = run_cli([*args, "--password-stdin"], env=env, stdin="aws_user\n")
    assert first.code == 0, first
    jar = cookiestore.jar_path(env, "dev")
    assert stat.S_IMODE(jar.stat().st_mode) == 0o600 and stat.S_IMODE(jar.parent.stat().st_mode) == 0o700
    assert cookiestore.load_records(jar)
    # no password at hand at all: only the live IdP session can log in
    second = run_cli([*args, "--force"], env=env)
    assert second.code == 0, second
    out = run_cli(["logout", "--all"], env=env)
    assert out.code == 0, out
    assert not jar.exists()


class _ScriptedLogin(http.server.BaseHTTPRequestHandler):
    """An identifier-first page whose form script adds a field before posting: the browser's
    work, never plain HTTP's. It then sends the person on to the real IdP."""

    target = ""
    posts: list[bytes] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = (
            b"<html><body><form method=post action='/login' onsubmit='this.p.value = btoa(this.username.value)'>"
            b"<input name=username autocomplete=username><input type=hidden name=p>"
            b"<button type=submit>Next</button></form></body></html>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        type(self).posts.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(303)
        self.send_header("Location", type(self).target)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def scripted_idp():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedLogin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _ScriptedLogin.posts = []
    yield f"http://127.0.0.1:{server.server_address[1]}/start"
    server.shutdown()
    server.server_close()


def test_http_engine_names_the_page_that_needs_a_browser(scripted_idp, env, home):
    result = run_cli(
        ["--idp-url", scripted_idp, "--username", "u", "--password-stdin", "--engine", "http", "--timeout", "20"],
        env=env,
        stdin="secret\n",
    )
    assert result.code == 6, result
    assert "needs a browser" in result.err and "submit handler runs script" in result.err
    assert _ScriptedLogin.posts == []  # nothing was posted over HTTP


def test_auto_hands_a_scripted_form_to_the_browser_and_remembers(scripted_idp, aws, env, home):
    from awscli_saml_sso.origins import origin_of

    _ScriptedLogin.target = aws.idp_url  # after the scripted page, the real IdP's login
    add = ["idp", "add", "dev", "--url", scripted_idp, "--username", "aws_user"]
    assert run_cli([*add, "--allow-origin", origin_of(aws.idp_url)], env=env).code == 0
    result = run_cli(
        ["--idp-nickname", "dev", "--password-stdin", "--timeout", "60", "--endpoint-url", aws.aws_endpoint_url],
        env=env,
        stdin="aws_user\n",
    )
    assert result.code == 0, result
    (posted,) = _ScriptedLogin.posts  # posted once, by the browser, with the script's field
    assert b"p=YXdzX3VzZXI%3D" in posted
    assert '"engine": "browser"' in (Path(env["ASS_HOME"]) / "idps.json").read_text()


def test_engine_is_stored_per_idp(env, home):
    added = run_cli(["idp", "add", "w", "--url", "https://idp.example/x", "--engine", "browser"], env=env)
    assert added.code == 0, added
    assert '"engine": "browser"' in (Path(env["ASS_HOME"]) / "idps.json").read_text()
    back = run_cli(["idp", "set", "w", "--engine", "auto"], env=env)
    assert back.code == 0, back
    assert '"engine"' not in (Path(env["ASS_HOME"]) / "idps.json").read_text()
    assert os.environ.get("ASS_ENGINE") == "browser"  # the other tests' default is untouched


def test_keycloak_one_time_code_over_http(keycloak_aws, env, home):
    from stackfixtures import KC_OTP_USER
    from test_e2e_keycloak import fresh_code

    aws = keycloak_aws
    args = ["--engine", "http", "--browser-path", NO_BROWSER, "--mfa-code", fresh_code()]
    result = login(aws, env, KC_OTP_USER, *args, password=KC_OTP_USER)
    assert result.code == 0, result
    assert caller_arn(aws).endswith(f":assumed-role/Role.User/{KC_OTP_USER}")
    right = fresh_code()
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    again = login(aws, env, KC_OTP_USER, "--engine", "http", "--browser-path", NO_BROWSER, "--mfa-code", wrong,
                  "--force", password=KC_OTP_USER)  # fmt: skip
    assert again.code == 3 and "IdP rejected" in again.err, again


class _ConsentIdp(http.server.BaseHTTPRequestHandler):
    """A plain login form (posted over HTTP), then a Shibboleth-style attribute-release page (the
    browser's: the HTTP engine leaves consent to it), then the SAML auto-post. The session cookie
    set at the start is required at every step: the browser must have been handed it."""

    response = ""
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def _page(self, body: str, cookie: str | None = None) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _session_ok(self) -> bool:
        if "idpsession=live" not in (self.headers.get("Cookie") or ""):
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        return True

    def do_GET(self):
        type(self).hits.append(f"GET {self.path}")
        if self.path == "/start":
            form = (
                "<html><head><title>Sign in</title></head><body><form method=post action='/login'>"
                "<label>Username <input name=j_username autocomplete=username></label>"
                "<label>Password <input type=password name=j_password></label>"
                "<button type=submit name=_eventId_proceed>Login</button></form></body></html>"
            )
            self._page(form, "idpsession=live; Path=/; HttpOnly")
        elif self._session_ok():
            self._page("<html><body>a reload: not expected</body></html>")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).hits.append(f"POST {self.path} {body.decode(errors='replace')}")
        if not self._session_ok():
            return
        if self.path == "/login":
            self._page(
                "<html><head><title>Information Release</title></head><body>"
                "<h2>Information to be Provided to Service</h2>"
                "<form method=post action='/consent'><table><tr><td>uid</td><td>aws_user</td></tr>"
                "<tr><td>Role</td><td>Role.User</td></tr></table>"
                "<label><input type=radio name=_shib_idp_consentOptions value=_shib_idp_doNotRememberConsent>"
                " Ask me again at next login</label>"
                "<label><input type=radio name=_shib_idp_consentOptions value=_shib_idp_rememberConsent checked>"
                " Ask me again if information changes</label>"
                "<input type=submit name=_eventId_AttributeReleaseRejected value='Reject'>"
                "<input type=submit name=_eventId_proceed value='Accept'></form>"
                "<script>document.title = document.title;</script></body></html>"
            )
        else:
            self._page(
                "<html><body onload='document.forms[0].submit()'>"
                "<form method=post action='https://signin.aws.amazon.com/saml'>"
                f"<input type=hidden name=SAMLResponse value='{type(self).response}'>"
                "<noscript><input type=submit value=Continue></noscript></form></body></html>"
            )


def test_auto_hands_the_page_it_received_to_the_browser_nothing_posted_twice(aws, env, home):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ConsentIdp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _ConsentIdp.hits, _ConsentIdp.response = [], aws.saml_response_for("aws_user")
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/start"
        result = run_cli(
            ["--idp-url", url, "--username", "aws_user", "--password-stdin", "--timeout", "60"]
            + ["--endpoint-url", aws.aws_endpoint_url],
            env=env,
            stdin="pw-only-once\n",
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 0, (result, _ConsentIdp.hits)
    logins = [h for h in _ConsentIdp.hits if h.startswith("POST /login")]
    assert len(logins) == 1 and "pw-only-once" in logins[0]  # over HTTP, once
    assert "GET /login" not in _ConsentIdp.hits  # the browser was given the page, it did not ask again
    (consent,) = [h for h in _ConsentIdp.hits if h.startswith("POST /consent")]
    assert "_eventId_proceed=Accept" in consent and "rememberConsent" in consent  # the page's default
    assert caller_arn(aws).endswith(":assumed-role/Role.User/aws_user")
