"""The flow after the browser, end to end through the real CLI with a real signed assertion from
the local IdP (``--saml-response``): role choice, --all-roles, durations, still-valid profiles,
status, and STS refusals."""

from __future__ import annotations

import configparser
import datetime as dt

import boto3
import pytest
from clirun import run_cli

from devstack import realm


def saml_file(aws, tmp_path, user: str):
    path = tmp_path / f"{user}.b64"
    path.write_text(aws.saml_response_for(user))
    return path


def caller(profile: str, aws) -> str:
    return (
        boto3.Session(profile_name=profile)
        .client("sts", endpoint_url=aws.aws_endpoint_url)
        .get_caller_identity()["Arn"]
    )


def credentials(home) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(home / ".aws" / "credentials")
    return parser


def test_all_roles_from_one_captured_assertion_gives_two_working_profiles(aws, cli_env, home, tmp_path):
    result = run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_admin")),
            "--all-roles",
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        env=cli_env,
    )
    assert result.code == 0, result
    assert caller(f"{realm.ACCOUNT_ID}-Role.Admin", aws).endswith("assumed-role/Role.Admin/aws_admin")
    assert caller(f"{realm.ACCOUNT_ID}-Role.User", aws).endswith("assumed-role/Role.User/aws_user") is False
    assert caller(f"{realm.ACCOUNT_ID}-Role.User", aws).endswith("assumed-role/Role.User/aws_admin")
    s3 = boto3.Session(profile_name=f"{realm.ACCOUNT_ID}-Role.User").client("s3", endpoint_url=aws.aws_endpoint_url)
    assert realm.BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_all_roles_template(aws, cli_env, home, tmp_path):
    result = run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_admin")),
            "--all-roles",
            "sso-{role}",
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--no-verify",
        ],
        env=cli_env,
    )
    assert result.code == 0, result
    assert {"sso-Role.User", "sso-Role.Admin"} <= set(credentials(home).sections())


def test_saml_response_from_stdin_and_role_glob(aws, cli_env, home):
    result = run_cli(
        ["--saml-response", "-", "--role", "*Admin", "--endpoint-url", aws.aws_endpoint_url],
        env=cli_env,
        stdin=aws.saml_response_for("aws_admin"),
    )
    assert result.code == 0, result
    assert caller("saml", aws).endswith("assumed-role/Role.Admin/aws_admin")


def test_ambiguous_glob_lists_the_matches(aws, cli_env, tmp_path):
    result = run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_admin")),
            "--role",
            "Role.*",
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        env=cli_env,
    )
    assert result.code == 4, result
    assert "Role.User" in result.err and "Role.Admin" in result.err


def test_role_arn_not_granted_is_an_error_listing_the_granted(aws, cli_env, tmp_path):
    result = run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_user")),
            "--role-arn",
            realm.ROLE_ADMIN,
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        env=cli_env,
    )
    assert result.code == 4, result
    assert realm.ROLE_USER in result.err


def test_duration_above_the_role_maximum_is_retried_at_3600(aws, cli_env, home, tmp_path):
    result = run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_user")),
            "--duration",
            "43200",
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        env=cli_env,
    )
    assert result.code == 0, result
    assert "retrying with 3600 s" in result.err
    expires = dt.datetime.fromisoformat(credentials(home)["saml"]["x_security_token_expires"])
    left = (expires - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert 3000 < left <= 3600


def test_long_duration_on_a_role_that_allows_it(aws, cli_env, home, tmp_path):
    result = run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_admin")),
            "--role-arn",
            realm.ROLE_ADMIN,
            "--duration",
            "43200",
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        env=cli_env,
    )
    assert result.code == 0, result
    expires = dt.datetime.fromisoformat(credentials(home)["saml"]["x_security_token_expires"])
    assert (expires - dt.datetime.now(dt.timezone.utc)).total_seconds() > 40000


