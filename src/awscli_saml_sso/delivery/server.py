"""``exec --server``: the profile's credentials served to one command the way ECS serves a task's.

The command gets ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (http://127.0.0.1:PORT/credentials) and
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` (random, checked in constant time on every request) and no
static keys: every AWS SDK and the AWS CLI then fetch credentials there and fetch again before
they expire, so a job can outlive one SAML session. The server renews through the stored IdP
(headless, the persistent browser profile's IdP session first, the keyring password only when the
IdP asks for it) when less than ``margin`` remains.

Bounded: loopback only, GET only, one path, requests time out, headers are limited (see
:mod:`loopback`), answers are a few hundred bytes.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Mapping

from awscli_saml_sso import awsfiles, inifile, loopback
from awscli_saml_sso.delivery.envvars import REMOVED
from awscli_saml_sso.delivery.profiles import ProfileCredentials
from awscli_saml_sso.delivery.renewal import Source  # noqa: F401  (exec --server's source: commands use server.Source)
from awscli_saml_sso.errors import SamlSsoError

log = logging.getLogger(__name__)

PATH = "/credentials"
REQUEST_TIMEOUT = 10.0  # seconds a connection has to send its (next) request
NOT_FOR_THE_CHILD = (
    *REMOVED,
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
)
_CREDENTIAL_KEYS = (
    "aws_access_key_id",
    "credential_process",
    "role_arn",
    "sso_start_url",
    "sso_session",
    "web_identity_token_file",
    "credential_source",
)


def document(creds: ProfileCredentials) -> bytes:
    """The ECS container credentials document."""
    body = {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token,
        "Expiration": creds.expiration_iso,
    }
    if creds.role_arn:
        body["RoleArn"] = creds.role_arn
    return json.dumps(body).encode()


def responder(source: Callable[[], ProfileCredentials], token: str, status: Callable[[str], None]) -> loopback.Respond:
    """The answer to each request: the token first (constant time), then method and path. The
    document is encoded once per credentials, not once per request."""
    expected = token.encode()
    encoded: list = [None, b""]  # the credentials last served, their document

    def respond(request: loopback.Request) -> loopback.Answer:
        given = request.headers.get("authorization")
        if given is None:
            return _json(401, "missing Authorization token")
        if not hmac.compare_digest(given, expected):
            return _json(403, "wrong Authorization token")
        if request.method != "GET":
            return _json(405, "only GET")
        if request.target.split("?", 1)[0] != PATH:
            return _json(404, "not found")
        try:
            creds = source()
        except SamlSsoError as exc:
            status(f"exec --server: {exc.message}")
            return _json(503, exc.message)
        except Exception as exc:  # an unreadable file, say: an answer, not a traceback
            log.debug("exec --server: reading the credentials failed", exc_info=exc)
            return _json(500, f"reading the credentials failed: {type(exc).__name__}")
        if encoded[0] is not creds:
            encoded[:] = [creds, loopback.Answer(200, document(creds))]
        return encoded[1]

    return respond


def _json(code: int, message: str) -> loopback.Answer:
    return loopback.Answer(code, json.dumps({"message": message}).encode())


class CredentialServer:
    """Started in a thread; ``url`` and ``token`` go to the child; ``close`` when it ends."""

    def __init__(self, source: Callable[[], ProfileCredentials], status: Callable[[str], None]) -> None:
        self.token = secrets.token_urlsafe(32)
        self.source = source
        self._endpoint = loopback.Server(responder(source, self.token, status), deadline=REQUEST_TIMEOUT)
        self._thread = threading.Thread(target=self._endpoint.serve, name="credential-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._endpoint.address
        return f"http://{host}:{port}{PATH}"

    def __enter__(self) -> CredentialServer:
        self._thread.start()
        starter = getattr(self.source, "start", None)
        if starter is not None:
            starter()
        return self

    def __exit__(self, *exc: object) -> None:
        stopper = getattr(self.source, "stop", None)
        if stopper is not None:
            stopper()
        self._endpoint.stop()
        self._thread.join(5)


def child_environment(
    environ: Mapping[str, str], server: CredentialServer, creds: ProfileCredentials, status: Callable[[str], None]
) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k not in NOT_FOR_THE_CHILD}
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = server.token
    if creds.region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = creds.region
    if _has_credentials(awsfiles.credentials_path(environ), "default"):
        # [default]'s keys come before the container's in every SDK's chain: hide the file.
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        status(
            f"exec --server: [default] of {awsfiles.credentials_path(environ)} hidden from the command "
            "(its keys would come first)"
        )
    if _has_credentials(awsfiles.config_path(environ), "default"):
        status(
            f"warning: [default] of {awsfiles.config_path(environ)} has credentials that SDKs may use "
            "before the server's"
        )
    return env


def _has_credentials(path: os.PathLike, section: str) -> bool:
    from awscli_saml_sso import atomicfile

    try:
        values = inifile.get_section(atomicfile.read_bytes(path).decode("utf-8", "surrogateescape"), section)
    except SamlSsoError:
        return False
    return any(key in (values or {}) for key in _CREDENTIAL_KEYS)
