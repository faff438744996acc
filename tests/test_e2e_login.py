"""End to end: the real CLI (subprocess) → real headless Chromium → a real IdP (SimpleSAMLphp,
then Keycloak: ``idp_aws`` runs each test on both) → strict moto STS → a profile that works.
Nothing reaches the AWS sign-in host."""

from __future__ import annotations

import boto3
import pytest
from clirun import run_cli
from pages.listeners import RecordingTcp

from devstack import realm

pytestmark = pytest.mark.e2e


@pytest.fixture
def aws_signin_trap(cli_env):
    """Resolve the AWS sign-in host to a local listener for the browser: it must see nothing."""
    trap = RecordingTcp()
    cli_env["ASS_TEST_HOST_RESOLVER_RULES"] = f"MAP signin.aws.amazon.com 127.0.0.1:{trap.port}"
    yield trap
    trap.close()


def login(stack, cli_env, user, password=None, *extra):
    args = [
        "--idp-url",
        stack.idp_url,
        "--username",
        user,
        "--password-stdin",
        "--endpoint-url",
        stack.aws_endpoint_url,
        "--timeout",
        "60",
        *extra,
    ]
    return run_cli(args, env=cli_env, stdin=(password or realm.USERS[user][0]) + "\n")


def session(profile: str, cli_env) -> boto3.Session:
    return boto3.Session(profile_name=profile)


def test_aws_user_gets_a_working_profile_and_nothing_reaches_aws(idp_aws, cli_env, home, aws_signin_trap):
    aws = idp_aws
    result = login(aws, cli_env, "aws_user")
    assert result.code == 0, result
    s = session("saml", cli_env)
    buckets = s.client("s3", endpoint_url=aws.aws_endpoint_url).list_buckets()["Buckets"]
    assert realm.BUCKET in [b["Name"] for b in buckets]
    arn = s.client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    assert arn == f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/Role.User/aws_user"
    assert arn in result.err  # the caller ARN is printed
    assert aws_signin_trap.connections == []
    text = (home / ".aws" / "credentials").read_text()
    assert "x_security_token_expires" in text and "aws_session_token" in text
    assert (home / ".aws" / "credentials").stat().st_mode & 0o777 == 0o600


def test_keycloak_style_url_and_named_profile(aws, cli_env, home):
    result = run_cli(
        [
            "--idp-url",
            aws.keycloak_style_url,
            "--username",
            "aws_user",
            "--password-stdin",
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--profile",
            "kc",
        ],
        env=cli_env,
        stdin="aws_user\n",
    )
    assert result.code == 0, result
    assert "[kc]" in (home / ".aws" / "credentials").read_text()


@pytest.mark.two_roles
def test_aws_admin_with_role_arn_gets_admin(idp_aws, cli_env, aws_signin_trap):
    aws = idp_aws
    result = login(aws, cli_env, "aws_admin", None, "--role-arn", realm.ROLE_ADMIN)
    assert result.code == 0, result
    arn = session("saml", cli_env).client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    assert arn.endswith(":assumed-role/Role.Admin/aws_admin")
    assert aws_signin_trap.connections == []


def _one_error_line(result) -> str:
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert "Traceback" not in result.err, result
    assert len(lines) == 1, result
    assert lines[0].startswith("error: "), result
    return lines[0]


def test_aws_admin_without_role_choice_and_no_terminal_names_role_arn(idp_aws, cli_env):
    aws = idp_aws
    result = login(aws, cli_env, "aws_admin")
    assert result.code == 2, result
    assert "--role-arn" in _one_error_line(result)


def test_aws_void_has_no_role(idp_aws, cli_env):
    aws = idp_aws
    result = login(aws, cli_env, "aws_void")
    assert result.code == 4, result
    assert "no AWS role" in _one_error_line(result)


def test_wrong_password_is_rejected_by_the_idp(idp_aws, cli_env, home):
    aws = idp_aws
    result = login(aws, cli_env, "aws_user", "not-the-password")
    assert result.code == 3, result
    assert "IdP rejected the login" in _one_error_line(result)
    assert not (home / ".aws" / "credentials").exists()


@pytest.mark.two_roles
def test_all_roles_through_the_browser_gives_a_working_profile_per_role(idp_aws, cli_env, home):
    aws = idp_aws
    result = login(aws, cli_env, "aws_admin", None, "--all-roles")
    assert result.code == 0, result
    for role in ("Role.User", "Role.Admin"):
        s = session(f"{realm.ACCOUNT_ID}-{role}", cli_env)
        arn = s.client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
        assert arn == f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/{role}/aws_admin"