def test_a_still_valid_profile_is_kept_without_a_browser_unless_forced(aws, cli_env, home, tmp_path):
    first = run_cli(
        ["--saml-response", str(saml_file(aws, tmp_path, "aws_user")), "--endpoint-url", aws.aws_endpoint_url],
        env=cli_env,
    )
    assert first.code == 0, first
    before = (home / ".aws" / "credentials").read_bytes()
    # No IdP is reachable at this URL and no browser may be started: only the file is read.
    again = run_cli(
        [
            "--idp-url",
            "http://127.0.0.1:9/never",
            "--username",
            "aws_user",
            "--password-stdin",
            "--role-arn",
            realm.ROLE_USER,
            "--browser-path",
            "/nonexistent",
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        env=cli_env,
        stdin="unused\n",
    )
    assert again.code == 0, again
    assert f"profile [saml] is still valid for {realm.ROLE_USER}: expires" in again.err, again  # which login it holds
    assert (home / ".aws" / "credentials").read_bytes() == before
    forced = run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_user")),
            "--force",
            "--endpoint-url",
            aws.aws_endpoint_url,
        ],
        env=cli_env,
    )
    assert forced.code == 0, forced
    assert (home / ".aws" / "credentials").read_bytes() != before


def test_other_profiles_and_comments_survive_a_login(aws, cli_env, home, tmp_path):
    creds = home / ".aws" / "credentials"
    creds.parent.mkdir(mode=0o700)
    original = (
        "# my keys\r\n[default]\r\naws_access_key_id = AKIAKEEP\r\n\r\n[saml]\r\nregion=keep-me ; odd but kept\r\n"
    )
    creds.write_bytes(original.encode())
    result = run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_user")),
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--region",
            "eu-west-1",
        ],
        env=cli_env,
    )
    assert result.code == 0, result
    text = creds.read_bytes().decode()
    assert text.startswith("# my keys\r\n[default]\r\naws_access_key_id = AKIAKEEP\r\n\r\n[saml]\r\nregion=keep-me")
    assert "[profile saml]" in (home / ".aws" / "config").read_text()
    assert "eu-west-1" in (home / ".aws" / "config").read_text()


def test_status_lists_what_the_tool_wrote(aws, cli_env, tmp_path):
    run_cli(
        [
            "--saml-response",
            str(saml_file(aws, tmp_path, "aws_admin")),
            "--all-roles",
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--no-verify",
        ],
        env=cli_env,
    )
    result = run_cli(["status"], env=cli_env)
    assert result.code == 0, result
    assert "Role.Admin" in result.out and "Role.User" in result.out


def test_expired_assertion_is_refused_in_plain_words(aws, cli_env, tmp_path):
    path = saml_file(aws, tmp_path, "aws_user")
    aws.shift_sts_clock(3600)
    result = run_cli(["--saml-response", str(path), "--endpoint-url", aws.aws_endpoint_url], env=cli_env)
    assert result.code == 5, result
    assert "expired" in result.err and result.err.count("\n") == 1


def test_void_user_assertion_has_no_role(aws, cli_env, tmp_path):
    result = run_cli(
        ["--saml-response", str(saml_file(aws, tmp_path, "aws_void")), "--endpoint-url", aws.aws_endpoint_url],
        env=cli_env,
    )
    assert result.code == 4, result
    assert "no AWS role" in result.err


@pytest.mark.parametrize("garbage", [b"", b"not base64 at all!!", b"PGh0bWw+PC9odG1sPg=="])
def test_garbage_saml_response_is_one_clear_line(cli_env, tmp_path, garbage, home):
    path = tmp_path / "bad"
    path.write_bytes(garbage)
    result = run_cli(["--saml-response", str(path), "--endpoint-url", "http://127.0.0.1:9"], env=cli_env)
    assert result.code == 8, result
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_aws_endpoint_url_sts_is_honoured_without_the_option(aws, cli_env, tmp_path):
    cli_env["AWS_ENDPOINT_URL_STS"] = aws.aws_endpoint_url
    result = run_cli(["--saml-response", str(saml_file(aws, tmp_path, "aws_user"))], env=cli_env)
    assert result.code == 0, result
    assert "assumed-role/Role.User/aws_user" in result.err


def test_ass_endpoint_url_is_honoured(aws, cli_env, tmp_path):
    cli_env["ASS_ENDPOINT_URL"] = aws.aws_endpoint_url
    result = run_cli(["--saml-response", str(saml_file(aws, tmp_path, "aws_user"))], env=cli_env)
    assert result.code == 0, result
