"""Issue 13: a new user's first hour without a stumble. The stumbles that need no IdP: a typo of
a command, a stray Selenium warning before the one-line error, and dev/setup.sh on a fresh
Debian/Ubuntu (run here against stand-ins for apt, dpkg and sudo; nothing is installed)."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from clirun import run_cli

ROOT = Path(__file__).resolve().parent.parent


# ---- 7. a typo of a command --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "suggestion"),
    [("stauts", "status"), ("idps", "idp"), ("exex", "exec"), ("credential_process", "credential-process")],
)
def test_a_mistyped_command_is_named_with_a_suggestion(word, suggestion, cli_env):
    """Before: "Got unexpected extra argument (stauts)" under login's usage."""
    result = run_cli([word], env=cli_env)
    assert result.code == 2, result
    assert result.err.splitlines()[0].startswith(f"error: no such command '{word}'; did you mean '{suggestion}'?")
    assert len(result.err.splitlines()) == 1 and "Usage:" not in result.err


def test_an_unknown_word_without_a_close_command_lists_the_commands(cli_env):
    result = run_cli(["--log-level", "ERROR", "xyzzy"], env=cli_env)
    assert result.code == 2, result
    assert "no such command 'xyzzy' (commands: " in result.err and "status" in result.err


def test_bare_login_options_still_log_in(cli_env):
    """The bare command is login, as in 0.3: options alone, and a login option's value that looks
    like a word, are login's."""
    result = run_cli(["--idp-nickname", "status"], env=cli_env)
    assert result.code == 2 and "unknown IdP nickname 'status'" in result.err, result
    result = run_cli(
        ["--profile", "stauts", "--idp-url", "http://127.0.0.1:9/", "--show-browser", "--use-browser"], env=cli_env
    )
    assert result.code == 2 and "exclude each other" in result.err, result


# ---- 9. Firefox without geckodriver: one line, no stray Selenium warning -------------------------


@pytest.mark.browser
@pytest.mark.skipif(not (shutil.which("firefox-esr") or shutil.which("firefox")), reason="needs Firefox")
def test_firefox_without_geckodriver_is_one_line(cli_env, tmp_path):
    bin_dir = tmp_path / "bin"  # PATH with Firefox and Python but no geckodriver
    bin_dir.mkdir()
    for name in ("firefox-esr", "firefox"):
        if shutil.which(name):
            (bin_dir / name).symlink_to(shutil.which(name))
    env = {**cli_env, "PATH": str(bin_dir), "SE_OFFLINE": "true", "SE_AVOID_STATS": "true"}
    result = run_cli(
        ["--browser", "firefox", "--idp-url", "http://127.0.0.1:9/sso", "--username", "u", "--password-stdin"],
        env=env,
        stdin="pw\n",
    )
    assert result.code == 6, result
    assert result.err.splitlines() == [result.err.strip()], result  # before: a WARNING line first
    assert result.err.startswith("error: geckodriver (Firefox's driver) was not found"), result


# ---- 8. dev/setup.sh on a fresh machine ----------------------------------------------------------

STUB = """#!/bin/sh
echo "$(basename "$0") $* policy-rc.d:$( [ -e "$POLICY" ] && cat "$POLICY" | tail -1 || echo absent)" >> "$LOG"
case $(basename "$0") in
  dpkg-query) exit 1 ;;            # nothing installed: a fresh machine
  apt-get) [ "$APT_FAILS" = 1 ] && [ "$1" = install ] && exit 100 ;;
  id) echo 0 ;;                    # as root: no sudo
esac
exit 0
"""


TOOLS = (
    "sh",
    "dirname",
    "cat",
    "readlink",
    "grep",
    "basename",
    "tail",
    "sha1sum",
    "cut",
    "tee",
    "chmod",
    "rm",
    "touch",
)


