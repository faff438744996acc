"""pytest plugin: the local stack (SimpleSAMLphp IdP + moto with a strict STS) for tests.

``stack`` (session): started once on free ephemeral ports in a temporary state directory, so it
never collides with a developer's own ``python -m devstack up``; stopped at the end with no
process left. ``aws`` (function): the same stack with moto reset and re-seeded.
``saml_response_for(username)``: a real signed SAMLResponse by plain-HTTP login, no browser.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # devstack/ sits at the repository root, beside src/
    sys.path.insert(0, str(ROOT))

from devstack import httplogin, procs, realm, stack as devstack  # noqa: E402
from devstack.settings import Settings  # noqa: E402


@dataclasses.dataclass
class Stack:
    settings: Settings
    up_seconds: float = 0.0

    @property
    def idp_url(self) -> str:
        """SimpleSAMLphp's IdP-initiated URL for AWS (urn:amazon:webservices)."""
        return self.settings.idp_url

    @property
    def keycloak_style_url(self) -> str:
        return self.settings.keycloak_style_url

    @property
    def listener_idp_url(self) -> str:
        """IdP-initiated URL of the SP whose ACS is http://127.0.0.1:<listener_port>/saml."""
        return self.settings.listener_idp_url

    @property
    def listener_port(self) -> int:
        return self.settings.listener_port

    @property
    def aws_endpoint_url(self) -> str:
        return self.settings.aws_endpoint_url

    @property
    def idp_base_url(self) -> str:
        return self.settings.idp_base_url

    @property
    def idp_metadata_url(self) -> str:
        return self.settings.idp_metadata_url

    @property
    def state_dir(self) -> Path:
        return self.settings.state_dir

    def seed(self) -> None:
        devstack.seed(self.settings)

    def reset_aws(self) -> None:
        """Forget everything in moto (and any STS clock shift), then seed the realm again."""
        self._post("/moto-api/reset", b"")
        self.seed()

    def shift_sts_clock(self, seconds: float) -> None:
        """Make the strict STS believe it is ``seconds`` later (expired-assertion tests).
        ``reset_aws`` puts the clock back."""
        self._post("/devstack/clock", f"seconds={seconds}".encode())

    def assume_calls(self) -> int:
        """AssumeRoleWithSAML calls the emulator received since the last ``reset_aws``."""
        import json  # noqa: PLC0415

        with urllib.request.urlopen(self.aws_endpoint_url + "/devstack/calls", timeout=10) as answer:  # noqa: S310
            return int(json.loads(answer.read())["AssumeRoleWithSAML"])

    def saml_response_for(self, username: str, password: str | None = None, *,
                          listener: bool = False) -> str:
        url = self.listener_idp_url if listener else self.idp_url
        return saml_response_for(username, password, idp_url=url)

    def _post(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(
            self.aws_endpoint_url + path, data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            answer.read()


_CURRENT: Stack | None = None


def saml_response_for(username: str, password: str | None = None, *,
                      idp_url: str | None = None) -> str:
    """Log in as ``username`` (password defaults to the realm's) over plain HTTP and return the
    base64 SAMLResponse the IdP signs for AWS. Needs the ``stack`` fixture to be running
    (or an explicit ``idp_url``)."""
    if idp_url is None:
        if _CURRENT is None:
            raise RuntimeError("saml_response_for needs the `stack` fixture (or idp_url=...)")
        idp_url = _CURRENT.idp_url
    if password is None:
        password = realm.USERS[username][0]
    return httplogin.saml_response(idp_url, username, password)


def _missing_tools() -> list[str]:
    missing = [tool for tool in ("php",) if shutil.which(tool) is None]
    if not Path("/usr/share/simplesamlphp/www").is_dir():
        missing.append("simplesamlphp")
    return missing


def _reserve_port() -> socket.socket:
    """A port for the listener SP's ACS, held for the whole session. Nothing listens on it until a
    test does, so without a hold a driver's or browser's ephemeral port could take it meanwhile
    (seen: 'Address already in use'). A bound, non-listening SO_REUSEADDR socket keeps the
    kernel's ephemeral allocation away, yet lets a test's server (SO_REUSEADDR) listen there."""
    hold = socket.socket()
    hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hold.bind(("127.0.0.1", 0))
    return hold


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):
    global _CURRENT
    missing = _missing_tools()
    if missing:
        pytest.fail(f"the local stack needs {', '.join(missing)}: run "
                    "`python -m devstack install` (or dev/stack install) as root", pytrace=False)
    listener_hold = _reserve_port()
    settings = Settings(state_dir=tmp_path_factory.mktemp("stack"),
                        idp_port=procs.free_port(), aws_port=procs.free_port(),
                        listener_port=listener_hold.getsockname()[1])
    started = time.monotonic()
    try:
        devstack.up(settings, watch_pid=os.getpid())
    except procs.StackError as err:
        pytest.fail(f"the local stack did not start: {err}", pytrace=False)
    _CURRENT = Stack(settings, up_seconds=time.monotonic() - started)
    try:
        yield _CURRENT
    finally:
        _CURRENT = None
        devstack.down(settings.state_dir)
        listener_hold.close()


@pytest.fixture
def aws(stack: Stack) -> Stack:
    """The stack with moto reset and re-seeded: every test starts from the realm's state."""
    stack.reset_aws()
    return stack
