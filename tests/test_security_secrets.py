"""Secrets never leave where they belong (issue 8, part 4).

Every path that handles a secret is run through the real CLI at ``--log-level DEBUG`` under a
permissive umask (0o000), and everything it wrote is scanned: stdout (except where stdout *is*
the data: ``env``, ``credential-process``), stderr (progress and logs go there), the
diagnostics directory, the stored-IdP file, the tool home (but the credential-process cache,
which holds keys by design), the persistent browser profile. Looked for: the access key id,
secret key, session token, the SAML assertion (base64, slices of it, and a distinctive piece of
its XML), the IdP password. Then the modes: every file the tool created is 0600, every
directory 0700 (inside a browser profile, Chromium's own files are covered by the 0700 profile
directory).
"""

from __future__ import annotations

import base64
import html
import json
import os
import stat
from pathlib import Path

import pytest
from hostile import fakes
from hostile import harness as hostile_harness
from hostile.harness import ProcessWatch, assert_no_secrets, assert_no_secrets_in_tree, run_cli, short_tmpdir
from pages.idp import USERS, IdpServer
from pages.listeners import RecordingTcp
from pages.serving import QuietHandler, Served, send

assert short_tmpdir  # a fixture, used by name below
UMASK = 0o000
PASSWORD = USERS["alice"]


