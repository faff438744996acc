"""Network hygiene (issue 8, part 5), through the real CLI.

* The captured SAML POST never reaches AWS, from a popup too: the AWS sign-in host resolves to
  a loopback trap that must see no connection.
* ``--listen`` binds 127.0.0.1 only, keeps waiting through junk, stops after one valid assertion.
* Every host contacted during a real login is recorded: the CLI and Chromium get a recording
  proxy (HTTP_PROXY/HTTPS_PROXY; loopback excluded by NO_PROXY and by Chromium's implicit
  loopback bypass), and Chromium's resolver resolves nothing but 127.0.0.1 (``MAP * ~NOTFOUND,
  EXCLUDE 127.0.0.1``). The login succeeds (so it needed no other host) and the proxy saw
  nothing (so none was tried through it). See docs/security.md for what this does not prove.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.parse

import pytest
from hostile import fakes
from hostile.harness import Cli, ProcessWatch, run_cli, short_tmpdir, wait_for
from pages.idp import USERS, IdpServer
from pages.listeners import RecordingProxy, RecordingTcp

assert short_tmpdir  # a fixture, used by name below


@pytest.fixture
def env(cli_env, short_tmpdir):
    env = dict(cli_env, TMPDIR=str(short_tmpdir))
    watch = ProcessWatch(env, [str(short_tmpdir)])
    yield env, watch
    watch.kill_all()


@pytest.mark.browser  # a real Chromium
def test_popup_post_never_reaches_aws(env, reliability):
    env, watch = env
    reliability.tried("network", "popup")
    trap = RecordingTcp()
    idp = IdpServer()
    idp.saml_target = "https://signin.aws.amazon.com/saml"
    idp.saml_value = fakes.saml_b64()
    sts = fakes.FakeSts("ok")
    env["ASS_TEST_HOST_RESOLVER_RULES"] = f"MAP signin.aws.amazon.com 127.0.0.1:{trap.port}"
    try:
        run = run_cli(
            [
                "--idp-url",
                idp.base + "/e",
                "--username",
                "alice",
                "--password-stdin",
                "--endpoint-url",
                sts.url,
                "--no-verify",
                "--timeout",
                "30",
            ],
            env,
            stdin=USERS["alice"] + "\n",
            timeout=60,
        )
        time.sleep(0.3)  # a late preconnect would show here
    finally:
        idp.close()
        sts.close()
        trap.close()
    assert run.code == 0, run
    assert ("GET", "/e") in idp.seen  # the popup opener was used
    assert trap.connections == []
    watch.assert_none_left()


def _listening(port: int) -> list[str]:
    found = []
    for table, family in (("/proc/net/tcp", "v4"), ("/proc/net/tcp6", "v6")):
        with open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]) if family == "v4" else "v6:" + address)
    return found


def _post(port: int, body: bytes, origin: str = "http://127.0.0.1:9") -> int:
    """A form post as the IdP's page makes it: ``Origin`` is the IdP's (``--idp-url``'s) origin."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(
            "POST", "/saml", body=body, headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
        )
        return conn.getresponse().status
    finally:
        conn.close()


def test_listen_binds_loopback_only_and_stops_after_one_assertion(env, reliability):
    env, _ = env
    reliability.tried("network", "--listen")
    port = fakes.closed_port()
    env["ASS_LISTEN_NO_BROWSER"] = "1"
    sts = fakes.FakeSts("ok")
    try:
        cli = Cli(
            [
                "--listen",
                str(port),
                "--idp-url",
                "http://127.0.0.1:9/sso",
                "--endpoint-url",
                sts.url,
                "--no-verify",
                "--timeout",
                "20",
            ],
            env,
        )
        wait_for(lambda: _listening(port), 10, "the listener")
        assert _listening(port) == ["127.0.0.1"]
        assert _post(port, b"RelayState=x") == 400  # junk: refused, still waiting
        assert _post(port, b"SAMLResponse=x", origin="https://evil.example") == 403  # forged: refused
        assert _post(port, b"SAMLResponse=" + urllib.parse.quote(fakes.saml_b64()).encode()) == 200
        run = cli.wait(20)
    finally:
        sts.close()
    assert run.code == 0, run
    assert _listening(port) == []
    with pytest.raises(OSError):
        _post(port, b"SAMLResponse=x")


