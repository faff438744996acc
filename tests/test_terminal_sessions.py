"""A person at a real terminal (pseudo-terminal via pexpect), against the real local stack:
the first run adds an IdP and picks a role from the menu; the second run asks nothing;
--clean asks before it moves anything."""

from __future__ import annotations

import re
import sys

import boto3
import pexpect
import pytest

from devstack import realm

TIMEOUT = 60


@pytest.fixture
def tty_env(cli_env, tmp_path):
    env = dict(cli_env)
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    env["TERM"] = "dumb"
    env["NO_COLOR"] = "1"
    return env


def spawn(args: list[str], env: dict[str, str]) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "awscli_saml_sso", *args],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(40, 200),
    )
    return child


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


@pytest.mark.two_roles
def test_first_run_adds_an_idp_and_picks_a_role_then_second_run_asks_nothing(idp_aws, tty_env, home):
    aws = idp_aws  # SimpleSAMLphp, then Keycloak
    child = spawn(["--endpoint-url", aws.aws_endpoint_url], tty_env)
    child.expect("No IdP stored yet")
    child.expect("Nickname for this IdP: ")
    child.sendline("bad nick!")  # refused, asked again
    child.expect("try again")
    child.expect("Nickname for this IdP: ")
    child.sendline("dev")
    child.expect("sign-on URL of the AWS app: ")
    child.sendline("not a url")  # validated
    child.expect("try again")
    child.expect("sign-on URL of the AWS app: ")
    child.sendline(aws.idp_url)
    child.expect(r"Username \(empty: ask each time\): ")
    child.sendline("aws_admin")
    child.expect("Password for aws_admin: ")
    child.sendline("aws_admin")
    child.expect("Roles granted by the IdP:")
    child.expect("Choose: ")
    menu = child.before
    admin = re.search(r"\[(\d+)\][^\n]*Role\.Admin", menu)
    assert admin, menu
    child.sendline(admin.group(1))
    child.expect(r"Store the password in the OS keyring for --use-stored\? \[y/N\]: ")
    child.sendline("y")
    child.expect("next time: awscli_saml_sso --idp-nickname dev --use-stored --role-arn " + re.escape(realm.ROLE_ADMIN))
    code, rest = finish(child)
    assert code == 0, rest
    session = boto3.Session(profile_name="saml")
    arn = session.client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    assert arn.endswith("assumed-role/Role.Admin/aws_admin")

    # Second run: username, password (keyring) and role stored: no question at all.
    child = spawn(["--idp-nickname", "dev", "--use-stored", "--force", "--endpoint-url", aws.aws_endpoint_url], tty_env)
    index = child.expect([pexpect.EOF, r": $", "Password", "Choose"])
    transcript = child.before
    child.close()
    assert index == 0, f"it asked something: {transcript!r}"
    assert child.exitstatus == 0, transcript
    assert "Role.Admin" in transcript
    assert "aws_admin" not in (home / ".awscli_saml_sso" / "idps.json").read_text().replace('"aws_admin"', "")


def test_clean_asks_first_and_moves_the_home_aside(tty_env, home):
    tool_home = home / ".awscli_saml_sso"
    tool_home.mkdir(mode=0o700)
    (tool_home / "idps.json").write_text('{"version": 1, "idps": {}}')
    child = spawn(["--clean"], tty_env)
    child.expect(r"\? \[y/N\]: ")
    child.sendline("n")
    code, _ = finish(child)
    assert code == 0 and tool_home.exists()
    child = spawn(["--clean"], tty_env)
    child.expect(r"\? \[y/N\]: ")
    child.sendline("y")
    code, out = finish(child)
    assert code == 0, out
    assert not tool_home.exists()
    assert (home / ".awscli_saml_sso.OLD" / "idps.json").exists()


def test_ctrl_c_at_a_prompt_exits_130_in_one_line(aws, tty_env):
    child = spawn(["--idp-url", aws.idp_url, "--endpoint-url", aws.aws_endpoint_url], tty_env)
    child.expect("Username: ")
    child.sendintr()
    code, out = finish(child)
    assert code == 130, out
    assert "Traceback" not in out and "interrupted" in out
