"""The AWS federation endpoint (signin.aws.amazon.com/federation), locally, for ``console``.

``?Action=getSigninToken&Session={"sessionId","sessionKey","sessionToken"}`` answers
``{"SigninToken": ...}`` for role credentials this stack's STS issued and that have not expired
(any other: HTTP 400, as AWS); ``?Action=login&Issuer=...&Destination=...&SigninToken=...``
answers a page naming the signed-in role for a token not older than 15 minutes. AWS would
redirect to the console; there is no console here, so the page says where it would go.
"""

from __future__ import annotations

import datetime
import json
import secrets
import threading
from html import escape

from devstack import realm

PATH = "/federation"
TOKEN_LIFETIME = datetime.timedelta(minutes=15)  # AWS: a sign-in token is valid 15 minutes


class Federation:
    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, datetime.datetime]] = {}  # token -> (role ARN, issued)
        self._lock = threading.Lock()

    def answer(self, params: dict[str, str], now: datetime.datetime) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) for one request to the endpoint."""
        action = params.get("Action")
        if action == "getSigninToken":
            return self._sign_in_token(params.get("Session", ""), now)
        if action == "login":
            return self._login(params, now)
        return 400, "text/plain", b"Bad Request: Action must be getSigninToken or login\n"

    def _sign_in_token(self, session: str, now: datetime.datetime) -> tuple[int, str, bytes]:
        arn = _session_arn(session, now)
        if arn is None:
            return 400, "text/plain", b"Bad Request\n"  # AWS says no more either
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = (arn, now)
        return 200, "application/json", json.dumps({"SigninToken": token}).encode()

    def _login(self, params: dict[str, str], now: datetime.datetime) -> tuple[int, str, bytes]:
        with self._lock:
            arn, issued = self._tokens.get(params.get("SigninToken", ""), ("", now - 2 * TOKEN_LIFETIME))
        if not arn or now - issued > TOKEN_LIFETIME:
            return 400, "text/plain", b"Bad Request: the sign-in token is unknown or older than 15 minutes\n"
        page = (
            "<!doctype html><title>AWS console (local dev stack)</title>"
            f"<p>Signed in as <b>{escape(arn)}</b>.</p>"
            f"<p>AWS would now open {escape(params.get('Destination', ''))} "
            "(this local stack has no console).</p>"
        )
        return 200, "text/html; charset=utf-8", page.encode()


def _session_arn(session: str, now: datetime.datetime) -> str | None:
    """The assumed-role ARN of these credentials, if this stack issued them and they are valid."""
    from moto.sts.models import sts_backends

    try:
        fields = json.loads(session)
        key_id, secret, token = fields["sessionId"], fields["sessionKey"], fields["sessionToken"]
    except (ValueError, TypeError, KeyError):
        return None
    assumed = sts_backends[realm.ACCOUNT_ID]["aws"].get_assumed_role_from_access_key(key_id)
    if assumed is None or (assumed.secret_access_key, assumed.session_token) != (secret, token):
        return None
    # moto keeps naive UTC times; ``now`` carries the stack's clock shift (expiry tests)
    if assumed.expiration <= now.astimezone(datetime.timezone.utc).replace(tzinfo=None):
        return None
    return assumed.arn