def assertion_secrets(b64: str, xml_marker: str) -> dict[str, str]:
    """The assertion whole, four 48-character slices of it (a truncated leak is still a leak),
    and a piece of its XML."""
    found = {"assertion (base64)": b64, "assertion (XML)": xml_marker}
    step = max(1, (len(b64) - 48) // 4)
    for n in range(4):
        found[f"assertion slice {n}"] = b64[n * step + 10 : n * step + 58]
    return found


def key_secrets(creds: dict[str, str]) -> dict[str, str]:
    return {
        "access key id": creds["AccessKeyId"],
        "secret key": creds["SecretAccessKey"],
        "session token": creds["SessionToken"],
        "session token (head)": creds["SessionToken"][:40],
    }


def credentials_in_file(path: Path, profile: str = "saml") -> dict[str, str]:
    import configparser

    parser = configparser.RawConfigParser()
    parser.read(path)
    return {
        "AccessKeyId": parser.get(profile, "aws_access_key_id"),
        "SecretAccessKey": parser.get(profile, "aws_secret_access_key"),
        "SessionToken": parser.get(profile, "aws_session_token"),
    }


def assert_private_tree(
    root: Path, allow_inside: tuple[str, ...] = ("browser-profiles",), skip_top: tuple[str, ...] = ()
) -> int:
    """Every directory 0700 and every file 0600 under ``root`` (which the tool created); inside
    ``allow_inside`` only the top directories are checked. Returns how many entries were checked."""
    checked = 0
    for path in [root, *root.rglob("*")]:
        rel = path.relative_to(root).parts
        if rel and rel[0] in allow_inside and len(rel) > 2 or rel in [(top,) for top in skip_top]:
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_symlink():
            continue
        wanted = 0o700 if path.is_dir() else 0o600
        assert mode == wanted, f"{path} is {oct(mode)}, not {oct(wanted)}"
        checked += 1
    return checked


@pytest.fixture
def env(cli_env, tmp_path, short_tmpdir):
    return dict(
        cli_env,
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        TMPDIR=str(short_tmpdir),
    )


@pytest.fixture
def aws_trap(env):
    """The AWS sign-in host resolves to a loopback listener for the browser: it must see nothing."""
    trap = RecordingTcp()
    env["ASS_TEST_HOST_RESOLVER_RULES"] = f"MAP signin.aws.amazon.com 127.0.0.1:{trap.port}"
    yield trap
    trap.close()


def _is_session_restore(path: Path) -> bool:
    """Chromium's session-restore files in a persistent browser profile: they hold the SAML POST
    (reported; see test_persistent_browser_profile_keeps_no_assertion)."""
    return "browser-profiles" in path.parts and (
        "Sessions" in path.parts or "Session" in path.name or "Tabs" in path.name
    )


def _scan_home(home: Path, secrets: dict[str, str], where: str, session_files: bool = False) -> int:
    """Everything in HOME but the credentials file and the cache (which hold keys by design)."""

    def skip(path: Path) -> bool:
        if not session_files and _is_session_restore(path):
            return True
        return path.name == "credentials" and path.parent.name == ".aws" or "cache" in path.parts

    return assert_no_secrets_in_tree(home, secrets, skip)


# -- login with a --saml-response from the real IdP, strict STS ---------------------------------
def test_saml_response_login_at_debug_leaks_nothing(aws, env, home, tmp_path, reliability):
    b64 = aws.saml_response_for("aws_user")
    xml = base64.b64decode(b64).decode()
    marker = xml[xml.index("<ds:SignatureValue>") + 19 :][:40]  # unique to this assertion
    response = tmp_path / "response"
    response.write_text(b64)
    run = run_cli(
        ["--log-level", "DEBUG", "--saml-response", str(response), "--endpoint-url", aws.aws_endpoint_url],
        env,
        umask=UMASK,
    )
    assert run.code == 0, run
    assert "DEBUG" in run.err  # the scan looks at real debug output
    secrets = {**assertion_secrets(b64, marker), **key_secrets(credentials_in_file(home / ".aws" / "credentials"))}
    assert_no_secrets("stdout+stderr", run.out + run.err, secrets)
    _scan_home(home, secrets, "home")
    reliability.tried("secret-scan", "saml-response login", count=len(secrets))
    assert_private_tree(home / ".aws")


# -- a real browser, a loopback IdP with a distinctive password, fake STS ------------------------
@pytest.fixture
def loopback_idp():
    server = IdpServer()
    server.saml_target = "https://signin.aws.amazon.com/saml"
    server.saml_value = fakes.saml_b64()
    yield server
    server.close()


@pytest.mark.browser  # a real Chromium
def test_browser_login_at_debug_leaks_nothing(loopback_idp, env, home, aws_trap, tmp_path, reliability):
    sts = fakes.FakeSts("ok")
    watch = ProcessWatch(env, [env["TMPDIR"]])
    try:
        run = run_cli(
            [
                "--log-level",
                "DEBUG",
                "--idp-url",
                loopback_idp.base + "/a",
                "--username",
                "alice",
                "--password-stdin",
                "--endpoint-url",
                sts.url,
                "--timeout",
                "30",
            ],
            env,
            stdin=PASSWORD + "\n",
            umask=UMASK,
            timeout=60,
        )
    finally:
        sts.close()
    assert run.code == 0, run
    secrets = {
        "password": PASSWORD,
        **assertion_secrets(loopback_idp.saml_value, fakes.ASSERTION_MARKER),
        **key_secrets(sts.issued[0]),
    }
    assert_no_secrets("stdout+stderr", run.out + run.err, secrets)
    _scan_home(home, secrets, "home")
    assert_no_secrets_in_tree(Path(env["TMPDIR"]), secrets)
    assert aws_trap.connections == []
    watch.assert_none_left()
    reliability.tried("secret-scan", "browser login", count=len(secrets))
    assert_private_tree(home / ".aws")


class EchoingIdp(Served):
    """A hostile IdP page: after the login it shows the password back, and never posts SAML.
    The tool gives up and saves diagnostics, which must not contain the password."""

    def __init__(self) -> None:
        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._send(
                    '<form method="post" action="/login"><label for=u>Username</label><input id=u name=u>'
                    "<label for=p>Password</label><input id=p name=p type=password>"
                    "<button type=submit>Sign in</button></form>"
                )

            def do_POST(self) -> None:
                from urllib.parse import parse_qs

                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                typed = html.escape(form.get("p", [""])[0])
                self._send(
                    f"<h1>Scan your badge</h1><p>Your password {typed} is about to expire</p>"
                    # disabled: no field to fill, so the tool is stuck here (a password
                    # field it could fill would be a rejected login, exit 3, no diagnostics)
                    f'<input type=password value="{typed}" disabled><div data-x="{typed}"></div>'
                )

            def _send(self, body: str) -> None:
                send(self, 200, f"<!doctype html><html><body>{body}</body></html>")

        self._serve(Handler)
        self.url = f"{self.base}/"


@pytest.mark.browser  # a real Chromium
def test_failed_login_diagnostics_hold_no_password(env, home, reliability):
    idp = EchoingIdp()
    watch = ProcessWatch(env, [env["TMPDIR"]])
    try:
        run = run_cli(
            ["--log-level", "DEBUG", "--idp-url", idp.url, "--username", "alice", "--password-stdin", "--timeout", "4"],
            env,
            stdin=PASSWORD + "\n",
            umask=UMASK,
            timeout=60,
        )
    finally:
        idp.close()
    assert run.code in (6, 7), run  # a page it cannot handle, or no SAML response in time
    diagnostics = home / ".awscli_saml_sso" / "diagnostics"
    scanned = assert_no_secrets_in_tree(diagnostics, {"password": PASSWORD})
    assert_no_secrets("stderr", run.err, {"password": PASSWORD})
    watch.assert_none_left()
    if run.code == 6:  # diagnostics are promised for pages it cannot handle
        assert scanned >= 1, f"no diagnostics saved\n{run}"
        assert_private_tree(diagnostics)
    reliability.tried("secret-scan", "diagnostics", count=1)


# -- stored IdP, credential-process, exec, env, console ----------------------------------------
@pytest.mark.browser  # a real Chromium
def test_stored_idp_and_delivery_paths_leak_nothing(loopback_idp, env, home, aws_trap, tmp_path, reliability):
    sts = fakes.FakeSts("ok")
    federation = fakes.Federation()
    watch = ProcessWatch(env, [env["TMPDIR"], str(home)])
    try:
        add = run_cli(
            ["idp", "add", "corp", "--url", loopback_idp.base + "/a", "--username", "alice", "--password-stdin"],
            env,
            stdin=PASSWORD + "\n",
            umask=UMASK,
        )
        assert add.code == 0, add
        idps_file = home / ".awscli_saml_sso" / "idps.json"
        assert_no_secrets("idps.json", idps_file.read_bytes(), {"password": PASSWORD})
        base = ["--log-level", "DEBUG"]
        process = run_cli(
            [
                "credential-process",
                *base,
                "--idp-nickname",
                "corp",
                "--endpoint-url",
                sts.url,
                "--profile",
                "saml",
                "--timeout",
                "30",
            ],
            env,
            umask=UMASK,
            timeout=60,
        )
        assert process.code == 0, process
        assert json.loads(process.out)["AccessKeyId"] == sts.issued[0]["AccessKeyId"]
        cached = run_cli(
            ["credential-process", *base, "--idp-nickname", "corp", "--endpoint-url", sts.url, "--profile", "saml"],
            env,
            umask=UMASK,
        )
        assert cached.code == 0 and len(sts.issued) == 1, cached
        exec_run = run_cli(
            ["exec", *base, "--profile", "saml", "--", "sh", "-c", 'test -n "$AWS_SESSION_TOKEN"'], env, umask=UMASK
        )
        assert exec_run.code == 0, exec_run
        env_run = run_cli(["env", *base, "--profile", "saml"], env, umask=UMASK)
        assert env_run.code == 0 and sts.issued[0]["SessionToken"] in env_run.out, env_run
        console = run_cli(
            ["console", *base, "--profile", "saml", "--print", "--federation-url", federation.url], env, umask=UMASK
        )
        assert console.code == 0 and federation.token in console.out, console
    finally:
        sts.close()
        federation.close()
    secrets = {
        "password": PASSWORD,
        **assertion_secrets(loopback_idp.saml_value, fakes.ASSERTION_MARKER),
        **key_secrets(sts.issued[0]),
    }
    for name, run, stdout_is_data in (
        ("credential-process", process, True),
        ("credential-process (cached)", cached, True),
        ("exec", exec_run, False),
        ("env", env_run, True),
        ("console", console, False),
    ):
        assert_no_secrets(f"{name} stderr", run.err, secrets)
        if not stdout_is_data:
            assert_no_secrets(f"{name} stdout", run.out, secrets)
    count = _scan_home(home, secrets, "home")  # idps.json, diagnostics, the browser profile, ~/.aws/config
    assert count > 0
    assert aws_trap.connections == []
    watch.assert_none_left()
    reliability.tried("secret-scan", "delivery paths", count=len(secrets) * 5)
    assert_private_tree(home / ".aws")
    assert_private_tree(home / ".awscli_saml_sso", allow_inside=("browser-profiles",))


@pytest.mark.browser  # a real Chromium
def test_persistent_browser_profile_keeps_no_assertion(loopback_idp, env, home, aws_trap, reliability):
    sts = fakes.FakeSts("ok")
    try:
        add = run_cli(
            ["idp", "add", "corp", "--url", loopback_idp.base + "/a", "--username", "alice", "--password-stdin"],
            env,
            stdin=PASSWORD + "\n",
        )
        assert add.code == 0, add
        run = run_cli(
            ["--idp-nickname", "corp", "--use-stored", "--endpoint-url", sts.url, "--no-verify", "--timeout", "30"],
            env,
            timeout=60,
        )
        assert run.code == 0, run
    finally:
        sts.close()
    reliability.tried("secret-scan", "persistent browser profile")
    profile = home / ".awscli_saml_sso" / "browser-profiles" / "corp"
    secrets = {"password": PASSWORD, **assertion_secrets(loopback_idp.saml_value, fakes.ASSERTION_MARKER)}
    leaks = [
        (p.relative_to(profile), hostile_harness.find_secrets(p.read_bytes(), secrets))
        for p in profile.rglob("*")
        if p.is_file() and not p.is_symlink()
    ]
    leaks = [leak for leak in leaks if leak[1]]
    assert leaks == [], f"secrets in the browser profile: {leaks}"


def test_browser_profiles_parent_is_private(tmp_path):
    from awscli_saml_sso.browser import drivers

    old = os.umask(UMASK)
    try:
        drivers.prepare_profile(tmp_path / "tool-home" / "browser-profiles" / "corp")
    finally:
        os.umask(old)
    assert_private_tree(tmp_path / "tool-home", allow_inside=())
