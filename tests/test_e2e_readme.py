"""Issue 13: the README, followed as a new user would, on the local stack. The commands are read
out of README.md itself (so a change there is tested here): build a wheel and install it into a
fresh venv (pipx's job: one private venv; pipx itself is not installed here), add keyrings.alt to
that venv (``pipx inject``), ``--version``, the scripted login, the stored IdP with
``idp add``/``idp set`` and the shorter command, and the ``credential_process`` profile used by
an AWS SDK. Example values (example.com, account 123456789012) become the stack's."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import venv
from pathlib import Path

import boto3
import pytest

from devstack import realm

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
EXAMPLE_URL = "https://idp.example.com/..."


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README, flags=re.S)


def _commands() -> list[str]:
    """Every shell command of the README's ``sh`` blocks: continuations joined, comments cut."""
    commands = []
    for block in _blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line:
                commands.append(re.sub(r"\s+", " ", line))
    return commands


def command(start: str) -> str:
    found = [c for c in _commands() if c.startswith(start)]
    assert len(found) == 1, f"README: {len(found)} commands start with {start!r}"
    return found[0]


def with_stack_values(text: str, aws) -> str:
    return (
        text.replace(EXAMPLE_URL, aws.idp_url)
        .replace("arn:aws:iam::123456789012:role/Deploy", realm.ROLE_USER)
        .replace("arn:aws:iam::123456789012:role/Dev", realm.ROLE_USER)
        .replace("arn:aws:iam::123456789012:role/Admin", realm.ROLE_ADMIN)
        .replace("me@example.com", "aws_admin")
        .replace("ci-bot", "aws_user")
    )


def sh(line: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", line],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env.get("PWD"),
    )
    assert done.returncode == 0, f"{line}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """README, Install: the wheel built in the clone, installed alone into a fresh venv (no system
    site-packages; its dependencies from the package index), and keyrings.alt injected."""
    work = tmp_path_factory.mktemp("readme")
    build, install = [part.strip() for part in command("python -m pip wheel --no-deps -w dist .").split("&&")]
    assert install == "pipx install dist/awscli_saml_sso-*.whl"
    env = {**os.environ, "PWD": str(ROOT)}
    sh(build.replace("python ", shlex.quote(sys.executable) + " ", 1).replace(" dist ", f" {work / 'dist'} "), env)
    wheel = next((work / "dist").glob("awscli_saml_sso-*.whl"))
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(work / "venv")
    pip = [str(work / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=600)
    inject = command("pipx inject awscli-saml-sso")
    assert inject == "pipx inject awscli-saml-sso keyrings.alt"
    subprocess.run([*pip, inject.split()[-1]], check=True, capture_output=True, timeout=600)
    return work / "venv" / "bin"


@pytest.fixture
def user_env(installed, cli_env, aws, tmp_path) -> dict[str, str]:
    """A shell with the installed tool first on PATH, the stack's endpoint, and the README's
    keyring backend."""
    env = {
        **cli_env,
        "PATH": f"{installed}:{os.environ['PATH']}",
        "AWS_ENDPOINT_URL": aws.aws_endpoint_url,
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "PWD": str(tmp_path),
    }
    export = command("export PYTHON_KEYRING_BACKEND=")
    name, value = export.removeprefix("export ").split("=", 1)
    env[name] = value
    env.pop("PYTHONPATH", None)
    return env


def caller(aws, profile: str) -> str:
    sts = boto3.Session(profile_name=profile).client("sts", endpoint_url=aws.aws_endpoint_url)
    return sts.get_caller_identity()["Arn"]


def test_version_from_the_installed_wheel(installed, user_env):
    version = sh(command("awscli_saml_sso --version"), user_env).stdout
    assert re.fullmatch(r"awscli_saml_sso \d+\.\d+\.\d+\S*\n", version), version
    assert sh("python -m awscli_saml_sso --version", user_env).stdout == version
    where = sh("command -v awscli_saml_sso", user_env).stdout.strip()
    assert where == str(installed / "awscli_saml_sso")  # the wheel's, not the development venv's


def test_the_scripted_login(installed, user_env, aws):
    line = with_stack_values(command("printf '%s\\n' \"$PASSWORD\" | awscli_saml_sso --idp-url"), aws)
    sh(line, {**user_env, "PASSWORD": "aws_user", "URL": aws.idp_url})
    assert caller(aws, "deploy").endswith("assumed-role/Role.User/aws_user")


def test_stored_idp_shorter_command_and_credential_process(installed, user_env, aws, home):
    env = {**user_env, "PASSWORD": "aws_admin"}
    sh(with_stack_values(command("awscli_saml_sso idp add work"), aws), env)
    sh(
        with_stack_values(command("printf '%s\\n' \"$PASSWORD\" | awscli_saml_sso idp set work --password-stdin"), aws),
        env,
    )
    sh(with_stack_values(command("awscli_saml_sso idp set work --role-arn"), aws), env)
    shown = sh("awscli_saml_sso idp show work --json", env).stdout
    assert f'"role_arn": "{realm.ROLE_ADMIN}"' in shown and '"region": "eu-west-1"' in shown  # the rest kept
    assert '"password_in_keyring": true' in shown
    # The shorter command: nothing asked (no terminal here), everything from the store.
    sh(with_stack_values(command("awscli_saml_sso --idp-nickname work --use-stored"), aws), env)
    assert caller(aws, "work").endswith("assumed-role/Role.User/aws_admin")
    # The credential_process profile, used by an SDK (boto3 in the tool's own venv) on its own.
    config = [b for b in _blocks("ini") if "credential_process" in b]
    assert len(config) == 1
    with open(home / ".aws" / "config", "a") as handle:
        handle.write("\n" + with_stack_values(config[0], aws))
    sdk = "import boto3; print(boto3.Session(profile_name='work-sdk').client('sts').get_caller_identity()['Arn'])"
    arn = sh(f"python -c {shlex.quote(sdk)}", env).stdout.strip()
    assert arn.endswith("assumed-role/Role.User/aws_admin"), arn
    status = sh(command("awscli_saml_sso status"), env).stdout
    assert re.search(r"^work\s+" + re.escape(realm.ROLE_USER), status, flags=re.M), status
    # README's idp list / show / remove lines, each a command as written (issue 25 item 7)

    def said(line: str) -> str:  # the tables are for people: on stderr
        done = sh(line, env)
        return done.stdout + done.stderr

    assert re.search(r"^work\b", said(command("awscli_saml_sso idp list")), flags=re.M)
    assert "aws_admin" in said(command("awscli_saml_sso idp show work"))  # its username
    sh(command("awscli_saml_sso idp remove work") + " --yes", env)  # no terminal here to ask at
    assert not re.search(r"^work\b", said(command("awscli_saml_sso idp list")), flags=re.M)
