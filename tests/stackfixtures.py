"""pytest plugin: the local stack (SimpleSAMLphp IdP + moto with a strict STS) for tests.

``stack`` (session): started once on free ephemeral ports in a temporary state directory, so it
never collides with a developer's own ``python -m devstack up``; stopped at the end with no
process left. ``aws`` (function): the same stack with moto reset and re-seeded.
``keycloak_stack`` (session): the same with the real Keycloak as the IdP (realm from
keycloak/master-partial-import.json, the Docker stack's file), started lazily: only when a test
asks for it, once per session. ``idp_aws`` (function, parametrised): ``aws`` on each IdP in turn,
for the end-to-end tests that must hold for both.
``localstack_aws`` (function): SimpleSAMLphp + LocalStack 4.13.1 itself (its own venv, installed
once into the cache), one per session, started lazily; its STS takes single-role assertions only.
``saml_response_for(username)``: a real signed SAMLResponse by plain-HTTP login, no browser.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import shutil
import socket
import struct
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # devstack/ sits at the repository root, beside src/
    sys.path.insert(0, str(ROOT))

from devstack import httplogin, keycloak, procs, realm
from devstack import stack as devstack
from devstack.settings import IDPS, KEYCLOAK, LOCALSTACK, MOTO, SIMPLESAMLPHP, Settings

# Keycloak users only the tests need, added through the admin REST API by `keycloak_stack`, not
# in keycloak/master-partial-import.json: that file is the original project's dev realm, which
# Docker users log in to by hand, and it stays equal to devstack/realm.py's USERS (checked by
# tests/test_docker_stack.py). SimpleSAMLphp's exampleauth has no OTP, disabled user or
# required action, so the tests using these run on Keycloak only.
KC_OTP_USER = "kc_otp"
# TOTP key as Keycloak stores it: the HMAC key is these raw bytes (RFC 6238's test key).
KC_OTP_SECRET = "12345678901234567890"
KC_DISABLED_USER = "kc_disabled"
KC_UPDATE_PASSWORD_USER = "kc_update_password"


def _kc_user(
    username: str,
    *,
    roles: tuple[str, ...] = (),
    enabled: bool = True,
    required_actions: tuple[str, ...] = (),
    otp_secret: str | None = None,
) -> dict:
    credentials = [{"type": "password", "value": username, "temporary": False}]
    if otp_secret is not None:
        credentials.append(
            {
                "type": "otp",
                "secretData": json.dumps({"value": otp_secret}),
                "credentialData": json.dumps(
                    {"subType": "totp", "digits": 6, "period": 30, "algorithm": "HmacSHA1", "counter": 0}
                ),
            }
        )
    pairs = [f"{role},{realm.PROVIDER_ARN}" for role in roles]
    return {
        "username": username,
        "enabled": enabled,
        "email": f"{username}@example.com",
        "emailVerified": True,
        "firstName": username,
        "lastName": "Test",
        "credentials": credentials,
        "requiredActions": list(required_actions),
        "clientRoles": {realm.SP_ENTITY_ID: pairs} if pairs else {},
    }


KC_TEST_USERS = [
    _kc_user(KC_OTP_USER, roles=(realm.ROLE_USER,), otp_secret=KC_OTP_SECRET),
    _kc_user(KC_DISABLED_USER, roles=(realm.ROLE_USER,), enabled=False),
    _kc_user(KC_UPDATE_PASSWORD_USER, roles=(realm.ROLE_USER,), required_actions=("UPDATE_PASSWORD",)),
]


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 code (SHA-1, 6 digits, 30 s) for a raw-bytes secret, as Keycloak computes it."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(secret.encode(), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@dataclasses.dataclass
class Stack:
    settings: Settings
    up_seconds: float = 0.0
    # Started elsewhere (the Docker stack in CI): LocalStack has no moto-api reset, and its
    # state is the compose init script's, which the tests here only read.
    external: bool = False

    @property
    def idp(self) -> str:
        """Which IdP this stack runs: "simplesamlphp" or "keycloak"."""
        return self.settings.idp

    @property
    def idp_url(self) -> str:
        """The IdP-initiated URL for AWS (urn:amazon:webservices) of this stack's IdP."""
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
        if self.external:
            return
        if self.settings.aws == LOCALSTACK:
            # No moto-api there; the tests on it only log in and read: seeding again (idempotent)
            # puts back the provider metadata and roles.
            self.seed()
            return
        self._post("/moto-api/reset", b"")
        self.seed()

    def shift_sts_clock(self, seconds: float) -> None:
        """Make the strict STS believe it is ``seconds`` later (expired-assertion tests).
        ``reset_aws`` puts the clock back."""
        self._post("/devstack/clock", f"seconds={seconds}".encode())

    def assume_calls(self) -> int:
        """AssumeRoleWithSAML calls the emulator received since the last ``reset_aws``."""
        import json

        with urllib.request.urlopen(self.aws_endpoint_url + "/devstack/calls", timeout=10) as answer:
            return int(json.loads(answer.read())["AssumeRoleWithSAML"])

    def saml_response_for(self, username: str, password: str | None = None, *, listener: bool = False) -> str:
        if self.idp != SIMPLESAMLPHP:
            # httplogin's plain-HTTP form post loses Keycloak's login state (seen: HTTP 400
            # "Restart login cookie not found"); the browser tests log in to Keycloak instead.
            raise RuntimeError("saml_response_for logs in to SimpleSAMLphp only; use the browser")
        url = self.listener_idp_url if listener else self.idp_url
        return saml_response_for(username, password, idp_url=url)

    def _post(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(
            self.aws_endpoint_url + path,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # loopback
            answer.read()


_CURRENT: Stack | None = None


def saml_response_for(username: str, password: str | None = None, *, idp_url: str | None = None) -> str:
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


def _session_stack(tmp_path_factory: pytest.TempPathFactory, idp: str, aws: str = MOTO):
    listener_hold = _reserve_port()
    settings = Settings(
        state_dir=tmp_path_factory.mktemp(f"stack-{idp}-{aws}"),
        idp_port=procs.free_port(),
        aws_port=procs.free_port(),
        listener_port=listener_hold.getsockname()[1],
        idp=idp,
        aws=aws,
    )
    started = time.monotonic()
    try:
        devstack.up(settings, watch_pid=os.getpid())
    except procs.StackError as err:
        listener_hold.close()
        pytest.fail(f"the local stack ({idp}, {aws}) did not start: {err}", pytrace=False)
    try:
        yield Stack(settings, up_seconds=time.monotonic() - started)
    finally:
        devstack.down(settings.state_dir)
        listener_hold.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):
    global _CURRENT
    missing = _missing_tools()
    if missing:
        pytest.fail(
            f"the local stack needs {', '.join(missing)}: run "
            "`python -m devstack install` (or dev/stack install) as root",
            pytrace=False,
        )
    for current in _session_stack(tmp_path_factory, SIMPLESAMLPHP):
        _CURRENT = current
        try:
            yield current
        finally:
            _CURRENT = None


# ASS_TEST_KEYCLOAK_STACK=docker: the Keycloak tests run against the compose stack already up
# (`docker compose up -d --wait`: Keycloak on 127.0.0.1:8080/auth, LocalStack on :4566; admin
# from KEYCLOAK_ADMIN_USER/KEYCLOAK_ADMIN_PASSWORD as in docker-compose.yml) instead of starting
# the devstack's. LocalStack's STS cannot take two roles: run those with -m "not two_roles".
EXTERNAL_ENV = "ASS_TEST_KEYCLOAK_STACK"


def _docker_keycloak(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(
        state_dir=tmp_path_factory.mktemp("stack-docker"),
        idp=KEYCLOAK,
        idp_port=realm.DEFAULT_IDP_PORT,
        aws_port=realm.DEFAULT_AWS_PORT,
    )
    admin = keycloak.Admin(
        settings.keycloak_base_url,
        os.environ.get("KEYCLOAK_ADMIN_USER", "admin"),
        os.environ.get("KEYCLOAK_ADMIN_PASSWORD", "admin"),
    )
    yield Stack(settings, external=True), admin


def _devstack_keycloak(tmp_path_factory: pytest.TempPathFactory):
    for current in _session_stack(tmp_path_factory, KEYCLOAK):
        yield current, keycloak.Admin.of(current.settings)


@pytest.fixture(scope="session")
def keycloak_stack(tmp_path_factory: pytest.TempPathFactory):
    """Keycloak + strict moto, once per session and only if a test asks (its start takes 15-60 s
    idle, minutes on a loaded machine; the first ever also fetches Keycloak into the cache).
    The test-only users are added here."""
    mode = os.environ.get(EXTERNAL_ENV, "")
    if mode not in ("", "docker"):
        pytest.fail(f"{EXTERNAL_ENV}={mode!r}: only 'docker' is known", pytrace=False)
    source = _docker_keycloak if mode == "docker" else _devstack_keycloak
    for current, admin in source(tmp_path_factory):
        admin.call("POST", "/partialImport", {"ifResourceExists": "OVERWRITE", "users": KC_TEST_USERS})
        yield current


def _idp_params() -> list:
    # Against the Docker stack only Keycloak is there: no SimpleSAMLphp run to pair it with.
    if os.environ.get(EXTERNAL_ENV):
        return [KEYCLOAK]
    return list(IDPS)


@pytest.fixture(params=_idp_params())
def idp_aws(request: pytest.FixtureRequest) -> Stack:
    """``aws`` on SimpleSAMLphp, then on Keycloak: an end-to-end test that must hold for both."""
    current = request.getfixturevalue("stack" if request.param == SIMPLESAMLPHP else "keycloak_stack")
    current.reset_aws()
    return current


@pytest.fixture
def keycloak_aws(keycloak_stack: Stack) -> Stack:
    """``aws`` on Keycloak only: what SimpleSAMLphp cannot do (OTP, disabled user, required action)."""
    keycloak_stack.reset_aws()
    return keycloak_stack


@pytest.fixture
def aws(stack: Stack) -> Stack:
    """The stack with moto reset and re-seeded: every test starts from the realm's state."""
    stack.reset_aws()
    return stack


@pytest.fixture(scope="session")
def localstack_stack(tmp_path_factory: pytest.TempPathFactory):
    """SimpleSAMLphp + LocalStack 4.13.1 (not the strict emulator), once per session and only if a
    test asks. The first run ever installs LocalStack's venv into ~/.cache/awscli-saml-sso."""
    missing = _missing_tools()
    if missing:
        pytest.fail(
            f"the local stack needs {', '.join(missing)}: run "
            "`python -m devstack install` (or dev/stack install) as root",
            pytrace=False,
        )
    yield from _session_stack(tmp_path_factory, SIMPLESAMLPHP, LOCALSTACK)


@pytest.fixture
def localstack_aws(localstack_stack: Stack) -> Stack:
    """LocalStack seeded with the realm (bucket, SAML provider from the IdP's metadata, roles)."""
    localstack_stack.reset_aws()
    return localstack_stack


def rewrite_php(path: Path, data: bytes) -> None:
    """Write a PHP file the running IdP includes (config.php) so that it is seen at once: PHP's
    opcache keys on the mtime in whole seconds, and a rewrite within the same second as the
    version it compiled would be served stale; a later mtime never is."""
    previous = path.stat().st_mtime
    path.write_bytes(data)
    later = max(time.time(), previous) + 2
    os.utime(path, (later, later))


@pytest.fixture
def remembering_idp(aws):
    """The stack's SimpleSAMLphp, for one test, with a persistent session cookie: what a real IdP
    gives after "stay signed in" / "remember me" (Entra's KMSI, Keycloak's remember-me). Out of
    the box it sends session cookies only, which every browser drops when it quits, as it must:
    a persistent profile cannot keep them."""
    config = aws.state_dir / "idp" / "config" / "config.php"
    original = config.read_bytes()
    rewrite_php(config, original + b"\n$config['session.cookie.lifetime'] = 8 * 3600;\n")
    try:
        yield aws
    finally:
        rewrite_php(config, original)
