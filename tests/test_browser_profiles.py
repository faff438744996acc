"""Browser profiles, end to end through the real CLI and the local stack (SimpleSAMLphp + STS).

A stored IdP (``--idp-nickname``) logs in with its own persistent profile (0700) under the tool
home: the first login types the password, the second (``--force``) has no password at all (no
--password-stdin, no keyring, no terminal: asking for one would fail) and still succeeds, because
the IdP's session cookie in that profile skips the login form. An ``--idp-url`` login uses a
throw-away profile that is gone afterwards.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from clirun import run_cli
from test_browser_firefox import (  # noqa: F401 - fixtures
    FIREFOX,
    GECKODRIVER,
    SKIP_REASON,
    no_process_left,
    shared_profile,
)

from awscli_saml_sso import paths

pytestmark = pytest.mark.browser

BROWSERS = {
    "chromium": (shutil.which("chromium"), "needs Chromium (apt-get install chromium)"),
    "firefox": (FIREFOX and GECKODRIVER, SKIP_REASON),
}


@pytest.fixture(params=list(BROWSERS))
def browser(request) -> list[str]:
    installed, reason = BROWSERS[request.param]
    if not installed:
        pytest.skip(reason)
    if request.param == "firefox":
        return ["--browser", "firefox", "--driver-path", str(GECKODRIVER)]
    return ["--browser", "chromium"]


@pytest.fixture
def env(cli_env, no_process_left):
    """No keyring anywhere (the fail backend) and a short TMPDIR of the test's own (Chromium
    puts a socket under it; socket paths are short)."""
    scratch = Path(tempfile.mkdtemp(prefix="ass-prof-", dir="/tmp"))
    yield {**cli_env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "TMPDIR": str(scratch)}
    shutil.rmtree(scratch, ignore_errors=True)


def caller_arn(aws) -> str:
    return (
        boto3.Session(profile_name="saml").client("sts", endpoint_url=aws.aws_endpoint_url).get_caller_identity()["Arn"]
    )


def test_stored_idp_profile_keeps_the_idp_session(remembering_idp, env, home, browser):
    aws = remembering_idp
    added = run_cli(["idp", "add", "dev", "--url", aws.idp_url, "--username", "aws_user"], env=env)
    assert added.code == 0, added
    login = ["--idp-nickname", "dev", "--endpoint-url", aws.aws_endpoint_url, "--timeout", "60", *browser]

    first = run_cli([*login, "--password-stdin"], env=env, stdin="aws_user\n")
    assert first.code == 0, first
    assert caller_arn(aws).endswith(":assumed-role/Role.User/aws_user")
    profile = paths.browser_profile_dir(env, "dev")
    assert profile.is_dir() and any(profile.iterdir())
    assert stat.S_IMODE(profile.stat().st_mode) == 0o700
    Path(env["AWS_SHARED_CREDENTIALS_FILE"]).unlink()  # the second login must write it anew

    second = run_cli([*login, "--force"], env=env)
    assert second.code == 0, second  # no password was available: the IdP session did it
    assert caller_arn(aws).endswith(":assumed-role/Role.User/aws_user")
    assert stat.S_IMODE(profile.stat().st_mode) == 0o700
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # no throw-away profile was made


def test_without_the_profile_the_password_is_needed(remembering_idp, env, home):
    """The control for the test above: a one-off --idp-url login (throw-away profile) after a
    successful one has no session to reuse, asks for the password, and has none."""
    if not BROWSERS["chromium"][0]:
        pytest.skip(BROWSERS["chromium"][1])
    aws = remembering_idp
    login = [
        "--idp-url",
        aws.idp_url,
        "--username",
        "aws_user",
        "--endpoint-url",
        aws.aws_endpoint_url,
        "--timeout",
        "60",
        "--browser",
        "chromium",
    ]
    first = run_cli([*login, "--password-stdin"], env=env, stdin="aws_user\n")
    assert first.code == 0, first
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # the throw-away profile is gone
    second = run_cli([*login, "--force"], env=env)
    assert second.code == 2, second  # MissingAnswerError: the password, and no way to ask
    assert "--password-stdin" in second.err
    assert list(Path(env["TMPDIR"]).iterdir()) == []
    assert not (Path(env["ASS_HOME"]) / "browser-profiles").exists()