@pytest.fixture
def fresh_machine(tmp_path):
    """A copy of dev/setup.sh and pyproject.toml, stand-ins for dpkg-query, apt-get and id on
    PATH (each call logged with whether policy-rc.d existed then), and a ready venv stamp so no
    pip runs."""
    repo = tmp_path / "repo"
    (repo / "dev").mkdir(parents=True)
    shutil.copy(ROOT / "dev" / "setup.sh", repo / "dev" / "setup.sh")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    venv = repo / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("#!/bin/sh\nexit 0\n")
    (venv / "bin" / "python").chmod(0o755)
    digest = subprocess.run(
        ["sha1sum", str(repo / "pyproject.toml")], capture_output=True, text=True, check=True
    ).stdout[:12]
    (venv / f".installed-{digest}").touch()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("dpkg-query", "apt-get", "id"):
        (bin_dir / name).write_text(STUB)
        (bin_dir / name).chmod(0o755)
    for tool in TOOLS:  # the host's own tools, but none of its browsers
        (bin_dir / tool).symlink_to(shutil.which(tool))
    os_release = tmp_path / "os-release"
    policy = tmp_path / "policy-rc.d"
    log = tmp_path / "calls.log"
    env = {
        "PATH": str(bin_dir),
        "LOG": str(log),
        "POLICY": str(policy),
        "ASS_SETUP_OS_RELEASE": str(os_release),
        "ASS_SETUP_POLICY_RC_D": str(policy),
        "HOME": str(tmp_path),
        "ASS_SKIP_KEYCLOAK": "1",
    }  # Java and Maven for Keycloak: a block of its own, not what is tested here

    def run(os_id: str, *args: str, **extra: str) -> subprocess.CompletedProcess:
        os_release.write_text(f"ID={os_id}\n")
        return subprocess.run(
            [shutil.which("bash"), str(repo / "dev" / "setup.sh"), *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )

    run.policy, run.log, run.bin = policy, log, bin_dir
    return run


def _apt_install_line(log: Path) -> str:
    return next(line for line in log.read_text().splitlines() if line.startswith("apt-get install"))


def test_setup_installs_python3_venv_and_removes_the_policy_it_made(fresh_machine):
    done = fresh_machine("debian")
    assert done.returncode == 0, done.stderr
    install = _apt_install_line(fresh_machine.log)
    assert " python3-venv " in install and " chromium " in install
    assert "policy-rc.d:exit 101" in install  # services blocked during the install...
    assert not fresh_machine.policy.exists()  # ...and not after: before, it stayed, blocking the host


def test_setup_removes_its_policy_when_the_install_fails(fresh_machine):
    done = fresh_machine("debian", APT_FAILS="1")
    assert done.returncode != 0
    assert not fresh_machine.policy.exists()


def test_setup_keeps_a_policy_it_did_not_make(fresh_machine):
    fresh_machine.policy.write_text("#!/bin/sh\n# the admin's own\nexit 0\n")
    assert fresh_machine("debian").returncode == 0
    assert "the admin's own" in fresh_machine.policy.read_text()


def test_setup_on_ubuntu_with_only_the_chromium_snap_says_what_to_do(fresh_machine):
    snap_wrapper = fresh_machine.bin / "chromium-browser"  # what Ubuntu's package installs
    snap_wrapper.write_text('#!/bin/sh\nexec /snap/bin/chromium "$@"\n')
    snap_wrapper.chmod(snap_wrapper.stat().st_mode | stat.S_IXUSR)
    done = fresh_machine("ubuntu")
    assert done.returncode == 1
    assert "Ubuntu's chromium is a snap" in done.stderr and "google-chrome-stable" in done.stderr
    assert not fresh_machine.log.exists() or "apt-get" not in fresh_machine.log.read_text()


def test_setup_on_ubuntu_with_a_browser_outside_snap_installs_the_rest(fresh_machine):
    chrome = fresh_machine.bin / "google-chrome"
    chrome.write_text("#!/bin/sh\nexit 0\n")
    chrome.chmod(0o755)
    done = fresh_machine("ubuntu")
    assert done.returncode == 0, done.stderr
    install = _apt_install_line(fresh_machine.log)
    assert " python3-venv " in install and "chromium" not in install  # not the snap


# ---- issue 25 item 11: the demo installs what the demo needs; the tests add theirs ----------------

DEMO_PACKAGES = {"python3-venv", "simplesamlphp", "php-cli", "php-xml", "php-mbstring", "chromium"}
TEST_PACKAGES = {"xvfb", "xauth", "fish", "xdotool", "chromium-driver", "firefox-esr"}


def _installed_packages(log: Path) -> set[str]:
    lines = [line for line in log.read_text().splitlines() if line.startswith("apt-get install")]
    return {word for line in lines for word in line.split(" policy-rc.d:")[0].split()[2:] if not word.startswith("-")}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--demo",), DEMO_PACKAGES),
        (("--demo", "--keycloak"), DEMO_PACKAGES | {"openjdk-17-jre-headless", "maven"}),  # demo.sh --idp keycloak
        ((), DEMO_PACKAGES | TEST_PACKAGES),  # dev/test.sh: both (Keycloak skipped by the fixture)
    ],
)
def test_setup_installs_the_demo_needs_and_adds_the_tests_needs_only_for_tests(fresh_machine, args, expected):
    (fresh_machine.bin / "npm").write_text(STUB)  # Node's AWS SDK, a client in the tests only
    (fresh_machine.bin / "npm").chmod(0o755)
    for name in ("sed", "mkdir"):  # the Java version check; the SDK's directory
        (fresh_machine.bin / name).symlink_to(shutil.which(name))
    done = fresh_machine("debian", *args)
    assert done.returncode == 0, done.stderr
    assert _installed_packages(fresh_machine.log) == expected
    npm_ran = any(line.startswith("npm ") for line in fresh_machine.log.read_text().splitlines())
    assert npm_ran == (args == ())


