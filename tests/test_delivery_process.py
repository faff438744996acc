"""``credential-process``: the cache (unit), then the real thing end to end: boto3 in a
subprocess, configured with ``credential_process``, logs in through a real headless Chromium at
the real SimpleSAMLphp and lists the bucket on the strict STS; the second call is served from
the cache with no browser available at all."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deliverysupport import _MAIN, run_deliver, write_profile

from awscli_saml_sso import paths
from awscli_saml_sso.delivery import cache, process
from awscli_saml_sso.models import Credentials

NOW = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
HEAVY = ("boto3", "botocore", "selenium", "lxml", "keyring")


def creds_expiring(at: dt.datetime) -> Credentials:
    return Credentials("ASIACACHED0000001", "secret+/=", "token" * 20, at)


# -- cache (unit) ---------------------------------------------------------------------------
def test_cache_round_trip_private_files_and_the_15_minute_rule(home) -> None:
    key = cache.key("corp", None, None)
    path = cache.file_for(os.environ, key)
    cache.store(path, key, creds_expiring(NOW + dt.timedelta(minutes=16)), "arn:aws:iam::1:role/R")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.parent == paths.cache_dir(os.environ)
    assert cache.load(path, key, NOW) == creds_expiring(NOW + dt.timedelta(minutes=16))
    assert cache.load(path, key, NOW + dt.timedelta(minutes=1, seconds=1)) is None  # 14:59 left
    assert cache.load(path, cache.key("corp", "arn:aws:iam::1:role/Other", None), NOW) is None


def test_cache_file_names_are_safe_and_distinct(home) -> None:
    names = {
        cache.file_for(os.environ, cache.key(n, r, p)).name
        for n, r, p in [
            ("corp", None, None),
            ("corp", "arn:aws:iam::1:role/R", None),
            ("corp", None, "x"),
            ("../../etc/passwd", None, None),
            ("..", None, None),
        ]
    }
    assert len(names) == 5
    for name in names:
        assert "/" not in name and not name.startswith(".") and name.endswith(".json")


@pytest.mark.parametrize("content", [b"", b"not json", b"[]", b'{"version": 2}', b'{"version": 1, "key": 3}'])
def test_a_damaged_or_foreign_cache_file_is_a_miss(home, content) -> None:
    key = cache.key("corp", None, None)
    path = cache.file_for(os.environ, key)
    paths.private_dir(path.parent)
    path.write_bytes(content)
    assert cache.load(path, key, NOW) is None


def test_output_is_exactly_the_sdk_document() -> None:
    doc = json.loads(process.output(creds_expiring(NOW)))
    assert list(doc) == ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]
    assert doc["Version"] == 1 and doc["Expiration"] == "2030-01-01T12:00:00Z"


# -- the command, served from the cache -----------------------------------------------------
def seed_cache(
    nickname: str = "corp", role_arn: str | None = None, profile: str | None = None, minutes: float = 60
) -> Credentials:
    key = cache.key(nickname, role_arn, profile)
    expiration = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes)).replace(microsecond=0)
    creds = creds_expiring(expiration)
    cache.store(cache.file_for(os.environ, key), key, creds)
    return creds


def test_cached_call_prints_only_the_json_and_imports_nothing_heavy(cli_env, tmp_path) -> None:
    creds = seed_cache()
    modules = tmp_path / "modules.json"
    probe = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: json.dump(sorted(sys.modules), open({str(modules)!r}, 'w')))\n"
    ) + _MAIN
    cli_env["PATH"] = "/nonexistent"  # no browser, no driver: a login would fail
    proc = subprocess.run(
        [sys.executable, "-c", probe, "credential-process", "--idp-nickname", "corp"],
        env=cli_env,
        capture_output=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    doc = json.loads(proc.stdout)
    assert doc["AccessKeyId"] == creds.access_key_id and doc["Version"] == 1
    loaded = json.loads(modules.read_text())
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []


def test_a_miss_without_a_stored_idp_is_one_line_and_nonzero(cli_env) -> None:
    seed_cache(minutes=10)  # too close to expiry: a login is needed
    result = run_deliver(["credential-process", "--idp-nickname", "corp"], cli_env)
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown IdP nickname 'corp'")


def test_warns_when_static_keys_shadow_credential_process(cli_env) -> None:
    seed_cache(profile="work")
    write_profile("work")  # static keys in the credentials file...
    config = Path(cli_env["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text() + "\n[profile work]\ncredential_process = awscli_saml_sso credential-process "
        "--idp-nickname corp --profile work\n"
    )
    result = run_deliver(["credential-process", "--idp-nickname", "corp", "--profile", "work"], cli_env)
    assert result.code == 0, result
    assert json.loads(result.out)["Version"] == 1
    assert "warning: profile [work] also has keys in" in result.err


# -- end to end -----------------------------------------------------------------------------
def tool_command() -> list[str]:
    """How credential_process runs the tool: ``python -m awscli_saml_sso`` once cli.py registers
    the command, else the same entry point with the command added (see deliverysupport)."""
    from awscli_saml_sso import cli

    if "credential-process" in cli.cli.commands:
        return [sys.executable, "-m", "awscli_saml_sso"]
    script = Path(os.environ["HOME"]) / "ass-entry.py"
    script.write_text(_MAIN)
    return [sys.executable, str(script)]


def store_idp(cli_env, url: str, username: str, password: str | None, role_arn: str | None) -> None:
    """Stored IdP and keyring password, through the real modules in a subprocess (the keyring
    backend is chosen per process from PYTHON_KEYRING_BACKEND)."""
    code = (
        "import os, sys\n"
        "from awscli_saml_sso import idps\n"
        "idps.save(idps.StoredIdp(nickname='corp', url=sys.argv[1], username=sys.argv[2],"
        " role_arn=sys.argv[4] or None), os.environ)\n"
        "if sys.argv[3]: idps.set_password('corp', sys.argv[2], sys.argv[3])\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, url, username, password or "", role_arn or ""], env=cli_env, check=True, timeout=30
    )


@pytest.fixture
def keyring_env(cli_env, tmp_path):
    cli_env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    cli_env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    return cli_env


BOTO3_LIST = (
    "import sys, boto3\n"
    "s3 = boto3.Session(profile_name='cp').client('s3', endpoint_url=sys.argv[1], region_name='us-east-1')\n"
    "print(' '.join(b['Name'] for b in s3.list_buckets()['Buckets']))\n"
)


def configure_profile(cli_env, endpoint: str, *extra: str) -> None:
    command = " ".join(
        shlex.quote(a)
        for a in [*tool_command(), "credential-process", "--idp-nickname", "corp", "--endpoint-url", endpoint, *extra]
    )
    Path(cli_env["AWS_CONFIG_FILE"]).parent.mkdir(parents=True, exist_ok=True)
    Path(cli_env["AWS_CONFIG_FILE"]).write_text(f"[profile cp]\ncredential_process = {command}\nregion = us-east-1\n")


@pytest.mark.e2e
def test_boto3_through_credential_process_then_the_cache(idp_aws, keyring_env, home) -> None:
    aws = idp_aws  # SimpleSAMLphp, then Keycloak
    from devstack import realm

    env = keyring_env
    store_idp(env, aws.idp_url, "aws_user", realm.USERS["aws_user"][0], realm.ROLE_USER)
    configure_profile(env, aws.aws_endpoint_url)
    first = subprocess.run(
        [sys.executable, "-c", BOTO3_LIST, aws.aws_endpoint_url], env=env, capture_output=True, text=True, timeout=180
    )
    assert first.returncode == 0, first.stderr
    assert realm.BUCKET in first.stdout.split()
    cached = list(paths.cache_dir(env).glob("credential-process-corp-*.json"))
    assert len(cached) == 1 and stat.S_IMODE(cached[0].stat().st_mode) == 0o600
    assert not (home / ".aws" / "credentials").exists()  # no --profile: ~/.aws untouched
    leftovers = sorted(p.name for p in paths.cache_dir(env).iterdir() if not p.name.endswith(".lock"))
    assert leftovers == [cached[0].name]  # the scratch credentials file is gone

    # Second call: no browser and no driver anywhere; it can only be the cache.
    configure_profile(
        env, aws.aws_endpoint_url, "--driver-path", "/nonexistent/driver", "--browser-path", "/nonexistent/browser"
    )
    no_browser = {**env, "PATH": "/nonexistent"}
    second = subprocess.run(
        [sys.executable, "-c", BOTO3_LIST, aws.aws_endpoint_url],
        env=no_browser,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 0, second.stderr
    assert realm.BUCKET in second.stdout.split()

    # And the same command line does fail when the cache cannot serve: proof of the above.
    started = time.monotonic()
    direct = run_deliver(["credential-process", "--idp-nickname", "corp"], no_browser)
    assert direct.code == 0 and json.loads(direct.out)["Version"] == 1, direct
    assert time.monotonic() - started < 5
    cached[0].unlink()
    failing = run_deliver(
        [
            "credential-process",
            "--idp-nickname",
            "corp",
            "--driver-path",
            "/nonexistent/driver",
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        no_browser,
    )
    assert failing.code == 6 and failing.out == "", failing
    assert len(failing.err.strip().splitlines()) == 1


@pytest.mark.e2e
def test_with_profile_the_profile_is_written_too(aws, keyring_env, home) -> None:
    from devstack import realm

    store_idp(keyring_env, aws.idp_url, "aws_admin", realm.USERS["aws_admin"][0], None)
    result = run_deliver(
        [
            "credential-process",
            "--idp-nickname",
            "corp",
            "--role-arn",
            realm.ROLE_ADMIN,
            "--profile",
            "written",
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        keyring_env,
        timeout=180,
    )
    assert result.code == 0, result
    doc = json.loads(result.out)
    text = (home / ".aws" / "credentials").read_text()
    assert "[written]" in text and doc["AccessKeyId"] in text and realm.ROLE_ADMIN in text


@pytest.mark.e2e
def test_no_password_in_the_keyring_is_a_missing_answer_not_a_prompt(aws, keyring_env) -> None:
    from devstack import realm

    store_idp(keyring_env, aws.idp_url, "aws_user", None, realm.ROLE_USER)
    result = run_deliver(
        ["credential-process", "--idp-nickname", "corp", "--endpoint-url", aws.aws_endpoint_url],
        keyring_env,
        timeout=180,
    )
    assert result.code == 2, result
    assert result.out == ""
    assert "the IdP password of aws_user (none in the keyring)" in result.err


@pytest.mark.e2e
def test_concurrent_calls_log_in_once(aws, keyring_env) -> None:
    from deliverysupport import _MAIN as main

    from devstack import realm

    store_idp(keyring_env, aws.idp_url, "aws_user", realm.USERS["aws_user"][0], realm.ROLE_USER)
    argv = [
        sys.executable,
        "-c",
        main,
        "credential-process",
        "--idp-nickname",
        "corp",
        "--endpoint-url",
        aws.aws_endpoint_url,
    ]
    procs = [
        subprocess.Popen(argv, env=keyring_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        for _ in range(3)
    ]
    answers = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], answers
    keys = {json.loads(out)["AccessKeyId"] for out, _err in answers}
    assert len(keys) == 1  # one login; the two others waited and read the cache


def test_the_number_to_tap_goes_to_the_controlling_terminal(monkeypatch, capsys) -> None:
    """credential_process: the SDK captures stderr (shown only on failure), so a number to match
    on the phone must reach the person on /dev/tty; with no terminal, stderr is all there is."""
    import io

    from awscli_saml_sso import ui as ui_module

    tty = io.StringIO()
    monkeypatch.setattr(ui_module, "_open_tty", lambda: tty)  # the boundary: the terminal device
    process._NonInteractive().notice("approve the sign-in on your phone: 47")
    assert tty.getvalue() == "approve the sign-in on your phone: 47\n"
    assert "47" not in capsys.readouterr().err

    monkeypatch.setattr(ui_module, "_open_tty", lambda: None)
    process._NonInteractive().notice("approve the sign-in on your phone: 12")
    assert "approve the sign-in on your phone: 12" in capsys.readouterr().err
