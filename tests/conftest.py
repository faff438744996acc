"""Shared fixtures. Every test gets its own HOME, AWS files and tool home: nothing touches ``~``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# The local stack's fixtures (SimpleSAMLphp + strict moto STS), and the fail-safe summary
# (issue 8: how many hostile inputs, faults and interruptions were tried) at the end of a run, and
# the tests that macOS or Windows cannot run (platforms.py: skipped there, with the reason).
pytest_plugins = ["stackfixtures", "reliability_summary", "platforms"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME with the AWS and tool files redirected into it."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "ASS_HOME": str(home / ".awscli_saml_sso"),
        "AWS_DEFAULT_REGION": "us-east-1",  # what a person's environment or ~/.aws/config gives
        # The browser engine's tests drive the browser from the first page, as they were written
        # for; the plain-HTTP engine's tests (test_http_engine*.py) set --engine themselves.
        # ASS_TEST_ENGINE=auto runs every login test on the default engine instead.
        "ASS_ENGINE": os.environ.get("ASS_TEST_ENGINE", "browser"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in (
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_STS",
        "ASS_ENDPOINT_URL",
        "ASS_PROFILE",
        "ASS_LOG_LEVEL",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SE_OFFLINE", "true")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    return home


@pytest.fixture
def cli_env(home: Path) -> dict[str, str]:
    """The environment for running the CLI as a subprocess (copy of the redirected one)."""
    return dict(os.environ)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs the local stack (e2e) or a real browser (browser), so that
    ``-m "not e2e and not browser"`` is the unit suite (run on every supported Python)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {"stack", "aws", "idp_aws", "keycloak_stack", "keycloak_aws"}:
            item.add_marker(pytest.mark.e2e)
        # `-m "not keycloak"` skips what would start Keycloak (the slow IdP).
        callspec = getattr(item, "callspec", None)
        on_keycloak = callspec is not None and callspec.params.get("idp_aws") == "keycloak"
        if on_keycloak or fixtures & {"keycloak_stack", "keycloak_aws"}:
            item.add_marker(pytest.mark.keycloak)
        if item.module is not None and item.module.__name__.startswith(("test_browser", "test_e2e")):
            item.add_marker(pytest.mark.browser)