# ---- issue 25.9: one error style -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["idp", "lst"],
            "error: no such command 'lst'; did you mean 'list'? (idp commands: add, list, remove, set, show)",
        ),
        (
            ["--profle", "x", "status"],
            "error: no such option '--profle'; did you mean '--profile'? "
            "(the command comes first, then its options: awscli_saml_sso status [OPTIONS])",
        ),
        (["status", "--bogus"], "error: no such option '--bogus' (see: awscli_saml_sso status --help)"),
        (["idp", "add"], "error: missing argument 'NICKNAME' (see: awscli_saml_sso idp add --help)"),
        (
            ["--duration", "5"],
            "error: invalid value for '--duration': 5 is not in the range 900<=x<=43200 "
            "(see: awscli_saml_sso login --help)",
        ),
    ],
)
def test_clicks_usage_errors_are_the_tools_one_line(cli_env, args, line):
    """Before: click's three lines ("Usage: awscli_saml_sso login [OPTIONS]", "Try ...", "Error:
    ..."), blaming `login` for `--profle x status`, while `stauts` got the tool's one line."""
    result = run_cli(args, env=cli_env)
    assert (result.code, result.err.splitlines()) == (2, [line]), result


def test_clean_without_a_terminal_offers_yes(cli_env, tmp_path):
    """Before: "--clean asks for confirmation and there is no terminal (move ... aside yourself)"."""
    home = Path(cli_env["HOME"]) / ".awscli_saml_sso"
    home.mkdir(parents=True, exist_ok=True)
    refused = run_cli(["--clean"], env=cli_env)
    assert refused.code == 2 and refused.err.strip().endswith("(pass --yes)"), refused
    assert home.is_dir()
    moved = run_cli(["--clean", "--yes"], env=cli_env)
    assert moved.code == 0 and not home.exists() and home.with_name(".awscli_saml_sso.OLD").is_dir(), moved
