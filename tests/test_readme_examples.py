"""README's "Using the credentials" examples, as written, against the local stack: the
``credential_process`` profile of its ``~/.aws/config`` block, then every command of the block
after it (the AWS CLI itself, exec, exec --server, env, console --print, status) with that same
profile. Only the account's role ARN is swapped for the stack's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from clirun import run_cli
from test_console import Federation

from devstack import realm

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE_ROLE = "arn:aws:iam::123456789012:role/Dev"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_credential_process_profile_works_with_every_command(aws, cli_env, tmp_path):
    config = next(b for b in _blocks("ini") if "credential_process = awscli_saml_sso" in b)
    profile = re.search(r"^\[profile (\S+)\]", config, flags=re.M).group(1)
    commands = next(b for b in _blocks("sh") if f"--profile {profile} --server" in b)
    bin_dir = str(Path(sys.executable).parent)
    cli_env.update(
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        ASS_ENDPOINT_URL=aws.aws_endpoint_url,
        AWS_ENDPOINT_URL=aws.aws_endpoint_url,
        PATH=f"{bin_dir}:{cli_env['PATH']}",
    )
    added = run_cli(
        ["idp", "add", "work", "--url", aws.idp_url, "--username", "aws_user", "--password-stdin"],
        env=cli_env,
        stdin="aws_user\n",
    )
    assert added.code == 0, added
    path = Path(cli_env["AWS_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config.replace("# ~/.aws/config\n", "").replace(EXAMPLE_ROLE, realm.ROLE_USER))
    federation = Federation()
    try:
        cli_env["ASS_FEDERATION_URL"] = federation.url
        script = "set -eu\n" + commands + "aws sts get-caller-identity --output text --query Arn  # after eval\n"
        ran = subprocess.run(
            ["bash", "-c", script], env=cli_env, capture_output=True, text=True, timeout=300, start_new_session=True
        )
    finally:
        federation.close()
    assert ran.returncode == 0, ran.stderr
    # the AWS CLI directly, exec, exec --server and the eval'd variables: the same role, four times
    assert ran.stdout.count("assumed-role/Role.User/aws_user") == 4, ran.stdout
    assert federation.url + "?Action=login" in ran.stdout  # console --print
    status = next(line for line in ran.stdout.splitlines() if line.startswith(f"{profile} "))
    assert realm.ROLE_USER in status and "credential_process, IdP work" in status
    assert not Path(cli_env["AWS_SHARED_CREDENTIALS_FILE"]).exists()  # nothing shadows credential_process


# ---- every README command line is a command (issue 25 item 7) -----------------------------------

SHELL_WORDS = {"export", "eval", "printf", "echo", "source", "cd"}
ELSEWHERE = {"pipx", "aws"}  # installed by the reader (README says how), not on this machine's PATH


def _segments() -> list[str]:
    """Each simple command of README's sh blocks: lines joined, comments cut, split at | && || ;."""
    found = []
    for block in _blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s+)#\s.*$", "", line).strip()
            found += [s.strip() for s in re.split(r"\s(?:\|\||&&|\||;)\s", line) if s.strip()]
    return found


def test_every_readme_command_line_is_a_command_that_exists():
    """Before: `awscli_saml_sso idp list [--json] | idp show work | idp remove work` looked like a
    pipeline and was three usages in one; the git URL had an OWNER placeholder to copy."""
    path = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    root = README.parent
    wrong = []
    for segment in _segments():
        words = [w for w in segment.split() if not re.match(r"^[A-Z_][A-Z0-9_]*=", w)]  # VAR=value first
        first = words[0]
        known = first in SHELL_WORDS | ELSEWHERE or shutil.which(first, path=path) or (root / first).is_file()
        usage = [w for w in words if w.startswith("[") or w.startswith("<") or w == "OWNER" or "/OWNER/" in w]
        if not known or usage:
            wrong.append(segment)
    assert wrong == []
    assert "OWNER" not in README.read_text()


def _role_examples() -> list[str]:
    """Every ``--role X`` of README, and the names and globs its menu paragraph offers."""
    text = README.read_text()
    flags = [a or b for a, b in re.findall(r"--role '([^']+)'|--role (?![A-Z]+\b)([A-Za-z][\w.:-]*)", text)]
    menu = re.search(r"choose one from a menu.*?The profile", text, flags=re.S).group(0)
    typed = re.findall(r"e\.g\. `([^`]+)`", menu)
    return flags + typed


def test_readme_role_examples_choose_the_demo_admin_role():
    """Issue 25.1. Before: `Admin` at the menu and `--role 'Admin*'` matched no demo role."""
    from awscli_saml_sso import roles
    from awscli_saml_sso.models import Role

    examples = _role_examples()
    assert len(examples) >= 4, examples
    granted = [Role(arn, realm.PROVIDER_ARN) for arn in realm.ROLES]
    entries = roles.menu_entries(granted)
    for example in examples:
        assert roles.choose_role(granted, pattern=example).role.role_arn == realm.ROLE_ADMIN, example
        assert entries[roles.menu_match(entries, example)].role.role_arn == realm.ROLE_ADMIN, example


def test_readme_roles_line_after_idp_set_password_stdin(aws, cli_env, tmp_path):
    """Issue 25.2. README's `roles` line right after its `idp set work --password-stdin`. Before:
    the line had no --use-stored, and the error's hint was "keep it in the keyring for
    --use-stored: awscli_saml_sso idp set work --password-stdin", the step just done."""
    line = re.search(r"`(awscli_saml_sso roles [^`]*)`", README.read_text()).group(1)
    args = line.replace("[--json]", "--json").split()[1:]
    cli_env.update(
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        ASS_ENDPOINT_URL=aws.aws_endpoint_url,
    )
    added = run_cli(["idp", "add", "work", "--url", aws.idp_url, "--username", "aws_admin"], env=cli_env)
    assert added.code == 0, added
    stored = run_cli(["idp", "set", "work", "--password-stdin"], env=cli_env, stdin="aws_admin\n")
    assert stored.code == 0, stored
    # without --use-stored: the hint names what is missing, not the step just done
    without = run_cli([a for a in args if a != "--use-stored"], env=cli_env)
    assert without.code == 2 and len(without.err.splitlines()) == 1, without
    assert "(pass --use-stored: the keyring holds the password of aws_admin for 'work')" in without.err, without
    listed = run_cli(args, env=cli_env)
    assert listed.code == 0, listed
    assert sorted(r["role_arn"] for r in json.loads(listed.out)) == sorted(realm.ROLES)
