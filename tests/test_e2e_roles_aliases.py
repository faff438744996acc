"""``roles`` lists what the IdP grants without assuming anything (the emulator counts the calls);
an account alias created in the emulator is learned at the first assume and then shown in the
role menu (a real pseudo-terminal) and by ``roles``; a hand-written alias map wins."""

from __future__ import annotations

import json
import os
import stat
import sys

import boto3
import pexpect
from clirun import run_cli

from awscli_saml_sso import aliases
from devstack import realm


def _create_alias(aws, alias: str) -> None:
    iam = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1").client(
        "iam", endpoint_url=aws.aws_endpoint_url
    )
    iam.create_account_alias(AccountAlias=alias)


def test_roles_json_logs_in_and_assumes_nothing(aws, cli_env, tmp_path):
    cli_env.update(PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", XDG_DATA_HOME=str(tmp_path / "xdg"))
    added = run_cli(
        ["idp", "add", "dev", "--url", aws.idp_url, "--username", "aws_admin", "--password-stdin"],
        env=cli_env,
        stdin="aws_admin\n",
    )
    assert added.code == 0, added
    result = run_cli(["roles", "--idp-nickname", "dev", "--use-stored", "--json"], env=cli_env)
    assert result.code == 0, result
    listed = json.loads(result.out)
    assert [r["role_arn"] for r in listed] == [realm.ROLE_ADMIN, realm.ROLE_USER]
    assert all(r["provider_arn"] == realm.PROVIDER_ARN and r["account"] == realm.ACCOUNT_ID for r in listed)
    assert aws.assume_calls() == 0
    assert not os.path.exists(cli_env["AWS_SHARED_CREDENTIALS_FILE"])  # no profile written either


def test_an_alias_from_the_emulator_is_learned_then_shown_in_menu_and_roles(aws, cli_env, home, tmp_path):
    _create_alias(aws, "corp-dev")
    cli_env["AWS_ENDPOINT_URL_IAM"] = aws.aws_endpoint_url  # the emulator is IAM too
    user = tmp_path / "user.b64"
    user.write_text(aws.saml_response_for("aws_user"))
    first = run_cli(["--saml-response", str(user), "--endpoint-url", aws.aws_endpoint_url], env=cli_env)
    assert first.code == 0, first
    assert aliases.load(cli_env) == {realm.ACCOUNT_ID: "corp-dev"}
    assert stat.S_IMODE(os.stat(aliases.cache_path(cli_env)).st_mode) == 0o600

    admin = tmp_path / "admin.b64"
    admin.write_text(aws.saml_response_for("aws_admin"))
    listed = run_cli(["roles", "--saml-response", str(admin), "--json"], env=cli_env)
    assert listed.code == 0, listed
    assert {r["alias"] for r in json.loads(listed.out)} == {"corp-dev"}
    table = run_cli(["roles", "--saml-response", str(admin)], env=cli_env)
    assert f"{realm.ACCOUNT_ID}  corp-dev  {realm.ROLE_ADMIN}" in table.out, table

    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "awscli_saml_sso",
            "--saml-response",
            str(admin),
            "--endpoint-url",
            aws.aws_endpoint_url,
            "--profile",
            "menu",
        ],
        env={**cli_env, "TERM": "dumb", "NO_COLOR": "1"},
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    child.expect("Choose: ")
    assert f"{realm.ACCOUNT_ID} (corp-dev) Role.Admin" in child.before, child.before
    child.sendline("1")  # the menu counts from 1
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


def test_the_hand_written_map_wins_and_is_used_without_iam(aws, cli_env, tmp_path):
    path = aliases.user_path(cli_env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# mine\n[aliases]\n{realm.ACCOUNT_ID} = my-name\n999 = not-an-account\n")
    admin = tmp_path / "admin.b64"
    admin.write_text(aws.saml_response_for("aws_admin"))
    listed = run_cli(["roles", "--saml-response", str(admin), "--json"], env=cli_env)
    assert listed.code == 0, listed
    assert {r["alias"] for r in json.loads(listed.out)} == {"my-name"}


def test_with_a_custom_sts_endpoint_and_none_for_iam_iam_is_not_asked(aws, cli_env, tmp_path):
    """--endpoint-url names STS only: the new credentials are not sent to IAM anywhere else."""
    _create_alias(aws, "corp-dev")
    user = tmp_path / "user.b64"
    user.write_text(aws.saml_response_for("aws_user"))
    first = run_cli(["--saml-response", str(user), "--endpoint-url", aws.aws_endpoint_url], env=cli_env)
    assert first.code == 0, first
    assert aliases.load(cli_env) == {}
