"""``exec`` and ``env``: the real entry point in a subprocess, a real child process, real files."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time

import pytest
from deliverysupport import run_deliver, write_profile

from awscli_saml_sso.delivery import envvars

DUMP = (
    "import json, os, sys\n"
    "json.dump({k: v for k, v in os.environ.items() if k.startswith('AWS_')}, open(sys.argv[1], 'w'))\n"
    "sys.exit(int(sys.argv[2]))\n"
)


def test_exec_passes_the_variables_and_the_exit_code(cli_env, tmp_path) -> None:
    creds = write_profile("work")
    cli_env["AWS_PROFILE"] = "other"
    cli_env["AWS_DEFAULT_PROFILE"] = "other"
    out = tmp_path / "env.json"
    result = run_deliver(["exec", "--profile", "work", "--", sys.executable, "-c", DUMP, str(out), "7"], cli_env)
    assert result.code == 7, result
    seen = json.loads(out.read_text())
    assert seen["AWS_ACCESS_KEY_ID"] == creds.access_key_id
    assert seen["AWS_SECRET_ACCESS_KEY"] == creds.secret_access_key
    assert seen["AWS_SESSION_TOKEN"] == creds.session_token
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert seen["AWS_CREDENTIAL_EXPIRATION"] == creds.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "AWS_PROFILE" not in seen and "AWS_DEFAULT_PROFILE" not in seen
    assert result.out == "" and result.err == ""


def test_exec_default_profile_no_region_and_success(cli_env, tmp_path) -> None:
    write_profile("saml", region=None)
    cli_env.pop("AWS_REGION", None)
    cli_env.pop("AWS_DEFAULT_REGION", None)
    out = tmp_path / "env.json"
    result = run_deliver(["exec", sys.executable, "-c", DUMP, str(out), "0"], cli_env)
    assert result.code == 0, result
    seen = json.loads(out.read_text())
    assert "AWS_REGION" not in seen and "AWS_DEFAULT_REGION" not in seen
    assert seen["AWS_ACCESS_KEY_ID"].startswith("ASIATESTKEY")


def test_exec_command_not_found_is_127_in_one_line(cli_env) -> None:
    write_profile()
    result = run_deliver(["exec", "--", "no-such-command-anywhere"], cli_env)
    assert result.code == 127, result
    assert result.err.strip().splitlines() == ["error: command not found: no-such-command-anywhere"]


def test_exec_killed_by_a_signal_is_128_plus_n(cli_env) -> None:
    write_profile()
    result = run_deliver(
        ["exec", "--", sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"], cli_env
    )
    assert result.code == 128 + signal.SIGKILL, result


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_exec_forwards_sigterm_to_the_child(cli_env, tmp_path) -> None:
    write_profile()
    marker = tmp_path / "ready"
    child = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
        f"pathlib.Path({str(marker)!r}).write_text('x')\n"
        "time.sleep(30)\n"
    )
    from deliverysupport import _MAIN

    proc = subprocess.Popen(
        [sys.executable, "-c", _MAIN, "exec", "--", sys.executable, "-c", child],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        for _ in range(200):
            if marker.exists():
                break
            time.sleep(0.05)
        assert marker.exists()
        proc.send_signal(signal.SIGTERM)  # to us only (own session): we must pass it on
        assert proc.wait(timeout=20) == 42
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("minutes_left", [-5])
def test_exec_expired_profile_says_to_log_in(cli_env, minutes_left) -> None:
    write_profile("old", minutes_left=minutes_left)
    result = run_deliver(["exec", "--profile", "old", "--", "true"], cli_env)
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "expired" in lines[0] and "log in first: awscli_saml_sso --profile old" in lines[0]


def test_exec_missing_profile_says_to_log_in(cli_env) -> None:
    result = run_deliver(["exec", "--profile", "nope", "--", "true"], cli_env)
    assert result.code == 2, result
    assert "no profile [nope]" in result.err and "log in first" in result.err


# -- env ------------------------------------------------------------------------------------
def test_env_sh_round_trips_through_a_real_shell(cli_env) -> None:
    creds = write_profile()
    result = run_deliver(["env", "--shell", "sh"], cli_env)
    assert result.code == 0, result
    assert result.out.splitlines()[0] == "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN"
    assert f"export AWS_SECRET_ACCESS_KEY={shlex.quote(creds.secret_access_key)}" in result.out
    shell_env = {**cli_env, "AWS_PROFILE": "x"}
    got = subprocess.run(
        ["sh", "-c", result.out + 'printf "%s\\n%s\\n" "$AWS_SECRET_ACCESS_KEY" "${AWS_PROFILE-unset}"'],
        env=shell_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert got == [creds.secret_access_key, "unset"]


def test_env_fish_lines() -> None:
    text = envvars.render({"AWS_SECRET_ACCESS_KEY": "a'b\\c d"}, "fish")
    assert "set -e AWS_PROFILE; or true" in text
    assert "set -gx AWS_SECRET_ACCESS_KEY 'a\\'b\\\\c d'" in text


def test_env_powershell_lines() -> None:
    text = envvars.render({"AWS_SECRET_ACCESS_KEY": "a'b$c"}, "powershell")
    assert "Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue" in text
    assert "$Env:AWS_SECRET_ACCESS_KEY = 'a''b$c'" in text


@pytest.mark.parametrize("shell", ["sh", "fish", "powershell"])
def test_env_every_shell_through_the_cli(cli_env, shell) -> None:
    creds = write_profile()
    result = run_deliver(["env", "--shell", shell], cli_env)
    assert result.code == 0, result
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CREDENTIAL_EXPIRATION",
    ):
        assert name in result.out
    assert creds.session_token in result.out
    assert result.err == ""


def test_env_fish_is_valid_fish_if_installed(cli_env) -> None:
    import shutil

    if shutil.which("fish") is None:
        pytest.skip("fish is not installed")
    creds = write_profile()
    text = run_deliver(["env", "--shell", "fish"], cli_env).out
    got = subprocess.run(
        ["fish", "-c", text + "echo $AWS_SECRET_ACCESS_KEY"], env=cli_env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert got == creds.secret_access_key


def test_env_powershell_is_valid_powershell_if_installed(cli_env) -> None:
    import shutil

    pwsh = shutil.which("pwsh")
    if pwsh is None:
        pytest.skip("PowerShell is not installed")
    creds = write_profile()
    text = run_deliver(["env", "--shell", "powershell"], cli_env).out
    got = subprocess.run(
        [pwsh, "-NoProfile", "-Command", text + "\nWrite-Output $Env:AWS_SECRET_ACCESS_KEY"],
        env=cli_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert got == creds.secret_access_key
