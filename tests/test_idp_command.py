"""``awscli_saml_sso idp ...`` run in-process (CliRunner), plus one real subprocess with a file keyring."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner
from keyrings.alt.file import PlaintextKeyring

from awscli_saml_sso import idps, paths
from awscli_saml_sso.cli import cli as main_cli
from awscli_saml_sso.commands.idp import idp
from awscli_saml_sso.errors import MissingAnswerError, UsageError
from awscli_saml_sso.idps import StoredIdp
from awscli_saml_sso.ui import Terminal

URL = "https://idp.example.com/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices"
ROLE = "arn:aws:iam::123456789012:role/Dev"
ORIGINAL = Path(__file__).parent / "fixtures" / "original"
WIRED = "idp" in getattr(main_cli, "commands", {})


@pytest.fixture(autouse=True)
def keep_root_logging():
    """The command configures logging on the runner's stderr; put the test's handlers back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def ring(tmp_path: Path):
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class FakeTty:
    """The controlling terminal: answers typed in advance, prompts collected."""

    def __init__(self, *answers: str) -> None:
        self.answers = [a + "\n" for a in answers]
        self.prompts = io.StringIO()

    def write(self, text: str) -> int:
        return self.prompts.write(text)

    def flush(self) -> None:
        pass

    def readline(self) -> str:
        return self.answers.pop(0) if self.answers else ""


def terminal(tty: FakeTty | None) -> Terminal:
    term = Terminal(err=io.StringIO(), environ={})
    term._tty = tty  # None = no terminal (CI, credential_process)
    return term


def run(args, *, term: Terminal | None = None, stdin: str | None = None):
    """``awscli_saml_sso idp ARGS`` once the lead wires the group into cli.py; the group itself until then."""
    command, full = (main_cli, ["idp", *args]) if WIRED else (idp, list(args))
    return CliRunner().invoke(command, full, input=stdin, obj={"terminal": term} if term else None)


def people(result, term: Terminal | None = None) -> str:
    return term.err.getvalue() if term else result.stderr


def test_add_then_list_table_on_stderr(home, ring):
    added = run(["add", "corp", "--url", URL, "--username", "jdoe", "--role-arn", ROLE, "--profile", "dev"])
    assert added.exit_code == 0, added.output
    assert run(["add", "alt", "--url", "https://alt.example/sso"]).exit_code == 0
    result = run(["list"])
    assert result.exit_code == 0 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].split() == ["NICKNAME", "URL", "USERNAME", "PROFILE", "ROLE"]
    assert lines[1].split() == ["alt", "https://alt.example/sso", "-", "-", "-"]
    assert lines[2].split() == ["corp", URL, "jdoe", "dev", ROLE]


def test_list_json_on_stdout(home, ring):
    run(["add", "corp", "--url", URL, "--username", "jdoe", "--duration", "7200", "--browser", "firefox"])
    result = run(["list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "nickname": "corp",
            "url": URL,
            "username": "jdoe",
            "role_arn": None,
            "profile": None,
            "region": None,
            "browser": "firefox",
            "duration": 7200,
            "mfa_method": None,
            "app": None,
            "allowed_origins": None,
        }
    ]


def test_list_empty_says_how_to_add(home):
    result = run(["list"])
    assert result.exit_code == 0 and "idp add NICK --url URL" in result.stderr
    assert json.loads(run(["list", "--json"]).stdout) == []


