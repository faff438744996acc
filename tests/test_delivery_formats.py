"""``env --format``: every output read back by its consumer (bash, fish, a JSON parser; PowerShell
and cmd.exe, absent here, by golden files), through the real entry point."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from deliverysupport import run_deliver, write_profile

from awscli_saml_sso.delivery import envvars
from awscli_saml_sso.delivery.profiles import ProfileCredentials

GOLDEN = Path(__file__).parent / "fixtures" / "env"
NAMES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CREDENTIAL_EXPIRATION",
)
PRINT = "".join(f'printf "%s\\n" "${{{n}-unset}}"; ' for n in (*NAMES, "AWS_PROFILE"))


def _expected(creds, region="eu-west-1") -> list[str]:
    return [
        creds.access_key_id,
        creds.secret_access_key,
        creds.session_token,
        region,
        region,
        creds.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]


def test_sh_is_evaluated_by_bash_and_unsets_the_profile(cli_env) -> None:
    creds = write_profile(secret='se\'cret/with "quotes" $HOME')
    out = run_deliver(["env", "--format", "sh"], cli_env)
    assert out.code == 0, out
    got = subprocess.run(
        ["bash", "-c", f'eval "$1"; {PRINT}', "_", out.out],
        env={**cli_env, "AWS_PROFILE": "x"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert got == [*_expected(creds), "unset"]


def test_env_no_export_is_sourced_by_bash_with_allexport(cli_env, tmp_path) -> None:
    creds = write_profile(secret="plain/Secret+Key=0")
    out = run_deliver(["env", "--format", "env-no-export"], cli_env)
    assert out.code == 0, out
    assert all(line.split("=", 1)[0] in NAMES for line in out.out.splitlines())
    assert f"AWS_SECRET_ACCESS_KEY={creds.secret_access_key}" in out.out.splitlines()  # no quotes when none needed
    dotenv = tmp_path / "aws.env"
    dotenv.write_text(out.out)
    got = subprocess.run(
        ["bash", "-c", f"set -a; . \"$1\"; set +a; bash -c '{PRINT}'", "_", str(dotenv)],
        env=cli_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert got[:-1] == _expected(creds)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (dev/setup.sh installs it)")
def test_fish_is_sourced_by_fish(cli_env) -> None:
    creds = write_profile(secret="a'b\\c d$x")
    out = run_deliver(["env", "--format", "fish"], cli_env)
    assert out.code == 0, out
    script = out.out + "".join(f"echo ${n}\n" for n in NAMES) + "set -q AWS_PROFILE; or echo unset\n"
    got = subprocess.run(
        ["fish", "--no-config", "-c", script],
        env={**cli_env, "AWS_PROFILE": "x"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert got == [*_expected(creds), "unset"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (dev/setup.sh installs it)")
def test_fish_output_leaves_status_0_so_and_runs_the_next_command(cli_env, tmp_path) -> None:
    """Issue 25. Before: ``set -e`` of an unset AWS_PROFILE left status 4 (``set -gx`` keeps it),
    so ``awscli_saml_sso env --format fish | source; and aws ...`` never ran the command."""
    write_profile()
    env = {k: v for k, v in cli_env.items() if k not in envvars.REMOVED}
    main = f"{shlex.quote(sys.executable)} -m awscli_saml_sso"
    got = subprocess.run(
        ["fish", "--no-config", "-c", f"{main} env --format fish | source; and echo ran $AWS_SECRET_ACCESS_KEY"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert got.returncode == 0 and got.stdout.startswith("ran "), got


@pytest.mark.parametrize(
    ("name", "same_as"),
    [("env", "sh"), ("bash", "sh"), ("zsh", "sh"), ("process", "json"), ("env-no-export", None), ("fish", None)],
)
def test_aws_cli_v2_export_credentials_names_and_the_older_aliases(cli_env, name, same_as) -> None:
    """Issue 25: exactly AWS CLI v2's names (env, env-no-export, process, powershell, windows-cmd,
    fish); sh, json, bash and zsh stay as aliases. Before: ``--format env`` and ``process`` failed."""
    write_profile()
    out = run_deliver(["env", "--format", name], cli_env)
    assert out.code == 0 and out.out, out
    if same_as:
        assert out.out == run_deliver(["env", "--format", same_as], cli_env).out


def test_help_names_the_aws_cli_formats_and_not_shell(cli_env) -> None:
    out = run_deliver(["env", "--help"], cli_env)
    assert "--format [env|env-no-export|process|powershell|windows-cmd|fish]" in out.out, out
    assert "--shell" not in out.out


def test_json_is_the_credential_process_document(cli_env) -> None:
    creds = write_profile()
    out = run_deliver(["env", "--format", "json"], cli_env)
    assert out.code == 0, out
    doc = json.loads(out.out)
    assert list(doc) == ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]
    assert doc["Version"] == 1 and doc["SessionToken"] == creds.session_token
    assert doc["Expiration"] == creds.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_shell_stays_an_alias_of_format(cli_env) -> None:
    write_profile()
    assert (
        run_deliver(["env", "--shell", "windows-cmd"], cli_env).out
        == run_deliver(["env", "--format", "windows-cmd"], cli_env).out
    )


def _fixed() -> dict[str, str]:
    creds = ProfileCredentials(
        "p",
        "ASIAGOLDEN0000000001",
        "golden'Secret/Key+with$dollar",
        "FwoGZXIvYXdzEB0aDToken+/=",
        dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "eu-west-1",
        None,
    )
    return envvars.variables(creds)


@pytest.mark.parametrize("fmt", ["powershell", "windows-cmd"])
def test_powershell_and_cmd_match_their_golden_files(fmt) -> None:
    """Neither shell runs here: the files are the reviewed contract of their quoting (PowerShell:
    single quotes, a quote doubled, $ literal; cmd.exe: set "NAME=value", everything literal but %)."""
    values = _fixed()
    assert envvars.render(values, fmt) == (GOLDEN / f"{fmt}.txt").read_text()


def test_cmd_refuses_a_value_it_would_expand(cli_env) -> None:
    write_profile(secret="100%real")
    out = run_deliver(["env", "--format", "windows-cmd"], cli_env)
    assert out.code == 2 and out.out == "" and "--format windows-cmd" in out.err, out
