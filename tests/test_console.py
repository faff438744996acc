"""``console``: the real CLI (subprocess) against a local federation endpoint that records what
it is asked, as AWS's would be."""

from __future__ import annotations

import ast
import json
import os
import signal
import socket
import stat
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from deliverysupport import run_deliver, write_profile
from pages.serving import QuietHandler, Served

from awscli_saml_sso.delivery import console


class Federation(Served):
    """A loopback stand-in for signin.aws.amazon.com/federation."""

    def __init__(self, status: int = 200, token: str = "TOKEN-abc+/=") -> None:
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        owner = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                owner.requests.append((parts.path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)))
                body = json.dumps({"SigninToken": token}).encode() if status == 200 else b"Bad Request"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._serve(Handler)
        self.url = f"{self.base}/federation"


@pytest.fixture
def federation():
    fed = Federation()
    yield fed
    fed.close()


def test_print_makes_exactly_the_documented_requests(cli_env, federation) -> None:
    creds = write_profile()
    cli_env["ASS_FEDERATION_URL"] = federation.url
    result = run_deliver(["console", "--print"], cli_env)
    assert result.code == 0, result
    assert len(federation.requests) == 1
    path, query = federation.requests[0]
    assert path == "/federation"
    assert set(query) == {"Action", "Session"}  # no SessionDuration: role sessions refuse it
    assert query["Action"] == ["getSigninToken"]
    assert json.loads(query["Session"][0]) == {
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key,
        "sessionToken": creds.session_token,
    }
    url = result.out.strip()
    assert result.out.count("\n") == 1 and url.startswith(federation.url + "?")
    login = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert login == {
        "Action": ["login"],
        "Issuer": ["awscli-saml-sso"],
        "Destination": ["https://console.aws.amazon.com/"],
        "SigninToken": ["TOKEN-abc+/="],
    }
    assert creds.secret_access_key not in result.out + result.err


def test_destination_and_option_override(cli_env, federation) -> None:
    write_profile("work")
    dest = "https://console.aws.amazon.com/s3/home?region=eu-west-1#x"
    result = run_deliver(
        ["console", "--profile", "work", "--print", "--destination", dest, "--federation-url", federation.url], cli_env
    )
    assert result.code == 0, result
    login = urllib.parse.parse_qs(urllib.parse.urlsplit(result.out.strip()).query)
    assert login["Destination"] == [dest]


def test_http_400_means_the_credentials_cannot_be_federated(cli_env) -> None:
    fed = Federation(status=400)
    try:
        write_profile()
        result = run_deliver(["console", "--print", "--federation-url", fed.url], cli_env)
    finally:
        fed.close()
    assert result.code == 5, result
    assert result.out == ""
    assert "refused these credentials (HTTP 400)" in result.err and "expired" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_unreachable_federation_is_a_network_error(cli_env) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    write_profile()
    result = run_deliver(["console", "--print", "--federation-url", f"http://127.0.0.1:{port}/federation"], cli_env)
    assert result.code == 10, result
    assert "cannot reach the AWS federation endpoint" in result.err


def test_expired_profile_is_refused_before_any_request(cli_env, federation) -> None:
    write_profile(minutes_left=-1)
    result = run_deliver(["console", "--print", "--federation-url", federation.url], cli_env)
    assert result.code == 2 and "expired" in result.err, result
    assert federation.requests == []


def test_without_print_the_system_browser_gets_the_url(cli_env, federation, tmp_path) -> None:
    # BROWSER is webbrowser's documented override: a script that records the URL it is given.
    opened = tmp_path / "opened"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    script.chmod(0o755)
    cli_env["BROWSER"] = str(script)
    write_profile()
    result = run_deliver(["console", "--federation-url", federation.url], cli_env)
    assert result.code == 0, result
    assert result.out == ""
    page = urllib.parse.urlsplit(opened.read_text())
    assert page.scheme == "file" and "Action=login" in open(urllib.parse.unquote(page.path)).read()


