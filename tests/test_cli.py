"""The command line itself: routing of the bare command, fast --help, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run_cli

HEAVY = ("boto3", "botocore", "selenium", "lxml", "keyring", "urllib3", "truststore", "http.cookiejar")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["login", "--help"]])
def test_help_and_version_import_nothing_heavy(args):
    code = (
        "import sys\n"
        "from awscli_saml_sso.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out


def test_python_dash_m_and_version():
    result = run_cli(["--version"])
    assert result.code == 0 and result.out.startswith("awscli_saml_sso ")


def test_bare_command_is_login():
    result = run_cli(["--log-level", "INFO", "--show-browser", "--use-browser", "--idp-url", "http://x"])
    assert result.code == 2
    assert "--show-browser and --use-browser exclude each other" in result.err


def test_no_idp_is_a_usage_error_naming_the_options():
    result = run_cli([])
    assert result.code == 2
    assert result.err.count("\n") == 1 and "--idp-url" in result.err and "Traceback" not in result.err


def test_unknown_option_is_a_usage_error():
    result = run_cli(["--no-such-option"])
    assert result.code == 2 and "no such option" in result.err and len(result.err.splitlines()) == 1


def test_role_choices_exclude_each_other():
    result = run_cli(["--idp-url", "http://x", "--role-arn", "a", "--role", "b"])
    assert result.code == 2 and "exclude each other" in result.err


def test_password_stdin_empty_is_an_error():
    result = run_cli(["--idp-url", "http://127.0.0.1:9/", "--username", "u", "--password-stdin"], stdin="")
    assert result.code == 2 and "standard input is empty" in result.err


def _complete(words: str, cword: int, env: dict[str, str]) -> list[str]:
    env = {**env, "COMP_WORDS": words, "COMP_CWORD": str(cword), "_AWSCLI_SAML_SSO_COMPLETE": "bash_complete"}
    out = subprocess.run([sys.executable, "-m", "awscli_saml_sso"], env=env, capture_output=True, text=True).stdout
    return [line.split(",", 1)[1] for line in out.splitlines() if "," in line]


def test_shell_completion_of_commands_options_and_stored_nicknames(cli_env):
    assert _complete("awscli_saml_sso cre", 1, cli_env) == ["credential-process"]
    assert "--role-arn" in _complete("awscli_saml_sso --profile x --ro", 3, cli_env)
    assert run_cli(["idp", "add", "work", "--url", "https://idp.example.com/sso"], env=cli_env).code == 0
    assert _complete("awscli_saml_sso --idp-nickname w", 2, cli_env) == ["work"]


def test_shell_completion_of_profile_names_and_nicknames_everywhere(cli_env, tmp_path):
    """Issue 25.13: `exec --profile <TAB>` offers the profiles the tool wrote or serves, and every
    --idp-nickname and `idp show|set|remove` the stored IdPs (before: only login's --idp-nickname)."""
    from deliverysupport import write_profile

    write_profile("work", environ=cli_env)
    write_profile("web", environ=cli_env)
    config = Path(cli_env["AWS_CONFIG_FILE"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "[profile work-sdk]\ncredential_process = awscli_saml_sso credential-process --idp-nickname corp\n"
    )
    for nickname in ("corp", "dev"):
        assert run_cli(["idp", "add", nickname, "--url", "https://idp.example.com/sso"], env=cli_env).code == 0
    for command in ("exec", "env", "console", "logout", "login"):
        assert _complete(f"awscli_saml_sso {command} --profile w", 3, cli_env) == ["web", "work", "work-sdk"], command
    assert _complete("awscli_saml_sso exec --profile wo", 3, cli_env) == ["work", "work-sdk"]
    assert _complete("awscli_saml_sso --profile ", 2, cli_env) == ["web", "work", "work-sdk"]  # the bare login
    for words in ("credential-process --idp-nickname ", "roles --idp-nickname ", "logout --idp-nickname "):
        assert _complete(f"awscli_saml_sso {words}", 3, cli_env) == ["corp", "dev"], words
    for command in ("show", "set", "remove"):
        assert _complete(f"awscli_saml_sso idp {command} c", 3, cli_env) == ["corp"], command


def test_password_stdin_that_is_not_utf8_is_a_usage_error():
    result = run_cli(
        ["--idp-url", "https://idp.example/sso", "--username", "u", "--password-stdin"], stdin=b"\xff\xfe\xfa\n"
    )
    assert result.code == 2 and "not UTF-8" in result.err and "Traceback" not in result.err


REPLACED = r"""
import os, signal, sys, time
import click
from awscli_saml_sso import cli

@click.command("replaces-it")
def replaces_it():
    # A library between the signal and us that turns it into something else: CPython 3.10 does,
    # for a signal during a failing import ("TypeError: expected a message argument").
    try:
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))
        time.sleep(5)
    except KeyboardInterrupt:
        raise TypeError("expected a message argument")

cli.cli.add_command(replaces_it)
cli.main(["replaces-it"])
"""


@pytest.mark.parametrize(
    "name, code, line",
    [
        ("SIGINT", 130, "error: interrupted"),
        ("SIGTERM", 143, "error: terminated"),
        ("SIGHUP", 129, "error: hung up (the terminal was closed)"),
    ],
)
def test_a_signal_replaced_on_its_way_up_still_exits_as_that_signal(name, code, line):
    done = subprocess.run([sys.executable, "-c", REPLACED, name], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stderr.strip()) == (code, line)
