"""``exec`` renews an expired profile through the stored IdP that wrote it, without prompts
(real browser, real IdP, strict STS); a profile from a one-off URL says how to log in instead."""

from __future__ import annotations

import configparser
import json

from clirun import run_cli

from devstack import realm

PRINT_KEY = "import os; print(os.environ['AWS_ACCESS_KEY_ID']); raise SystemExit(7)"


def profile(home) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(home / ".aws" / "credentials")
    return parser["saml"]


def expire(home) -> None:
    path = home / ".aws" / "credentials"
    text = path.read_text()
    old = profile(home)["x_security_token_expires"]
    path.write_text(text.replace(old, "2020-01-01T00:00:00+00:00"))


def test_exec_renews_an_expired_profile_through_its_stored_idp(aws, cli_env, home, tmp_path):
    cli_env.update(
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        ASS_ENDPOINT_URL=aws.aws_endpoint_url,
    )
    added = run_cli(
        [
            "idp",
            "add",
            "dev",
            "--url",
            aws.idp_url,
            "--username",
            "aws_user",
            "--password-stdin",
            "--role-arn",
            realm.ROLE_USER,
        ],
        env=cli_env,
        stdin="aws_user\n",
    )
    assert added.code == 0, added
    first = run_cli(["--idp-nickname", "dev", "--use-stored"], env=cli_env)
    assert first.code == 0, first
    assert profile(home)["x_idp_nickname"] == "dev"
    old_key = profile(home)["aws_access_key_id"]
    expire(home)

    result = run_cli(["exec", "--", "python", "-c", PRINT_KEY], env=cli_env)
    assert result.code == 7, result  # the command's own exit code
    new_key = profile(home)["aws_access_key_id"]
    assert new_key != old_key and result.out.strip() == new_key
    assert profile(home)["x_security_token_expires"] > "2021"


def test_exec_on_an_expired_one_off_profile_says_how_to_log_in(aws, cli_env, home, tmp_path):
    path = tmp_path / "r.b64"
    path.write_text(aws.saml_response_for("aws_user"))
    assert run_cli(["--saml-response", str(path), "--endpoint-url", aws.aws_endpoint_url], env=cli_env).code == 0
    assert "x_idp_nickname" not in profile(home)
    expire(home)
    result = run_cli(["exec", "--", "true"], env=cli_env)
    assert result.code == 2, result
    assert "expired" in result.err and "log in first" in result.err and result.err.count("\n") == 1


def test_env_renews_an_expired_profile_as_exec_does(aws, cli_env, home, tmp_path):
    cli_env.update(
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        ASS_ENDPOINT_URL=aws.aws_endpoint_url,
    )
    added = run_cli(
        [
            "idp",
            "add",
            "dev",
            "--url",
            aws.idp_url,
            "--username",
            "aws_user",
            "--password-stdin",
            "--role-arn",
            realm.ROLE_USER,
        ],
        env=cli_env,
        stdin="aws_user\n",
    )
    assert added.code == 0, added
    assert run_cli(["--idp-nickname", "dev", "--use-stored"], env=cli_env).code == 0
    old_key = profile(home)["aws_access_key_id"]
    expire(home)

    result = run_cli(["env", "--format", "json"], env=cli_env)
    assert result.code == 0, result
    new_key = profile(home)["aws_access_key_id"]
    assert new_key != old_key and json.loads(result.out)["AccessKeyId"] == new_key