CHROMIUM_RESIDUAL = {"update.googleapis.com", "accounts.google.com", "start.duckduckgo.com"}


def _host(asked: str) -> str:
    target = asked.split()[1]
    if "://" in target:
        target = target.split("://", 1)[1]
    return target.split("/", 1)[0].rsplit(":", 1)[0]


@pytest.mark.browser  # a real Chromium
def test_a_login_contacts_no_host_but_the_idp_and_sts(aws, env, home, reliability):
    """Real browser, real SimpleSAMLphp, strict STS, all on loopback: nothing else is needed
    (the resolver knows no other host) and nothing else is tried (the proxy saw nothing but
    Chromium's own residual, pinned above)."""
    env, watch = env
    reliability.tried("network", "hosts contacted")
    proxy = RecordingProxy()
    env.update(
        {
            "HTTP_PROXY": proxy.url,
            "HTTPS_PROXY": proxy.url,
            "http_proxy": proxy.url,
            "https_proxy": proxy.url,
            "ALL_PROXY": proxy.url,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "ASS_TEST_HOST_RESOLVER_RULES": "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        }
    )
    try:
        run = run_cli(
            [
                "--idp-url",
                aws.idp_url,
                "--username",
                "aws_user",
                "--password-stdin",
                "--endpoint-url",
                aws.aws_endpoint_url,
                "--timeout",
                "60",
            ],
            env,
            stdin="aws_user\n",
            timeout=90,
        )
        time.sleep(0.5)
    finally:
        proxy.close()
    assert run.code == 0, run
    assert "assumed-role/Role.User/aws_user" in run.err
    unexpected = [a[:90] for a in proxy.asked if _host(a) not in CHROMIUM_RESIDUAL]
    assert unexpected == [], "hosts tried through the proxy:\n" + "\n".join(unexpected)
    plain = [a[:90] for a in proxy.asked if not a.startswith("CONNECT ") and "/service/update2/" not in a]
    assert plain == [], "readable requests through the proxy:\n" + "\n".join(plain)
    watch.assert_none_left()


@pytest.mark.browser  # a real Chromium
def test_the_proxy_recorder_does_record(env, reliability):
    """The recorder itself: a browser login to a non-loopback IdP goes to the proxy (so an empty
    record above means something)."""
    env, watch = env
    proxy = RecordingProxy()
    env.update(
        {
            "HTTP_PROXY": proxy.url,
            "HTTPS_PROXY": proxy.url,
            "http_proxy": proxy.url,
            "https_proxy": proxy.url,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "ASS_TEST_HOST_RESOLVER_RULES": "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        }
    )
    try:
        run = run_cli(
            ["--idp-url", "http://idp.example.test/sso", "--username", "a", "--password-stdin", "--timeout", "5"],
            env,
            stdin="pw\n",
            timeout=60,
        )
    finally:
        proxy.close()
    assert run.code != 0, run
    assert any("idp.example.test" in line for line in proxy.asked), proxy.asked
    watch.assert_none_left()


@pytest.mark.browser  # a real Chromium
def test_a_corporate_proxy_without_localhost_exemption_still_works(env, reliability):
    env, watch = env
    reliability.tried("network", "proxy without a localhost exemption")
    proxy = RecordingProxy()
    idp = fakes.SilentServer()
    env.update(
        {
            "HTTP_PROXY": proxy.url,
            "HTTPS_PROXY": proxy.url,
            "http_proxy": proxy.url,
            "https_proxy": proxy.url,
            "NO_PROXY": "127.0.0.1",
            "no_proxy": "127.0.0.1",
        }
    )
    try:
        run = run_cli(
            ["--idp-url", idp.url + "/sso", "--username", "a", "--password-stdin", "--timeout", "3"],
            env,
            stdin="pw\n",
            timeout=60,
        )
    finally:
        proxy.close()
        idp.close()
    assert idp.connections, f"the browser never reached the IdP\n{run}"
    assert not [line for line in proxy.asked if "localhost" in line], [
        line for line in proxy.asked if "localhost" in line
    ]
    watch.assert_none_left()