def test_add_reports_and_stores_every_option(home, ring):
    result = run(
        [
            "add",
            "corp",
            "--url",
            URL,
            "--username",
            "jdoe",
            "--role-arn",
            ROLE,
            "--profile",
            "dev",
            "--region",
            "eu-west-1",
            "--browser",
            "chromium",
            "--duration",
            "3600",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "added IdP 'corp'" in result.stderr and "--idp-nickname corp" in result.stderr
    assert idps.get("corp", os.environ) == StoredIdp("corp", URL, "jdoe", "chromium", ROLE, "dev", "eu-west-1", 3600)
    again = run(["add", "corp", "--url", "https://new.example/sso"])
    assert "updated IdP 'corp'" in again.stderr
    assert idps.get("corp", os.environ) == StoredIdp("corp", "https://new.example/sso")


def test_add_password_stdin_goes_to_the_keyring_only(home, ring):
    result = run(["add", "corp", "--url", URL, "--username", "jdoe", "--password-stdin"], stdin="Pa55-word!\n")
    assert result.exit_code == 0, result.output
    assert idps.get_password("corp", "jdoe") == "Pa55-word!"
    assert "--use-stored" in result.stderr and "Pa55-word!" not in result.output
    assert b"Pa55-word!" not in idps.idps_path(os.environ).read_bytes()


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["add", "corp", "--url", URL, "--password-stdin"], "pw\n", "--password-stdin needs --username"),
        (["add", "corp", "--url", URL, "--username", "u", "--password-stdin"], "", "standard input is empty"),
        (["add", "c d", "--url", URL], None, "invalid IdP nickname"),
        (["add", "corp", "--url", "idp.example.com"], None, "not an http(s) URL"),
        (["add", "corp", "--url", URL, "--role-arn", "Dev"], None, "invalid role ARN"),
        (["add", "corp", "--url", URL, "--region", "Paris"], None, "invalid region"),
    ],
)
def test_add_rejects_bad_input_and_stores_nothing(home, ring, args, stdin, message):
    result = run(args, stdin=stdin)
    assert isinstance(result.exception, UsageError) and message in str(result.exception)
    assert not idps.idps_path(os.environ).exists()
    assert idps.get_password("corp", "u") is None


@pytest.mark.parametrize(
    "args",
    [
        ["add", "corp"],
        ["add", "corp", "--url", URL, "--duration", "10"],
        ["add", "corp", "--url", URL, "--browser", "safari"],
    ],
)
def test_add_click_usage_errors(home, args):
    assert run(args).exit_code == 2


