"""End to end on the real Keycloak only: what SimpleSAMLphp's test IdP cannot do. A one-time code
(TOTP credential with a key the test knows), a disabled account, a required action ("Update
password" on first login). Users come from stackfixtures.KC_TEST_USERS (admin REST API)."""

from __future__ import annotations

import time

import boto3
import pytest
from clirun import run_cli
from stackfixtures import (
    KC_DISABLED_USER,
    KC_OTP_SECRET,
    KC_OTP_USER,
    KC_UPDATE_PASSWORD_USER,
    totp,
)

from devstack import realm

pytestmark = pytest.mark.e2e


def login(aws, cli_env, user, *extra, password=None):
    args = [
        "--idp-url",
        aws.idp_url,
        "--username",
        user,
        "--password-stdin",
        "--endpoint-url",
        aws.aws_endpoint_url,
        "--timeout",
        "90",
        *extra,
    ]
    return run_cli(args, env=cli_env, stdin=(password or user) + "\n")


def one_error_line(result) -> str:
    assert "Traceback" not in result.err, result
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result
    return lines[0]


def fresh_code() -> str:
    """A code valid for the whole login: wait out the last seconds of a 30 s step rather than
    race it (Keycloak accepts one step of skew, but a loaded machine can take longer)."""
    if time.time() % 30 > 20:
        time.sleep(30 - time.time() % 30 + 0.5)
    return totp(KC_OTP_SECRET)


def test_one_time_code_from_the_option_completes_the_login(keycloak_aws, cli_env):
    aws = keycloak_aws
    result = login(aws, cli_env, KC_OTP_USER, "--mfa-code", fresh_code())
    assert result.code == 0, result
    arn = (
        boto3.Session(profile_name="saml").client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    )
    assert arn == f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/Role.User/{KC_OTP_USER}"


def test_one_time_code_page_without_a_code_and_no_terminal_names_the_option(keycloak_aws, cli_env, home):
    result = login(keycloak_aws, cli_env, KC_OTP_USER)
    assert result.code == 2, result
    assert "--mfa-code" in one_error_line(result)
    assert not (home / ".aws" / "credentials").exists()


def test_wrong_one_time_code_is_rejected_by_the_idp(keycloak_aws, cli_env, home):
    right = fresh_code()
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    result = login(keycloak_aws, cli_env, KC_OTP_USER, "--mfa-code", wrong)
    assert result.code == 3, result
    assert "IdP rejected" in one_error_line(result)
    assert not (home / ".aws" / "credentials").exists()


def test_disabled_user_is_rejected(keycloak_aws, cli_env, home):
    result = login(keycloak_aws, cli_env, KC_DISABLED_USER)
    assert result.code == 3, result
    assert "IdP rejected the login" in one_error_line(result)
    assert not (home / ".aws" / "credentials").exists()


def test_update_password_required_action_is_reported_as_such(keycloak_aws, cli_env, home):
    result = login(keycloak_aws, cli_env, KC_UPDATE_PASSWORD_USER)
    assert result.code == 6, result
    line = one_error_line(result)
    assert "asks for a new password" in line and "--use-browser" in line
    assert not (home / ".aws" / "credentials").exists()


def test_metadata_and_assertion_name_the_same_issuer(keycloak_aws, cli_env):
    """--hostname fixes Keycloak's name: the provider the STS checks against (from the metadata
    URL) and the login's assertion agree; the strict STS refuses a mismatch, so a login that
    works proves it, and the metadata must name the fixed base, not whatever the request said."""
    import urllib.request

    with urllib.request.urlopen(keycloak_aws.idp_metadata_url.replace("127.0.0.1", "localhost"), timeout=30) as answer:
        metadata = answer.read().decode()
    assert f'entityID="{keycloak_aws.settings.keycloak_base_url}/realms/master"' in metadata
    assert login(keycloak_aws, cli_env, "aws_user").code == 0


def test_stored_idp_logs_in_again_on_keycloaks_sso_cookie(keycloak_aws, cli_env, home):
    """A stored IdP's persistent browser profile keeps Keycloak's SSO session: the tool ticks
    "Remember me" (the realm offers it, as keycloak/configure.sh sets), so the second login shows
    no password page and needs no password (none is given, and there is no terminal)."""
    aws = keycloak_aws
    added = run_cli(["idp", "add", "kc", "--url", aws.idp_url, "--username", "aws_user"], env=cli_env)
    assert added.code == 0, added
    args = ["--idp-nickname", "kc", "--endpoint-url", aws.aws_endpoint_url, "--timeout", "90"]
    first = run_cli([*args, "--password-stdin"], env=cli_env, stdin="aws_user\n")
    assert first.code == 0, first
    second = run_cli([*args, "--force"], env=cli_env)
    assert second.code == 0, second  # no password to give: Keycloak's remembered session did it
    arn = (
        boto3.Session(profile_name="saml").client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    )
    assert arn == f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/Role.User/aws_user"
