"""Every failure a user can cause: its exit code, and stderr is exactly one line, no traceback."""

from __future__ import annotations

import socket

import pytest
from clirun import run_cli

from devstack import realm


def one_line(result) -> str:
    assert "Traceback" not in result.err, result
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result
    return lines[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "stdin", "code", "words"),
    [
        (["--idp-url", "not a url"], "", 2, "not an http(s) URL"),
        (["--idp-url", "ftp://idp.example/sso"], "", 2, "not an http(s) URL"),
        (["--idp-nickname", "nope"], "", 2, "unknown IdP nickname 'nope'"),
        (["--idp-url", "https://idp.example/sso"], "", 2, "--username"),  # no terminal to ask on
        ([], "", 2, "--idp-url"),  # nothing stored, no terminal
        (["--role-selection", "x", "--idp-url", "https://idp.example/sso"], "", 2, "not a valid integer"),
        (["--duration", "60", "--idp-url", "https://idp.example/sso"], "", 2, "900<=x<=43200"),
        (["idp", "add", "bad nick!", "--url", "https://idp.example/sso"], "", 2, "nickname"),
        (["idp", "remove", "nope", "--yes"], "", 2, "unknown IdP nickname"),
        (["exec", "--", "true"], "", 2, "log in first"),
        (["console", "--print"], "", 2, "log in first"),
    ],
)
def test_usage_errors(cli_env, args, stdin, code, words):
    result = run_cli(args, env=cli_env, stdin=stdin)
    assert result.code == code, result
    if "not a valid integer" in words or "900<=x" in words:  # click's own usage errors
        assert words in result.err and "Traceback" not in result.err
        return
    assert words in one_line(result)


@pytest.mark.browser
@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/sso", "http://no-such-host.invalid/sso"])
def test_idp_down_is_a_network_error(cli_env, url, home):
    result = run_cli(
        ["--idp-url", url.format(port=closed_port()), "--username", "u", "--password-stdin", "--timeout", "30"],
        env=cli_env,
        stdin="pw\n",
    )
    assert result.code == 10, result
    assert "cannot reach the IdP" in one_line(result)
    assert not (home / ".aws" / "credentials").exists()


def test_no_password_and_no_terminal_names_password_stdin(aws, cli_env):
    result = run_cli(
        ["--idp-url", aws.idp_url, "--username", "aws_user", "--endpoint-url", aws.aws_endpoint_url, "--timeout", "30"],
        env=cli_env,
    )
    assert result.code == 2, result
    assert "--password-stdin" in one_line(result)


def test_use_stored_without_a_keyring_password_and_no_terminal(aws, cli_env, tmp_path):
    cli_env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    cli_env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    added = run_cli(
        ["idp", "add", "dev", "--url", aws.idp_url, "--username", "aws_user", "--role-arn", realm.ROLE_USER],
        env=cli_env,
    )
    assert added.code == 0, added
    result = run_cli(
        ["--idp-nickname", "dev", "--use-stored", "--endpoint-url", aws.aws_endpoint_url, "--timeout", "30"],
        env=cli_env,
    )
    assert result.code == 2, result
    assert "password" in one_line(result)
    # issue 13: the hint changes the password only (idp add would replace role, profile, region)
    assert "awscli_saml_sso idp set dev --password-stdin" in one_line(result)