def test_show_text_and_json(home, ring):
    run(["add", "corp", "--url", URL, "--username", "jdoe", "--password-stdin"], stdin="pw-123456\n")
    result = run(["show", "corp"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "in the keyring" in result.stderr and URL in result.stderr
    assert str(paths.browser_profile_dir(os.environ, "corp")) in result.stderr
    data = json.loads(run(["show", "corp", "--json"]).stdout)
    assert data["url"] == URL and data["password_in_keyring"] is True
    assert "pw-123456" not in json.dumps(data)


def test_show_unknown(home):
    run(["add", "corp", "--url", URL])
    result = run(["show", "nope"])
    assert isinstance(result.exception, UsageError)
    assert "unknown IdP nickname 'nope'" in str(result.exception) and "corp" in result.exception.hint


def test_remove_asks_on_the_terminal(home, ring):
    run(["add", "corp", "--url", URL, "--username", "jdoe", "--password-stdin"], stdin="pw-123456\n")
    tty = FakeTty("n")
    result = run(["remove", "corp"], term=terminal(tty))
    assert result.exit_code == 0 and "Remove IdP 'corp'" in tty.prompts.getvalue()
    assert "corp" in idps.load_all(os.environ)
    term = terminal(FakeTty("y"))
    assert run(["remove", "corp"], term=term).exit_code == 0
    assert "removed IdP 'corp'" in term.err.getvalue()
    assert idps.load_all(os.environ) == {} and idps.get_password("corp", "jdoe") is None


def test_remove_without_terminal_needs_yes(home, ring):
    run(["add", "corp", "--url", URL])
    result = run(["remove", "corp"], term=terminal(None))
    assert isinstance(result.exception, MissingAnswerError) and result.exception.option == "--yes"
    assert "corp" in idps.load_all(os.environ)
    assert run(["remove", "corp", "--yes"], term=terminal(None)).exit_code == 0
    assert idps.load_all(os.environ) == {}


def test_first_use_migrates_and_says_so(home, ring):
    source = paths.tool_home(os.environ) / "credentials"
    source.parent.mkdir(parents=True)
    source.write_bytes((ORIGINAL / "credentials").read_bytes())
    result = run(["list", "--json"])
    assert "migrated 3 IdPs from the original tool's file" in result.stderr
    assert [i["nickname"] for i in json.loads(result.stdout)] == ["corp", "my_okta", "sandbox"]
    assert "migrated" not in run(["list"]).stderr


def test_subprocess_with_a_file_keyring(home, tmp_path):
    """The real process, no terminal, keyring chosen by PYTHON_KEYRING_BACKEND (keyrings.alt writes
    ``$XDG_DATA_HOME/python_keyring/keyring_pass.cfg``)."""
    env = dict(
        os.environ, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", XDG_DATA_HOME=str(tmp_path / "xdg")
    )
    if WIRED:
        argv = [sys.executable, "-m", "awscli_saml_sso", "idp"]
    else:
        argv = [sys.executable, "-c", "from awscli_saml_sso.commands.idp import idp; idp()"]

    def call(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [*argv, *args], input=stdin.encode(), capture_output=True, env=env, timeout=60, start_new_session=True
        )

    added = call("add", "corp", "--url", URL, "--username", "jdoe", "--password-stdin", stdin="Sub-pr0cess!\n")
    assert added.returncode == 0, added.stderr.decode()
    ring_file = tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg"
    assert ring_file.is_file() and b"Sub-pr0cess!" not in ring_file.read_bytes()  # base64 there
    shown = call("show", "corp", "--json")
    assert json.loads(shown.stdout)["password_in_keyring"] is True
    removed = call("remove", "corp")
    assert removed.returncode != 0 and b"--yes" in removed.stderr
    assert call("remove", "corp", "--yes").returncode == 0
    assert json.loads(call("list", "--json").stdout) == []


# ---- idp set: one field at a time (issue 13, stumble 3) ------------------------------------------


def _full_entry() -> None:
    result = run(
        [
            "add",
            "corp",
            "--url",
            URL,
            "--username",
            "jdoe",
            "--role-arn",
            ROLE,
            "--profile",
            "dev",
            "--region",
            "eu-west-1",
            "--browser",
            "chromium",
            "--duration",
            "3600",
        ]
    )
    assert result.exit_code == 0, result.output


def test_set_password_keeps_role_profile_and_region(home, ring):
    """Before, the only way to store a password was ``idp add`` again, which replaced the entry:
    role, profile and region were lost."""
    _full_entry()
    before = idps.get("corp", os.environ)
    result = run(["set", "corp", "--password-stdin"], stdin="Pa55-word!\n")
    assert result.exit_code == 0, result.output
    assert idps.get("corp", os.environ) == before
    assert idps.get_password("corp", "jdoe") == "Pa55-word!"
    assert "Pa55-word!" not in result.output and b"Pa55-word!" not in idps.idps_path(os.environ).read_bytes()


def test_set_changes_only_the_given_fields_and_clears_with_empty(home, ring):
    _full_entry()
    result = run(["set", "corp", "--region", "us-west-2", "--mfa-method", "totp", "--profile", ""])
    assert result.exit_code == 0, result.output
    assert idps.get("corp", os.environ) == StoredIdp(
        "corp", URL, "jdoe", "chromium", ROLE, None, "us-west-2", 3600, mfa_method="totp"
    )
    assert "region=us-west-2" in result.stderr and "profile cleared" in result.stderr
    shown = json.loads(run(["show", "corp", "--json"]).stdout)
    assert shown["mfa_method"] == "totp"


def test_add_takes_the_mfa_method_too(home, ring):
    assert run(["add", "corp", "--url", URL, "--mfa-method", "push"]).exit_code == 0
    assert idps.get("corp", os.environ).mfa_method == "push"
    assert '"mfa_method": "push"' in idps.idps_path(os.environ).read_text()
    assert run(["add", "corp", "--url", URL, "--mfa-method", "carrier-pigeon"]).exit_code == 2


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["set", "corp"], None, "nothing to change"),
        (["set", "nope", "--region", "eu-west-1"], None, "unknown IdP nickname 'nope'"),
        (["set", "corp", "--url", ""], None, "cannot be cleared"),
        (["set", "corp", "--role-arn", "Dev"], None, "invalid role ARN"),
        (["set", "corp", "--username", "", "--password-stdin"], "pw\n", "no username to keep the password for"),
    ],
)
def test_set_rejects_bad_input_and_changes_nothing(home, ring, args, stdin, message):
    _full_entry()
    before = idps.idps_path(os.environ).read_bytes()
    result = run(args, stdin=stdin)
    assert isinstance(result.exception, UsageError) and message in str(result.exception), result.output
    assert idps.idps_path(os.environ).read_bytes() == before
    assert idps.get_password("corp", "jdoe") is None


def test_add_and_set_store_the_dashboard_app(home, ring):
    assert run(["add", "corp", "--url", URL, "--app", "AWS Production"]).exit_code == 0
    assert idps.get("corp", os.environ).app == "AWS Production"
    assert run(["set", "corp", "--app", ""]).exit_code == 0
    assert idps.get("corp", os.environ).app is None
