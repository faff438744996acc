"""``credential_process`` when the IdP needs the person: the AWS CLI v1 runs it with stdin not a
terminal, inside a pseudo-terminal: the password is asked on the terminal (/dev/tty) and the
call succeeds. And the IdP's browser session is tried first: with a live session no password is
needed at all, even with none in the keyring and no terminal (real browser, IdP, strict STS)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pexpect
from clirun import run_cli

from devstack import realm

AWS = Path(sys.executable).parent / "aws"
TOOL = Path(sys.executable).parent / "awscli_saml_sso"


def _env(aws, cli_env, tmp_path) -> dict[str, str]:
    cli_env.update(
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        TERM="dumb",
        NO_COLOR="1",
    )
    # a stored IdP without a password in the keyring
    added = run_cli(
        ["idp", "add", "dev", "--url", aws.idp_url, "--username", "aws_user", "--role-arn", realm.ROLE_USER],
        env=cli_env,
    )
    assert added.code == 0, added
    command = " ".join(
        shlex.quote(a)
        for a in (str(TOOL), "credential-process", "--idp-nickname", "dev", "--endpoint-url", aws.aws_endpoint_url)
    )
    config = Path(cli_env["AWS_CONFIG_FILE"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[profile work]\ncredential_process = {command}\nregion = us-east-1\n")
    return cli_env


def test_aws_cli_credential_process_asks_the_password_on_the_terminal(aws, cli_env, tmp_path):
    env = _env(aws, cli_env, tmp_path)
    line = (
        f"{shlex.quote(str(AWS))} sts get-caller-identity --profile work --endpoint-url "
        f"{shlex.quote(aws.aws_endpoint_url)} --output json < /dev/null"
    )
    child = pexpect.spawn("bash", ["-c", line], env=env, encoding="utf-8", timeout=120, dimensions=(40, 200))
    child.expect(r"Password for aws_user \(dev\): ")
    child.sendline(realm.USERS["aws_user"][0])
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answer = json.loads(child.before[child.before.index("{") :])
    assert answer["Arn"].endswith("assumed-role/Role.User/aws_user")


def test_a_live_idp_session_needs_no_password_and_no_terminal(remembering_idp, cli_env, tmp_path):
    aws = remembering_idp
    env = _env(aws, cli_env, tmp_path)
    # log in once, typing the password: the persistent browser profile keeps the IdP's session
    first = run_cli(
        ["--idp-nickname", "dev", "--password-stdin", "--endpoint-url", aws.aws_endpoint_url],
        env=env,
        stdin=realm.USERS["aws_user"][0] + "\n",
    )
    assert first.code == 0, first
    # no keyring password, no terminal (run_cli: own session): only the IdP session can do it
    result = run_cli(["credential-process", "--idp-nickname", "dev", "--endpoint-url", aws.aws_endpoint_url], env=env)
    assert result.code == 0, result
    assert json.loads(result.out)["Version"] == 1