def test_the_sign_in_token_is_on_no_command_line(cli_env, federation, tmp_path) -> None:
    """Issue 18: webbrowser.open(url) put the token in the launcher's argv, which every local
    user can read in /proc. The fake launcher records its argv and every process's command line
    while the CLI waits for it."""
    seen = tmp_path / "seen"
    script = tmp_path / "browser.py"
    script.write_text(
        "import os, sys\n"
        f"out = open({str(seen)!r}, 'wb')\n"
        "out.write(b'ARGV ' + repr(sys.argv).encode() + b'\\n')\n"
        "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "    try:\n"
        "        out.write(open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\\0', b' ') + b'\\n')\n"
        "    except OSError:\n"
        "        pass\n"
    )
    cli_env["BROWSER"] = f"{sys.executable} {script} %s"
    write_profile()
    result = run_deliver(["console", "--federation-url", federation.url], cli_env)
    assert result.code == 0, result
    recorded = seen.read_bytes()
    assert b"ARGV" in recorded and b"file://" in recorded and len(recorded.splitlines()) > 3
    for form in (b"TOKEN-abc", b"SigninToken"):
        assert form not in recorded
    argv = ast.literal_eval(recorded.splitlines()[0].decode()[len("ARGV ") :])
    page = Path(urllib.parse.unquote(urllib.parse.urlsplit(argv[-1]).path))
    st = page.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600 and stat.S_IMODE(page.parent.stat().st_mode) == 0o700
    assert "SigninToken=TOKEN-abc%2B%2F%3D" in page.read_text()
    assert "location.replace(" in page.read_text()


def test_the_sign_in_page_cannot_be_broken_out_of() -> None:
    url = 'https://x.example/?a="><script>alert(1)</script>&b=</script>'
    page = console.signin_page(url).decode()
    assert "<script>alert(1)" not in page and page.count("</script>") == 1
    assert 'content="0;url=https://x.example/?a=&quot;&gt;&lt;script&gt;' in page


@pytest.mark.parametrize(
    ("role_arn", "federation_url", "console_url"),
    [
        ("arn:aws:iam::1:role/R", "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"),
        (
            "arn:aws-us-gov:iam::1:role/R",
            "https://signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com/",
        ),
        ("arn:aws-cn:iam::1:role/R", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"),
        (None, "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"),
    ],
)
def test_partition_endpoints(role_arn, federation_url, console_url) -> None:
    assert console.endpoints(console.partition_of(role_arn), None, None) == (federation_url, console_url)


# -- issue 22: the sign-in page (a token valid 15 minutes) does not stay ---------------------------
def _cleaners_of(page: Path) -> list[tuple[int, list[str]]]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(page).encode() in argv:
            found.append((int(pid), [a.decode() for a in argv if a]))
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_console_leaves_a_detached_clean_up_of_one_minute_at_most(cli_env, federation, tmp_path) -> None:
    opened = tmp_path / "opened"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    script.chmod(0o755)
    cli_env["BROWSER"] = str(script)
    write_profile()
    began = time.time()
    result = run_deliver(["console", "--federation-url", federation.url], cli_env)  # returns: no pipe of ours held
    assert result.code == 0, result
    page = Path(urllib.parse.unquote(urllib.parse.urlsplit(opened.read_text()).path))
    assert page.exists()  # the browser reads it after the command has exited
    cleaners = _cleaners_of(page)
    try:
        assert len(cleaners) == 1, cleaners
        pid, argv = cleaners[0]
        assert began + 55 < float(argv[-1]) <= time.time() + console.PAGE_LIFETIME  # removed within 60 s
        assert os.getsid(pid) == pid  # its own session: a terminal's hang-up does not end it early
    finally:
        for pid, _ in cleaners:
            os.kill(pid, signal.SIGTERM)  # the test's own: it would end by itself within a minute


def test_the_clean_up_removes_the_page_and_ends(tmp_path) -> None:
    environ = {"ASS_HOME": str(tmp_path / "home")}
    page = console.write_signin_page(environ, "https://signin.example/?SigninToken=T", lifetime=0.5)
    deadline = time.monotonic() + 30
    while page.exists() and time.monotonic() < deadline:  # polling for the outcome, bounded
        time.sleep(0.05)
    assert not page.exists()
    while _cleaners_of(page) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _cleaners_of(page) == []


def test_the_next_run_removes_pages_older_than_a_minute(tmp_path) -> None:
    environ = {"ASS_HOME": str(tmp_path / "home")}
    old = console.write_signin_page(environ, "https://signin.example/?SigninToken=OLD")
    os.utime(old, (time.time() - 61, time.time() - 61))  # its clean-up was killed, say
    new = console.write_signin_page(environ, "https://signin.example/?SigninToken=NEW")
    assert not old.exists() and new.exists()
    for path in (old, new):
        for pid, _ in _cleaners_of(path):
            os.kill(pid, signal.SIGTERM)


def test_logout_removes_every_sign_in_page(cli_env) -> None:
    write_profile()
    pages = [console.write_signin_page(cli_env, f"https://signin.example/?SigninToken={n}") for n in "AB"]
    result = run_deliver(["logout", "--all"], cli_env)
    assert result.code == 0, result
    assert not any(page.exists() for page in pages)
    assert "removed 2 console sign-in page(s)" in result.err + result.out, result
    for page in pages:
        for pid, _ in _cleaners_of(page):
            os.kill(pid, signal.SIGTERM)
